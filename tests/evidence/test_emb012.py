"""EMB012 on real MLX: a hand-written softmax is NaN for large logits; `mx.softmax` is not."""

from __future__ import annotations

import mlx.core as mx
import numpy as np
import pytest
from emb_fixed_examples import DTYPES, as_float64, example_before_after

NAN_BEYOND_LOGIT = {mx.float32: 88.25, mx.bfloat16: 88.5, mx.float16: 11.25}
# The dtypes this module shows the hazard in; rules/EMB012.md's `dtypes` must be these (tests/rules/test_catalog.py).
HAZARD_DTYPES = tuple(NAN_BEYOND_LOGIT)


@pytest.mark.parametrize(("dtype", "logit"), [(dtype, NAN_BEYOND_LOGIT[dtype]) for dtype in HAZARD_DTYPES])
def test_hand_written_softmax_is_nan_beyond_the_measured_logit(dtype, logit):
    before, after = example_before_after("EMB012")
    scores = mx.array([[logit, 0.0]], dtype=dtype)
    assert np.isnan(as_float64(before["attention_weights"](scores))[0, 0])
    fixed = as_float64(after["attention_weights"](scores))
    assert fixed[0, 0] == pytest.approx(1.0, abs=1e-3)
    assert fixed[0, 1] == pytest.approx(0.0, abs=1e-3)


@pytest.mark.parametrize("dtype", DTYPES)
def test_fix_is_as_accurate_on_benign_scores(dtype):
    before, after = example_before_after("EMB012")
    scores = (mx.random.normal((64, 256), key=mx.random.key(2)) * 2).astype(dtype)
    exact = np.exp(as_float64(scores))
    exact /= exact.sum(axis=-1, keepdims=True)
    error_before = np.abs(as_float64(before["attention_weights"](scores)) - exact).max()
    error_after = np.abs(as_float64(after["attention_weights"](scores)) - exact).max()
    assert error_after <= max(error_before, float(mx.finfo(dtype).eps) * exact.max())
