# expect: EMB004
import mlx.core as mx
import mlx.nn as nn


class RMSNorm(nn.Module):
    def __init__(self, dims: int, eps: float = 1e-6, force_float32: bool = True):
        super().__init__()
        self.weight = mx.ones((dims,))
        self.eps = eps
        self.force_float32 = force_float32

    def __call__(self, x: mx.array) -> mx.array:
        in_dtype = x.dtype
        if self.force_float32:
            x = x.astype(mx.float32)
        x = x * mx.rsqrt(mx.mean(mx.square(x), axis=-1, keepdims=True) + self.eps)
        return x.astype(in_dtype) * self.weight
