"""EMB009 on real MLX: what a dtype used in the wrong role does to the numbers."""

from __future__ import annotations

import mlx.core as mx
import numpy as np
from emb_fixed_examples import run
from mlx import nn

from emberlint.catalog import load_catalog


class Args:
    torch_dtype = "float32"
    autocast_kernel_dtype = "bfloat16"


def test_weights_in_the_kernel_dtype_drift_from_the_float32_model():
    mx.random.seed(0)
    layer = nn.Linear(1024, 1024)
    mx.eval(layer.parameters())
    x = mx.random.normal((4, 1024))
    reference = layer(x)
    doc = load_catalog()["EMB009"]
    as_documented_bad = run(doc.bad_example)["load"](layer, Args())
    drifted = as_documented_bad(x)
    assert as_documented_bad.weight.dtype == mx.bfloat16
    assert mx.abs(drifted - reference).max().item() > 1e-3
    as_documented_fixed = run(doc.fixed_example)["load"](layer, Args())
    assert as_documented_fixed.weight.dtype == mx.float32


def test_recurrent_state_in_bfloat16_accumulates_rounding_error():
    steps = 2000
    increments = mx.full((steps,), 1e-3)
    forget = 0.999
    state = {dtype: mx.zeros((), dtype=dtype) for dtype in (mx.float32, mx.bfloat16)}
    for step in range(steps):
        for dtype, value in state.items():
            state[dtype] = (forget * value + increments[step]).astype(dtype)
    exact = sum(1e-3 * forget**k for k in range(steps))
    assert abs(state[mx.float32].item() - exact) / exact < 1e-4
    assert abs(state[mx.bfloat16].item() - exact) / exact > 1e-2
    assert np.isfinite(state[mx.bfloat16].item())
