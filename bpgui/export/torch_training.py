"""The torch script's training part: ``bpgui train``'s run, written with torch.optim.

Why: the one-sample pass shows that autograd's gradients are bpgui's; a student who goes
on to train meets torch.optim next, and should see it retrace bpgui's run update by
update. So the script trains as ``bpgui train FILE --iterations N`` does, from the same
starting point: on the training samples only (``split`` "train"), each update on bpgui's
rows (all of them in batch mode, else each epoch's order, shuffled by bpgui's own
generator, cut into batches), descending the batch's mean loss with the optimizer the
file names (two parameter groups, so that ``weight_decay`` = λ decays the weights and not
the biases, as bpgui's L2 does), the learning-rate scheduler stepped after every update
as bpgui's schedule is, and the same histories and final parameters in the same keys as
``bpgui train``'s report. The batch orders are computed here, by the engine's own
:class:`~bpgui.engine.training.BatchSchedule`, and written out as lists, so the script
needs no NumPy and cannot drift from bpgui's order.

Each sample's loss is the pass the script already wrote (the same lines, in a function),
so a network reads the same in both parts; nodes whose value reaches no output are left
out there, as they change no loss.
"""

from __future__ import annotations

from bpgui.engine.training import BatchSchedule, seed_for_numpy
from bpgui.export.python_text import INDENT, number, wrap
from bpgui.export.torch_names import Symbols
from bpgui.network.functions import LOSS_TABLE
from bpgui.network.model import Network, Sample, TrainingSettings

FLOAT64 = "dtype=torch.float64"

# The global names (and the functions' parameters) the training part uses, kept from the
# tensors only when the script trains, so that a pass-only script keeps its names.
TRAINING_NAMES = frozenset({
    "TRAIN_X", "TRAIN_Y", "TEST_X", "TEST_Y", "ITERATIONS", "BATCH_SIZE", "ORDERS",
    "BATCHES", "L2", "sample_loss", "sample_inputs", "sample_targets", "mean_loss",
    "rows_x", "rows_y", "trained_weights", "trained_biases", "optimizer", "scheduler",
    "history", "record", "rows", "order", "start",
})

# torch.optim's class for each rule and its settings' names there (bpgui's name -> torch's).
_OPTIMIZERS = {
    "sgd": "SGD", "momentum": "SGD", "nesterov": "SGD", "rmsprop": "RMSprop", "adam": "Adam",
}


def training_sections(network: Network, settings: TrainingSettings, iterations: int,
                      body: dict[str, list[str]], names: Symbols) -> list[list[str]]:
    """The training part's sections, after the pass's report dict and before its print.

    ``body`` holds each node's forward lines (in step order), ``names`` the script's names.
    """
    train = [s for s in network.samples if not s.is_test]
    test = [s for s in network.samples if s.is_test]
    return [
        _data(settings, iterations, train, test),
        _sample_loss(network, body, names),
        _mean_loss(),
        _batches(settings, iterations, len(train)),
        _optimizer(network, settings, names.w, names.b),
        _record(settings, bool(test)),
        _loop(settings),
        _report(settings, bool(test)),
    ]


def training_about(settings: TrainingSettings, iterations: int) -> str:
    """The docstring's paragraph on the training part."""
    rule = {"sgd": "plain gradient descent (torch.optim.SGD)",
            "momentum": "momentum (torch.optim.SGD with momentum)",
            "nesterov": "Nesterov momentum (torch.optim.SGD with nesterov=True)",
            "rmsprop": "RMSProp (torch.optim.RMSprop)",
            "adam": "Adam (torch.optim.Adam)"}[settings.optimizer]
    decay = f", L2 decay λ = {settings.l2:g} on the weights" if settings.l2 else ""
    schedule = {"constant": "", "step": " and a StepLR schedule",
                "exponential": " and an ExponentialLR schedule"}[settings.schedule]
    return (f"Then it trains the network as `bpgui train FILE --iterations {iterations}` "
            f"does, with {rule}{decay}{schedule}: {iterations} updates in {settings.mode} "
            "mode on the training samples only, in bpgui's order, and adds what that "
            "command reports (the loss history, the test loss and L2 penalty where it has "
            "them, the final weights and biases) under \"training\".")


def _rows(name: str, rows: list[list[float]]) -> list[str]:
    return wrap(f"{name} = [", [f"[{', '.join(number(v) for v in row)}]" for row in rows], "]")


