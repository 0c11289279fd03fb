# expect: none
import mlx.core as mx


def mse(predictions: mx.array, targets: mx.array) -> mx.array:
    diff = predictions - targets
    return mx.mean(diff * diff)
