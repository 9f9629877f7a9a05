"""The overfitting sample of ``sample_networks/`` (``tools/make_samples.py`` writes it): a
wide 2-32-32-1 network on 30 noisy moons points, half of them held out as test samples,
so that the test loss turns up while the training loss keeps falling, and L2 tames it.

Built by :func:`bpgui.network.builders.layered_network`, as the New layered network
dialog builds it, with the samples of :func:`bpgui.network.datasets.hold_out`.
"""

from __future__ import annotations

from bpgui.network import datasets
from bpgui.network.builders import LayeredSpec, layered_network
from bpgui.network.model import Network, Sample, TrainingSettings

COUNT, NOISE, SEED, HELD_OUT = 30, 0.3, 0, 50     # moons points, noise, seed, test %
LEARNING_RATE = 0.3     # plain gradient descent; 0.5 spikes once, a "runaway" stop
SUGGESTED_L2 = 0.005    # the λ the description suggests (tests/test_overfit_sample.py)


def overfit_samples() -> list[Sample]:
    samples = datasets.to_samples(*datasets.moons(COUNT, NOISE, SEED))
    rounded = [Sample([round(v, 4) for v in s.inputs], list(s.targets)) for s in samples]
    return datasets.hold_out(rounded, HELD_OUT, SEED)


def overfit_moons() -> Network:
    net = layered_network(LayeredSpec(
        [2, 32, 32, 1], ["tanh", "tanh", "sigmoid"], "bce", seed=0,
        samples=overfit_samples(), name="Overfitting: 2-32-32-1 on 30 noisy moons"))
    net.training = TrainingSettings(learning_rate=LEARNING_RATE)
    net.description = (
        f"A wide 2-32-32-1 network (tanh, sigmoid output, binary cross-entropy; about "
        f"1,200 weights) on only {COUNT} moons points with noise {NOISE}, {HELD_OUT} % of "
        "them held out as test samples (the hollow rings on the decision boundary, the "
        "ticked rows of the Dataset table): training never sees them. Train it for 3,000 "
        "iterations and watch the Loss plot: the training loss keeps falling towards 0 "
        "while the dashed test loss falls for the first couple of hundred updates, then "
        "turns UP: the network starts memorising the noise of its 15 training points, and "
        "the decision boundary grows islands around single points. That is overfitting. "
        f"Then undo the run (Ctrl+Z), set L2 λ = {SUGGESTED_L2:g} (the training block's "
        f"l2 key, or bpgui train --l2 {SUGGESTED_L2:g}) and train again: the weight "
        "penalty keeps the boundary smooth and the test loss ends about three times "
        "lower. Try other λ: too large and both losses stay high "
        "(underfitting).")
    return net
