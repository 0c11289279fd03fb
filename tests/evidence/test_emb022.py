"""EMB022 on real MLX: the hand-written sigmoid's gradient is NaN where exp(-x) overflows;
the fix's is not, and the values agree within a few ulps elsewhere."""

from __future__ import annotations

import mlx.core as mx
import numpy as np
import pytest
from emb_fixed_examples import DTYPES, as_float64, example_before_after, ulp_error

BENIGN = np.linspace(-30, 30, 200_001)
# Worst distance between the two forms on BENIGN, measured on MLX 0.32 CPU, in ulps.
MAX_ULPS = 3.0
# Where exp(-x) overflows, per dtype: the dtypes this module shows the hazard in
# (rules/EMB022.md's `dtypes` must be these).
OVERFLOWING = {mx.float32: -89.0, mx.bfloat16: -100.0, mx.float16: -12.0}
HAZARD_DTYPES = tuple(OVERFLOWING)


@pytest.fixture(scope="module")
def gates():
    before, after = example_before_after("EMB022")
    return before["gate"], after["gate"]


@pytest.mark.parametrize(("dtype", "overflowing"), [(dtype, OVERFLOWING[dtype]) for dtype in HAZARD_DTYPES])
def test_hand_written_gradient_is_nan_where_the_fix_is_finite(gates, dtype, overflowing):
    hand_written, fixed = gates
    x = mx.array([overflowing, 0.0, 5.0], dtype=dtype)
    bad = mx.grad(lambda v: hand_written(v).sum())(x)
    good = mx.grad(lambda v: fixed(v).sum())(x)
    assert np.isnan(as_float64(bad)[0])
    assert np.isfinite(as_float64(good)).all()
    assert good.dtype == dtype


@pytest.mark.parametrize("dtype", DTYPES)
def test_values_agree_within_a_few_ulps_on_benign_inputs(gates, dtype):
    hand_written, fixed = gates
    x = mx.array(BENIGN).astype(dtype)
    before, after = hand_written(x), fixed(x)
    assert after.dtype == before.dtype == dtype
    assert ulp_error(after, as_float64(before)).max() <= MAX_ULPS
