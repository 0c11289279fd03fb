"""EMB010 on real MLX: untyped constant arrays upcast half-precision arrays; the fixes
keep the array's dtype, never change a float32 result, and keep integers promoting."""

from __future__ import annotations

import mlx.core as mx
import numpy as np
import pytest
from emb_fixed_examples import example_before_after, fix_source, run

HALF = (mx.bfloat16, mx.float16)

# The dtypes this module shows the hazard in; rules/EMB010.md's `dtypes` must be these (tests/rules/test_catalog.py).
HAZARD_DTYPES = HALF

CONSTANTS = {
    "array scalar": lambda x: x * mx.array(0.5),
    "array list": lambda x: x + mx.array([0.25] * x.shape[-1]),
    "full": lambda x: x + mx.full(x.shape, 0.5),
    "arange": lambda x: x + mx.arange(0.0, float(x.shape[-1])),
    "ones": lambda x: x * mx.ones(x.shape),
    "zeros": lambda x: mx.concatenate([x, mx.zeros(x.shape)], axis=-1),
}
# The same computations with the constant typed as the array: what the fixes write.
TYPED = {
    "array scalar": lambda x: x * mx.array(0.5, dtype=x.dtype),
    "array list": lambda x: x + mx.array([0.25] * x.shape[-1], dtype=x.dtype),
    "full": lambda x: x + mx.full(x.shape, 0.5, dtype=x.dtype),
    "arange": lambda x: x + mx.arange(0.0, float(x.shape[-1]), dtype=x.dtype),
    "ones": lambda x: x * mx.ones(x.shape, dtype=x.dtype),
    "zeros": lambda x: mx.concatenate([x, mx.zeros(x.shape, dtype=x.dtype)], axis=-1),
}

SCALED = """\
import mlx.core as mx


def scaled(x: mx.array) -> mx.array:
    return x * mx.array(0.1)
"""


@pytest.mark.parametrize("dtype", HAZARD_DTYPES)
@pytest.mark.parametrize("constant", sorted(CONSTANTS))
def test_untyped_constant_upcasts_and_doubles_the_bytes(constant, dtype):
    x = mx.random.normal((8, 64)).astype(dtype)
    result, typed = CONSTANTS[constant](x), TYPED[constant](x)
    assert result.dtype == mx.float32 and typed.dtype == dtype
    assert result.shape == typed.shape
    assert result.nbytes == 2 * typed.nbytes


@pytest.mark.parametrize("dtype", HALF)
def test_fixed_example_keeps_the_half_dtype_and_the_values(dtype):
    before, after = example_before_after("EMB010")
    x = mx.random.normal((4, 6)).astype(dtype)
    upcast, fixed = before["pad_features"](x, 10), after["pad_features"](x, 10)
    assert upcast.dtype == mx.float32 and fixed.dtype == dtype
    assert fixed.nbytes * 2 == upcast.nbytes
    assert mx.array_equal(fixed.astype(mx.float32), upcast).item()


def test_scalar_fix_computes_in_the_array_dtype():
    before, after = run(SCALED), run(fix_source("EMB010", SCALED))
    x = mx.random.normal((1000,)).astype(mx.bfloat16)
    upcast, fixed = before["scaled"](x), after["scaled"](x)
    assert (upcast.dtype, fixed.dtype) == (mx.float32, mx.bfloat16)
    # The fixed value is the bfloat16 rounding of the float32 one: within half an ulp.
    eps = float(mx.finfo(mx.bfloat16).eps)
    relative = np.abs(np.array(fixed.astype(mx.float32)) - np.array(upcast)) / np.abs(np.array(upcast))
    assert relative.max() <= eps


def test_scalar_fix_changes_nothing_for_float32_and_integer_arrays():
    before, after = run(SCALED), run(fix_source("EMB010", SCALED))
    for x in (mx.random.normal((1000,)), mx.arange(-500, 500)):
        upcast, fixed = before["scaled"](x), after["scaled"](x)
        assert fixed.dtype == upcast.dtype == mx.float32
        assert mx.array_equal(fixed, upcast).item()