def _data(settings: TrainingSettings, iterations: int, train: list[Sample],
          test: list[Sample]) -> list[str]:
    lines = [f"# Training: `bpgui train FILE --iterations {iterations}`, update by update, "
             "with torch.optim.",
             "# The training samples (split \"train\"), in file order: the only ones an "
             "update uses."]
    lines += _rows("TRAIN_X", [s.inputs for s in train])
    lines += _rows("TRAIN_Y", [s.targets for s in train])
    if test:
        lines += ["# The test samples (split \"test\"): their loss is measured after every "
                  "update, never", "# trained on."]
        lines += _rows("TEST_X", [s.inputs for s in test])
        lines += _rows("TEST_Y", [s.targets for s in test])
    lines.append(f"ITERATIONS = {iterations}")
    if settings.l2:
        lines.append(f"L2 = {number(settings.l2)}  # λ: the L2 penalty (λ/2)·Σw² over the "
                     "trained weights")
    return lines


def _reaching(network: Network) -> set[str]:
    """The ids of the nodes some output's value depends on (the outputs included)."""
    sources: dict[str, list[str]] = {}
    for e in network.edges:
        sources.setdefault(e.target, []).append(e.source)
    found: set[str] = set()
    todo = [n.id for n in network.outputs]
    while todo:
        nid = todo.pop()
        if nid not in found:
            found.add(nid)
            todo += sources.get(nid, [])
    return found


def _sample_loss(network: Network, body: dict[str, list[str]], names: Symbols) -> list[str]:
    reaching = _reaching(network)
    loss = LOSS_TABLE[network.loss]
    lines = ["def sample_loss(sample_inputs: list[float], sample_targets: list[float]) "
             "-> torch.Tensor:",
             f'{INDENT}"""ℓ of one sample with the current weights and biases: the pass '
             'above, in a',
             f'{INDENT}function (nodes that reach no output are left out: they change no '
             'loss)."""']
    lines += [f"{INDENT}{name} = torch.tensor(sample_inputs[{k}], {FLOAT64})"
              for k, (nid, name) in enumerate((n.id, names.a[n.id]) for n in network.inputs)
              if nid in reaching]
    for nid, code in body.items():
        if nid in reaching:
            lines += [INDENT + line for line in code]
    outputs = ", ".join(names.a[n.id] for n in network.outputs)
    lines.append(f"{INDENT}yhat = torch.stack([{outputs}])")
    if network.loss != "output":          # that loss is ŷ itself: it reads no target
        lines.append(f"{INDENT}y = torch.tensor(sample_targets, {FLOAT64})")
    lines += [INDENT + line for line in loss.torch]
    return [*lines, f"{INDENT}return loss"]


def _mean_loss() -> list[str]:
    return ["def mean_loss(rows_x: list[list[float]], rows_y: list[list[float]]) "
            "-> torch.Tensor:",
            f'{INDENT}"""The mean of the samples\' losses: what an update descends, and '
            'bpgui\'s dataset',
            f'{INDENT}loss (bpgui averages the gradient over the batch the same way)."""',
            f"{INDENT}total = sum(sample_loss(x, t) for x, t in zip(rows_x, rows_y, "
            "strict=True))",
            f"{INDENT}return total / len(rows_x)"]


