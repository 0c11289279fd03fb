"""EMB009 on real MLX: what a dtype used in the wrong role does to the numbers."""

from __future__ import annotations

import mlx.core as mx
import numpy as np
import pytest
from emb_fixed_examples import DTYPES, run
from mlx import nn

from emberlint.catalog import load_catalog

# The dtypes this module shows the hazard in; rules/EMB009.md's `dtypes` must be these (tests/rules/test_catalog.py).
HAZARD_DTYPES = (mx.bfloat16, mx.float16)


class Args:
    torch_dtype = "float32"
    autocast_kernel_dtype = "bfloat16"


def _fresh_layer() -> nn.Linear:
    """The same float32 weights every call: each loader gets a layer nothing has touched."""
    mx.random.seed(0)
    layer = nn.Linear(1024, 1024)
    mx.eval(layer.parameters())
    return layer


def test_weights_in_the_kernel_dtype_drift_from_the_float32_model():
    x = mx.random.normal((4, 1024), key=mx.random.key(1))
    reference = _fresh_layer()(x)
    assert reference.dtype == mx.float32
    doc = load_catalog()["EMB009"]
    as_documented_bad = run(doc.bad_example)["load"](_fresh_layer(), Args())
    assert as_documented_bad.weight.dtype == mx.bfloat16
    drifted = as_documented_bad(x)
    assert mx.abs(drifted.astype(mx.float32) - reference).max().item() > 1e-3
    as_documented_fixed = run(doc.fixed_example)["load"](_fresh_layer(), Args())
    assert as_documented_fixed.weight.dtype == mx.float32
    assert mx.array_equal(as_documented_fixed(x), reference).item()


@pytest.mark.parametrize("dtype", DTYPES)
def test_recurrent_state_accumulates_rounding_error_in_the_hazard_dtypes(dtype):
    steps = 2000
    increments = mx.full((steps,), 1e-3)
    forget = 0.999
    state = mx.zeros((), dtype=dtype)
    for step in range(steps):
        state = (forget * state + increments[step]).astype(dtype)
    exact = sum(1e-3 * forget**k for k in range(steps))
    # measured: float32 3.3e-6, float16 0.13, bfloat16 0.42 relative error
    assert np.isfinite(state.item())
    assert (abs(state.item() - exact) / exact > 1e-2) == (dtype in HAZARD_DTYPES)
