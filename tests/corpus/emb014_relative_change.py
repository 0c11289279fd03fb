# expect: EMB014
import mlx.core as mx


def growth(log_ratio: mx.array) -> mx.array:
    return mx.exp(log_ratio) - 1
