# expect: none
"""The same block, written safely."""
import mlx.core as mx
import mlx.nn as nn


class MultiHeadLayerNorm(nn.Module):
    def __init__(self, dims: int, eps: float):
        super().__init__()
        self.weight = mx.ones((dims,))
        self.eps = eps

    def __call__(self, x: mx.array) -> mx.array:
        in_dtype = x.dtype
        x = x.astype(mx.float32)
        centred = x - mx.mean(x, axis=-1, keepdims=True)
        normed = centred * mx.rsqrt(mx.var(x, axis=-1, keepdims=True) + self.eps)
        return normed.astype(in_dtype) * self.weight


def gate_matrix(f: mx.array, i: mx.array) -> mx.array:
    b = mx.cumsum(nn.log_sigmoid(f.astype(mx.float32)), axis=-1)
    log_d = b[..., :, None] - b[..., None, :] + i.astype(mx.float32)[..., None, :]
    n = log_d.shape[-1]
    causal = mx.tril(mx.ones((n, n), dtype=mx.bool_))
    return mx.where(causal, log_d, mx.finfo(log_d.dtype).min)
