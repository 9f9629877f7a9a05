"""``bpgui expr`` then ``bpgui trace`` on random expressions, against the independent
reference autograd (``tests/reference.py``): the output and every variable's gradient,
to 1e-9 relative (plus 1e-10 absolute, the floor test_operations_against_reference
justifies for results that cancel to about 0).

Expressions are drawn from a small grammar over x, y, z in [−2, 2] with every supported
operator and function; arguments of log and sqrt are built positive (1 + u², 2 + sin u)
and divisors kept away from 0 (2 + cos u), so the pass is defined. A text the parser
refuses (a variable twice in one operation, x*x) is discarded, as is a graph where
rounding alone could decide a branch (relu at 0, a max/min tie).
"""

from __future__ import annotations

import math

from hypothesis import assume, given, note, settings
from hypothesis import strategies as st

from bpgui.engine.expressions import computable_expression
from bpgui.engine.trace import trace_document
from bpgui.network.errors import BpguiError
from tests.reference import reference_pass
from tests.test_operations_against_reference import branch_ambiguous

REL, ABS = 1e-9, 1e-10
VARIABLES = ("x", "y", "z")
VALUES = st.floats(-2.0, 2.0, allow_nan=False).map(lambda v: round(v, 3))
NUMBERS = st.sampled_from(["2", "0.5", "3", "1.5"])


def _extend(inner: st.SearchStrategy[str]) -> st.SearchStrategy[str]:
    unary = st.sampled_from(["sin({})", "cos({})", "tanh({})", "sigmoid({})", "-({})",
                             "({})**2", "relu({})", "exp(tanh({}))", "log(1 + ({})**2)",
                             "sqrt(2 + sin({}))", "({})**3"])
    binary = st.sampled_from(["({}) + ({})", "({}) - ({})", "({}) * ({})",
                              "({}) / (2 + cos({}))", "max({}, {})", "min({}, {})",
                              "{} * ({})"])
    return st.one_of(
        st.tuples(unary, inner).map(lambda t: t[0].format(t[1])),
        st.tuples(binary, inner, inner).map(lambda t: t[0].format(t[1], t[2])),
        st.tuples(NUMBERS, inner).map(lambda t: f"{t[0]}*({t[1]})"),
    )


EXPRESSIONS = st.recursive(st.sampled_from(VARIABLES), _extend, max_leaves=6)


@settings(max_examples=150, deadline=None)
@given(text=EXPRESSIONS, values=st.tuples(VALUES, VALUES, VALUES))
def test_expr_and_trace_agree_with_the_reference(text: str, values: tuple[float, ...]
                                                 ) -> None:
    at = dict(zip(VARIABLES, values, strict=True))
    try:
        network = computable_expression(text, {v: at[v] for v in VARIABLES if v in text})
    except BpguiError:
        assume(False)           # x*x: one edge per pair of nodes; the parser says so
        raise
    note(text)
    ref = reference_pass(network, 0)
    assume(not branch_ambiguous(network, [ref]))
    doc = trace_document(network)
    assert math.isclose(doc["outputs"][0], ref["outputs"][0], rel_tol=REL, abs_tol=ABS)
    for n in network.inputs:
        got, want = doc["neurons"][n.id]["grad"], ref["grad_a"][n.id]
        assert math.isclose(got, want, rel_tol=REL, abs_tol=ABS), (n.id, got, want)
    for e in network.edges:
        got, want = doc["gradients"]["weights"][e.id], ref["grad_w"][e.id]
        assert math.isclose(got, want, rel_tol=REL, abs_tol=ABS), (e.id, got, want)
