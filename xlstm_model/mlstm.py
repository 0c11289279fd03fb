"""mLSTM cell numerics in pure MLX.

Shapes follow the transformers reference: queries/keys ``(B, H, S, Dqk)``,
values ``(B, H, S, Dv)``, gate pre-activations ``(B, H, S)`` and the recurrent
state ``C (B, H, Dqk, Dv)``, ``N (B, H, Dqk)``, ``M (B, H, 1)``.

Three equivalent forms are provided:

* ``mlstm_chunkwise``: chunkwise-parallel form used for prefill,
* ``mlstm_recurrent_step``: one decode step (compiled),
* ``mlstm_parallel_reference``: the naive quadratic form, used as a test oracle.

The large matmuls run in the kernel dtype (``autocast_kernel_dtype``).  The
gate path (log-sigmoid, cumulative sums, the max stabiliser) and the final
normaliser division always run in float32: a bfloat16 cumulative sum of
log forget gates loses most of its mantissa within a single chunk, and
``exp(-m)`` overflows float16 for ordinary input-gate values.
"""

import mlx.core as mx
from mlx import nn

MLSTMState = tuple[mx.array, mx.array, mx.array]


def init_state(
    batch_size: int, num_heads: int, qk_head_dim: int, v_head_dim: int, dtype: mx.Dtype
) -> MLSTMState:
    """Zero state, as transformers' ``xLSTMCache`` (the max state starts at 0)."""
    c = mx.zeros((batch_size, num_heads, qk_head_dim, v_head_dim), dtype=dtype)
    n = mx.zeros((batch_size, num_heads, qk_head_dim), dtype=dtype)
    m = mx.zeros((batch_size, num_heads, 1), dtype=dtype)
    return c, n, m


def normalise_output(num: mx.array, den: mx.array, m: mx.array, eps: float) -> mx.array:
    """``num / (max(|den|, exp(-m)) + eps)`` computed in float32, returned in ``num.dtype``."""
    den32 = mx.maximum(mx.abs(den.astype(mx.float32)), mx.exp(-m.astype(mx.float32)))
    return (num.astype(mx.float32) / (den32 + eps)).astype(num.dtype)


def _recurrent_step(q, k, v, i, f, c, n, m, eps: float):
    kernel_dtype, state_dtype = q.dtype, c.dtype
    f_log = nn.log_sigmoid(f.astype(mx.float32))
    m32 = m.astype(mx.float32)
    m_new = mx.maximum(f_log + m32, i.astype(mx.float32))
    f_act = mx.exp(f_log + m32 - m_new).astype(state_dtype)
    i_act = mx.exp(i.astype(mx.float32) - m_new).astype(state_dtype)
    q_scaled = q * (q.shape[-1] ** -0.5)
    kv = (k[..., :, None] * v[..., None, :]).astype(state_dtype)
    c_new = f_act[..., None] * c + i_act[..., None] * kv
    n_new = f_act * n + i_act * k.astype(state_dtype)
    num = (q_scaled[..., None, :] @ c_new.astype(kernel_dtype)).squeeze(-2)
    den = (q_scaled[..., None, :] @ n_new.astype(kernel_dtype)[..., None]).squeeze(-1)
    h = normalise_output(num, den, m_new, eps)
    return h, c_new, n_new, m_new.astype(state_dtype)


_compiled_recurrent_step = mx.compile(_recurrent_step)


def mlstm_recurrent_step(
    q: mx.array,
    k: mx.array,
    v: mx.array,
    i: mx.array,
    f: mx.array,
    state: MLSTMState,
    eps: float = 1e-6,
) -> tuple[mx.array, MLSTMState]:
    """One recurrent step. ``q, k (B, H, Dqk)``, ``v (B, H, Dv)``, ``i, f (B, H, 1)``."""
    h, c, n, m = _compiled_recurrent_step(q, k, v, i, f, *state, eps)
    return h, (c, n, m)


