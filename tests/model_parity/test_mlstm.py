"""mLSTM numerics inside xlstm_model: chunkwise vs recurrent vs naive parallel reference, and dtypes."""

import mlx.core as mx
import numpy as np
import pytest

from xlstm_model.mlstm import (
    init_state,
    mlstm_chunkwise,
    mlstm_parallel_reference,
    mlstm_recurrent_step,
    mlstm_sequential,
)

B, H, DK, DV = 2, 3, 8, 16


def inputs(seq_len: int, seed: int = 0, dtype=mx.float32):
    rng = np.random.default_rng(seed)
    q, k = (
        mx.array(rng.normal(size=(B, H, seq_len, DK)), dtype=dtype) for _ in range(2)
    )
    v = mx.array(rng.normal(size=(B, H, seq_len, DV)), dtype=dtype)
    i = mx.array(rng.normal(size=(B, H, seq_len)) * 3, dtype=dtype)
    f = mx.array(rng.normal(size=(B, H, seq_len)) * 2 + 3, dtype=dtype)
    return q, k, v, i, f


@pytest.mark.parametrize(
    "seq_len,chunk_size", [(1, 4), (16, 4), (19, 4), (37, 16), (12, 64)]
)
def test_chunkwise_recurrent_and_reference_agree(seq_len, chunk_size):
    q, k, v, i, f = inputs(seq_len)
    zero = init_state(B, H, DK, DV, mx.float32)
    h_chunk, (c1, n1, m1) = mlstm_chunkwise(q, k, v, i, f, zero, chunk_size)
    h_rec, (c2, n2, m2) = mlstm_sequential(q, k, v, i, f, zero)
    h_ref = mlstm_parallel_reference(q, k, v, i, f)
    np.testing.assert_allclose(np.array(h_chunk), np.array(h_ref), atol=1e-5, rtol=1e-4)
    np.testing.assert_allclose(np.array(h_rec), np.array(h_ref), atol=1e-5, rtol=1e-4)
    np.testing.assert_allclose(np.array(m1), np.array(m2), atol=1e-5)
    np.testing.assert_allclose(np.array(n1), np.array(n2), atol=1e-5, rtol=1e-4)
    np.testing.assert_allclose(np.array(c1), np.array(c2), atol=1e-5, rtol=1e-4)


def test_chunkwise_continues_from_a_state_like_recurrent_steps():
    q, k, v, i, f = inputs(30, seed=1)
    zero = init_state(B, H, DK, DV, mx.float32)
    _, state = mlstm_chunkwise(
        q[:, :, :11], k[:, :, :11], v[:, :, :11], i[..., :11], f[..., :11], zero, 4
    )
    h_chunk, _ = mlstm_chunkwise(
        q[:, :, 11:], k[:, :, 11:], v[:, :, 11:], i[..., 11:], f[..., 11:], state, 8
    )
    h_ref = mlstm_parallel_reference(q, k, v, i, f)[:, :, 11:]
    np.testing.assert_allclose(np.array(h_chunk), np.array(h_ref), atol=5e-5, rtol=1e-4)


@pytest.mark.parametrize("kernel_dtype", [mx.bfloat16, mx.float16])
@pytest.mark.parametrize("state_dtype", [mx.float32, mx.bfloat16])
def test_low_precision_kernel_is_finite_and_keeps_dtype_roles(
    kernel_dtype, state_dtype
):
    q, k, v, i, f = inputs(70, seed=2)
    q, k, v = (x.astype(kernel_dtype) for x in (q, k, v))
    state = init_state(B, H, DK, DV, state_dtype)
    h, (c, n, m) = mlstm_chunkwise(q, k, v, i, f, state, 16)
    assert h.dtype == kernel_dtype and {c.dtype, n.dtype, m.dtype} == {state_dtype}
    h_step, (c, n, m) = mlstm_recurrent_step(
        q[:, :, 0], k[:, :, 0], v[:, :, 0], i[..., :1], f[..., :1], (c, n, m)
    )
    assert h_step.dtype == kernel_dtype and {c.dtype, n.dtype, m.dtype} == {state_dtype}
    ref = np.array(mlstm_parallel_reference(q, k, v, i, f))
    out = np.array(h.astype(mx.float32))
    assert np.isfinite(out).all()
    # the normaliser can be ill-conditioned at single positions, so compare on average
    assert np.abs(out - ref).mean() < 0.03 * np.abs(ref).mean()


def test_extreme_gates_stay_finite_in_float16():
    q, k, v, i, f = inputs(64, seed=3, dtype=mx.float16)
    i, f = (
        mx.full(i.shape, -15.0, dtype=mx.float16),
        mx.full(f.shape, -15.0, dtype=mx.float16),
    )
    h, state = mlstm_chunkwise(q, k, v, i, f, init_state(B, H, DK, DV, mx.float32), 16)
    assert np.isfinite(np.array(h.astype(mx.float32))).all()
    assert all(np.isfinite(np.array(s)).all() for s in state)
