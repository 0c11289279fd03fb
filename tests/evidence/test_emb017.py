"""EMB017 on real MLX: sigmoid router scores underflow to 0 and their normalisation is 0 / 0 = NaN."""

from __future__ import annotations

import mlx.core as mx
import pytest
from emb_fixed_examples import run

from emberlint.catalog import load_catalog

UNDERFLOW = {mx.float16: -20.0, mx.bfloat16: -104.0, mx.float32: -104.0}
HAZARD_DTYPES = tuple(UNDERFLOW)  # sigmoid underflows to exactly 0 in each


@pytest.fixture(scope="module")
def before_after():
    """The rule's Example and its Use instead (the rule offers no automatic fix)."""
    doc = load_catalog()["EMB017"]
    return run(doc.bad_example)["route"], run(doc.fixed_example)["route"]


@pytest.mark.parametrize("dtype", HAZARD_DTYPES, ids=str)
def test_sigmoid_underflows_to_exactly_zero(dtype):
    assert mx.sigmoid(mx.array(UNDERFLOW[dtype], dtype=dtype)).item() == 0.0


@pytest.mark.parametrize("dtype", HAZARD_DTYPES, ids=str)
def test_normalised_scores_are_nan_before_and_zero_after(before_after, dtype):
    """The example scores in float32, where sigmoid underflows below -104."""
    before, after = before_after
    gates = mx.full((2, 8), -104.0, dtype=dtype)
    _, weights = before(gates, 2)
    assert mx.isnan(weights).all().item()
    _, weights = after(gates, 2)
    assert (weights == 0).all().item()


@pytest.mark.parametrize("dtype", list(UNDERFLOW), ids=str)
def test_ordinary_gates_are_bit_identical(before_after, dtype):
    before, after = before_after
    gates = mx.array([[-3.0, 1.0, 0.5, -8.0, 2.0, 0.0, -1.0, 4.0]], dtype=dtype)
    (inds_b, weights_b), (inds_a, weights_a) = before(gates, 3), after(gates, 3)
    assert mx.array_equal(inds_b, inds_a).item() and mx.array_equal(weights_b, weights_a).item()


def test_a_float16_router_is_nan_from_gate_logits_of_minus_20():
    scores = mx.sigmoid(mx.full((1, 4), -20.0, dtype=mx.float16))
    assert mx.isnan(scores / scores.sum(axis=-1, keepdims=True)).all().item()
