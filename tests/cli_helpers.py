"""Helpers for the command-line tests: run the real ``bpgui`` in a subprocess and judge it.

``run_cli`` runs ``python -m bpgui`` (or the installed ``bpgui`` console script) with the
interpreter running the tests; ``error_line`` asserts the one-line error contract of
``../shared/spec/cli.md``; ``snapshot`` records every file under a folder so a test can
prove that nothing was changed, created or left behind.
"""

from __future__ import annotations

import hashlib
import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
SAMPLES = ROOT / "sample_networks"
SAMPLE_FILES = sorted(SAMPLES.glob("*.bpnet.json"))
SEED000 = SAMPLES / "seed000_worked_example.bpnet.json"
CONSOLE_SCRIPT = Path(sys.executable).with_name("bpgui")
ERROR_PREFIX = "bpgui: error: "


def run_cli(*args: str | os.PathLike[str], cwd: str | os.PathLike[str] | None = None,
            script: bool = False, timeout: float = 60) -> subprocess.CompletedProcess[str]:
    """Run ``python -m bpgui ARGS`` (or the ``bpgui`` console script) and capture its output."""
    command = [str(CONSOLE_SCRIPT)] if script else [sys.executable, "-m", "bpgui"]
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen")
    return subprocess.run(
        [*command, *map(str, args)], cwd=cwd, env=env, stdin=subprocess.DEVNULL,
        capture_output=True, text=True, encoding="utf-8", timeout=timeout, check=False,
    )


def assert_no_traceback(result: subprocess.CompletedProcess[str]) -> None:
    for stream in (result.stdout, result.stderr):
        assert "Traceback" not in stream, f"a traceback reached the user:\n{stream}"


def error_line(result: subprocess.CompletedProcess[str], status: int = 2) -> str:
    """Assert the error contract (status, one ``bpgui: error:`` line, no traceback); return it."""
    assert_no_traceback(result)
    assert result.returncode == status, (
        f"exit status {result.returncode}, expected {status}\n"
        f"stdout: {result.stdout!r}\nstderr: {result.stderr!r}")
    lines = result.stderr.splitlines()
    assert len(lines) == 1 and result.stderr.endswith("\n"), (
        f"stderr must be exactly one line, got {len(lines)}: {result.stderr!r}")
    assert lines[0].startswith(ERROR_PREFIX), lines[0]
    return lines[0]


def ok_json(result: subprocess.CompletedProcess[str]) -> Any:
    """Assert a clean exit 0 and return the JSON document on standard output."""
    assert_no_traceback(result)
    assert result.returncode == 0, f"exit {result.returncode}: {result.stderr}"
    assert result.stderr == ""
    return json.loads(result.stdout)


def snapshot(folder: Path) -> dict[str, tuple[str, int]]:
    """Every file under ``folder`` (relative name -> (sha256, mode)); folders count too."""
    state: dict[str, tuple[str, int]] = {}
    for path in sorted(folder.rglob("*")):
        name = path.relative_to(folder).as_posix()
        mode = path.lstat().st_mode
        if path.is_file():
            state[name] = (hashlib.sha256(path.read_bytes()).hexdigest(), mode)
        else:
            state[name] = ("<folder>", mode)
    return state


def write_json(path: Path, document: Any) -> Path:
    path.write_text(json.dumps(document, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    return path
