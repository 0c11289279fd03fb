# expect: EMB005
import mlx.core as mx


def safe_ratio(x: mx.array, n: mx.array, eps=1e-10) -> mx.array:
    return x / (n + eps)
