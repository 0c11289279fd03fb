"""EMB013 on real MLX: `log(1 + x)` is 0 for small x; `log1p` keeps x's digits."""

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
# Largest measured x whose `log(1 + x)` is exactly 0, per dtype.
LOST_UP_TO = {mx.float32: 5.9e-8, mx.float16: 4.8e-4, mx.bfloat16: 3.8e-3}

# The dtypes this module shows the hazard in; rules/EMB013.md's `dtypes` must be these (tests/rules/test_catalog.py).
HAZARD_DTYPES = tuple(LOST_UP_TO)



@pytest.mark.parametrize("dtype", HAZARD_DTYPES)
def test_small_x_is_lost_by_log_one_plus_and_kept_by_log1p(dtype):
    before, after = example_before_after("EMB013")
    x = representable(SMALL[SMALL <= LOST_UP_TO[dtype]], dtype)
    assert np.all(as_float64(before["log_growth"](x)) == 0)
    exact = np.log1p(as_float64(x))
    relative = np.abs(as_float64(after["log_growth"](x)) - exact) / exact
    assert relative.max() <= float(mx.finfo(dtype).eps)


@pytest.mark.parametrize("dtype", DTYPES)
def test_log1p_is_never_worse_by_more_than_one_ulp(dtype):
    before, after = example_before_after("EMB013")
    x = representable(SMALL, dtype)
    exact = np.log1p(as_float64(x))
    error_before = np.abs(as_float64(before["log_growth"](x)) - exact)
    error_after = np.abs(as_float64(after["log_growth"](x)) - exact)
    ulp = float(mx.finfo(dtype).eps) * np.exp2(np.floor(np.log2(exact)))
    assert np.all(error_after <= error_before + ulp)