def mlstm_sequential(
    q: mx.array,
    k: mx.array,
    v: mx.array,
    i: mx.array,
    f: mx.array,
    state: MLSTMState,
    eps: float = 1e-6,
) -> tuple[mx.array, MLSTMState]:
    """Loop of recurrent steps over the sequence axis (slow; for tests and short inputs)."""
    hs = []
    for t in range(q.shape[2]):
        h, state = mlstm_recurrent_step(
            q[:, :, t],
            k[:, :, t],
            v[:, :, t],
            i[:, :, t, None],
            f[:, :, t, None],
            state,
            eps,
        )
        hs.append(h)
    return mx.stack(hs, axis=2), state


def _chunk_states(k, v, a, g, a_max, state: MLSTMState):
    """Inter-chunk recurrence: the state entering each chunk and the final state.

    The recurrence ``m' = max(g + m, a_max)``, ``C' = exp(g + m - m') C + K~^T V`` is solved
    in closed form instead of a loop over chunks: with ``S_j`` the cumulative sum of ``g``
    before chunk ``j``, ``m_j = S_j + max(m_0, max_{i<j} (a_max_i - S_{i+1}))`` (a cumulative
    max), and ``C_j`` is a decay-weighted sum of the per-chunk updates (one batched matmul
    over the chunk axis), every weight ``exp(.) <= 1``. Same stabilisers as the loop; a
    handful of launches however many chunks there are.
    """
    c, n, m = state
    state_dtype = c.dtype
    batch, heads, chunks = g.shape
    m0 = m[..., 0].astype(mx.float32)[..., None]
    cum_g = mx.concatenate(
        [mx.zeros((batch, heads, 1), mx.float32), mx.cumsum(g, axis=-1)], axis=-1
    )
    best = mx.cummax(a_max - cum_g[..., 1:], axis=-1)
    m_all = cum_g + mx.concatenate([m0, mx.maximum(m0, best)], axis=-1)

    k_gated = k * mx.exp(a - m_all[..., 1:, None])[..., None].astype(k.dtype)
    updates = (k_gated.swapaxes(-1, -2) @ v).astype(state_dtype)
    n_updates = k_gated.sum(axis=-2).astype(state_dtype)

    # weight of chunk i's update in the state entering chunk j (> i), and of the initial state
    log_w = (m_all[..., None, 1:] - cum_g[..., None, 1:]) + (cum_g - m_all)[..., None]
    later = mx.arange(chunks + 1)[:, None] > mx.arange(chunks)[None, :]
    log_w = mx.where(later, log_w, mx.finfo(log_w.dtype).min)
    w = mx.exp(log_w).astype(state_dtype)
    w0 = mx.exp(m0 + cum_g - m_all).astype(state_dtype)
    qk_dim, v_dim = c.shape[-2:]
    cs = (w @ updates.reshape(batch, heads, chunks, qk_dim * v_dim)).reshape(
        batch, heads, chunks + 1, qk_dim, v_dim
    ) + w0[..., None, None] * c[:, :, None]
    ns = w @ n_updates + w0[..., None] * n[:, :, None]
    final = (cs[:, :, -1], ns[:, :, -1], m_all[..., -1:].astype(state_dtype))
    return cs[:, :, :-1], ns[:, :, :-1], m_all[..., :-1], final


