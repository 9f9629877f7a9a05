"""The main window: menus and actions, the title, files, prompts and screenshot mode."""

from __future__ import annotations

import gc
import json
import subprocess
import sys
from pathlib import Path

import pytest
from PySide6.QtGui import QAction, QImage
from PySide6.QtWidgets import QMessageBox

from bpgui.network import fileformat
from bpgui.ui.document.commands import SetEdge

ROOT = Path(__file__).resolve().parents[2]
SEED000 = ROOT / "sample_networks" / "seed000_worked_example.bpnet.json"
SEED003 = ROOT / "sample_networks" / "seed003_layered.bpnet.json"


def test_every_action_has_an_object_name_and_a_tooltip(window) -> None:
    actions = window.findChildren(QAction)
    named = [a for a in actions if a.text() and not a.isSeparator()]
    assert len(named) >= 20
    for action in window.actions_by_name.values():
        assert action.objectName().startswith("action"), action.text()
        assert action.toolTip() and action.toolTip() != action.text().replace("&", ""), \
            action.objectName()
    for name in ("actionNew", "actionOpen", "actionSave", "actionSaveAs", "actionUndo",
                 "actionRedo", "actionDelete", "actionZoomIn", "actionFit", "actionQuit"):
        assert window.findChild(QAction, name) is not None, name


def test_standard_shortcuts(window) -> None:
    keys = {name: a.shortcut().toString() for name, a in window.actions_by_name.items()}
    assert keys["Save"] == "Ctrl+S" and keys["Open"] == "Ctrl+O" and keys["New"] == "Ctrl+N"
    assert keys["Undo"] == "Ctrl+Z" and keys["Quit"] == "Ctrl+Q"


def test_menus_list_the_samples(window) -> None:
    titles = [a.text() for a in window.samples_menu.actions()]
    assert "seed000_worked_example" in titles and "overfit_moons" in titles
    assert len(titles) == 14


def test_title_shows_the_name_and_a_star_while_unsaved(window) -> None:
    assert window.windowTitle() == "Seed 000: the worked example[*] — bpgui"
    assert not window.isWindowModified()
    window.document.execute(SetEdge(window.document, "w1", weight=2.0))
    assert window.isWindowModified()
    window.document.undo_stack.undo()
    assert not window.isWindowModified()


def test_save_as_writes_the_file_and_clears_the_star(window, tmp_path, monkeypatch) -> None:
    target = tmp_path / "mine.bpnet.json"
    monkeypatch.setattr(window.files, "ask_save_path", lambda: str(target))
    window.document.execute(SetEdge(window.document, "w1", weight=2.5))
    window.actions_by_name["SaveAs"].trigger()
    assert fileformat.load(target).edge("w1").weight == 2.5
    assert not window.isWindowModified()
    assert window.files.recent_files()[0] == str(target.resolve())
    window.document.execute(SetEdge(window.document, "w1", weight=3.5))
    window.actions_by_name["Save"].trigger()                  # to the same file, no prompt
    assert fileformat.load(target).edge("w1").weight == 3.5


def test_an_invalid_file_keeps_the_current_network(window, tmp_path, monkeypatch) -> None:
    bad = tmp_path / "bad.bpnet.json"
    doc = json.loads(SEED000.read_text("utf-8"))
    doc["edges"][3]["target"] = "nowhere"
    bad.write_text(json.dumps(doc), "utf-8")
    shown: list[str] = []
    monkeypatch.setattr(window.files, "show_error", lambda title, message: shown.append(message))
    before = fileformat.dumps(window.document.network)
    assert not window.files.open(bad)
    assert shown and "edges[3].target" in shown[0] and "nowhere" in shown[0]
    assert fileformat.dumps(window.document.network) == before
    assert "Not opened" in window.statusBar().currentMessage()


