# expect: none
"""Softmaxes that accumulate in float32: `precise=True`, or scores cast to float32 first."""
import mlx.core as mx


def attend(queries: mx.array, keys: mx.array, values: mx.array, scale: float) -> mx.array:
    scores = (queries * scale) @ keys.swapaxes(-1, -2)
    return mx.softmax(scores, axis=-1, precise=True) @ values


def route(gates: mx.array) -> mx.array:
    return mx.softmax(gates.astype(mx.float32), axis=-1)
