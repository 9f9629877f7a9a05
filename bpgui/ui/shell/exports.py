"""File ▸ Export image and Export worked solution: ask where (and at what scale), write,
say what happened in the status bar. A refusal (a bad suffix, an unwritable folder) is
one status line; nothing is left half written."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from PySide6.QtWidgets import QFileDialog, QInputDialog, QWidget

from bpgui.handout import write_worksheet
from bpgui.network.errors import BpguiError
from bpgui.ui.canvas.export import MAX_SCALE, MIN_SCALE, write_image
from bpgui.ui.canvas.scene import NetworkScene
from bpgui.ui.document.document import Document
from bpgui.ui.stepping.session import StepSession

Report = Callable[[str], None]
"""Where the outcome goes: the window's status bar."""


def export_image(parent: QWidget, scene: NetworkScene, document: Document, report: Report,
                 path: str | None = None, scale: float | None = None) -> bool:
    """The canvas as PNG, or as SVG for print, at a chosen scale."""
    if path is None:
        path, _ = QFileDialog.getSaveFileName(
            parent, "Export image", str(Path.cwd() / "network.png"),
            "PNG image (*.png);;SVG drawing (*.svg)")
    if not path:
        return False
    if scale is None:
        scale, ok = QInputDialog.getDouble(
            parent, "Export image", "Scale (pixels per canvas unit; 2 suits a slide):",
            1.0 if path.lower().endswith(".svg") else 2.0, MIN_SCALE, MAX_SCALE, 1)
        if not ok:
            return False
    ok = write_image(scene, path, scale, document.display_name)
    report(f"Exported {path} at {scale:g}×." if ok else f"Could not write {path}.")
    return ok


def export_worksheet(parent: QWidget, scene: NetworkScene, document: Document,
                     session: StepSession, report: Report, path: str | None = None,
                     questions: bool = False) -> bool:
    """The pass shown, in the Step panel's words, as a handout; the paths of the selected
    weight or neuron are included."""
    if path is None:
        stem = "worksheet" if questions else "worked-solution"
        path, _ = QFileDialog.getSaveFileName(
            parent, "Export worked solution", str(Path.cwd() / f"{stem}.html"),
            "Printable page (*.html);;Markdown (*.md)")
    if not path:
        return False
    neurons, edges = scene.selected_ids()
    try:
        write_worksheet(document.network, path, sample=session.sample,
                        select=(edges + neurons)[:1], questions=questions,
                        digits=session.digits, source_name=document.display_name)
    except (BpguiError, OSError) as exc:
        report(f"Not exported: {exc}")
        return False
    report(f"Exported the worked solution of sample {session.sample} to {path}.")
    return True
