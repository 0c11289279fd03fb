"""EMB003 on real MLX: what the rsqrt rewrite costs in accuracy (power within half
an ulp, rsqrt within 1.5 ulp), and why a Python-number base is not rewritten
(rounding the base to the compute dtype first is never better, often worse)."""

from __future__ import annotations

import mlx.core as mx
import numpy as np
import pytest
from emb_fixed_examples import DTYPES, run, ulp_error

from emberlint.catalog import load_catalog

# The dtypes this module shows the hazard in; rules/EMB003.md's `dtypes` must be these (tests/rules/test_catalog.py).
HAZARD_DTYPES = DTYPES


VALUES = np.geomspace(0.01, 1000.0, 100_000)
HEAD_DIMS = np.arange(1, 4097)


@pytest.fixture(scope="module")
def before_after():
    doc = load_catalog()["EMB003"]
    return run(doc.bad_example)["inverse_std"], run(doc.fixed_example)["inverse_std"]


# Measured max errors (ulp) of rsqrt: float32 1.46, bfloat16 1.14, float16 1.33.
RSQRT_BOUNDS = {mx.float32: 1.5, mx.bfloat16: 1.2, mx.float16: 1.4}


@pytest.mark.parametrize("dtype", HAZARD_DTYPES)
def test_power_within_half_an_ulp_and_rsqrt_within_one_and_a_half(before_after, dtype):
    before, after = before_after
    var = mx.array(VALUES.astype(np.float32)).astype(dtype)
    reference = np.array(var.astype(mx.float32)).astype(np.float64) ** -0.5
    power, rsqrt = before(var), after(var)
    assert power.dtype == rsqrt.dtype == dtype
    assert ulp_error(power, reference).max() <= 0.51  # measured 0.501 in float32
    assert ulp_error(rsqrt, reference).max() <= RSQRT_BOUNDS[dtype]


def _python_number_scale(head_dim: int, dtype) -> float:
    """`q * head_dim ** -0.5` for q = 1: Python computes the scale, MLX rounds it once."""
    return (mx.ones((1,), dtype=dtype) * head_dim**-0.5).astype(mx.float32).item()


def _rewritten_scale(head_dims: np.ndarray, dtype) -> np.ndarray:
    """`q * mx.rsqrt(mx.array(head_dim, dtype=q.dtype))` for q = 1."""
    return np.array(mx.rsqrt(mx.array(head_dims, dtype=dtype)).astype(mx.float32)).astype(np.float64)


def test_rounding_the_base_first_loses_the_head_dim():
    assert mx.array(257, dtype=mx.bfloat16).item() == 256
    assert _rewritten_scale(np.array([257]), mx.bfloat16)[0] == 256**-0.5
    # D = 259 in bfloat16: the rewrite moves one ulp away from the reference.
    reference = 259**-0.5
    python_error = abs(_python_number_scale(259, mx.bfloat16) - reference)
    rewritten_error = abs(_rewritten_scale(np.array([259]), mx.bfloat16)[0] - reference)
    assert rewritten_error > python_error


@pytest.mark.parametrize("dtype", [mx.bfloat16, mx.float16])
def test_rewriting_a_python_number_base_is_never_better(dtype):
    reference = HEAD_DIMS.astype(np.float64) ** -0.5
    python = np.array([_python_number_scale(int(dim), dtype) for dim in HEAD_DIMS])
    rewritten = _rewritten_scale(HEAD_DIMS, dtype)
    python_error, rewritten_error = np.abs(python - reference), np.abs(rewritten - reference)
    assert (rewritten_error < python_error).sum() == 0
    assert (rewritten_error > python_error).sum() > 1000  # measured: 1049 (bf16), 1044 (f16)
