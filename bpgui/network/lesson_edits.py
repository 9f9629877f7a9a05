"""The lesson's mutators, mixed into :class:`~bpgui.network.model.Network`: add, remove,
move and change scenes, each emitting a typed :class:`~bpgui.network.changes.Change` only
when something really changes, as every mutator of the model does.

A module of its own so that the model stays one screenful of rules about neurons and
edges; a lesson never changes a computed value, only what a class is shown.
"""

from __future__ import annotations

from dataclasses import fields, replace
from typing import Any

from bpgui.network.changes import Change, ChangeKind
from bpgui.network.errors import NetworkError
from bpgui.network.lesson import Scene, check_scene


class LessonEdits:
    """The scene mutators; the class that mixes them in provides ``lesson`` and ``_emit``."""

    lesson: list[Scene]

    def _emit(self, change: Change) -> None:
        raise NotImplementedError

    def add_scene(self, scene: Scene, index: int | None = None) -> int:
        """Insert a scene (at the end by default); return where it went."""
        check_scene(scene, "scene")
        at = len(self.lesson) if index is None else index
        if not 0 <= at <= len(self.lesson):
            raise NetworkError(f"no place {at} in a lesson of {len(self.lesson)} scenes",
                               "lesson")
        self.lesson.insert(at, scene)
        self._emit(Change(ChangeKind.SCENE_ADDED, new=(at, scene)))
        return at

    def remove_scene(self, index: int) -> Scene:
        scene = self.lesson.pop(self._scene_index(index))
        self._emit(Change(ChangeKind.SCENE_REMOVED, old=(index, scene)))
        return scene

    def move_scene(self, index: int, to: int) -> None:
        """Move the scene at ``index`` so that it stands at ``to``."""
        self._scene_index(index)
        self._scene_index(to)
        if index != to:
            self.lesson.insert(to, self.lesson.pop(index))
            self._emit(Change(ChangeKind.SCENE_MOVED, old=index, new=to))

    def update_scene(self, index: int, **changes: Any) -> None:
        """Change fields of a scene (title, caption, notes, question, …)."""
        current = self.lesson[self._scene_index(index)]
        candidate = replace(current, **changes)
        check_scene(candidate, f"lesson[{index}]")
        self.lesson[index] = candidate
        for f in fields(candidate):
            old, new = getattr(current, f.name), getattr(candidate, f.name)
            if old != new:
                self._emit(Change(ChangeKind.SCENE_CHANGED, field=f.name, old=(index, old),
                                  new=(index, new)))

    def _scene_index(self, index: int) -> int:
        if isinstance(index, bool) or not isinstance(index, int) \
                or not 0 <= index < len(self.lesson):
            raise NetworkError(f"no scene {index!r} in a lesson of {len(self.lesson)}",
                               "lesson")
        return index
