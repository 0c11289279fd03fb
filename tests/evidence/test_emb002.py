"""EMB002 on real MLX: softmax of a fully masked row is NaN with -inf (and with the float32
minimum in bfloat16/float16), uniform with finfo.min; other rows are unchanged."""

from __future__ import annotations

import mlx.core as mx
import numpy as np
import pytest
from emb_fixed_examples import DTYPES, run

from emberlint.catalog import load_catalog

# The dtypes this module shows the hazard in; rules/EMB002.md's `dtypes` must be these (tests/rules/test_catalog.py).
HAZARD_DTYPES = DTYPES


FLOAT32_MIN = -3.4028235e38
SCORES = mx.array(np.random.default_rng(0).normal(0.0, 3.0, (64, 16)).astype(np.float32))
MASK = mx.array(np.random.default_rng(1).random((64, 16)) < 0.5)
FULLY_MASKED = mx.zeros((1, 16), dtype=mx.bool_)


@pytest.fixture(scope="module")
def before_after():
    doc = load_catalog()["EMB002"]
    return run(doc.bad_example)["masked_softmax"], run(doc.fixed_example)["masked_softmax"]


def _softmax_with_fill(scores: mx.array, mask: mx.array, fill: float) -> mx.array:
    return mx.softmax(mx.where(mask, scores, fill), axis=-1)


@pytest.mark.parametrize("dtype", HAZARD_DTYPES)
def test_fully_masked_row_is_nan_before_and_uniform_after(before_after, dtype):
    before, after = before_after
    scores = SCORES[:1].astype(dtype)
    assert mx.isnan(before(scores, FULLY_MASKED)).all().item()
    fixed = after(scores, FULLY_MASKED)
    assert fixed.dtype == dtype
    assert mx.isfinite(fixed).all().item()
    np.testing.assert_allclose(np.array(fixed.astype(mx.float32)), 1 / 16, rtol=1e-2)


@pytest.mark.parametrize("dtype", DTYPES)
def test_rows_with_an_unmasked_position_are_bit_identical(before_after, dtype):
    before, after = before_after
    mask = MASK | (mx.arange(16) == 0)  # every row keeps position 0
    scores = SCORES.astype(dtype)
    assert mx.array_equal(before(scores, mask), after(scores, mask)).item()


@pytest.mark.parametrize(
    ("dtype", "is_nan"), [(mx.float32, False), (mx.bfloat16, True), (mx.float16, True)]
)
def test_float32_minimum_sentinel_is_nan_in_half_precision(dtype, is_nan):
    row = _softmax_with_fill(SCORES[:1].astype(dtype), FULLY_MASKED, FLOAT32_MIN)
    assert mx.isnan(row).all().item() is is_nan


def test_minus_1e9_overflows_float16_only():
    assert mx.array(-1e9, dtype=mx.float16).item() == -np.inf
    row = _softmax_with_fill(SCORES[:1].astype(mx.float16), FULLY_MASKED, -1e9)
    assert mx.isnan(row).all().item()
    assert mx.isfinite(_softmax_with_fill(SCORES[:1], FULLY_MASKED, -1e9)).all().item()


@pytest.mark.parametrize("dtype", DTYPES)
def test_finfo_min_is_finite_in_every_dtype(dtype):
    assert np.isfinite(mx.array(mx.finfo(dtype).min, dtype=dtype).item())


def test_a_mask_built_by_arithmetic_is_nan_everywhere_it_keeps_in_float16():
    """`(1 - m) * -1e9`: -1e9 is -inf in float16, and the kept positions compute 0 * -inf."""
    keep = mx.array([1.0, 0.0, 1.0], dtype=mx.float16)
    bias = (1 - keep) * -1e9
    assert mx.isnan(bias[mx.array([0, 2])]).all().item()
    scores = mx.zeros((1, 3), dtype=mx.float16) + bias
    assert mx.isnan(mx.softmax(scores, axis=-1)).all().item()
    for dtype in (mx.float32, mx.bfloat16):
        assert mx.isfinite((1 - keep.astype(dtype)) * -1e9).all().item()


@pytest.mark.parametrize("dtype", DTYPES)
def test_a_mask_times_minus_inf_is_nan_in_every_dtype(dtype):
    keep = mx.array([True, False])
    assert mx.isnan((keep.astype(dtype) * -float("inf"))[1]).item()


@pytest.mark.parametrize("dtype", DTYPES)
def test_float16_minimum_as_arithmetic_fill_is_finite_and_masks_in_every_dtype(dtype):
    keep = (MASK | (mx.arange(16) == 0)).astype(dtype)
    bias = (1 - keep) * mx.finfo(mx.float16).min
    assert mx.isfinite(bias).all().item()
    scores = SCORES.astype(dtype)
    weights = mx.softmax(scores + bias, axis=-1)
    reference = mx.softmax(mx.where(keep.astype(mx.bool_), scores, -float("inf")), axis=-1)
    assert mx.array_equal(weights, reference).item()


@pytest.mark.parametrize("dtype", DTYPES)
def test_ranking_a_minus_inf_fill_never_gives_nan(dtype):
    """Why fills that are only ranked (argpartition, argmax) are not reported."""
    filled = mx.where(FULLY_MASKED, SCORES[:1].astype(dtype), -float("inf"))
    for ranked in (mx.argpartition(filled, kth=3, axis=-1), mx.argmax(filled, axis=-1), mx.topk(filled, 3)):
        assert not mx.isnan(ranked.astype(mx.float32)).any().item()
