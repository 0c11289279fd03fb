"""The CUDA decode kernels against their pure-MLX references: residual add + RMSNorm, head
LayerNorm + output gate, and the quantized matrix-vector product against mx.quantized_matmul.

These kernels exist only for MLX's CUDA backend; on any other build these tests skip.
"""

import mlx.core as mx
import numpy as np
import pytest
from mlx import nn

from xlstm_model.kernels import gpu_backend
from xlstm_model.model import MultiHeadLayerNorm, RMSNorm
from xlstm_model.norm_kernels import head_norm_gate, residual_rms_norm
from xlstm_model.quant_kernels import MatvecQuantizedLinear, quantized_matvec

pytestmark = pytest.mark.skipif(
    gpu_backend() != "cuda",
    reason="the residual-norm, head-norm and quantized matvec kernels need MLX's CUDA backend; this MLX has none",
)


def random(rng, shape, dtype, scale=1.0, shift=0.0):
    return mx.array(rng.normal(shift, scale, shape).astype(np.float32)).astype(dtype)


def mismatch(got, want, dtype):
    """Fraction of elements further apart than one rounding of ``dtype`` (relative)."""
    got, want = np.array(got.astype(mx.float32)), np.array(want.astype(mx.float32))
    assert np.all(np.isfinite(got))
    ulp = {mx.float32: 1e-5, mx.bfloat16: 2**-7, mx.float16: 2**-10}[dtype]
    return np.mean(np.abs(got - want) > ulp * np.maximum(np.abs(want), 1e-3) + 1e-6)


@pytest.mark.parametrize("dtype", [mx.float32, mx.bfloat16, mx.float16])
@pytest.mark.parametrize("with_delta", [True, False])
def test_residual_rms_norm_matches_the_module(dtype, with_delta):
    rng = np.random.default_rng(0)
    norm = RMSNorm(4096, 1e-6, force_float32=True)
    norm.weight = random(rng, (4096,), dtype, 0.2, 1.0)
    x = random(rng, (2, 1, 4096), dtype, 3.0)
    delta = random(rng, (2, 1, 4096), dtype) if with_delta else None
    total, y = residual_rms_norm(x, delta, norm)
    want_total = x + delta if with_delta else x
    assert total.dtype == dtype and y.dtype == dtype
    assert mx.array_equal(total, want_total)
    assert mismatch(y, norm(want_total), dtype) < 0.01


@pytest.mark.parametrize("dtype", [mx.float32, mx.bfloat16])
def test_head_norm_gate_matches_the_module(dtype):
    rng = np.random.default_rng(1)
    heads, v_dim, batch = 8, 512, 2
    norm = MultiHeadLayerNorm(heads, v_dim, 1e-6, force_float32=True)
    norm.weight = random(rng, (heads * v_dim,), dtype, 0.2, 1.0)
    h = random(rng, (batch, heads, v_dim), dtype, 0.5, 0.1)
    width, o_start = 3 * heads * v_dim + 16, heads * v_dim + 7
    proj = random(rng, (batch, width), dtype, 2.0)
    got = head_norm_gate(h, proj, o_start, norm, heads)
    o = proj[:, None, o_start : o_start + heads * v_dim]
    want = (mx.sigmoid(o) * norm(h[:, None]))[:, 0]
    assert got.shape == want.shape and got.dtype == dtype
    assert mismatch(got, want, dtype) < 0.01


@pytest.mark.parametrize("bits", [4, 8])
@pytest.mark.parametrize(
    "rows,input_dims,output_dims", [(1, 4096, 12288), (1, 10944, 4096), (3, 256, 1000)]
)
def test_quantized_matvec_matches_quantized_matmul(bits, rows, input_dims, output_dims):
    rng = np.random.default_rng(bits * rows + input_dims)
    weight = random(rng, (output_dims, input_dims), mx.float32, 0.02)
    w, scales, biases = mx.quantize(weight, group_size=64, bits=bits)
    scales, biases = scales.astype(mx.bfloat16), biases.astype(mx.bfloat16)
    x = random(rng, (rows, input_dims), mx.bfloat16)
    got = quantized_matvec(x, w, scales, biases, bits, 64)
    want = mx.quantized_matmul(x, w, scales, biases, transpose=True, group_size=64, bits=bits)
    assert got.shape == want.shape and got.dtype == mx.bfloat16
    got32, want32 = np.array(got.astype(mx.float32)), np.array(want.astype(mx.float32))
    assert np.all(np.isfinite(got32))
    # both round to bfloat16 (relative 2**-9 each); wrong unpacking or indexing gives order 1
    assert np.linalg.norm(got32 - want32) / np.linalg.norm(want32) < 1e-2


def test_matvec_layer_falls_back_beyond_a_few_rows():
    rng = np.random.default_rng(3)
    layer = nn.QuantizedLinear(512, 256, bias=True, group_size=64, bits=4)
    layer.bias = random(rng, (256,), mx.float32)
    fast = MatvecQuantizedLinear.from_layer(layer)
    for rows in (1, 16):
        x = random(rng, (rows, 512), mx.float32)
        np.testing.assert_allclose(np.array(fast(x)), np.array(layer(x)), rtol=2e-4, atol=2e-4)


def decode_logits(model, fused: bool, steps: int = 6):
    model.set_fused_cuda_kernels(fused)
    rng = np.random.default_rng(0)
    vocab = model.args.vocab_size
    cache = model.make_cache()
    model(mx.array(rng.integers(0, vocab, size=(2, 19))), cache)
    tokens = rng.integers(0, vocab, size=(2, steps))
    return [np.array(model(mx.array(tokens[:, t : t + 1]), cache).astype(mx.float32)) for t in range(steps)]


def test_fused_kernels_are_the_default_on_cuda(hf_checkpoint):
    from xlstm_model import load

    model, _ = load(hf_checkpoint[0], tokenizer=False)
    x = mx.zeros((2, 1, model.args.hidden_size), model.lm_head.weight.dtype)
    assert model.backbone._use_norm_kernels(x)
    model.set_fused_cuda_kernels(False)
    assert not model.backbone._use_norm_kernels(x)


def test_model_decode_with_fused_kernels_matches_pure_modules(hf_checkpoint):
    from xlstm_model import load

    model, _ = load(hf_checkpoint[0], tokenizer=False)
    x = mx.zeros((2, 1, model.args.hidden_size), model.lm_head.weight.dtype)
    model.set_fused_cuda_kernels(True)
    assert model.backbone._use_norm_kernels(x)
    np.testing.assert_allclose(decode_logits(model, True), decode_logits(model, False), atol=1e-4)


def test_quantized_model_decode_with_matvec_matches_quantized_matmul(demo_checkpoint, tmp_path):
    from xlstm_model import load
    from xlstm_model.convert import convert

    convert(demo_checkpoint, tmp_path / "q4", quantize=True, bits=4, group_size=64, dtype="bfloat16")
    model, _ = load(tmp_path / "q4", tokenizer=False, dtype="bfloat16")
    matvec_layers = [m for _, m in model.named_modules() if isinstance(m, MatvecQuantizedLinear)]
    assert matvec_layers and all(m.matvec for m in matvec_layers)
    fused, reference = decode_logits(model, True), decode_logits(model, False)
    assert all(m.matvec is False for m in matvec_layers)
    error = np.linalg.norm(np.array(fused) - np.array(reference)) / np.linalg.norm(reference)
    # bfloat16 end to end, so roundings differ in order; a wrong kernel gives order 1
    assert error < 5e-2
