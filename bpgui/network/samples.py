"""Where the sample networks live, and the built-in default network (seed 000).

In a source checkout they are the top-level ``sample_networks/``; in an
installed wheel, a copy under ``bpgui/_data/``.
"""

from __future__ import annotations

from pathlib import Path

from bpgui.network import fileformat
from bpgui.network.model import Network

_PACKAGE = Path(__file__).resolve().parents[1]  # bpgui/
DEFAULT_SAMPLE = "seed000_worked_example.bpnet.json"


def samples_dir() -> Path:
    for candidate in (_PACKAGE.parent / "sample_networks", _PACKAGE / "_data" / "sample_networks"):
        if candidate.is_dir():
            return candidate
    raise FileNotFoundError("sample_networks/ is missing from this installation")


def resources_dir() -> Path:
    for candidate in (_PACKAGE.parent / "resources", _PACKAGE / "_data" / "resources"):
        if candidate.is_dir():
            return candidate
    raise FileNotFoundError("resources/ is missing from this installation")


def sample_files() -> list[Path]:
    """Every shipped network, sorted by file name."""
    return sorted(samples_dir().glob("*.bpnet.json"))


def default_network() -> Network:
    """Seed 000's worked example: what plain ``bpgui`` opens."""
    return fileformat.load(samples_dir() / DEFAULT_SAMPLE)
