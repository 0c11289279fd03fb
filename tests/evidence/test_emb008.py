"""EMB008 on real MLX: a half-precision mean of squares overflows (float16) or rounds
(bfloat16); the fix reduces in float32 and is bit-identical for float32 inputs."""

from __future__ import annotations

import mlx.core as mx
import numpy as np
import pytest
from emb_fixed_examples import DTYPES, as_float64, example_before_after

# The dtypes this module shows the hazard in; rules/EMB008.md's `dtypes` must be these (tests/rules/test_catalog.py).
HAZARD_DTYPES = (mx.bfloat16, mx.float16)


def activations(dtype: mx.Dtype, scale: float) -> mx.array:
    values = np.random.default_rng(0).normal(0.0, scale, (8, 4096)).astype(np.float32)
    return mx.array(values).astype(dtype)


def reference_rms_norm(x: mx.array, weight: mx.array) -> np.ndarray:
    x64 = as_float64(x)
    return x64 / np.sqrt(np.mean(x64 * x64, axis=-1, keepdims=True) + 1e-6) * as_float64(weight)


@pytest.fixture(scope="module")
def rms_norm():
    before, after = example_before_after("EMB008")
    return before["rms_norm"], after["rms_norm"]


@pytest.mark.parametrize("dtype", DTYPES)
def test_mean_of_squares_loses_precision_exactly_in_the_hazard_dtypes(dtype):
    x = activations(dtype, 1.0)
    x64 = as_float64(x)
    exact = np.mean(x64 * x64, axis=-1)
    in_dtype = as_float64(mx.mean(mx.square(x), axis=-1))
    # measured: float32 1.4e-6, float16 4.2e-4, bfloat16 4.0e-3
    assert (np.max(np.abs(in_dtype - exact) / exact) > 1e-4) == (dtype in HAZARD_DTYPES)


def test_float16_mean_of_squares_overflows_and_the_fix_does_not(rms_norm):
    before, after = rms_norm
    x, weight = activations(mx.float16, 300.0), mx.ones((4096,), dtype=mx.float16)
    assert mx.all(before(x, weight) == 0).item()  # inf mean -> rsqrt 0 -> all zeros
    fixed = after(x, weight)
    assert fixed.dtype == mx.float16
    assert np.allclose(as_float64(fixed), reference_rms_norm(x, weight), rtol=2e-3, atol=2e-3)


def test_bfloat16_reduction_is_more_precise_after_the_fix(rms_norm):
    before, after = rms_norm
    x = activations(mx.bfloat16, 1.0)
    x64 = as_float64(x)
    exact = np.mean(x64 * x64, axis=-1)
    hand_written = as_float64(mx.mean(mx.square(x), axis=-1))
    in_float32 = as_float64(mx.mean(mx.square(x.astype(mx.float32)), axis=-1))
    assert np.max(np.abs(hand_written - exact) / exact) > 1e-3
    assert np.max(np.abs(in_float32 - exact) / exact) < 1e-5
    weight = mx.ones((4096,), dtype=mx.bfloat16)
    reference = reference_rms_norm(x, weight)
    error_before = np.abs(as_float64(before(x, weight)) - reference).max()
    error_after = np.abs(as_float64(after(x, weight)) - reference).max()
    assert error_after <= error_before


def test_float32_inputs_are_bit_identical(rms_norm):
    before, after = rms_norm
    x, weight = activations(mx.float32, 3.0), mx.ones((4096,))
    assert mx.array_equal(before(x, weight), after(x, weight)).item()
