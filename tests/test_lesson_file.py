"""A lesson in the network file (a v1 addition): the model's scenes, their changes, and an
exact round trip through the file."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from bpgui.network import fileformat
from bpgui.network.changes import Change, ChangeKind
from bpgui.network.errors import NetworkError
from bpgui.network.lesson import Scene
from bpgui.network.model import Network

ROOT = Path(__file__).resolve().parent.parent
SEED = ROOT / "sample_networks" / "seed000_worked_example.bpnet.json"

SCENES = [
    Scene("Forward", 3, caption="h₁ computes z and a."),
    Scene("The path to w5", 10, 0, "edge", ("w5", "h1"), 1.75, (120.5, -40.0),
          "What is ∂L/∂w5?", "Ask the back row first.", True),
]


def test_a_file_without_a_lesson_loads_and_saves_as_before() -> None:
    text = SEED.read_text("utf-8")
    network = fileformat.loads(text)
    assert network.lesson == [] or "lesson" in json.loads(text)
    without = {k: v for k, v in json.loads(text).items() if k != "lesson"}
    plain = fileformat.network_from_dict(without)
    assert plain.lesson == []
    assert "lesson" not in fileformat.network_to_dict(plain)


def test_the_lesson_round_trips_exactly(tmp_path: Path) -> None:
    network = fileformat.load(SEED)
    network.lesson = list(SCENES)
    path = tmp_path / "lesson.bpnet.json"
    fileformat.save(network, path)
    again = fileformat.load(path)
    assert again.lesson == SCENES
    assert fileformat.dumps(again) == path.read_text("utf-8")
    assert network.copy().lesson == SCENES


def test_mutators_emit_one_typed_change_each() -> None:
    network = Network()
    seen: list[Change] = []
    network.subscribe(seen.append)
    network.add_scene(SCENES[0])
    network.add_scene(SCENES[1], 0)
    assert [s.title for s in network.lesson] == ["The path to w5", "Forward"]
    network.move_scene(0, 1)
    network.update_scene(0, title="Forward pass", caption="z, then a")
    network.update_scene(0, title="Forward pass")          # nothing changes: no event
    removed = network.remove_scene(1)
    assert removed == SCENES[1]
    assert [(c.kind, c.field) for c in seen] == [
        (ChangeKind.SCENE_ADDED, None), (ChangeKind.SCENE_ADDED, None),
        (ChangeKind.SCENE_MOVED, None),
        (ChangeKind.SCENE_CHANGED, "title"), (ChangeKind.SCENE_CHANGED, "caption"),
        (ChangeKind.SCENE_REMOVED, None)]
    assert seen[3].old == (0, "Forward") and seen[3].new == (0, "Forward pass")
    assert all(c.looks_only for c in seen)     # a lesson never changes a computed value


@pytest.mark.parametrize(("changes", "where"), [
    ({"step": -1}, "lesson[0].step"),
    ({"granularity": "neuron"}, "lesson[0].granularity"),
    ({"zoom": 0.0}, "lesson[0].zoom"),
    ({"title": 3}, "lesson[0].title"),
    ({"question": 1}, "lesson[0].question"),
])
def test_the_model_refuses_a_bad_scene_and_changes_nothing(changes, where) -> None:
    network = Network(lesson=[SCENES[0]])
    with pytest.raises(NetworkError) as info:
        network.update_scene(0, **changes)
    assert info.value.path == where
    assert network.lesson == [SCENES[0]]
    with pytest.raises(NetworkError):
        network.remove_scene(1)


def test_worksheet_lesson_prints_the_step_records_and_blanks_the_question(tmp_path) -> None:
    from bpgui.engine.stepper import all_steps
    from bpgui.handout.blocks import BLANK
    from tests.cli_helpers import run_cli

    out = tmp_path / "lesson.md"
    result = run_cli("worksheet", SEED, "--lesson", "-o", out)
    assert result.returncode == 0, result.stderr
    assert "the lesson, 8 scenes" in result.stdout
    text = out.read_text("utf-8")
    network = fileformat.load(SEED)
    records = all_steps(network, 0, "node")
    sections = text.split("\n## ")[1:]
    assert len(sections) == len(network.lesson)
    for k, (scene, section) in enumerate(zip(network.lesson, sections, strict=True), 1):
        assert section.startswith(f"Scene {k}: {scene.title}")
        assert scene.caption.replace("_", "\\_") in section
        assert scene.notes not in section               # the teacher's, never printed
        if not scene.step:
            continue
        for eq in records[scene.step - 1].equations:
            lines = eq.lines(4)
            for line in lines[:-1]:
                assert f"`{line}`" in section
            if scene.question:
                assert f"`{lines[-1]}`" not in section and BLANK in section
            else:
                assert f"`{lines[-1]}`" in section and BLANK not in section
    question = sections[6]
    assert "δ_h1 = (1 − a_h1²)·(w7·δ_y)" in question and "−0.025" not in question
    assert "∂L/∂w5 = x3·δ_h1" in sections[7] and "`= −0.025`" in sections[7]


def test_worksheet_lesson_refuses_a_file_without_one(tmp_path) -> None:
    from tests.cli_helpers import run_cli

    plain = ROOT / "sample_networks" / "xor_2-2-1.bpnet.json"
    result = run_cli("worksheet", plain, "--lesson", "-o", tmp_path / "x.html")
    assert result.returncode != 0 and "has no lesson" in result.stderr
    assert not (tmp_path / "x.html").exists()
