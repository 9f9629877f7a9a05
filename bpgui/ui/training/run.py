"""What a training run starts from and what it leaves: the session's run bookkeeping.

:func:`ready_trainer` makes the :class:`~bpgui.engine.training.Trainer` a run
starts from and lines the loss history up with it; :func:`take_messages` moves
the training process's news into the history; :class:`RunEntry` writes what
the run changed through undoable commands, as one undo entry. The
:class:`~bpgui.ui.training.session.TrainingSession` drives all three.

The optimizer's state (momentum's velocities, Adam's moments, the updates made, η now)
goes from one run to the next through a :class:`~bpgui.ui.document.commands.RunMemory`
that each run's undo entry sets, so undo puts the state from before the run back. What
carries it and what drops it, as torch's optimizer would: an edit of a weight's value,
of samples, or of the rule's own numbers (β, ε, λ, γ, …) keeps the state (torch keeps
its buffers when a parameter's value or a param group's setting changes); a change of
the optimizer or of the network's structure (which parameters there are, and where)
starts afresh, since the state's arrays no longer mean those parameters (a state is
one optimizer's: choose it again before training and it fits again); so does a reset
of the weights. A run goes on at the η the schedule left, unless the learning rate or
the schedule was set since: then it goes on from the file's η (a new schedule from
there). The order of the samples (sgd, minibatch) starts a new epoch whenever the
trainer is made again (after any edit), as it did before optimizers had state.
"""

from __future__ import annotations

import math
from collections.abc import Hashable, Sequence
from dataclasses import dataclass, replace
from typing import Protocol

from bpgui.engine.gradient_levels import level_count
from bpgui.engine.history import History
from bpgui.engine.plan import Plan, compile_plan, split_arrays
from bpgui.engine.schedules import next_learning_rate
from bpgui.engine.training import RunState, Trainer
from bpgui.engine.worker import Divergence, Finished, Progress
from bpgui.network.builders import random_parameters
from bpgui.network.model import Network
from bpgui.network.numbers import fmt
from bpgui.ui.document.commands import (
    KeptRun,
    Parameters,
    RunMemory,
    SetParameters,
    SetTraining,
)
from bpgui.ui.document.document import Compound, Document

MAX_SAMPLE_CURVES = 16      # per-sample losses are recorded for up to this many samples
# The settings that say η: set one between runs, and the next goes on from the file's η.
RATE_KEYS = ("learning_rate", "schedule", "step_size", "gamma")


def layout(plan: Plan) -> Hashable:
    """Which parameter sits where in the plan's arrays: an optimizer state made on one
    layout means the same parameters on another only if the two are equal."""
    return (tuple(plan.ids), tuple(sorted(plan.edge_slot.items())),
            tuple(sorted(plan.bias_slot.items())))


def kept_run(trainer: Trainer, network: Network) -> KeptRun:
    """What ``trainer`` leaves the next run, as the memory keeps it."""
    return KeptRun(trainer.run_state(), layout(trainer.plan), replace(network.training))


def resume_from(memory: RunMemory, network: Network, plan: Plan) -> RunState | None:
    """The state a new trainer for ``network`` goes on from: the memory's, if its arrays
    fit ``plan`` (the Trainer refuses another optimizer's itself), at the file's η if
    that or the schedule was set since."""
    kept = memory.kept
    if kept is None or kept.layout != layout(plan):
        return None
    now, then = network.training, kept.settings
    if all(getattr(now, k) == getattr(then, k) for k in RATE_KEYS):
        return kept.state
    return replace(kept.state, learning_rate=now.learning_rate)


def ready_trainer(network: Network, history: History,
                  memory: RunMemory | None = None) -> tuple[Trainer, History]:
    """A trainer for ``network`` (raising BpguiError if it cannot be trained), going on
    from ``memory``'s optimizer state where it fits, and the history to go on with:
    ``history`` itself, told what changed since, or a new one."""
    network.validate()
    plan = compile_plan(network)
    (x, y), test = split_arrays(network)
    record = x.shape[0] <= MAX_SAMPLE_CURVES
    resume = None if memory is None else resume_from(memory, network, plan)
    trainer = Trainer(plan, x, y, replace(network.training), test=test, resume=resume,
                      record_norms=True, record_samples=record, record_levels=True)
    first = trainer.history[0]
    samples, levels = history.sample_losses, history.level_deltas
    if samples is not None and samples.shape[1] != x.shape[0]:
        history.stop_samples()          # the dataset changed: no more curves
    if levels is not None and levels.shape[1] != level_count(plan):
        history.stop_levels()           # the depth changed: no more level curves
    if not len(history):
        history = History(x.shape[0] if record else None, level_count(plan))
        history.extend([first], (), trainer.sample_history or (),
                       test_losses=trainer.test_history)
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
                           levels=message.levels, test_losses=message.test_losses)
            heard.updates += len(message.losses)
            if live is not None:
                for block, (weights, bias) in zip(live.blocks, message.parameters,
                                                  strict=True):
                    block.weights, block.bias = weights, bias
        else:
            heard.finished = True
            heard.trainer, heard.divergence = message.trainer, message.divergence
    return heard


