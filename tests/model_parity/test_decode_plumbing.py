"""The fused-kernel decode path's wiring, checked on any build.

With the fused CUDA kernels on, decode defers each block's residual add into the next norm's
kernel and ends with the output norm. The kernels themselves run only on CUDA (their numerics
are compared in test_decode_kernels.py); here each is stood in by the pure-MLX computation it
replaces, so the deferred-add loop must give exactly the logits and states of the plain loop.
"""

import mlx.core as mx
import numpy as np
import pytest

import xlstm_model.model as model_module
from xlstm_model import load
from xlstm_model.mlstm import mlstm_recurrent_step
from xlstm_model.model import soft_cap


def step_by_reference(proj, gates, offsets, state, eps, gate_soft_cap):
    c, _, _ = state
    batch, heads, qk_dim, v_dim = c.shape

    def part(name, size):
        start = offsets[name]
        return proj[:, start : start + heads * size].reshape(batch, heads, size)

    i = soft_cap(gates[:, offsets["i"] : offsets["i"] + heads], gate_soft_cap)
    f = soft_cap(gates[:, offsets["f"] : offsets["f"] + heads], gate_soft_cap)
    return mlstm_recurrent_step(
        part("q", qk_dim), part("k", qk_dim), part("v", v_dim), i[..., None], f[..., None], state, eps
    )


def residual_norm_by_reference(x, delta, norm):
    total = x if delta is None else x + delta
    return total, norm(total)


def head_norm_gate_by_reference(h, proj, o_offset, norm, num_heads):
    o = proj[:, None, o_offset : o_offset + h.shape[1] * h.shape[2]]
    return (mx.sigmoid(o) * norm(h[:, None]))[:, 0]


@pytest.fixture
def stand_ins(monkeypatch):
    for name, value in {
        "step_kernel_supports": lambda *_: True,
        "mlstm_step_kernel": step_by_reference,
        "norm_kernels_apply": lambda *_: True,
        "residual_rms_norm": residual_norm_by_reference,
        "head_norm_gate": head_norm_gate_by_reference,
    }.items():
        monkeypatch.setattr(model_module, name, value)


def decode(model, fused: bool):
    model.set_fused_cuda_kernels(fused)
    rng = np.random.default_rng(0)
    cache = model.make_cache()
    model(mx.array(rng.integers(0, model.args.vocab_size, size=(2, 19))), cache)
    logits = [
        model(mx.array(rng.integers(0, model.args.vocab_size, size=(2, 1))), cache)
        for _ in range(5)
    ]
    return logits, cache


def test_deferred_residual_loop_matches_the_plain_loop(hf_checkpoint, stand_ins):
    model, _ = load(hf_checkpoint[0], tokenizer=False)
    x = mx.zeros((2, 1, model.args.hidden_size), model.lm_head.weight.dtype)
    model.set_fused_cuda_kernels(True)
    assert model.backbone._use_norm_kernels(x)
    fused_logits, fused_cache = decode(model, True)
    plain_logits, plain_cache = decode(model, False)
    assert not model.backbone._use_norm_kernels(x)
    for got, want in zip(fused_logits, plain_logits):
        assert mx.array_equal(got, want)
    for got, want in zip(fused_cache.arrays, plain_cache.arrays):
        assert mx.array_equal(got, want)
    assert fused_cache.offset == plain_cache.offset == 19 + 5
