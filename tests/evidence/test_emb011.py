"""EMB011 on real MLX: `log(softmax(x))` is -inf for far-below-max logits; the fix is not."""

from __future__ import annotations

import mlx.core as mx
import numpy as np
import pytest
from emb_fixed_examples import DTYPES, as_float64, example_before_after

MINUS_INF_BEYOND_GAP = {mx.float32: 87.75, mx.bfloat16: 87.75, mx.float16: 17.5}
# The dtypes this module shows the hazard in; rules/EMB011.md's `dtypes` must be these (tests/rules/test_catalog.py).
HAZARD_DTYPES = tuple(MINUS_INF_BEYOND_GAP)


def reference_log_softmax(logits: np.ndarray) -> np.ndarray:
    shifted = logits - logits.max(axis=-1, keepdims=True)
    return shifted - np.log(np.exp(shifted).sum(axis=-1, keepdims=True))


@pytest.mark.parametrize(("dtype", "gap"), [(dtype, MINUS_INF_BEYOND_GAP[dtype]) for dtype in HAZARD_DTYPES])
def test_log_of_softmax_is_minus_inf_beyond_the_measured_gap(dtype, gap):
    before, after = example_before_after("EMB011")
    logits = mx.array([[0.0, -gap, -200.0]], dtype=dtype)
    assert np.isneginf(as_float64(before["token_logprobs"](logits))[0, 1])
    fixed = as_float64(after["token_logprobs"](logits))
    assert np.all(np.isfinite(fixed))
    assert fixed[0, 1] == pytest.approx(-gap, rel=1e-2)
    assert fixed[0, 2] == pytest.approx(-200.0, rel=1e-2)


@pytest.mark.parametrize("dtype", DTYPES)
def test_fix_is_as_accurate_on_benign_logits(dtype):
    before, after = example_before_after("EMB011")
    logits = (mx.random.normal((64, 512), key=mx.random.key(1)) * 3).astype(dtype)
    reference = reference_log_softmax(as_float64(logits))
    error_before = np.abs(as_float64(before["token_logprobs"](logits)) - reference).max()
    error_after = np.abs(as_float64(after["token_logprobs"](logits)) - reference).max()
    tolerance = float(mx.finfo(dtype).eps) * np.abs(reference).max()
    assert error_after <= max(error_before, tolerance)
