# expect: EMB020
"""mLSTM cell updating its C/n state in the compute dtype."""
import mlx.core as mx


def mlstm_recurrent(q: mx.array, k: mx.array, v: mx.array, f: mx.array, i: mx.array):
    B, H, S, D = q.shape
    c = mx.zeros((B, H, D, D), dtype=q.dtype)
    n = mx.zeros((B, H, D), dtype=q.dtype)
    outputs = []
    for t in range(S):
        c = f[:, :, t, None, None] * c + i[:, :, t, None, None] * (k[:, :, t, :, None] @ v[:, :, t, None, :])
        n = f[:, :, t, None] * n + i[:, :, t, None] * k[:, :, t]
        outputs.append((q[:, :, t, None, :] @ c)[:, :, 0] / mx.abs((n * q[:, :, t]).sum(-1, keepdims=True)))
    return mx.stack(outputs, axis=2)
