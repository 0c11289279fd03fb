# expect: none
import mlx.core as mx


def elu(x: mx.array, alpha: float = 1.0) -> mx.array:
    return mx.where(x > 0, x, alpha * mx.expm1(x))
