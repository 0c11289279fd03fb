# expect: EMB006, EMB008, EMB002
"""An xLSTM block with three hazards re-inserted."""
import mlx.core as mx
import mlx.nn as nn


class MultiHeadLayerNorm(nn.Module):
    def __init__(self, dims: int, eps: float):
        super().__init__()
        self.weight = mx.ones((dims,))
        self.eps = eps

    def __call__(self, x: mx.array) -> mx.array:
        centred = x - mx.mean(x, axis=-1, keepdims=True)
        return centred * mx.rsqrt(mx.var(x, axis=-1, keepdims=True) + self.eps) * self.weight


def gate_matrix(f: mx.array, i: mx.array) -> mx.array:
    b = mx.cumsum(-mx.log(1 + mx.exp(-f)), axis=-1)
    log_d = b[..., :, None] - b[..., None, :] + i[..., None, :]
    n = log_d.shape[-1]
    causal = mx.tril(mx.ones((n, n), dtype=mx.bool_))
    return mx.where(causal, log_d, -float("inf"))