@pytest.mark.parametrize(("answer", "replaced"), [
    (QMessageBox.StandardButton.Cancel, False),
    (QMessageBox.StandardButton.Discard, True),
])
def test_new_asks_before_discarding(window, monkeypatch, answer, replaced) -> None:
    asked: list[bool] = []

    def ask_discard() -> QMessageBox.StandardButton:
        asked.append(True)
        return answer

    monkeypatch.setattr(window.files, "ask_discard", ask_discard)
    window.document.execute(SetEdge(window.document, "w1", weight=2.0))
    window.actions_by_name["New"].trigger()
    assert asked == [True]
    assert (len(window.document.network.neurons) == 0) is replaced


def test_clean_documents_are_replaced_without_asking(window) -> None:
    window.actions_by_name["New"].trigger()                   # the fixture refuses dialogs
    assert window.document.network.neurons == []
    assert window.windowTitle() == "Untitled[*] — bpgui"


def test_open_sample_from_the_menu(window) -> None:
    action = next(a for a in window.samples_menu.actions() if a.text() == "xor_2-2-1")
    action.trigger()
    assert window.document.network.name and "XOR" in window.document.network.name
    assert set(window.scene.neuron_items) == {n.id for n in window.document.network.neurons}


def test_export_image_writes_a_png_of_the_canvas_at_its_scale(window, tmp_path) -> None:
    small, large = tmp_path / "small.png", tmp_path / "large.png"
    assert window.export_image(str(small), 1.0) and window.export_image(str(large), 3.0)
    a, b = QImage(str(small)), QImage(str(large))
    assert a.width() > 300 and a.height() > 200
    assert abs(b.width() - 3 * a.width()) <= 3 and abs(b.height() - 3 * a.height()) <= 3


def test_export_svg_is_vector_xml_with_the_labels(window, tmp_path) -> None:
    import xml.etree.ElementTree as ET

    target = tmp_path / "canvas.svg"
    assert window.export_image(str(target), 1.0)
    root = ET.parse(target).getroot()                  # well-formed XML
    assert root.tag.endswith("svg")
    text = "".join(root.itertext())
    for n in window.document.network.neurons:
        assert n.display_label in text, n.id
    from bpgui.network.numbers import fmt

    for e in window.document.network.edges:            # every weight label, as text
        assert fmt(e.weight, 3) in text, e.id
    assert not any(el.tag.endswith("image") for el in root.iter())   # no bitmaps
    # the cached pixmaps are back on screen afterwards
    from PySide6.QtWidgets import QGraphicsItem

    assert all(item.cacheMode() == QGraphicsItem.CacheMode.DeviceCoordinateCache
               for item in window.scene.neuron_items.values())


def test_dark_theme_is_remembered(window, settings) -> None:
    window.actions_by_name["ThemeDark"].trigger()
    assert window.scene.theme.name == "dark"
    assert settings.value("theme") == "dark"


def run_bpgui(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "bpgui", *args], capture_output=True,
                          text=True, timeout=120,
                          env={**_env(), "QT_QPA_PLATFORM": "offscreen"})


def _env() -> dict[str, str]:
    import os

    return dict(os.environ)


def test_screenshot_mode_steps_at_a_granularity_and_digits(tmp_path, monkeypatch,
                                                          settings) -> None:
    """``--granularity`` and ``--digits`` set the pass up before ``--steps`` walks it."""
    from bpgui.cli_parsers import build_gui_parser
    from bpgui.ui.shell import app as app_module
    from bpgui.ui.shell.main_window import MainWindow

    seen: list[MainWindow] = []
    def screenshot(app, window, *rest) -> int:
        seen.append(window)
        return 0

    monkeypatch.setattr(app_module, "_screenshot", screenshot)
    args = build_gui_parser().parse_args([str(SEED003), "--screenshot", str(tmp_path / "x.png"),
                                          "--granularity", "layer", "--digits", "6",
                                          "--steps", "3"])
    assert app_module.run_gui(args, fileformat.load(SEED003), SEED003, settings) == 0
    session = seen[0].stepping.session
    assert (session.granularity, session.digits, session.position) == ("layer", 6, 3)
    assert session.current is not None and session.current.target == "level 2"
    seen[0].document.undo_stack.setClean()
    seen[0].close()


