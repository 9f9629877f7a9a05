"""What a training run starts from and what it leaves: the session's run bookkeeping.

:func:`ready_trainer` makes the :class:`~bpgui.engine.training.Trainer` a run
starts from and lines the loss history up with it; :func:`take_messages` moves
the training process's news into the history; :class:`RunEntry` writes what
the run changed through undoable commands, as one undo entry. The
:class:`~bpgui.ui.training.session.TrainingSession` drives all three.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace

from bpgui.engine.history import History
from bpgui.engine.plan import Plan, compile_plan, split_arrays
from bpgui.engine.training import Trainer
from bpgui.engine.worker import Divergence, Finished, Progress
from bpgui.network.model import Network
from bpgui.ui.document.commands import Parameters, SetParameters, SetTraining
from bpgui.ui.document.document import Compound, Document

MAX_SAMPLE_CURVES = 16      # per-sample losses are recorded for up to this many samples


def ready_trainer(network: Network, history: History) -> tuple[Trainer, History]:
    """A trainer for ``network`` (raising BpguiError if it cannot be trained) and the
    history to go on with: ``history`` itself, told what changed since, or a new one."""
    network.validate()
    plan = compile_plan(network)
    (x, y), test = split_arrays(network)
    record = x.shape[0] <= MAX_SAMPLE_CURVES
    trainer = Trainer(plan, x, y, replace(network.training), test=test, record_norms=True,
                      record_samples=record)
    first = trainer.history[0]
    samples = history.sample_losses
    if samples is not None and samples.shape[1] != x.shape[0]:
        history.stop_samples()          # the dataset changed: no more curves
    if not len(history):
        history = History(x.shape[0] if record else None)
        history.extend([first], (), trainer.sample_history or (), trainer.test_history)
    else:
        # An edit between runs may have moved the losses without an update: the history
        # says so at the current iteration, where the next update starts from.
        history.set_last(first, trainer.test_history[0] if trainer.test_history else None)
    return trainer, history


@dataclass
class Heard:
    """What :func:`take_messages` found: how many updates, and whether the run ended
    (then the trainer that came back, and why it stopped early, if it did)."""

    updates: int = 0
    finished: bool = False
    trainer: Trainer | None = None
    divergence: Divergence | None = None


def take_messages(messages: Sequence[Progress | Finished], history: History,
                  live: Plan | None) -> Heard:
    """Move the process's news into ``history`` and ``live`` (the plan being trained,
    given the parameters last heard of)."""
    heard = Heard()
    for message in messages:
        if isinstance(message, Progress):
            history.extend(message.losses, () if message.norms is None else message.norms,
                           () if message.samples is None else message.samples,
                           message.test_losses)
            heard.updates += len(message.losses)
            if live is not None:
                for block, (weights, bias) in zip(live.blocks, message.parameters,
                                                  strict=True):
                    block.weights, block.bias = weights, bias
        else:
            heard.finished = True
            heard.trainer, heard.divergence = message.trainer, message.divergence
    return heard


class RunEntry:
    """The one undo entry of one run, made as the run goes.

    It remembers the parameters and settings from before the run. A write during
    the run (a new learning rate) goes through :meth:`apply` at once, as a part of
    the entry; :meth:`record` writes the trained parameters last and records the
    whole, so one undo restores the weights and the settings from before the run.
    """

    def __init__(self, document: Document) -> None:
        self.document = document
        self.parameters_before = document.network.parameters()
        self.settings_before = replace(document.network.training)
        self.entry = Compound(document)

    @property
    def changed(self) -> bool:
        """Something was written during the run already."""
        return bool(self.entry.parts)

    def apply(self, part: SetTraining) -> str | None:
        """Write ``part`` now, as a piece of this entry; the refusal's reason, or None."""
        return self.document.apply_part(self.entry, part)

    def record(self, parameters: Parameters, text: str) -> str | None:
        """The model takes ``parameters``; the run becomes one undo entry ``text``."""
        self.entry.add(SetParameters(self.document, parameters, text, self.parameters_before,
                                     self.settings_before))
        self.entry.setText(text)
        return self.document.execute(self.entry)
