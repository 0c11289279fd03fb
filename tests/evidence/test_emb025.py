"""EMB025 on real MLX: SSM step sizes computed by softplus in bfloat16/float16 are off by
percents; casting the argument to float32 first leaves float32 rounding only."""

from __future__ import annotations

import mlx.core as mx
import numpy as np
import pytest
from emb_fixed_examples import as_float64, run

from emberlint.catalog import load_catalog

# Worst relative error of the step measured on MLX 0.32 CPU: bfloat16 0.034, float16 0.0041.
MIN_ERROR = {mx.bfloat16: 0.02, mx.float16: 0.002}
# The dtypes this module shows the hazard in; rules/EMB025.md's `dtypes` must be these.
HAZARD_DTYPES = tuple(MIN_ERROR)
LOW, HIGH = 0.0, 1e9  # no clamping: the softplus itself is measured


def step_inputs(dtype):
    rng = np.random.default_rng(0)
    bias = np.log(np.expm1(rng.uniform(0.001, 0.1, 64)))  # steps of 0.001 to 0.1 at dt = 0
    dt = rng.standard_normal((256, 64))
    return mx.array(dt).astype(dtype), mx.array(bias).astype(dtype)


@pytest.mark.parametrize("dtype", HAZARD_DTYPES)
def test_step_in_the_input_dtype_is_off_by_percents_and_the_float32_step_is_not(dtype):
    doc = load_catalog()["EMB025"]
    bad, fixed = run(doc.bad_example)["compute_dt"], run(doc.fixed_example)["compute_dt"]
    dt, bias = step_inputs(dtype)
    exact = np.log1p(np.exp(as_float64(dt) + as_float64(bias)))  # of the very same stored inputs
    rounded, kept = bad(dt, bias, LOW, HIGH), fixed(dt, bias, LOW, HIGH)
    assert rounded.dtype == dtype and kept.dtype == mx.float32
    assert (np.abs(as_float64(rounded) - exact) / exact).max() > MIN_ERROR[dtype]
    assert (np.abs(as_float64(kept) - exact) / exact).max() < 1e-6