def test_screenshot_mode_renders_the_window(tmp_path) -> None:
    png = tmp_path / "shot.png"
    result = run_bpgui(str(SEED000), "--screenshot", str(png), "--size", "1280x800",
                       "--select", "w5")
    assert result.returncode == 0, result.stderr
    image = QImage(str(png))
    assert (image.width(), image.height()) == (1280, 800)


@pytest.mark.parametrize(("args", "words"), [
    (["--screenshot", "x.png", "--size", "big"], "--size 'big'"),
    (["--screenshot", "x.png", "--select", "w99"], "--select w99"),
    (["--screenshot", "/no/such/folder/x.png"], "does not exist"),
    (["--screenshot", "x.png", "--granularity", "neuron"], "--granularity"),
    (["--screenshot", "x.png", "--digits", "1"], "--digits: must be 2 to 10, not 1"),
    (["missing.bpnet.json", "--screenshot", "x.png"], "missing.bpnet.json: no such file"),
])
def test_screenshot_mode_refuses_bad_options_in_one_line(tmp_path, args, words) -> None:
    result = subprocess.run([sys.executable, "-m", "bpgui", *args], capture_output=True,
                            text=True, timeout=120, cwd=tmp_path,
                            env={**_env(), "QT_QPA_PLATFORM": "offscreen"})
    lines = result.stderr.strip().splitlines()
    assert result.returncode == 2, result.stderr
    assert len(lines) == 1 and lines[0].startswith("bpgui: error: ") and words in lines[0]
    assert not (tmp_path / "x.png").exists()


def test_each_group_of_docks_has_one_visible_tab_bar(qtbot, window) -> None:
    """Qt draws stray copies of dock tab bars (see bpgui/ui/dock_layout.py)."""
    from PySide6.QtWidgets import QTabBar

    qtbot.waitUntil(lambda: all(
        sum(1 for b in window.findChildren(QTabBar) if b.isVisible() and
            [b.tabText(i) for i in range(b.count())] == titles) == 1
        for titles in ([["Inspector", "Training"], ["Dataset", "Decision boundary", "Lesson"],
                        ["Paths from the loss", "Loss"]])))


def test_export_worked_solution_of_the_pass_shown(window, tmp_path) -> None:
    import html as html_module

    window.scene.select_id("w5")
    target = tmp_path / "sheet.html"
    assert window.export_worksheet(str(target))
    page = html_module.unescape(target.read_text(encoding="utf-8"))
    assert "(0.5268 − 1)·0.5268(1 − 0.5268)·3·(1 − (−0.96403)²)·1" in page
    for record in window.stepping.session.records:      # the GUI's own steps, every one
        assert record.equations[-1].lhs in page
    questions = tmp_path / "questions.md"
    assert window.export_worksheet(str(questions), questions=True)
    assert "______" in questions.read_text(encoding="utf-8")
    assert not window.export_worksheet(str(tmp_path / "sheet.txt"))   # refused, said so
    assert "Not exported" in window.statusBar().currentMessage()
    assert not (tmp_path / "sheet.txt").exists()


def test_a_drawn_network_leaves_the_collectors_full_passes(qtbot, window) -> None:
    """Full garbage-collector passes would walk every canvas item at each edit: once a
    network is drawn, its objects are frozen out of them (gc_pauses)."""
    gc.unfreeze()
    assert gc.get_freeze_count() == 0
    next(a for a in window.samples_menu.actions() if a.text() == "xor_2-2-1").trigger()
    qtbot.waitUntil(lambda: gc.get_freeze_count() > len(window.scene.items()))
