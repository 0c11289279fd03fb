# expect: EMB014
import mlx.core as mx


def elu(x: mx.array, alpha: float = 1.0) -> mx.array:
    return mx.where(x > 0, x, alpha * (mx.exp(x) - 1))
