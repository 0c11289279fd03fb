# expect: EMB012
import mlx.core as mx


def attend(q: mx.array, k: mx.array, v: mx.array, scale: float) -> mx.array:
    scores = (q @ k.swapaxes(-1, -2)) * scale
    weights = mx.exp(scores) / mx.sum(mx.exp(scores), axis=-1, keepdims=True)
    return weights @ v
