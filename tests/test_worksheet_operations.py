"""The handout's picture, tables and phase notes for networks with operation nodes (issue 14).

An operation node is drawn as a gate (a rounded square) with its operation's symbol and
no bias; the table of nodes gains an operation column with "—" where a field does not
apply; the phase notes speak of nodes and of upstream gradient × local derivative. The
steps themselves are the engine's records (steps.py writes whatever they say), so they
are tested where the step path is. No Qt: the SVG is read back as XML.
"""

from __future__ import annotations

import math
import re
import xml.etree.ElementTree as ET
from typing import Any

import pytest

from bpgui.engine.paths import PathReport
from bpgui.engine.records import LOSS_ID, Quantity
from bpgui.handout import content, path_blocks
from bpgui.handout.blocks import Paragraph, Picture, Table
from bpgui.handout.network_svg import RADIUS, network_svg
from bpgui.network.model import Edge, Network, Neuron, Sample

SVG = "{http://www.w3.org/2000/svg}"


def sin_graph() -> Network:
    """Seed 000 as a graph: a = add(2·x, 1·y), z = sin(1·a), laid out on one line."""
    return Network([Neuron("x", "input", x=0.0, y=0.0), Neuron("y", "input", x=0.0, y=150.0),
                    Neuron("a", "hidden", op="add", x=250.0, y=0.0),
                    Neuron("z", "output", op="sin", x=500.0, y=0.0),
                    Neuron("p", "hidden", op="pow", param=2.5, x=250.0, y=150.0),
                    Neuron("h", "output", "tanh", bias=0.1, x=500.0, y=150.0)],
                   [Edge("w_x", "x", "a", 2.0), Edge("w_y", "y", "a", 1.0),
                    Edge("w_a", "a", "z", 1.0), Edge("w_p", "y", "p", 1.0),
                    Edge("w_h", "p", "h", -0.5)],
                   loss="output", samples=[Sample([0.5, 0.3], [0.0, 0.0])])


def groups(svg: str) -> dict[str, ET.Element]:
    root = ET.fromstring(svg)
    return {g.get("id", ""): g for g in root.iter(f"{SVG}g")}


def texts(group: ET.Element) -> list[str]:
    return [t.text or "" for t in group.iter(f"{SVG}text")]


def test_an_operation_node_is_a_gate_with_its_symbol_and_no_bias() -> None:
    g = groups(network_svg(sin_graph()))
    gate_a, gate_z, neuron = g["bp-neuron-a"], g["bp-neuron-z"], g["bp-neuron-h"]
    assert [r.get("class") for r in gate_a.iter(f"{SVG}rect")] == ["gate"]
    assert not list(gate_a.iter(f"{SVG}circle")) and list(neuron.iter(f"{SVG}circle"))
    assert texts(gate_a) == ["+", "a"] and texts(gate_z) == ["sin", "z"]
    assert texts(g["bp-neuron-p"]) == ["xᵖ", "p, exponent 2.5"]
    assert texts(neuron) == ["h", "b = 0.1"]
    title = gate_a.find(f"{SVG}title")
    assert title is not None and title.text == "a: hidden, operation add (+), no bias"
    desc = ET.fromstring(network_svg(sin_graph())).find(f"{SVG}desc")
    assert desc is not None and (desc.text or "").startswith("6 nodes (3 of them operations)")


def test_a_gate_shows_its_value_and_upstream_gradient() -> None:
    a, c = 1.3, math.cos(1.3)
    values = {Quantity("a", "a"): a, Quantity("delta", "a"): c, Quantity("a", "x"): 0.5,
              Quantity("grad_a", "x"): 2 * c, Quantity("loss", LOSS_ID): math.sin(a)}
    g = groups(network_svg(sin_graph(), values))
    assert texts(g["bp-neuron-a"]) == ["+", "1.3", "a", "∂L/∂a = 0.2675"]
    assert texts(g["bp-neuron-x"]) == ["x", "0.5", "∂L/∂x = 0.535"]


