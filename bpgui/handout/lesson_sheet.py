"""``bpgui worksheet FILE --lesson``: the lesson as a handout, scene by scene.

Each scene gives its title and caption, then the step it stands at, in the Step
panel's words (the very records the window steps through, at the scene's sample and
granularity); a question scene's result is left blank for the students. The speaker
notes are the teacher's and never printed.
"""

from __future__ import annotations

from bpgui.engine.records import StepRecord
from bpgui.engine.stepper import all_steps
from bpgui.handout.blocks import Block, Document, Entries, Facts, Paragraph, Section, rich
from bpgui.handout.render_html import render_html
from bpgui.handout.render_markdown import render_markdown
from bpgui.handout.steps import step_entry, step_title
from bpgui.network.errors import BpguiError
from bpgui.network.model import Network


def lesson_document(network: Network, digits: int, source_name: str | None) -> Document:
    if not network.lesson:
        raise BpguiError("--lesson: this file has no lesson (make one with Lesson ▸ Add "
                         "scene, then save)")
    passes: dict[tuple[int, str], list[StepRecord]] = {}
    sections: list[Section] = []
    for k, scene in enumerate(network.lesson, start=1):
        sample = min(scene.sample, max(len(network.samples) - 1, 0))
        key = (sample, scene.granularity)
        if key not in passes:
            passes[key] = all_steps(network, sample, scene.granularity)
        records = passes[key]
        step = min(scene.step, len(records))
        blocks: list[Block] = [Paragraph(rich(line)) for line in scene.caption.splitlines()
                               if line.strip()]
        where = f"step {step} of {len(records)}" if step else "before the first step"
        blocks.append(Facts((("Sample", rich(f"#{sample}")), ("Granularity",
                             rich(scene.granularity)), ("Where", rich(where)))))
        if step:
            record = records[step - 1]
            entry = step_entry(record, step, step_title(record, network), digits,
                               blank=scene.asks)
            blocks.append(Entries((entry,)))
        if scene.asks:
            blocks.append(Paragraph(rich("A question: fill in the result."), "note"))
        sections.append(Section(f"Scene {k}: {scene.title}", tuple(blocks), f"scene-{k}"))
    title = f"Lesson: {network.name or source_name or 'a network'}"
    footer = (Paragraph(rich(f"Made by bpgui from {source_name}." if source_name
                             else "Made by bpgui."), "note"),)
    return Document(title, (), tuple(sections), footer)


def lesson_sheet(network: Network, digits: int, fmt: str,
                 source_name: str | None = None) -> str:
    doc = lesson_document(network, digits, source_name)
    return render_html(doc) if fmt == "html" else render_markdown(doc)
