"""EMB024 on real MLX: the hand-written log-sum-exp is inf / -inf on ordinary inputs;
the fix is finite there and within a few ulps of the float64 reference elsewhere."""

from __future__ import annotations

import mlx.core as mx
import numpy as np
import pytest
from emb_fixed_examples import DTYPES, as_float64, example_before_after, ulp_error

BENIGN = np.random.default_rng(0).uniform(-20, 8, (2000, 16))
# Worst errors on BENIGN in ulps of the result, measured on MLX 0.32 CPU:
# (hand-written, mx.logsumexp).
MEASURED_ULPS = {mx.float32: (4.4, 6.5), mx.float16: (1.8, 0.5), mx.bfloat16: (1.8, 0.5)}
# The dtypes this module shows the hazard in; rules/EMB024.md's `dtypes` must be these.
HAZARD_DTYPES = (mx.float32, mx.bfloat16, mx.float16)


@pytest.fixture(scope="module")
def normalisers():
    before, after = example_before_after("EMB024")
    return before["log_normaliser"], after["log_normaliser"]


@pytest.mark.parametrize(
    ("dtype", "value", "expected"),
    [
        (mx.float32, 100.0, np.inf),
        (mx.bfloat16, 100.0, np.inf),
        (mx.float16, 12.0, np.inf),
        (mx.float32, -110.0, -np.inf),
        (mx.bfloat16, -110.0, -np.inf),
        (mx.float16, -18.0, -np.inf),
    ],
)
def test_hand_written_form_is_infinite_where_the_fix_is_close_to_the_true_value(normalisers, dtype, value, expected):
    hand_written, fixed = normalisers
    x = mx.array([[value, value]], dtype=dtype)
    assert hand_written(x).item() == expected
    result = fixed(x)
    assert result.dtype == dtype
    assert result.item() == pytest.approx(value + np.log(2), abs=abs(value) * float(mx.finfo(dtype).eps))


@pytest.mark.parametrize("dtype", DTYPES)
def test_errors_on_benign_inputs_are_as_measured(normalisers, dtype):
    hand_written, fixed = normalisers
    x = mx.array(BENIGN).astype(dtype)
    reference = np.log(np.exp(as_float64(x)).sum(axis=-1, keepdims=True))
    hand_bound, fixed_bound = MEASURED_ULPS[dtype]
    assert ulp_error(hand_written(x), reference).max() <= hand_bound
    assert ulp_error(fixed(x), reference).max() <= fixed_bound
