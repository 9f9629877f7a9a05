# The two set-up commands are `make run` and `make test`; each builds .venv by itself.
PYTHON ?= python3
VENV   := .venv
PY     := $(VENV)/bin/python

.PHONY: run test lint bench clean

$(VENV)/pyvenv.cfg:
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else "bpgui needs Python 3.11 or newer; set PYTHON=python3.11")'
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip

$(VENV)/.installed-run: $(VENV)/pyvenv.cfg pyproject.toml
	$(PY) -m pip install --quiet -e .
	@touch $@

$(VENV)/.installed-test: $(VENV)/pyvenv.cfg pyproject.toml
	$(PY) -m pip install --quiet -e '.[test]'
	@touch $@ $(VENV)/.installed-run

run: $(VENV)/.installed-run
	$(PY) -m bpgui $(ARGS)

# ruff, then the layer contracts of pyproject.toml (a broken one is named in the output),
# then mypy over bpgui/ and tests/ ([tool.mypy] in pyproject.toml).
lint: $(VENV)/.installed-test
	$(PY) -m ruff check bpgui tests benchmarks tools
	$(VENV)/bin/lint-imports
	$(PY) -m mypy

# The property tests draw a fixed, derandomised set of examples here (see tests/conftest.py);
# HYPOTHESIS_PROFILE=default make test draws fresh ones.
HYPOTHESIS_PROFILE ?= ci

test: lint
	QT_QPA_PLATFORM=offscreen HYPOTHESIS_PROFILE=$(HYPOTHESIS_PROFILE) $(PY) -m pytest $(PYTEST_ARGS)

bench: $(VENV)/.installed-test
	$(PY) -m pip install --quiet -e '.[bench]'
	OMP_NUM_THREADS=1 OPENBLAS_NUM_THREADS=1 MKL_NUM_THREADS=1 $(PY) benchmarks/bench_train.py
	QT_QPA_PLATFORM=offscreen $(PY) benchmarks/bench_gui_stepping.py
	QT_QPA_PLATFORM=offscreen $(PY) benchmarks/bench_gui_training.py

clean:
	rm -rf $(VENV) build dist *.egg-info .pytest_cache .ruff_cache .mypy_cache .hypothesis
