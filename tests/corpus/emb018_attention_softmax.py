# expect: EMB018
"""Attention probabilities from half-precision scores, exponentiated and summed in that dtype."""
import mlx.core as mx


def attend(queries: mx.array, keys: mx.array, values: mx.array, scale: float) -> mx.array:
    scores = (queries * scale) @ keys.swapaxes(-1, -2)
    return mx.softmax(scores, axis=-1) @ values