def _batches(settings: TrainingSettings, iterations: int, n: int) -> list[str]:
    if settings.mode == "batch":
        return ["# Batch mode: every update uses every training sample.",
                "BATCHES = [list(range(len(TRAIN_X)))] * ITERATIONS"]
    size = 1 if settings.mode == "sgd" else settings.batch_size
    per_epoch = -(-n // size)
    epochs = -(-iterations // per_epoch)
    kind = "one sample" if settings.mode == "sgd" else f"{size} samples"
    lines = [f"# Mode {settings.mode}: {kind} per update, BATCH_SIZE rows at a time through "
             "each epoch's order,"]
    if settings.shuffle:
        schedule = BatchSchedule(settings, n)
        orders = [f"[{', '.join(map(str, _epoch(schedule, per_epoch)))}]"
                  for _ in range(epochs)]
        lines += ["# shuffled as bpgui shuffles: "
                  f"numpy.random.default_rng({seed_for_numpy(settings.seed)}).permutation({n}) "
                  "for each epoch in turn."]
        lines += wrap("ORDERS = [", orders, "]")
    else:
        lines += ["# the training samples' file order in every epoch (no shuffle).",
                  f"ORDERS = [list(range(len(TRAIN_X)))] * {epochs}"]
    return [*lines, f"BATCH_SIZE = {size}",
            "BATCHES = [",
            f"{INDENT}order[start:start + BATCH_SIZE]",
            f"{INDENT}for order in ORDERS",
            f"{INDENT}for start in range(0, len(order), BATCH_SIZE)",
            "][:ITERATIONS]"]


def _epoch(schedule: BatchSchedule, updates: int) -> list[int]:
    """The rows of an epoch's updates, one after the other: that epoch's order."""
    rows: list[int] = []
    for _ in range(updates):
        batch = next(schedule)
        assert batch is not None, "batch mode has no order"
        rows += [int(k) for k in batch]
    return rows


def _group(name: str, tensors: dict[str, str], trained: set[str]) -> list[str]:
    """``trained_weights = …``: every tensor of the group's mapping, or the trainable ones."""
    if len(trained) == len(tensors):
        return [f"trained_{name} = list({name}.values())"]
    return wrap(f"trained_{name} = [", [v for k, v in tensors.items() if k in trained],
                "]  # frozen ones left out")


def _optimizer(network: Network, settings: TrainingSettings, w: dict[str, str],
               b: dict[str, str]) -> list[str]:
    s, rule = settings, settings.optimizer
    lines = ["# The parameters gradient descent moves: the trainable ones (a frozen one keeps "
             "its value)."]
    lines += _group("weights", w, {e.id for e in network.edges if e.trainable})
    lines += _group("biases", b, {n.id for n in network.neurons if n.has_bias and n.train_bias})
    decay = "L2" if s.l2 else "0.0"
    lines += ["# Two parameter groups: weight_decay adds λ·w to each weight's gradient "
              "(bpgui's L2); the", "# biases are not decayed."]
    options = [f"lr={number(s.learning_rate)}"]
    if rule in ("momentum", "nesterov"):
        options.append(f"momentum={number(s.momentum)}")
    if rule == "nesterov":
        options.append("nesterov=True")
    if rule == "rmsprop":
        options += [f"alpha={number(s.alpha)}", f"eps={number(s.eps)}"]
    if rule == "adam":
        options += [f"betas=({number(s.beta1)}, {number(s.beta2)})", f"eps={number(s.eps)}"]
    lines += [f"optimizer = torch.optim.{_OPTIMIZERS[rule]}([",
              f'{INDENT}{{"params": trained_weights, "weight_decay": {decay}}},',
              f'{INDENT}{{"params": trained_biases, "weight_decay": 0.0}},',
              f"], {', '.join(options)})"]
    if s.schedule == "step":
        lines += [f"# Step decay: η ← γ·η after every {s.step_size} updates "
                  "(scheduler.step() follows every update).",
                  "scheduler = torch.optim.lr_scheduler.StepLR(optimizer, "
                  f"step_size={s.step_size}, gamma={number(s.gamma)})"]
    elif s.schedule == "exponential":
        lines += ["# Exponential decay: η ← γ·η after every update.",
                  "scheduler = torch.optim.lr_scheduler.ExponentialLR(optimizer, "
                  f"gamma={number(s.gamma)})"]
    return lines


def _record(settings: TrainingSettings, has_test: bool) -> list[str]:
    keys = ["loss", *(["test_loss"] if has_test else []), *(["l2_penalty"] if settings.l2
                                                            else [])]
    lines = [f"history: dict[str, list[float]] = {{{', '.join(f'{k!r}: []' for k in keys)}}}"
             .replace("'", '"'),
             "",
             "",
             "def record() -> None:",
             f'{INDENT}"""Append the training samples\' mean loss now (and the test '
             'samples\', the L2 penalty)."""',
             f"{INDENT}with torch.no_grad():",
             f'{INDENT * 2}history["loss"].append(mean_loss(TRAIN_X, TRAIN_Y).item())']
    if has_test:
        lines.append(f'{INDENT * 2}history["test_loss"].append(mean_loss(TEST_X, TEST_Y)'
                     '.item())')
    if settings.l2:
        lines.append(f'{INDENT * 2}history["l2_penalty"].append(0.5 * L2 * sum(w.item() ** 2 '
                     'for w in trained_weights))')
    return lines


def _loop(settings: TrainingSettings) -> list[str]:
    lines = ["record()  # before the first update, as bpgui's histories begin",
             "for rows in BATCHES:",
             f"{INDENT}optimizer.zero_grad()",
             f"{INDENT}mean_loss([TRAIN_X[k] for k in rows], [TRAIN_Y[k] for k in rows])"
             ".backward()",
             f"{INDENT}optimizer.step()"]
    if settings.schedule != "constant":
        lines.append(f"{INDENT}scheduler.step()")
    return [*lines, f"{INDENT}record()"]


def _report(settings: TrainingSettings, has_test: bool) -> list[str]:
    keys = ["loss", *(["test_loss"] if has_test else []), *(["l2_penalty"] if settings.l2
                                                            else [])]
    lines = ["# What `bpgui train` reports of the same run, in its keys.",
             'report["training"] = {',
             f'{INDENT}"iterations": ITERATIONS,']
    for k in keys:
        lines += [f'{INDENT}"{k}_history": history["{k}"],',
                  f'{INDENT}"final_{k}": history["{k}"][-1],']
    return [*lines,
            f'{INDENT}"weights": {{eid: w.item() for eid, w in weights.items()}},',
            f'{INDENT}"biases": {{nid: b.item() for nid, b in biases.items()}},',
            "}"]
