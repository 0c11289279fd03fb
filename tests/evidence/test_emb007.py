"""EMB007 on real MLX: `log(1 + exp(x))` overflows to inf, `logaddexp(0, x)` does not
and is never worse than rounding on benign inputs."""

from __future__ import annotations

import mlx.core as mx
import numpy as np
import pytest
from emb_fixed_examples import DTYPES, as_float64, example_before_after, ulp_error

BENIGN = np.linspace(-30, 30, 200_001)

# The dtypes this module shows the hazard in; rules/EMB007.md's `dtypes` must be these (tests/rules/test_catalog.py).
OVERFLOWS_ABOVE = {mx.float32: 100.0, mx.float16: 20.0, mx.bfloat16: 100.0}
HAZARD_DTYPES = tuple(OVERFLOWS_ABOVE)



@pytest.mark.parametrize(("dtype", "above"), [(dtype, OVERFLOWS_ABOVE[dtype]) for dtype in HAZARD_DTYPES])
def test_hand_written_softplus_is_inf_where_the_fix_is_exact(dtype, above):
    before, after = example_before_after("EMB007")
    x = mx.array([above], dtype=dtype)
    assert before["positive"](x).item() == np.inf
    fixed = after["positive"](x)
    assert fixed.dtype == dtype
    assert fixed.item() == pytest.approx(above, rel=1e-2)


# Worst error of `mx.logaddexp(0, x)` on BENIGN, in ulps, measured on MLX 0.32 CPU.
FIXED_MAX_ULPS = {mx.float32: 29.0, mx.float16: 1.3, mx.bfloat16: 1.3}
# Where the hand-written form happens to round better, the fix loses at most this many
# ulps to it (121 of the 200,001 points in float32; none by more than one in 16 bits).
LOSES_AT_MOST_ULPS = {mx.float32: 6.0, mx.float16: 1.0, mx.bfloat16: 1.0}


@pytest.mark.parametrize("dtype", DTYPES)
def test_fix_is_never_worse_than_rounding_on_benign_inputs(dtype):
    before, after = example_before_after("EMB007")
    x = mx.array(BENIGN).astype(dtype)
    reference = np.logaddexp(0, as_float64(x))
    fixed_error = ulp_error(after["positive"](x), reference)
    hand_written_error = ulp_error(before["positive"](x), reference)
    assert fixed_error.max() <= FIXED_MAX_ULPS[dtype]
    assert np.all(fixed_error <= hand_written_error + LOSES_AT_MOST_ULPS[dtype])
    assert hand_written_error.max() > 100 * FIXED_MAX_ULPS[dtype]


def test_fix_keeps_integer_inputs_floating():
    before, after = example_before_after("EMB007")
    x = mx.array([-3, 0, 5])
    assert before["positive"](x).dtype == after["positive"](x).dtype == mx.float32
    assert np.allclose(as_float64(after["positive"](x)), as_float64(before["positive"](x)), rtol=1e-6)
