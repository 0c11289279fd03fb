"""EMB014 on real MLX: `exp(x) - 1` is 0 for small x; `expm1` keeps x's digits."""

from __future__ import annotations

import mlx.core as mx
import numpy as np
import pytest
from emb_fixed_examples import DTYPES, as_float64, example_before_after


def representable(values: np.ndarray, dtype: mx.Dtype, sign: float = 1.0) -> mx.array:
    """`sign * values` rounded to `dtype`, without those that round to 0."""
    rounded = as_float64(mx.array(sign * values).astype(dtype))
    return mx.array(rounded[rounded != 0]).astype(dtype)

SMALL = np.logspace(-10, 0, 2001)
# Below 1 the float spacing halves, so for negative x `exp(x)` rounds to 1 only up to
# half the positive threshold (6e-8, 4.8e-4, 3.9e-3).
LOST_UP_TO = {mx.float32: 2.9e-8, mx.float16: 2.4e-4, mx.bfloat16: 1.9e-3}

# The dtypes this module shows the hazard in; rules/EMB014.md's `dtypes` must be these (tests/rules/test_catalog.py).
HAZARD_DTYPES = tuple(LOST_UP_TO)



@pytest.mark.parametrize("dtype", HAZARD_DTYPES)
def test_small_negative_inputs_of_elu_vanish_without_expm1(dtype):
    before, after = example_before_after("EMB014")
    x = representable(SMALL[SMALL <= LOST_UP_TO[dtype]], dtype, sign=-1.0)
    assert np.all(as_float64(before["elu"](x)) == 0)
    exact = np.expm1(as_float64(x))
    relative = np.abs(as_float64(after["elu"](x)) - exact) / np.abs(exact)
    assert relative.max() <= float(mx.finfo(dtype).eps)


@pytest.mark.parametrize("dtype", DTYPES)
def test_expm1_is_never_worse(dtype):
    before, after = example_before_after("EMB014")
    x = representable(SMALL, dtype, sign=-1.0)
    exact = np.expm1(as_float64(x))
    error_before = np.abs(as_float64(before["elu"](x)) - exact)
    error_after = np.abs(as_float64(after["elu"](x)) - exact)
    assert np.all(error_after <= error_before)
