"""EMB020 on real MLX: a recurrent state carried in bfloat16/float16 drifts from the
reference; the same scan with a float32 state does not."""

from __future__ import annotations

import mlx.core as mx
import numpy as np
import pytest
from emb_fixed_examples import as_float64, run

from emberlint.catalog import load_catalog

STEPS, WIDTH, DECAY = 512, 64, 0.99
# Measured on the exact scan of the same inputs: bfloat16 state 0.037, float16 0.0024
# (float32 state: 0.0016 and 0.0003, its one rounding on the way out).
MIN_ERROR = {mx.bfloat16: 0.02, mx.float16: 0.001}
# The dtypes this module shows the hazard in; rules/EMB020.md's `dtypes` must be these.
HAZARD_DTYPES = tuple(MIN_ERROR)


def inputs() -> tuple[np.ndarray, float]:
    rng = np.random.default_rng(0)
    return (0.1 * rng.standard_normal((STEPS, WIDTH))).astype(np.float32), DECAY


def reference(x: np.ndarray, decay: float) -> np.ndarray:
    state = np.zeros(x.shape[1:], dtype=np.float64)
    for row in x.astype(np.float64):
        state = decay * state + row
    return state


def relative_error(result: mx.array, expected: np.ndarray) -> float:
    return float(np.abs(as_float64(result) - expected).max() / np.abs(expected).max())


@pytest.mark.parametrize("dtype", HAZARD_DTYPES)
def test_state_in_the_input_dtype_drifts_and_a_float32_state_does_not(dtype):
    doc = load_catalog()["EMB020"]
    bad, fixed = run(doc.bad_example)["linear_scan"], run(doc.fixed_example)["linear_scan"]
    values, decay_value = inputs()
    x, decay = mx.array(values).astype(dtype), mx.array(decay_value, dtype=dtype)
    # The exact scan of the very same half-precision inputs: any error is the state's.
    expected = reference(np.array(x.astype(mx.float32)), float(decay.astype(mx.float32).item()))
    drifted, kept = bad(x, decay), fixed(x, decay)
    assert drifted.dtype == kept.dtype == dtype
    assert relative_error(drifted, expected) > MIN_ERROR[dtype]
    # The float32 state is only rounded once, on the way out: half an ulp of the dtype.
    assert relative_error(kept, expected) <= float(mx.finfo(dtype).eps)


def test_float32_state_matches_the_float64_reference():
    fixed = run(load_catalog()["EMB020"].fixed_example)["linear_scan"]
    values, decay_value = inputs()
    assert relative_error(fixed(mx.array(values), mx.array(decay_value)), reference(values, decay_value)) < 1e-5


def test_bfloat16_counter_stops_where_the_increment_is_below_half_an_ulp():
    state = mx.zeros((), dtype=mx.bfloat16)
    one = mx.array(1.0, dtype=mx.bfloat16)
    for _ in range(1000):
        state = state + one
    assert state.item() == 256.0