def test_edges_end_at_the_gate_s_side() -> None:
    """Horizontal: at the square's side, RADIUS from the centre, as for a circle;
    diagonal: further out than a circle's rim, so the arrowhead is not under the gate."""
    g = groups(network_svg(sin_graph()))
    tip = g["bp-edge-w_a"].find(f"{SVG}polygon")
    assert tip is not None and (tip.get("points") or "").startswith(f"{500 - RADIUS:.1f},0.0 ")
    line = g["bp-edge-w_y"].find(f"{SVG}polygon")        # from (0, 150) to the gate at (250, 0)
    assert line is not None
    x, y = (float(v) for v in (line.get("points") or "").split()[0].split(","))
    assert math.hypot(250.0 - x, y) > RADIUS * 1.1


def test_the_table_lists_operations_and_dashes_what_does_not_apply() -> None:
    section = content._network_section(sin_graph(), None)
    table = next(b for b in section.blocks if isinstance(b, Table))
    assert table.caption == "Nodes"
    assert table.header == ("node", "id", "role", "operation", "activation", "bias")
    assert table.rows == (("x", "x", "input", "—", "—", "—"), ("y", "y", "input", "—", "—", "—"),
                          ("a", "a", "hidden", "add (+)", "—", "—"),
                          ("z", "z", "output", "sin (sin)", "—", "—"),
                          ("p", "p", "hidden", "pow (xᵖ), exponent 2.5", "—", "—"),
                          ("h", "h", "output", "—", "tanh", "0.1"))
    assert table.numeric == (5,)


def test_a_network_without_operations_keeps_its_table() -> None:
    net = Network([Neuron("x", "input"), Neuron("y", "output", "tanh", bias=0.5)],
                  [Edge("w", "x", "y", 1.0)], samples=[Sample([1.0], [0.0])])
    table = next(b for b in content._network_section(net, None).blocks if isinstance(b, Table))
    assert table.header == ("neuron", "id", "role", "activation", "bias")
    assert content.phase_intro("forward", net) == content.PHASE_INTROS["forward"]


def test_the_phase_notes_speak_of_nodes_and_local_derivatives() -> None:
    net = sin_graph()
    forward, backward = content.phase_intro("forward", net), content.phase_intro("backward", net)
    gradient = content.phase_intro("gradient", net)
    assert forward is not None and forward.startswith("Node by node")
    assert backward is not None and backward.startswith("Node by node")
    assert "upstream gradient × the local derivative" in backward
    assert gradient is not None and "local derivative" in gradient and "no bias" in gradient
    assert content.phase_intro("loss", net) == content.PHASE_INTROS["loss"]
    assert content.phase_intro("update", net) is None


def test_the_caption_says_what_a_gate_shows() -> None:
    picture = content._network_section(sin_graph(), {}).blocks[0]
    assert isinstance(picture, Picture)
    caption = "".join(span.text for span in picture.caption)
    assert re.search(r"Operation nodes are squares .* no bias; inside one its value v", caption)


def test_a_path_section_of_an_operation_node_names_its_gradient_without_a_bias(
        monkeypatch: pytest.MonkeyPatch) -> None:
    """∂L/∂a, not δ_a = ∂L/∂z_a, and no bias sentence (the engine's report stubbed: this
    is the handout's wording; the path numbers are the engine's)."""
    def report(network: Network, target: str, *args: Any, **kwargs: Any) -> PathReport:
        return PathReport(target, "neuron", math.cos(1.3), (), 1, 0, 0)
    monkeypatch.setattr(path_blocks, "path_report", report)
    section = path_blocks.path_section(sin_graph(), "a", 0, {}, (1, 1), 4, False)
    assert section.title.startswith("∂L/∂a = 0.2675: the sum over 1 path")
    said = " ".join(span.text for block in section.blocks if isinstance(block, Paragraph)
                    for span in block.text)
    assert "bias" not in said
    neuron = path_blocks.path_section(sin_graph(), "h", 0, {}, (1, 1), 4, False)
    assert neuron.title.startswith("δ_h = ∂L/∂z_h")
