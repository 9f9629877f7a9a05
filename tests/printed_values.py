"""The true value of every symbol bpgui prints, for tests only.

This module owns the meaning of the notation's symbols (docs/notation.md, "Symbols and their
values"): :class:`TrueValues` resolves a symbol such as ``δ_h1``, ``∂L/∂ŷ₂``, ``A₂[:, f₁]``,
``g_b_h1``, ``Σ_rest`` or a path sum's ``path 2`` to its value for one sample of one
network, and evaluates a symbols-line tree of :mod:`tests.printed_math` with those values.

The values come from ``tests/reference.py`` (an independent scalar autograd) and the
network's plain data; the levels of layer granularity are computed here from
``bpgui.network.graph.topological_levels``. Nothing comes from ``bpgui.engine``. Each value comes
with its rounding spread (nonzero only for ℓ and ∂ℓ/∂ŷ, see ``reference.loss_spread``).
"""

from __future__ import annotations

import math
import re
from collections.abc import Sequence
from fractions import Fraction
from typing import Any

from bpgui.network.graph import topological_levels
from bpgui.network.model import Network
from tests import printed_math as pm
from tests import printed_notation as pn
from tests.printed_math import Value
from tests.printed_notation import SUB, Node
from tests.printed_ops import operation_pass
from tests.reference import BCE_CLAMP, reference_pass

LISTED = 10                 # samples an update's mean writes out before Σ_rest
Pair = tuple[Value, Value]  # (value, spread)


RULE_SETTINGS = {"β": "momentum", "α": "alpha", "β₁": "beta1", "β₂": "beta2", "ε": "eps",
                 "λ": "l2"}
"""The update rules' settings as printed, and their training-settings keys."""


def _root(x: Fraction) -> Fraction:
    return Fraction(math.sqrt(x))


def _vector(xs: Sequence[Any]) -> Value:
    """A column vector of Fractions (a scalar when it has one entry)."""
    col = tuple((Fraction(x),) for x in xs)
    return col[0][0] if len(col) == 1 else col


def _matrix(rows: Sequence[Sequence[Any]]) -> Value:
    m = tuple(tuple(Fraction(x) for x in row) for row in rows)
    return m[0][0] if len(m) == 1 and len(m[0]) == 1 else m


def _index(text: str) -> int:
    return int("".join(str(SUB.index(c)) for c in text))


