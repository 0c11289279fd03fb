"""EMB018 on real MLX: a half-precision softmax without `precise=True` is an order of
magnitude less accurate; the fix (`precise=True`) is bit-identical for float32 inputs."""

from __future__ import annotations

import mlx.core as mx
import numpy as np
import pytest
from emb_fixed_examples import as_float64, example_before_after

HAZARD_DTYPES = (mx.float16, mx.bfloat16)  # float32's softmax is bit-identical either way


def logits(dtype: mx.Dtype) -> mx.array:
    values = np.random.default_rng(0).normal(0.0, 4.0, (64, 4096)).astype(np.float32)
    return mx.array(values).astype(dtype)


def reference_softmax(x: mx.array) -> np.ndarray:
    x64 = as_float64(x)
    e = np.exp(x64 - x64.max(axis=-1, keepdims=True))
    return e / e.sum(axis=-1, keepdims=True)


@pytest.fixture(scope="module")
def weights():
    before, after = example_before_after("EMB018")
    return before["attention_weights"], after["attention_weights"]


@pytest.mark.parametrize("dtype", HAZARD_DTYPES)
def test_half_softmax_is_ten_times_more_accurate_after_the_fix(weights, dtype):
    before, after = weights
    x = logits(dtype)
    reference = reference_softmax(x)
    error_before = np.abs(as_float64(before(x)) - reference).max()
    error_after = np.abs(as_float64(after(x)) - reference).max()
    assert after(x).dtype == dtype
    assert error_after * 10 < error_before


def test_bfloat16_rows_no_longer_sum_to_one_without_the_fix(weights):
    before, after = weights
    x = logits(mx.bfloat16)
    assert np.abs(as_float64(before(x)).sum(axis=-1) - 1).max() > 0.05
    assert np.abs(as_float64(after(x)).sum(axis=-1) - 1).max() < 0.01


def test_the_fix_is_bit_identical_in_float32(weights):
    before, after = weights
    x = logits(mx.float32)
    assert mx.array_equal(before(x), after(x)).item()
