"""Practice mode: predict, then reveal. Run ▸ Practice holds the pass before each asked
step until the student has typed its result (or asked to be shown it).

The rules (what is asked, when an answer is right, the hints, the tally) are the
engine's (:mod:`bpgui.engine.practice`); this controller only keeps the open question
and the tally in step with the session: stepping back undoes the answers it passes,
a new sample, granularity or network starts a new tally, and an edit (the session
rebuilds its records) makes the open question ask about the new record.
"""

from __future__ import annotations

from dataclasses import dataclass

from PySide6.QtCore import QObject, Signal

from bpgui.engine.practice import (
    HINTS,
    Choices,
    Tally,
    asked_equation,
    hint_ids,
    is_asked,
    is_right,
    off_text,
    parse_answer,
)
from bpgui.engine.records import StepRecord
from bpgui.ui.stepping.session import StepSession
from bpgui.ui.stepping.step_presenter import StepPresenter


@dataclass
class Question:
    index: int                 # the record asked about (the next step to take)
    wrong: int = 0             # wrong answers so far: each earns the next hint
    feedback: str = ""         # what the panel says about the last answer

    @property
    def hints(self) -> int:
        return min(self.wrong, HINTS)


class PracticeController(QObject):
    changed = Signal()          # on/off, the question, its hints or the tally changed

    def __init__(self, session: StepSession, presenter: StepPresenter) -> None:
        super().__init__(session)
        self.session, self.presenter = session, presenter
        self.on = False
        self.choices = Choices()
        self.tally = Tally()
        self.question: Question | None = None
        self._pass = self._pass_key()
        session.changed.connect(self._follow)

    # ------------------------------------------------------------- queries
    @property
    def record(self) -> StepRecord | None:
        """The record the open question asks about (the session's, so after an edit the
        new one)."""
        if self.question is None or self.question.index >= len(self.session.records):
            return None
        return self.session.records[self.question.index]

    @property
    def exact(self) -> float:
        record = self.record
        assert record is not None
        return float(asked_equation(record).result)

    # ------------------------------------------------------------ settings
    def set_on(self, on: bool) -> None:
        if on == self.on:
            return
        self.on = on
        self.session.hold = self._hold if on else None
        self.question = None
        self.tally.clear()
        self.presenter.set_hint(())
        self.changed.emit()

    def set_phase(self, phase: str, on: bool) -> None:
        self.choices = self.choices.with_phase(phase, on)
        self._recheck()

    def toggle_target(self, ident: str) -> None:
        """Right-click ▸ Ask about this: when any targets are chosen, only they are asked."""
        self.choices = self.choices.toggled(ident)
        self._recheck()

    def _recheck(self) -> None:
        record = self.record
        if record is not None and not is_asked(record, self.choices):
            self._close()
        self.changed.emit()

    # ------------------------------------------------------------ answering
    def _hold(self, index: int) -> bool:
        """The session asks before taking step ``index``: hold it if it is asked and
        not yet answered."""
        records = self.session.records
        if index >= len(records) or index in self.tally.outcomes \
                or not is_asked(records[index], self.choices):
            return False
        if self.question is None or self.question.index != index:
            self.question = Question(index)
            self.presenter.set_hint(())
            self.changed.emit()
        return True

    def answer(self, text: str) -> bool:
        """Check a typed answer; right: the step is taken. Returns whether it was right."""
        question, record = self.question, self.record
        if question is None or record is None:
            return False
        digits = self.session.digits
        try:
            value = parse_answer(text)
        except ValueError as exc:
            question.feedback = f"{exc}: type a number, e.g. −0.025"
            self.changed.emit()
            return False
        if is_right(value, self.exact, digits):
            self._take("first" if question.wrong == 0 else "hinted")
            return True
        question.wrong += 1
        question.feedback = off_text(value, self.exact, digits)
        if question.hints == 1:
            ids = hint_ids(record)
            self.presenter.set_hint(ids, record.reuses)
        self.changed.emit()
        return False

    def show_me(self) -> None:
        """Reveal the answer: counted as revealed, and the step is taken."""
        if self.record is not None:
            self._take("revealed")

    def _take(self, outcome: str) -> None:
        assert self.question is not None
        index = self.question.index
        self._close()
        self.tally.record(index, outcome)
        self.session.take_step()
        self.changed.emit()

    def _close(self) -> None:
        self.question = None
        self.presenter.set_hint(())

    # ----------------------------------------------------- following the pass
    def _pass_key(self) -> tuple[int, str, int]:
        return self.session.sample, self.session.granularity, id(self.session.walk)

    def _follow(self) -> None:
        """The session moved: forget answers stepped back over; a new pass, a new tally."""
        key = self._pass_key()
        position = self.session.position
        before = (len(self.tally.outcomes), self.question)
        if key != self._pass:
            self._pass = key
            self.tally.clear()
            self._close()
        self.tally.forget_from(position)
        if self.question is not None and self.question.index != position:
            self._close()
        if (len(self.tally.outcomes), self.question) != before or self.question is not None:
            self.changed.emit()       # (an open question re-reads its record: an edit)
