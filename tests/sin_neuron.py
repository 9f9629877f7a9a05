"""z = sin(2x + y) as one sin neuron with the loss ½(1 − z)²: the sample network that
stood in for seed 000's graph before operation nodes (now sample_networks/
seed000_sin_graph). Kept for the tests that pin its notation: an input named y makes
the target y*."""

from __future__ import annotations

from bpgui.network.model import Edge, Network, Neuron, Sample, TrainingSettings


def sin_neuron() -> Network:
    return Network([Neuron("x", "input"), Neuron("y", "input"),
                    Neuron("z", "output", "sin", 0.0)],
                   [Edge("w_x", "x", "z", 2.0), Edge("w_y", "y", "z", 1.0)],
                   loss="half_sse", samples=[Sample([0.5, 0.3], [1.0])],
                   training=TrainingSettings(learning_rate=0.5))
