"""The one-kernel GPU decode step against the pure-MLX recurrent step (its reference).

The kernel runs only on a GPU backend (CUDA or Metal); on the CPU build these tests skip.
"""

import mlx.core as mx
import numpy as np
import pytest

from xlstm_model import load
from xlstm_model.kernels import gpu_backend, mlstm_step_kernel
from xlstm_model.mlstm import mlstm_recurrent_step
from xlstm_model.model import soft_cap

pytestmark = pytest.mark.skipif(
    gpu_backend() is None,
    reason="the fused decode-step kernel needs MLX's CUDA or Metal backend; this MLX runs on the CPU",
)

GATE_CAP = 15.0
EPS = 1e-6


def random_inputs(seed, batch, heads, qk_dim, v_dim, dtype):
    """A fused projection row (q, k, v, o, i, f), and a state that has seen some tokens."""
    rng = np.random.default_rng(seed)
    width = heads * (2 * qk_dim + 2 * v_dim) + 2 * heads
    proj = rng.normal(0, 1, (batch, width)).astype(np.float32)
    gate_start = heads * (2 * qk_dim + 2 * v_dim)
    proj[:, gate_start : gate_start + heads] = rng.normal(-2, 4, (batch, heads))
    proj[:, gate_start + heads :] = rng.normal(3, 3, (batch, heads))
    c = rng.normal(0, 1, (batch, heads, qk_dim, v_dim)).astype(np.float32)
    n = rng.normal(0, 1, (batch, heads, qk_dim)).astype(np.float32)
    m = rng.normal(0, 2, (batch, heads, 1)).astype(np.float32)
    offsets = {
        "q": 0,
        "k": heads * qk_dim,
        "v": 2 * heads * qk_dim,
        "i": gate_start,
        "f": gate_start + heads,
    }
    return mx.array(proj).astype(dtype), tuple(map(mx.array, (c, n, m))), offsets


def reference_step(proj, offsets, state, heads, qk_dim, v_dim, compute_dtype):
    """The pure-MLX step on the same inputs, with q/k/v in ``compute_dtype``."""
    batch = proj.shape[0]

    def part(name, size):
        start = offsets[name]
        return proj[:, start : start + heads * size].reshape(batch, heads, size)

    gates = soft_cap(proj[:, offsets["i"] :].astype(mx.float32), GATE_CAP)
    i, f = gates[:, :heads, None], gates[:, heads:, None]
    q, k, v = (
        part(name, size).astype(compute_dtype)
        for name, size in (("q", qk_dim), ("k", qk_dim), ("v", v_dim))
    )
    return mlstm_recurrent_step(q, k, v, i, f, state, EPS)


def relative_error(got, want):
    got, want = np.array(got.astype(mx.float32)), np.array(want.astype(mx.float32))
    assert np.all(np.isfinite(got))
    return np.linalg.norm(got - want) / np.linalg.norm(want)


@pytest.mark.parametrize(
    "batch,heads,qk_dim,v_dim", [(1, 8, 256, 512), (2, 4, 16, 32), (3, 2, 64, 64)]
)
def test_kernel_matches_reference_in_float32(batch, heads, qk_dim, v_dim):
    proj, state, offsets = random_inputs(
        batch * qk_dim, batch, heads, qk_dim, v_dim, mx.float32
    )
    h, (c, n, m) = mlstm_step_kernel(proj, proj, offsets, state, EPS, GATE_CAP)
    h_ref, (c_ref, n_ref, m_ref) = reference_step(
        proj, offsets, state, heads, qk_dim, v_dim, mx.float32
    )
    assert h.shape == h_ref.shape and c.shape == c_ref.shape
    for got, want in ((h, h_ref), (c, c_ref), (n, n_ref), (m, m_ref)):
        assert relative_error(got, want) < 1e-5


def test_kernel_in_bfloat16_matches_float32_math_on_its_inputs():
    """bfloat16 q/k/v in, float32 state and gate math: the state matches the float32 reference
    on the same (rounded) inputs closely, ``h`` within one bfloat16 rounding."""
    heads, qk_dim, v_dim = 8, 256, 512
    proj, state, offsets = random_inputs(7, 1, heads, qk_dim, v_dim, mx.bfloat16)
    h, (c, n, m) = mlstm_step_kernel(proj, proj, offsets, state, EPS, GATE_CAP)
    assert h.dtype == mx.bfloat16 and c.dtype == mx.float32
    h_ref, (c_ref, n_ref, m_ref) = reference_step(
        proj, offsets, state, heads, qk_dim, v_dim, mx.float32
    )
    for got, want in ((c, c_ref), (n, n_ref), (m, m_ref)):
        assert relative_error(got, want) < 1e-5
    assert relative_error(h, h_ref) < 4e-3


def test_model_decode_with_kernel_matches_pure_mlx_step(hf_checkpoint):
    model, _ = load(hf_checkpoint[0], tokenizer=False)
    prompt = mx.array(np.random.default_rng(0).integers(0, 97, size=(2, 19)))
    steps = np.random.default_rng(1).integers(0, 97, size=(2, 6))
    logits = {}
    for kernel in (True, False):
        model.set_step_kernel(kernel)
        cache = model.make_cache()
        model(prompt, cache)
        logits[kernel] = [
            np.array(model(mx.array(steps[:, t : t + 1]), cache))
            for t in range(steps.shape[1])
        ]
    np.testing.assert_allclose(logits[True], logits[False], atol=1e-4)
