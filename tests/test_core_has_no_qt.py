"""The core of bpgui imports no Qt: neither PySide6 nor pyqtgraph (nor any other Qt binding).

The core is every module under ``bpgui/`` except the ``bpgui/ui/`` package and the GUI
entry modules ``bpgui/app.py`` and ``bpgui/commands.py`` (when they exist). Modules are
discovered by walking the package folder, so new modules are covered automatically.
Checked twice: (a) statically, by parsing each file with ``ast`` and looking at every
import, also inside functions and via ``importlib.import_module``/``__import__``; and
(b) dynamically, by importing every core module in a fresh interpreter and looking at
``sys.modules`` afterwards.
"""

from __future__ import annotations

import ast
import json
import subprocess
import sys
from pathlib import Path

import pytest

import bpgui

PACKAGE = Path(bpgui.__file__).resolve().parent
GUI_PARTS = ("ui",)                      # packages under bpgui/ that may use Qt
GUI_FILES = ("app.py", "commands.py")   # modules directly under bpgui/ that may use Qt
FORBIDDEN = ("PySide6", "pyqtgraph", "shiboken6", "PyQt5", "PyQt6", "PySide2", "qtpy")


def core_files() -> list[Path]:
    files = []
    for path in sorted(PACKAGE.rglob("*.py")):
        relative = path.relative_to(PACKAGE)
        if relative.parts[0] in GUI_PARTS or relative.as_posix() in GUI_FILES:
            continue
        if "__pycache__" in relative.parts:
            continue
        files.append(path)
    return files


def module_name(path: Path) -> str:
    parts = list(path.relative_to(PACKAGE.parent).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


CORE_FILES = core_files()
# bpgui.__main__ runs the program when imported, so it is only checked statically.
CORE_MODULES = [m for m in map(module_name, CORE_FILES) if not m.endswith("__main__")]


def is_forbidden(module: str) -> bool:
    return module.split(".")[0] in FORBIDDEN


def imported_modules(tree: ast.AST) -> list[tuple[int, str]]:
    """(line, module) for every import statement and literal dynamic import in ``tree``."""
    found: list[tuple[int, str]] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found += [(node.lineno, alias.name) for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.append((node.lineno, node.module))
        elif isinstance(node, ast.Call) and node.args:
            func = node.func
            name = func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", "")
            first = node.args[0]
            if name in ("import_module", "__import__") and isinstance(first, ast.Constant) \
                    and isinstance(first.value, str):
                found.append((node.lineno, first.value))
    return found


def test_the_core_is_discovered() -> None:
    names = set(CORE_MODULES)
    assert {"bpgui", "bpgui.model", "bpgui.fileformat", "bpgui.cli", "bpgui.engine.plan"} <= names
    assert not any(n.startswith("bpgui.ui") for n in names)


@pytest.mark.parametrize("path", CORE_FILES, ids=lambda p: p.relative_to(PACKAGE).as_posix())
def test_core_module_does_not_import_qt(path: Path) -> None:
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    bad = [f"line {line}: {module}" for line, module in imported_modules(tree)
           if is_forbidden(module)]
    assert not bad, f"{path.relative_to(PACKAGE.parent)} imports Qt: {bad}"


def test_the_static_check_sees_qt_imports() -> None:
    source = ("import PySide6.QtCore\nfrom pyqtgraph import PlotWidget\n"
              "def f():\n    from PySide6 import QtWidgets\n"
              "importlib.import_module('pyqtgraph.exporters')\n")
    modules = [m for _, m in imported_modules(ast.parse(source))]
    assert [m for m in modules if is_forbidden(m)] == [
        "PySide6.QtCore", "pyqtgraph", "PySide6", "pyqtgraph.exporters"]


def test_importing_the_core_loads_no_qt() -> None:
    script = (
        "import importlib, json, sys\n"
        f"for name in {CORE_MODULES!r}:\n"
        "    importlib.import_module(name)\n"
        f"print(json.dumps(sorted(m for m in sys.modules if m.split('.')[0] in {FORBIDDEN!r})))\n"
    )
    result = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True,
                            timeout=120, check=False)
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout) == [], "importing the core loaded Qt"
