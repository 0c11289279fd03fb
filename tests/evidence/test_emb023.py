"""EMB023 on real MLX: a LoRA layer with float32 random-initialised factors turns a
half-precision model's activations into float32; the cast keeps the model's dtype."""

from __future__ import annotations

import mlx.core as mx
import mlx.nn as nn
import pytest
from emb_fixed_examples import run

from emberlint.catalog import load_catalog

HALF = (mx.bfloat16, mx.float16)
# The dtypes this module shows the hazard in; rules/EMB023.md's `dtypes` must be these.
HAZARD_DTYPES = HALF


def layers(dtype):
    doc = load_catalog()["EMB023"]
    lora_before, lora_after = run(doc.bad_example)["LoRALinear"], run(doc.fixed_example)["LoRALinear"]
    mx.random.seed(0)
    base = nn.Linear(64, 32)
    base.set_dtype(dtype)
    before = lora_before(base)
    mx.random.seed(1)
    after = lora_after(base)
    after.lora_a, after.lora_b = before.lora_a, before.lora_b
    return before, after


@pytest.mark.parametrize("dtype", HAZARD_DTYPES)
def test_random_initialised_factors_are_float32_and_promote_the_output(dtype):
    before, after = layers(dtype)
    assert before.lora_a.dtype == before.lora_b.dtype == mx.float32
    x = mx.random.normal((4, 64)).astype(dtype)
    leaked = before(x)
    assert before.linear(x).dtype == dtype
    assert leaked.dtype == mx.float32
    assert leaked.nbytes == 2 * leaked.size * x.itemsize
    kept = after(x)
    assert kept.dtype == dtype
    # Two roundings (the cast delta, then the sum) instead of none: within two ulps of the output's scale.
    error = mx.abs(kept.astype(mx.float32) - leaked).max().item()
    assert error <= 2 * float(mx.finfo(dtype).eps) * mx.abs(leaked).max().item()


def test_the_leak_spreads_to_the_next_layer():
    before, _ = layers(mx.bfloat16)
    following = nn.Linear(32, 32)
    following.set_dtype(mx.bfloat16)
    x = mx.random.normal((4, 64)).astype(mx.bfloat16)
    assert following(before(x)).dtype == mx.float32
