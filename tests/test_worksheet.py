"""The worked-solution handout (issue 6): every step's engine text, seed 000's numbers.

No Qt: the handout is core. The HTML is read back with html.parser (and as XML),
the Markdown by its code spans, and each step's lines are joined again into the
record's own ``text(4)``, so the page provably carries the engine's words.
"""

from __future__ import annotations

import html
import re
import xml.etree.ElementTree as ET
from html.parser import HTMLParser
from pathlib import Path

import pytest

from bpgui.engine.records import LOSS_ID, Quantity, StepRecord
from bpgui.engine.stepper import all_steps, final_values
from bpgui.engine.trace import trace_document
from bpgui.engine.update_step import update_record
from bpgui.handout import format_for_path, network_svg, worksheet, write_worksheet
from bpgui.handout.blocks import BLANK
from bpgui.handout.network_svg import NEGATIVE, POSITIVE, weight_width
from bpgui.network.builders import LayeredSpec, layered_network
from bpgui.network.errors import BpguiError
from bpgui.network.fileformat import load
from bpgui.network.model import Network, Sample
from bpgui.network.samples import sample_files

ROOT = Path(__file__).resolve().parent.parent
SEED = ROOT / "sample_networks" / "seed000_worked_example.bpnet.json"
# The seed's product, with the guard digit a₁ needs for the four-digit result (the seed's
# −0.964 gives −0.025021; test_seed_examples works it out).
SEED_NUMBERS = "(0.5268 − 1)·0.5268(1 − 0.5268)·3·(1 − (−0.96403)²)·1"
SEED_PRODUCT = f"{SEED_NUMBERS} = −0.025"
REUSE_Y = "Reuses the cached δ of y: computed once, never again."
VOID = {"meta", "br", "hr", "img", "input", "link", "wbr", "col", "area", "base", "source"}
SVG_NS = "{http://www.w3.org/2000/svg}"


@pytest.fixture(scope="module")
def seed() -> Network:
    return load(SEED)


@pytest.fixture(scope="module")
def records(seed: Network) -> list[StepRecord]:
    return all_steps(seed, 0, "node")


@pytest.fixture(scope="module")
def seed_html(seed: Network) -> str:
    return worksheet(seed, select=["w5"], source_name=SEED.name)


@pytest.fixture(scope="module")
def seed_md(seed: Network) -> str:
    return worksheet(seed, select=["w5"], fmt="md", source_name=SEED.name)