def _chunkwise_full_chunks(
    q, k, v, i, f, state: MLSTMState, chunk_size: int, eps: float
):
    """Chunkwise-parallel mLSTM for a sequence length divisible by ``chunk_size``."""
    batch, heads, seq_len, qk_dim = q.shape
    v_dim = v.shape[-1]
    nc, L = seq_len // chunk_size, chunk_size
    kernel_dtype = q.dtype
    qk_scale = qk_dim**-0.5

    q = q.reshape(batch, heads, nc, L, qk_dim)
    k = k.reshape(batch, heads, nc, L, qk_dim)
    v = v.reshape(batch, heads, nc, L, v_dim)
    i = i.astype(mx.float32).reshape(batch, heads, nc, L)
    f_log = nn.log_sigmoid(f.astype(mx.float32))
    b = mx.cumsum(f_log.reshape(batch, heads, nc, L), axis=-1)
    a = b[..., -1:] - b + i
    g = b[..., -1]
    c_k, n_k, m_k, final = _chunk_states(k, v, a, g, a.max(axis=-1), state)

    causal = mx.tril(mx.ones((L, L), dtype=mx.bool_))
    log_d = b[..., :, None] - b[..., None, :] + i[..., None, :]
    log_d = mx.where(causal, log_d, mx.finfo(log_d.dtype).min)
    m_inter = b + m_k[..., None]
    m_comb = mx.maximum(m_inter, log_d.max(axis=-1))
    d = mx.exp(log_d - m_comb[..., None]).astype(kernel_dtype)

    s = (q @ k.swapaxes(-1, -2)) * qk_scale
    sd = s * d
    q_gated = q * (mx.exp(m_inter - m_comb) * qk_scale)[..., None].astype(kernel_dtype)
    num = q_gated @ c_k.astype(kernel_dtype) + sd @ v
    den = q_gated @ n_k.astype(kernel_dtype)[..., None] + sd.sum(axis=-1, keepdims=True)
    h = normalise_output(num, den, m_comb[..., None], eps)
    return h.reshape(batch, heads, seq_len, v_dim), final


_compiled_full_chunks = mx.compile(_chunkwise_full_chunks)


def mlstm_chunkwise(
    q: mx.array,
    k: mx.array,
    v: mx.array,
    i: mx.array,
    f: mx.array,
    state: MLSTMState,
    chunk_size: int = 64,
    eps: float = 1e-6,
) -> tuple[mx.array, MLSTMState]:
    """Chunkwise-parallel mLSTM for any sequence length.

    Full chunks are processed together; a trailing remainder shorter than
    ``chunk_size`` is processed as one smaller chunk, continuing from the
    state left by the full chunks.
    """
    seq_len = q.shape[2]
    split = (seq_len // chunk_size) * chunk_size
    outputs = []
    if split > 0:
        h, state = _compiled_full_chunks(
            q[:, :, :split],
            k[:, :, :split],
            v[:, :, :split],
            i[..., :split],
            f[..., :split],
            state,
            chunk_size,
            eps,
        )
        outputs.append(h)
    if split < seq_len:
        rest = seq_len - split
        h, state = _compiled_full_chunks(
            q[:, :, split:],
            k[:, :, split:],
            v[:, :, split:],
            i[..., split:],
            f[..., split:],
            state,
            rest,
            eps,
        )
        outputs.append(h)
    h = outputs[0] if len(outputs) == 1 else mx.concatenate(outputs, axis=2)
    return h, state


def mlstm_parallel_reference(
    q: mx.array, k: mx.array, v: mx.array, i: mx.array, f: mx.array, eps: float = 1e-6
) -> mx.array:
    """Naive quadratic mLSTM from a zero state (M starts at 0), in float32. Test oracle only."""
    q, k, v = (x.astype(mx.float32) for x in (q, k, v))
    seq_len, qk_dim = q.shape[2], q.shape[3]
    b = mx.cumsum(nn.log_sigmoid(f.astype(mx.float32)), axis=-1)
    causal = mx.tril(mx.ones((seq_len, seq_len), dtype=mx.bool_))
    log_d = b[..., :, None] - b[..., None, :] + i.astype(mx.float32)[..., None, :]
    log_d = mx.where(causal, log_d, mx.finfo(log_d.dtype).min)
    m = mx.maximum(b, log_d.max(axis=-1))[..., None]
    sd = (q @ k.swapaxes(-1, -2)) * (qk_dim**-0.5) * mx.exp(log_d - m)
    return normalise_output(sd @ v, sd.sum(axis=-1, keepdims=True), m, eps)
