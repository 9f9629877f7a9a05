"""A lesson: the scenes a teacher prepares and plays in class (a v1 addition, ``lesson``).

A :class:`Scene` says where the pass stands (the step index, 0 = before the first; the
sample and the granularity), what is selected (its path view), how the canvas is zoomed
and centred, the caption the class reads, the teacher's private notes, and whether it
asks a question (the scene stops before its step's result and shows it on the next
clicker press). Plain data: no Qt, no NumPy; the rules are :func:`check_scene`.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

from bpgui.network.errors import NetworkError

GRANULARITIES = ("edge", "node", "layer")   # the pass's granularities (engine.records too)
SCENE_FIELDS = ("title", "step", "sample", "granularity", "selection", "zoom", "centre",
                "caption", "notes", "question")


@dataclass(frozen=True)
class Scene:
    """One scene of a lesson. ``zoom`` (the view's scale) and ``centre`` (the scene
    point in the middle of the view) are None for "fit the whole network"."""

    title: str
    step: int = 0
    sample: int = 0
    granularity: str = "node"
    selection: tuple[str, ...] = ()
    zoom: float | None = None
    centre: tuple[float, float] | None = None
    caption: str = ""
    notes: str = ""
    question: bool = False

    @property
    def asks(self) -> bool:
        """A question with a step to hold back (a question at step 0 has nothing to hide)."""
        return self.question and self.step > 0


def _count(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and value >= 0


def _finite(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool) \
        and math.isfinite(value)


def check_scene(scene: Scene, path: str) -> None:
    """Rules about one scene (its ids and step are not checked against the network: an
    edit may remove a neuron or shorten the pass, and the file must stay savable)."""
    for key in ("title", "caption", "notes"):
        if not isinstance(getattr(scene, key), str):
            raise NetworkError("must be a string", f"{path}.{key}")
    for key in ("step", "sample"):
        if not _count(getattr(scene, key)):
            raise NetworkError(f"must be an integer >= 0, not {getattr(scene, key)!r}",
                               f"{path}.{key}")
    if scene.granularity not in GRANULARITIES:
        raise NetworkError(f"granularity must be one of {', '.join(GRANULARITIES)}, "
                           f"not {scene.granularity!r}", f"{path}.granularity")
    if not isinstance(scene.selection, tuple) or \
            not all(isinstance(i, str) for i in scene.selection):
        raise NetworkError("must be a list of neuron and edge ids", f"{path}.selection")
    if scene.zoom is not None and not (_finite(scene.zoom) and scene.zoom > 0):
        raise NetworkError(f"must be a finite number > 0, not {scene.zoom!r}", f"{path}.zoom")
    if scene.centre is not None and not (
            isinstance(scene.centre, tuple) and len(scene.centre) == 2
            and all(_finite(v) for v in scene.centre)):
        raise NetworkError("must be two finite numbers [x, y]", f"{path}.centre")
    if not isinstance(scene.question, bool):
        raise NetworkError("must be true or false", f"{path}.question")


def scene_to_dict(scene: Scene) -> dict[str, Any]:
    """The scene as the file writes it: title, step, sample, granularity always; the
    rest where it says something."""
    d: dict[str, Any] = {"title": scene.title, "step": scene.step, "sample": scene.sample,
                         "granularity": scene.granularity}
    if scene.selection:
        d["selection"] = list(scene.selection)
    if scene.zoom is not None:
        d["zoom"] = scene.zoom
    if scene.centre is not None:
        d["centre"] = list(scene.centre)
    if scene.caption:
        d["caption"] = scene.caption
    if scene.notes:
        d["notes"] = scene.notes
    if scene.question:
        d["question"] = True
    return d
