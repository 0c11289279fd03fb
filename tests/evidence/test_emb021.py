"""EMB021 on real MLX: a quantized layer's weight is packed uint32 and its microscaling
scales are uint8; casting to those dtypes or reducing the packed bits destroys the values."""

from __future__ import annotations

import mlx.core as mx
import mlx.nn as nn
import pytest
from emb_fixed_examples import run

from emberlint.catalog import load_catalog

# The dtypes this module shows the hazard in (the activations'); rules/EMB021.md's `dtypes` must be these.
HAZARD_DTYPES = (mx.float32, mx.bfloat16, mx.float16)


def quantized(mode: str) -> tuple[nn.Linear, nn.QuantizedLinear]:
    mx.random.seed(0)
    base = nn.Linear(64, 32)
    if mode == "affine":
        return base, nn.QuantizedLinear.from_linear(base)
    return base, nn.QuantizedLinear.from_linear(base, group_size=32, bits=4, mode=mode)


def dequantized(layer: nn.QuantizedLinear) -> mx.array:
    return mx.dequantize(
        layer.weight, layer.scales, getattr(layer, "biases", None), layer.group_size, layer.bits, layer.mode
    )


@pytest.mark.parametrize("dtype", HAZARD_DTYPES)
@pytest.mark.parametrize("mode", ["affine", "mxfp4"])
def test_the_weight_is_packed_integers(mode, dtype):
    _, layer = quantized(mode)
    assert layer.weight.dtype == mx.uint32
    activations = mx.random.normal((2, 64)).astype(dtype)
    cast = activations.astype(layer.weight.dtype)
    assert cast.dtype == mx.uint32
    assert not mx.allclose(cast.astype(mx.float32), activations.astype(mx.float32)).item()


def test_norm_of_the_packed_weight_is_not_the_weights_norm():
    _, layer = quantized("affine")
    packed = mx.linalg.norm(layer.weight.astype(mx.float32), axis=1)
    real = mx.linalg.norm(dequantized(layer), axis=1)
    assert real.max().item() < 2
    assert packed.min().item() > 1e6


def test_example_loses_the_delta_in_the_uint8_scales_dtype_and_the_fix_keeps_it():
    _, layer = quantized("mxfp4")
    assert layer.scales.dtype == mx.uint8
    doc = load_catalog()["EMB021"]
    bad, fixed = run(doc.bad_example)["fused_weight"], run(doc.fixed_example)["fused_weight"]
    weight = dequantized(layer)
    delta = 0.01 * mx.random.normal(weight.shape)
    expected = weight.astype(mx.float32) + delta
    lost = bad(layer, delta)
    assert mx.array_equal(lost, weight).item()  # every |delta| < 1 became 0
    kept = fixed(layer, delta)
    assert kept.dtype == weight.dtype
    assert mx.abs(kept.astype(mx.float32) - expected).max().item() <= 2 * float(mx.finfo(weight.dtype).eps) * mx.abs(expected).max().item()
    assert not mx.array_equal(kept, weight).item()
