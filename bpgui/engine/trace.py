"""The ``bpgui trace`` document: one sample's pass plus the dataset's loss and gradients.

Per-sample numbers come from the step records (the same generator the GUI
walks); the dataset numbers come from the batched fast path.

An operation node (issue 14) is listed as an input is, with ``a`` (its value) and
``grad`` (∂L/∂v, the cached upstream gradient); it has no ``z``, no ``delta`` and no
bias, so it is left out of the bias gradients.
"""

from __future__ import annotations

from typing import Any

from bpgui.engine.gradcheck import dataset_gradients
from bpgui.engine.plan import compile_plan
from bpgui.engine.records import LOSS_ID, Quantity, StepRecord
from bpgui.engine.stepper import all_steps, final_values
from bpgui.network.model import Network
from bpgui.network.numbers import DEFAULT_DIGITS


def trace_document(network: Network, sample: int = 0, granularity: str = "node",
                   digits: int = DEFAULT_DIGITS) -> dict[str, Any]:
    records = all_steps(network, sample, granularity)
    v = final_values(records)
    neurons: dict[str, dict[str, float]] = {}
    for n in network.neurons:
        if n.is_input:
            neurons[n.id] = {"a": v[Quantity("a", n.id)], "grad": v[Quantity("grad_a", n.id)]}
        elif n.is_operation:
            neurons[n.id] = {"a": v[Quantity("a", n.id)], "grad": v[Quantity("delta", n.id)]}
        else:
            neurons[n.id] = {"z": v[Quantity("z", n.id)], "a": v[Quantity("a", n.id)],
                             "delta": v[Quantity("delta", n.id)]}
    loss, d_weights, d_biases = dataset_gradients(compile_plan(network), network)
    return {
        "sample": sample,
        "outputs": [v[Quantity("a", n.id)] for n in network.outputs],
        "loss": v[Quantity("loss", LOSS_ID)],
        "neurons": neurons,
        "gradients": {
            "weights": {e.id: v[Quantity("grad_w", e.id)] for e in network.edges},
            "biases": {n.id: v[Quantity("grad_b", n.id)] for n in network.neurons
                       if n.has_bias},
        },
        "dataset": {
            "loss": loss,
            "gradients": {"weights": {e.id: d_weights[e.id] for e in network.edges},
                          "biases": {n.id: d_biases[n.id] for n in network.neurons
                                     if n.has_bias}},
        },
        "steps": [step_json(r, digits) for r in records],
    }


def step_json(record: StepRecord, digits: int = DEFAULT_DIGITS) -> dict[str, Any]:
    """A record as JSON: the spec's phase/target/text, plus what it reads, writes, reuses."""
    return {"phase": record.phase, "target": record.target, "text": record.text(digits),
            "reads": list(record.reads), "writes": list(record.writes),
            "reuses": list(record.reuses)}
