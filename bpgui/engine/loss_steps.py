"""The loss step: ℓ(ŷ, y) and ∂ℓ/∂ŷ_k written out for each loss of the spec."""

from __future__ import annotations

import numpy as np

from bpgui.engine.functions import BCE_CLAMP, softmax
from bpgui.engine.records import LOSS_ID, Equation, Quantity
from bpgui.engine.walk import TemplateBuilder, Walk
from bpgui.numbers import subscript


def loss_step(walk: Walk) -> tuple[tuple[Equation, ...], list[tuple[Quantity, float]]]:
    """Equations and values of the loss step (shared by every granularity)."""
    loss, grads = walk.loss_and_gradient()
    outs = walk.outputs
    yhat = [walk.a(o) for o in outs]
    y = walk.y
    equations: list[Equation] = []
    values = [walk.put("loss", LOSS_ID, loss)]
    name = walk.loss.name
    if name == "softmax_ce":
        s = [float(v) for v in softmax(np.array(yhat))]
        equations.append(Equation("s", "softmax(ŷ)", "softmax({0})", (tuple(yhat),), tuple(s)))
    t = TemplateBuilder()
    terms_sym, terms_num = [], []
    for k, o in enumerate(outs):
        ys, yh = walk.y_sym(k), walk.yhat_sym(o)
        if name in ("half_sse", "sse", "mse"):
            terms_sym.append(f"({ys} − {yh})²" if name == "half_sse" else f"({yh} − {ys})²")
            a, b = (y[k], yhat[k]) if name == "half_sse" else (yhat[k], y[k])
            terms_num.append(f"({t.num(a, False)} − {t.num(b)})²")
        elif name == "bce":
            p = min(max(yhat[k], BCE_CLAMP), 1 - BCE_CLAMP)
            terms_sym.append(f"[{ys} ln {yh} + (1 − {ys}) ln(1 − {yh})]")
            yk, pk = t.num(y[k], False), t.num(p, False)
            terms_num.append(f"[{yk}·ln {pk} + (1 − {yk})·ln(1 − {pk})]")
        else:
            sk = f"s{'' if len(outs) == 1 else _sub(k)}"
            terms_sym.append(f"{ys} ln {sk}")
            terms_num.append(f"{t.num(y[k])}·ln {t.num(s[k], False)}")
    joined_sym, joined_num = " + ".join(terms_sym), " + ".join(terms_num)
    if len(outs) > 1 and name != "bce":
        joined_sym, joined_num = f"[{joined_sym}]", f"[{joined_num}]"
    prefix = {"half_sse": "½", "sse": "", "mse": f"(1/{len(outs)})" if len(outs) > 1 else "",
              "bce": "−", "softmax_ce": "−"}[name]
    if name == "bce" and len(outs) > 1:
        joined_sym, joined_num = f"({joined_sym})", f"({joined_num})"
    equations.append(Equation("L", prefix + joined_sym, prefix + joined_num,
                              tuple(t.operands), loss))
    for k, o in enumerate(outs):
        equations.append(output_gradient_equation(walk, k))
        values.append(walk.put("dl_dyhat", o, grads[k]))
    return tuple(equations), values


def _sub(k: int) -> str:
    return subscript(k + 1)


def output_gradient_equation(walk: Walk, k: int) -> Equation:
    """∂ℓ/∂ŷ_k for output ``k`` (file order) in symbols and numbers."""
    o, name = walk.outputs[k], walk.loss.name
    ys, yh = walk.y_sym(k), walk.yhat_sym(o)
    t = TemplateBuilder()
    yhat, y = walk.a(o), walk.y[k]
    grad = walk.loss_and_gradient()[1][k]
    if name == "half_sse":
        sym, num = f"{yh} − {ys}", f"{t.num(yhat, False)} − {t.num(y)}"
    elif name == "sse":
        sym, num = f"2({yh} − {ys})", f"2({t.num(yhat, False)} − {t.num(y)})"
    elif name == "mse":
        n = len(walk.outputs)
        sym, num = f"2({yh} − {ys})/{n}", f"2({t.num(yhat, False)} − {t.num(y)})/{n}"
    elif name == "bce":
        p = min(max(yhat, BCE_CLAMP), 1 - BCE_CLAMP)
        pn, yn = t.num(p, False), t.num(y)
        sym, num = f"({yh} − {ys})/({yh}(1 − {yh}))", f"({pn} − {yn})/({pn}(1 − {pn}))"
    else:
        sk = f"s{'' if len(walk.outputs) == 1 else _sub(k)}"
        sym = f"{sk}·Σy − {ys}"
        s_k = float(softmax(np.array([walk.a(out) for out in walk.outputs]))[k])
        num = f"{t.num(s_k, False)}·{t.num(sum(walk.y))} − {t.num(y)}"
    return Equation(f"∂L/∂{yh}", sym, num, tuple(t.operands), grad)
