# expect: EMB020
"""Gated delta rule, reference path: the state is created in the queries' dtype."""
import mlx.core as mx


def delta_step(q, k, v, g, beta, state):
    state = state * g[..., None, None]
    kv_mem = (state * k[..., None, :]).sum(axis=-1)
    delta = (v - kv_mem) * beta[..., None]
    state = state + k[..., None, :] * delta[..., None]
    return (state * q[..., None, :]).sum(axis=-1), state


def gated_delta(q: mx.array, k: mx.array, v: mx.array, g: mx.array, beta: mx.array):
    B, T, H, D = q.shape
    state = mx.zeros((B, H, v.shape[-1], D), dtype=q.dtype)
    ys = []
    for t in range(T):
        y, state = delta_step(q[:, t], k[:, t], v[:, t], g[:, t], beta[:, t], state)
        ys.append(y)
    return mx.stack(ys, axis=1), state