class TrueValues:
    """Values for sample ``sample`` of ``network``; for an update over several samples
    (``update_record``) pass ``rows``: then ``g_X``, ``∂Lₖ/∂X`` and ``Σ_rest`` are defined
    and a parameter's new value uses the mean gradient over ``rows``."""

    def __init__(self, network: Network, sample: int = 0, rows: Sequence[int] | None = None):
        self.net, self.sample = network, sample
        self.rows = None if rows is None else [int(k) for k in rows]
        self._passes: dict[int, dict[str, Any]] = {}
        self._sums: dict[tuple[str, tuple[int, ...]], Fraction] = {}
        self.paths: list[Value] = []       # a path sum's ``path k``: the k-th path's product
        self.assigned: set[str] = set()    # state symbols already set by a ``←`` line
        self._rules: dict[str, dict[str, Fraction]] = {}
        self.ref = self.passed(sample)
        neurons = network.neurons
        self.neuron = {n.id: n for n in neurons}
        self.edge = {e.id: e for e in network.edges}
        self.inputs = [n.id for n in network.inputs]
        self.ops = {n.id for n in neurons if n.op is not None}   # written bare, as inputs are
        self.outputs = [n.id for n in network.outputs]
        self.x = dict(zip(self.inputs, network.samples[sample].inputs, strict=True))
        self.y = list(network.samples[sample].targets)
        levels = topological_levels(len(neurons), [n.is_input for n in neurons],
                                    network.index_pairs())
        position = {neurons[i].id: p for p, i in
                    enumerate(sorted(range(len(neurons)), key=lambda i: (levels[i], i)))}
        self.members = [[n.id for n, lv in zip(neurons, levels, strict=True) if lv == level]
                        for level in range(max(levels) + 1)]
        self.sources = [sorted({e.source for e in network.edges if e.target in members},
                               key=position.__getitem__) for members in self.members]

    def passed(self, k: int) -> dict[str, Any]:
        if k not in self._passes:
            has_operations = any(n.op is not None for n in self.net.neurons)
            self._passes[k] = (operation_pass if has_operations else reference_pass)(self.net, k)
        return self._passes[k]

    # ------------------------------------------------------------------ parameters
    def _param(self, name: str) -> tuple[str, str] | None:
        """``w5`` → ("grad_w", "w5"), ``b_h1`` → ("grad_b", "h1"), else None."""
        if name in self.edge:
            return "grad_w", name
        if name.startswith("b_") and name[2:] in self.neuron \
                and not self.neuron[name[2:]].is_input:
            return "grad_b", name[2:]
        return None

    def _grad(self, name: str, rows: Sequence[int]) -> Fraction:
        """Σ over ``rows`` of each sample's own gradient of parameter ``name``."""
        key = (name, tuple(rows))
        if key not in self._sums:
            param = self._param(name)
            if param is None:
                raise KeyError(f"{name!r} is not a parameter")
            self._sums[key] = sum((Fraction(self.passed(k)[param[0]][param[1]]) for k in rows),
                                  Fraction(0))
        return self._sums[key]

    def _step(self, name: str) -> Fraction:
        """How far this update moves parameter ``name``: η times its gradient for plain
        gradient descent (0 if frozen), else old − new by the rule (:meth:`_rule`)."""
        kind, ident = self._param(name) or ("", "")
        frozen = not self.edge[ident].trainable if kind == "grad_w" else \
            not self.neuron[ident].train_bias
        if frozen:
            return Fraction(0)
        settings = self.net.training
        if settings.optimizer != "sgd" or settings.l2:
            return self._rule(name)["old"] - self._rule(name)["new"]
        rows = self.rows if self.rows is not None else [self.sample]
        return Fraction(self.net.training.learning_rate) * self._grad(name, rows) / len(rows)

    def _rule(self, name: str) -> dict[str, Fraction]:
        """The update of parameter ``name`` by the network's rule from its initial state
        (zeros, t = 1), torch's meanings written out here: the state after (m, v), the
        bias-corrected m̂, v̂, and the old and new value."""
        if name not in self._rules:
            s = self.net.training
            kind, ident = self._param(name) or ("", "")
            old = Fraction(self.edge[ident].weight if kind == "grad_w"
                           else self.neuron[ident].bias)
            rows = self.rows if self.rows is not None else [self.sample]
            g = self._grad(name, rows) / len(rows)
            if s.l2 and kind == "grad_w":
                g += Fraction(s.l2) * old
            eta, eps = Fraction(s.learning_rate), Fraction(s.eps)
            out = {"old": old, "m": Fraction(0), "v": Fraction(0)}
            if s.optimizer == "sgd":
                out["new"] = old - eta * g
            elif s.optimizer in ("momentum", "nesterov"):
                out["v"] = g                                   # v = β·0 + g
                step = g + Fraction(s.momentum) * g if s.optimizer == "nesterov" else g
                out["new"] = old - eta * step
            elif s.optimizer == "rmsprop":
                out["v"] = (1 - Fraction(s.alpha)) * g * g
                out["new"] = old - eta * g / (_root(out["v"]) + eps)
            else:
                b1, b2 = Fraction(s.beta1), Fraction(s.beta2)
                out["m"], out["v"] = (1 - b1) * g, (1 - b2) * g * g
                out["m̂"], out["v̂"] = out["m"] / (1 - b1), out["v"] / (1 - b2)
                out["new"] = old - eta * out["m̂"] / (_root(out["v̂"]) + eps)
            self._rules[name] = out
        return self._rules[name]

    def _state(self, slot: str, name: str, new: bool) -> Fraction:
        """A rule's state symbol: m, v before the update (0) or after it (its ``←`` line
        printed, or the lhs of that line); m̂ and v̂."""
        if slot in ("m", "v") and not new:
            return Fraction(0)
        return self._rule(name)[slot]

    def _weight(self, eid: str, new: bool) -> Fraction:
        return Fraction(self.edge[eid].weight) - (self._step(eid) if new else 0)

    def _bias(self, nid: str, new: bool) -> Fraction:
        return Fraction(self.neuron[nid].bias) - (self._step(f"b_{nid}") if new else 0)

    # ---------------------------------------------------------------------- levels
    def _level(self, base: str, level: int, new: bool) -> Value:
        if not 0 <= level < len(self.members) or (level == 0 and base != "f"):
            raise KeyError(f"no {base} at level {level}")
        members, sources = self.members[level], self.sources[level]
        ref = self.ref
        if base in "fzbδt":
            return _vector([{"f": lambda m: ref["a"][m], "z": lambda m: ref["z"][m],
                             "b": lambda m: self._bias(m, new),
                             "δ": lambda m: ref["delta"][m],
                             "t": lambda m: int(self.neuron[m].train_bias)}[base](m)
                            for m in members])
        return self._block(level, sources, {
            "A": lambda e: self._weight(e.id, new), "M": lambda e: 1,
            "T": lambda e: int(e.trainable)}[base])

    def _block(self, level: int, columns: Sequence[str], cell: Any) -> Value:
        """|members of ``level``| × |columns| of ``cell(edge)``, 0 where no edge exists."""
        edges = {(e.target, e.source): e for e in self.net.edges}
        return _matrix([[cell(edges[m, s]) if (m, s) in edges else 0 for s in columns]
                        for m in self.members[level]])

    # --------------------------------------------------------------------- outputs
    def _outputs(self, base: str) -> list[Any]:
        yhat = self.ref["outputs"]
        if base == "ŷ":
            return yhat
        if base in ("y", "y*"):
            return self.y
        if base in ("p", "p*"):
            return [min(max(v, BCE_CLAMP), 1 - BCE_CLAMP) for v in yhat]
        top = max(yhat)
        e = [math.exp(v - top) for v in yhat]
        return [v / sum(e) for v in e]

    # ------------------------------------------------------------------- gradients
    def _gradient(self, x: str) -> Pair:
        """∂ℓ/∂x for the pass's sample, with its spread."""
        ref = self.ref
        spread = ref["dl_dyhat_spread"]
        if x in self.inputs:
            return Fraction(ref["grad_a"][x]), 0
        if x in self.ops:                                  # ∂L/∂v of an operation node
            return Fraction(ref["grad_a"][x]), spread.get(x, 0)
        if x in self.edge:
            return Fraction(ref["grad_w"][x]), 0
        base, index = x.rstrip(SUB), x[len(x.rstrip(SUB)):]
        if base == "ŷ":
            outs = [self.outputs[_index(index) - 1]] if index else self.outputs
            return (_vector([ref["dl_dyhat"][o] for o in outs]),
                    _vector([spread[o] for o in outs]))
        if index and base in ("f", "z", "b", "A"):
            level = _index(index)
            members = self.members[level]
            if base == "A":
                if level == 0:
                    raise KeyError("A₀")
                return self._block(level, self.sources[level],
                                   lambda e: ref["grad_w"][e.id]), 0
            if base == "f":
                return (_vector([ref["grad_a"][m] for m in members]),
                        _vector([spread.get(m, 0) for m in members]))
            return _vector([ref["delta"][m] for m in members]), 0
        prefix, _, nid = x.partition("_")
        if nid in self.neuron and prefix in ("a", "z", "b"):
            key = {"a": "grad_a", "z": "delta", "b": "grad_b"}[prefix]
            return Fraction(ref[key][nid]), spread.get(nid, 0) if prefix == "a" else 0
        raise KeyError(f"∂L/∂{x}")

    # ---------------------------------------------------------------------- symbols
    def symbol(self, name: str, *, new: bool = False, focus: str | None = None) -> Pair:
        """The value of one printed symbol and its spread; ``new`` for the lhs of an
        update (the parameter after it), ``focus`` the parameter of ``Σ_rest``."""
        name = name.replace("y\u0302", "ŷ")
        ref = self.ref
        if m := re.fullmatch(r"path ([0-9]+)", name):
            return self.paths[int(m[1]) - 1], 0
        if name in self.x:
            return Fraction(self.x[name]), 0
        if name in self.ops:
            return Fraction(ref["a"][name]), 0
        if name in self.edge:
            return self._weight(name, new), 0
        if m := re.fullmatch(rf"∂L([{SUB}]*)/∂(.+)", name):
            return (self._grad(m[2], [_index(m[1])]), 0) if m[1] else self._gradient(m[2])
        rows = self.rows if self.rows is not None else [self.sample]
        if name.startswith("g_") and self._param(name[2:]):
            return self._grad(name[2:], rows) / len(rows), 0
        if name == "Σ_rest" and focus is not None:
            return self._grad(focus, rows[LISTED:]), 0
        settings = self.net.training
        if name in RULE_SETTINGS:
            return Fraction(getattr(settings, RULE_SETTINGS[name])), 0
        if name == "t":
            return Fraction(1), 0                  # the first update from the initial state
        if (m := re.fullmatch("(m\u0302|v\u0302|m|v)_(.+)", name)) and self._param(m[2]):
            return self._state(m[1], m[2], new or name in self.assigned), 0
        constants = {"η": self.net.training.learning_rate, "Σy": sum(self.y)}
        if name in constants:
            return Fraction(constants[name]), 0
        if name == "L":
            return Fraction(ref["loss"]), Fraction(ref["loss_spread"])
        if name == "x":
            return _vector([self.x[i] for i in self.inputs]), 0
        if m := re.fullmatch(rf"A([{SUB}]+)\[:, f([{SUB}]+)\]", name):
            return self._block(_index(m[1]), self.members[_index(m[2])],
                               lambda e: self._weight(e.id, new)), 0
        base, index = name.rstrip(SUB), name[len(name.rstrip(SUB)):]
        if index and base in ("f", "z", "b", "δ", "A", "M", "T", "t"):
            return self._level(base, _index(index), new), 0
        if base in ("ŷ", "y", "y*", "p", "p*", "s", "s*"):
            values = self._outputs(base)
            return _vector([values[_index(index) - 1]] if index else values), 0
        prefix, _, nid = name.partition("_")
        if nid in self.neuron and prefix in ("a", "z", "δ", "b"):
            if prefix == "b":
                return self._bias(nid, new), 0
            key = {"a": "a", "z": "z", "δ": "delta"}[prefix]
            return Fraction(ref[key][nid]), 0
        raise KeyError(f"no symbol {name!r} in the spec (or not in this network)")

    def true_value(self, tree: Node, *, new: bool = False, focus: str | None = None) -> Pair:
        """A symbols tree's value from the true values of its symbols, and how far the
        rounding spreads of its ℓ and ∂ℓ/∂ŷ symbols can move it (each moved by its spread
        both ways, one at a time, the deviations added)."""
        got = {n.text: self.symbol(n.text, new=new, focus=focus)
               for n in pn.walk(tree) if n.op == "sym"}

        def run(moved: str | None = None, sign: int = 0) -> Value:
            def leaf(node: Node) -> Value:
                if node.op == "num":
                    return pn.number_value(node.text)
                value, spread = got[node.text]
                if node.text != moved:
                    return value
                return pm.elementwise(lambda v, s: v + sign * Fraction(s), value, spread)
            return pm.evaluate(tree, pm.Exact(), leaf)

        base = run()
        spread: Value = Fraction(0)
        for name, (_, s) in got.items():
            if any(pm.entries(s)):
                try:
                    moved = [run(name, sign) for sign in (1, -1)]
                except pm.EvalError:
                    continue          # a shift past a domain edge: no wider bound to add
                spread = pm.elementwise(lambda t, a, b, c: t + max(abs(a - c), abs(b - c)),
                              spread, *moved, base)
        return base, spread