class RateNow:
    """η of the next update while the trainer is in the training process: the schedule
    followed over the updates heard of, as the trainer follows it (the same products)."""

    def __init__(self, trainer: Trainer) -> None:
        self.settings, self.updates = trainer.settings, trainer.updates
        self.rate = trainer.learning_rate

    def advance(self, updates: int) -> None:
        if self.settings.schedule == "constant":
            self.updates += updates
            return
        for _ in range(updates):
            self.updates += 1
            self.rate = next_learning_rate(self.settings, self.updates, self.rate)


class RunEntry:
    """The one undo entry of one run, made as the run goes.

    It remembers the parameters, settings and optimizer state from before the run. A
    write during the run (a new learning rate) goes through :meth:`apply` at once, as
    a part of the entry; :meth:`record` writes the trained parameters and the state
    after the run last and records the whole, so one undo restores the weights, the
    settings and the optimizer's state from before the run.
    """

    def __init__(self, document: Document, memory: RunMemory, trainer: Trainer) -> None:
        self.document, self.memory = document, memory
        self.rate_now = RateNow(trainer)     # η of the next update, during the run
        self.parameters_before = document.network.parameters()
        self.settings_before = replace(document.network.training)
        self.kept_before = memory.kept
        self.entry = Compound(document)

    @property
    def changed(self) -> bool:
        """Something was written during the run already."""
        return bool(self.entry.parts)

    def apply(self, part: SetTraining) -> str | None:
        """Write ``part`` now, as a piece of this entry; the refusal's reason, or None."""
        return self.document.apply_part(self.entry, part)

    def record(self, parameters: Parameters, text: str,
               trainer: Trainer | None) -> str | None:
        """The model takes ``parameters`` and the memory ``trainer``'s state (none if the
        trainer was lost, or its loss became NaN or ∞: the weights are then the last
        finite ones, but the state has taken the update that broke them, so the next
        run starts afresh from those weights); the run becomes one undo entry ``text``."""
        after = None if trainer is None or trainer.diverged_at is not None \
            else kept_run(trainer, self.document.network)
        self.entry.add(SetParameters(self.document, parameters, text, self.parameters_before,
                                     self.settings_before,
                                     (self.memory, self.kept_before, after)))
        self.entry.setText(text)
        return self.document.execute(self.entry)


class Resettable(Protocol):
    """What :func:`reset_command` reads of the session."""

    document: Document
    loaded: Parameters              # the weights the file had when opened
    memory: RunMemory


def reset_command(session: Resettable, seed: int | None) -> SetParameters:
    """Back to the weights the file had when opened or (with ``seed``) fresh random ones,
    as one undo entry; training starts afresh, so the optimizer's state goes too."""
    document, loaded, memory = session.document, session.loaded, session.memory
    network = document.network
    if seed is None:
        params, text = loaded, "Reset the weights to the file's"
    else:
        params, text = random_parameters(network, seed), f"Randomise weights ({seed})"
    weights, biases = network.parameters()     # (ids an edit since removed drop)
    params = ({k: v for k, v in params[0].items() if k in weights},
              {k: v for k, v in params[1].items() if k in biases})
    return SetParameters(document, params, text, run=(memory, memory.kept, None))


class RunOutcome(Protocol):
    """What :func:`run_message` reads of the session."""

    rate: float

    @property
    def network(self) -> Network: ...
    @property
    def loss(self) -> float | None: ...
    @property
    def iteration(self) -> int: ...
    @property
    def learning_rate_now(self) -> float | None: ...


def run_message(session: RunOutcome, done: int) -> str:
    """The status bar's line when a run of ``done`` updates ends: speed, loss, and η now
    when a schedule has moved it."""
    loss = session.loss
    shown = "?" if loss is None or not math.isfinite(loss) else f"{loss:.4g}"
    text = (f"Trained {done:,} iterations ({session.rate:,.0f}/s); loss {shown} at "
            f"iteration {session.iteration:,}")
    rate = session.learning_rate_now
    if rate is not None and session.network.training.schedule != "constant":
        text += f"; η now {fmt(rate)}"
    return text + "."
