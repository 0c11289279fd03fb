# expect: EMB022
import mlx.core as mx


def scaled_sigmoid_denominator(x: mx.array) -> mx.array:
    return 1 / (mx.exp(-x) + 1)