# ----------------------------------------------------------------- reading back
class StepReader(HTMLParser):
    """Steps (``li`` with id ``step-N``) as lists of equations, each a list of lines;
    also checks that every element is closed in order (no stray or missing tags)."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.stack: list[str] = []
        self.steps: dict[int, list[list[str]]] = {}
        self.results: dict[int, list[str]] = {}
        self.step: int | None = None
        self.line: list[str] | None = None
        self.result = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = dict(attrs)
        if tag not in VOID:
            self.stack.append(tag)
        classes = (a.get("class") or "").split()
        if tag == "li" and (a.get("id") or "").startswith("step-"):
            self.step = int((a["id"] or "").removeprefix("step-"))
            self.steps[self.step] = []
            self.results[self.step] = []
        elif self.step is not None and "eq" in classes:
            self.steps[self.step].append([])
        elif self.step is not None and "line" in classes:
            self.line, self.result = [], "result" in classes

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        pass                                    # <meta … />, inside the SVG: <circle/> …

    def handle_endtag(self, tag: str) -> None:
        assert self.stack and self.stack[-1] == tag, f"</{tag}> closes {self.stack[-1:]}"
        self.stack.pop()
        if tag == "div" and self.line is not None and self.step is not None:
            text = "".join(self.line)
            self.steps[self.step][-1].append(text)
            if self.result:
                self.results[self.step].append(text)
            self.line = None
        elif tag == "li" and self.step is not None:
            self.step = None

    def handle_data(self, data: str) -> None:
        if self.line is not None:
            self.line.append(data)


def read_html(page: str) -> StepReader:
    reader = StepReader()
    reader.feed(page)
    reader.close()
    assert reader.stack == [], f"unclosed: {reader.stack}"
    return reader


def joined(equations: list[list[str]]) -> str:
    """A step's lines back as one line: the record's ``text()`` form."""
    return ";  ".join(" ".join(lines) for lines in equations)


def md_steps(page: str) -> dict[int, list[list[str]]]:
    """Numbered items of the Markdown: their code spans, split into equations (an
    equation's later lines start with ``= ``)."""
    steps: dict[int, list[list[str]]] = {}
    current: list[list[str]] | None = None
    for line in page.splitlines():
        item = re.match(r"^(\d+)\. \*\*", line)
        if item:
            current = steps.setdefault(int(item.group(1)), [])
            continue
        if line.startswith("#") or line.startswith("- "):
            current = None
        if current is None:
            continue
        for span in re.findall(r"`([^`]+)`", line):
            if not span.startswith("= ") or not current:
                current.append([])
            current[-1].append(span)
    return steps


def plain(page: str) -> str:
    """The page's text without tags (a blank is wrapped in a span), entities undone."""
    return html.unescape(re.sub(r"<[^>]+>", "", page))


def svg_of(page: str) -> ET.Element:
    start, end = page.index("<svg"), page.index("</svg>") + len("</svg>")
    return ET.fromstring(page[start:end])


# ------------------------------------------------------------------ the engine text
def test_every_step_text_is_in_the_html(records: list[StepRecord], seed_html: str) -> None:
    steps = read_html(seed_html).steps
    assert sorted(steps) == list(range(1, len(records) + 1))
    for number, record in enumerate(records, start=1):
        assert joined(steps[number]) == record.text(4)


def test_every_step_text_is_in_the_markdown(records: list[StepRecord], seed_md: str) -> None:
    steps = md_steps(seed_md)
    assert sorted(steps) == list(range(1, len(records) + 1))
    for number, record in enumerate(records, start=1):
        assert joined(steps[number]) == record.text(4)


def test_steps_are_the_trace_steps(seed: Network, seed_html: str) -> None:
    """The handout and ``bpgui trace`` list the same steps with the same text."""
    steps = read_html(seed_html).steps
    trace = [s["text"] for s in trace_document(seed, 0)["steps"]]
    assert [joined(steps[k]) for k in sorted(steps)] == trace


def test_the_seed_numbers_appear(records: list[StepRecord], seed_html: str,
                                 seed_md: str) -> None:
    h1 = records[1]
    assert h1.target == "h1" and h1.text(4).startswith("z_h1 = ")
    assert h1.equations[0].text(4).endswith(" = −2")
    steps = read_html(seed_html).results
    assert steps[2] == ["= −2", "= −0.964"]            # z₁, a₁
    assert steps[3] == ["= 4", "= 0.9993"]             # z₂, a₂
    assert steps[4] == ["= 0.1073", "= 0.5268"]        # z₃, ŷ
    assert "∂L/∂w5 = x3·δ_h1" in seed_html
    gradients = read_html(seed_html).steps[12]
    assert ["∂L/∂w5 = x3·δ_h1", "= 1·(−0.025)", "= −0.025"] in gradients
    for text in ("`= −2`", "`= −0.964`", "`= 4`", "`= 0.9993`", "`= 0.1073`", "`= 0.5268`",
                 "`= −0.025`"):
        assert text in seed_md


def test_backward_steps_name_the_cached_delta(seed_html: str, seed_md: str) -> None:
    assert REUSE_Y in plain(seed_html)
    assert f"*{REUSE_Y}*" in seed_md


def test_header_has_sample_loss_and_learning_rate(seed_html: str, seed_md: str) -> None:
    text = plain(seed_html)
    for fragment in ("Seed 000: the worked example", "x₁ = 0", "x₂ = 1", "x₃ = 1", "y = 1",
                     "L = ½ Σ_k (y_k − ŷ_k)²", "L = 0.112", "η = 0.5"):
        assert fragment in text
        assert fragment in seed_md
    for heading in ("Forward pass", "The loss", "Backward pass", "Gradients", "Path sums",
                    "Update"):
        assert f"<h2>{heading}</h2>" in seed_html
        assert f"\n## {heading}\n" in seed_md


# ------------------------------------------------------------------------ paths
def test_select_w5_gives_the_seed_product(seed_html: str, seed_md: str) -> None:
    text = plain(seed_html)
    assert SEED_PRODUCT in text
    assert SEED_PRODUCT in seed_md
    for page in (text, seed_md):
        assert "path 1: L → y → h1 → w5" in page
        assert "(ŷ − y)·a_y(1 − a_y)·w7·(1 − a_h1²)·x3" in page
        assert "Σ over paths: ∂L/∂w5 = path 1 = −0.025" in page
        assert "∂L/∂w5 = −0.025: the sum over 1 path" in page
        assert ("1 path, counted exactly. Summing over paths needs 4 multiplications for this "
                "gradient; backpropagation with cached δ needs 4.") in page


def test_select_neurons(seed: Network) -> None:
    page = plain(worksheet(seed, select=["h1", "x3"]))
    assert "δ_h1 = ∂L/∂z_h1 = −0.025: the sum over 1 path" in page
    assert "∂L/∂b_h1 = δ_h1 = −0.025" in page
    assert "∂L/∂x3 = 0.02468: the sum over 2 paths" in page


def test_many_paths_are_capped_but_counted() -> None:
    """4·4·4·4 = 256 paths reach an input: 64 listed, the count and the gradient exact."""
    network = layered_network(LayeredSpec([2, 4, 4, 4, 4, 1], ["tanh"] * 4 + ["sigmoid"],
                                          samples=[Sample([0.5, -1.0], [1.0])]))
    page = plain(worksheet(network, select=["x1"]))
    assert "Showing 64 of 256 paths (the count is exact)." in page
    assert "path 64: L → y → " in page and "path 65:" not in page
    assert "all 256 paths (counted exactly) sum to" in page


def test_no_select_no_path_section(seed: Network) -> None:
    assert "Path sums" not in worksheet(seed)


# ------------------------------------------------------------------ well-formed
def test_html_is_well_formed(seed_html: str) -> None:
    read_html(seed_html)                       # every tag closed in order
    ET.fromstring(seed_html.split("\n", 1)[1])  # and the whole page is XML
    assert seed_html.startswith("<!DOCTYPE html>")
    assert '<meta charset="utf-8" />' in seed_html
    assert "@media print" in seed_html and "@page" in seed_html
    assert "break-inside: avoid" in seed_html
    for external in ("http://", "https://", "<link", "<script", "<img", "url("):
        assert external not in seed_html.replace('xmlns="http://www.w3.org/2000/svg"', "")


def test_svg_has_every_label_and_edge_id(seed: Network, seed_html: str) -> None:
    svg = svg_of(seed_html)
    text = " ".join(svg.itertext())
    for n in seed.neurons:
        assert n.display_label in text
    for e in seed.edges:
        assert e.id in text and e.display_label in text
    ids = {el.get("id") for el in svg.iter()}
    assert {f"bp-edge-{e.id}" for e in seed.edges} <= ids
    assert "L" in [t.text for t in svg.iter(f"{SVG_NS}text")]


def test_standalone_svg(seed: Network) -> None:
    svg = ET.fromstring(network_svg(seed))
    assert svg.tag == f"{SVG_NS}svg"
    left, top, width, height = map(float, svg.get("viewBox", "").split())
    for c in svg.iter(f"{SVG_NS}circle"):
        x, y, r = (float(c.get(k, "")) for k in ("cx", "cy", "r"))
        assert left <= x - r and x + r <= left + width
        assert top <= y - r and y + r <= top + height
    assert min(float(t.get("font-size", "")) for t in svg.iter(f"{SVG_NS}text")) >= 14
    assert "sans-serif" in svg.get("font-family", "")
    fills = {c.get("fill") for c in svg.iter(f"{SVG_NS}circle")}
    assert fills == {"#e8f1f8", "#ffffff", "#fdf1e6"}
    lines = {g.get("id"): g.find(f"{SVG_NS}line") for g in svg.iter(f"{SVG_NS}g")}
    for e in seed.edges:
        line = lines[f"bp-edge-{e.id}"]
        assert line is not None
        assert line.get("stroke") == (POSITIVE if e.weight > 0 else NEGATIVE)
        assert float(line.get("stroke-width", "")) == pytest.approx(weight_width(e.weight),
                                                                     abs=0.01)
    assert weight_width(0) == 1.5 and weight_width(-7) == 7.0


def test_svg_values_show_a_and_delta(seed: Network, records: list[StepRecord]) -> None:
    text = " ".join(ET.fromstring(network_svg(seed, final_values(records))).itertext())
    for fragment in ("δ = −0.025", "−0.964", "z = −2", "L = 0.112", "∂L/∂x = 0.02468"):
        assert fragment in text
    assert "δ =" not in " ".join(ET.fromstring(network_svg(seed)).itertext())


def test_svg_without_positions_uses_the_layout(seed: Network) -> None:
    network = seed.copy()
    for n in network.neurons:
        n.x = n.y = None
    svg = ET.fromstring(network_svg(network))
    assert len(list(svg.iter(f"{SVG_NS}circle"))) == len(network.neurons)
    assert all(n.x is None for n in network.neurons)     # the caller's model is untouched


def test_text_is_escaped(seed: Network) -> None:
    network = seed.copy()
    network.name = "A <b>bold</b> & *starred* name"
    network.description = "Uses <script>alert(1)</script> & [links](x)"
    network.neuron("h1").label = "h<1>"
    page = worksheet(network)
    assert "<b>" not in page and "<script>" not in page
    ET.fromstring(page.split("\n", 1)[1])
    assert "h<1>" in " ".join(svg_of(page).itertext())
    md = worksheet(network, fmt="md")
    assert "<script>" not in md and "&lt;b&gt;" in md and r"\*starred\*" in md


def test_markdown_points_to_the_html_picture(seed_md: str) -> None:
    assert "<svg" not in seed_md
    assert "The picture of the network is in the HTML version" in seed_md
    assert "| w₅ | w5 | x₃ → h₁ | −1 |" in seed_md


# -------------------------------------------------------------------- questions
def test_questions_blank_every_result(seed: Network, records: list[StepRecord]) -> None:
    page = worksheet(seed, select=["w5"], questions=True, source_name=SEED.name)
    read = read_html(page)
    full = read_html(worksheet(seed, select=["w5"])).steps
    for number, record in enumerate(records, start=1):
        if record.target == "inputs":              # the given sample stays
            assert read.steps[number] == full[number]
            continue
        for lines, answer in zip(read.steps[number], full[number], strict=True):
            assert lines[-1].endswith(f"= {BLANK}")
            assert lines[:-1] == answer[:-1]        # symbols and the numbers that go in
    text = plain(page)
    assert SEED_PRODUCT not in text
    assert f"{SEED_NUMBERS} = {BLANK}" in text
    assert f"Σ over paths: ∂L/∂w5 = path 1 = {BLANK}" in text
    two = plain(worksheet(seed, select=["x3"], questions=True, source_name=SEED.name))
    assert f"Σ over paths: ∂L/∂x3 = path 1 + path 2 = {BLANK}" in two
    assert "0.025 + (−0.0003163)" not in two          # the path products are the answers
    assert f"L = {BLANK}" in text and "L = 0.112" not in text
    assert "δ =" not in " ".join(svg_of(page).itertext())
    assert f"bpgui worksheet {SEED.name}" in text and "--questions" in text
    assert seed.description and seed.description[:40] not in text   # it holds the answers
    md = worksheet(seed, select=["w5"], questions=True, fmt="md")
    assert f"**`= {BLANK}`**" in md and "`= −0.025`" not in md


def test_blank_h1_blanks_only_its_steps(seed: Network, records: list[StepRecord]) -> None:
    read = read_html(worksheet(seed, select=["w5", "h1"], blank=["h1"]))
    blanked = {number for number, equations in read.steps.items()
               if any(lines[-1].endswith(BLANK) for lines in equations)}
    expected = {number for number, r in enumerate(records, start=1)
                if r.target == "h1" or "h1" in r.writes}
    assert blanked == expected == {2, 8, 12, 15}
    for number in blanked:
        assert all(lines[-1].endswith(BLANK) for lines in read.steps[number])
    text = plain(worksheet(seed, select=["w5", "h1"], blank=["h1"]))
    assert SEED_PRODUCT in text                            # w5's path is not h1's
    assert "δ_h1 = ∂L/∂z_h1: the sum over 1 path" in text


def test_blank_the_loss(seed: Network) -> None:
    read = read_html(worksheet(seed, blank=[LOSS_ID]))
    blanked = {k for k, eqs in read.steps.items() if any(e[-1].endswith(BLANK) for e in eqs)}
    assert blanked == {5}


# ----------------------------------------------------------- every sample network
@pytest.mark.parametrize("path", sample_files(), ids=lambda p: p.name.split(".")[0])
def test_every_sample_network(path: Path) -> None:
    network = load(path)
    records = all_steps(network, 0, "node")
    select = [network.edges[0].id, network.inputs[0].id, network.outputs[-1].id]
    page = worksheet(network, select=select, source_name=path.name)
    steps = read_html(page).steps
    assert [joined(steps[k]) for k in sorted(steps)] == [r.text(4) for r in records]
    ET.fromstring(page.split("\n", 1)[1])
    md = worksheet(network, select=select, fmt="md")
    md_read = md_steps(md)
    assert [joined(md_read[k]) for k in sorted(md_read)] == [r.text(4) for r in records]
    questions = worksheet(network, select=select, questions=True, fmt="md")
    assert BLANK in questions
    if len(network.samples) > 1:
        title = f"One gradient-descent update over all {len(network.samples)} samples"
        assert title in page and title in md
        update = update_record(network, focus=select[0])
        assert update.equations[0].symbols in plain(page)


def test_other_sample(seed: Network) -> None:
    network = load(ROOT / "sample_networks" / "xor_2-2-1.bpnet.json")
    page = plain(worksheet(network, sample=3))
    assert "3 of 4 (numbered from 0)" in page
    last = all_steps(network, 3, "node")
    assert last[0].text(4).split(";  ")[0] in page
    assert final_values(last)[Quantity("loss", LOSS_ID)] > 0


# ------------------------------------------------------------------------ errors
@pytest.mark.parametrize("options", [
    {"select": ["nope"]}, {"blank": ["nope"]}, {"fmt": "pdf"}, {"sample": 5}, {"digits": 0},
])
def test_bad_options_raise(seed: Network, options: dict[str, object]) -> None:
    with pytest.raises(BpguiError):
        worksheet(seed, **options)  # type: ignore[arg-type]


def test_unknown_select_message(seed: Network) -> None:
    with pytest.raises(BpguiError, match="'w99' is not a weight"):
        worksheet(seed, select=["w5", "w99"])


def test_write_worksheet(seed: Network, tmp_path: Path) -> None:
    assert format_for_path("a/OUT.html") == "html" and format_for_path("b.MD") == "md"
    write_worksheet(seed, tmp_path / "out.html", select=["w5"])
    write_worksheet(seed, tmp_path / "out.md", select=["w5"], questions=True)
    assert (tmp_path / "out.html").read_text(encoding="utf-8").startswith("<!DOCTYPE html>")
    assert BLANK in (tmp_path / "out.md").read_text(encoding="utf-8")
    with pytest.raises(BpguiError, match=r"\.html or \.md"):
        write_worksheet(seed, tmp_path / "out.pdf")
    with pytest.raises(BpguiError):
        write_worksheet(seed, tmp_path / "bad.html", select=["nope"])
    assert not (tmp_path / "out.pdf").exists() and not (tmp_path / "bad.html").exists()
