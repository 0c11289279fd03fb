# expect: EMB002
"""A padding mask made additive by arithmetic: -1e9 is -inf in float16, and 0 * -inf is NaN."""
import mlx.core as mx


def attention(q: mx.array, k: mx.array, v: mx.array, key_valid: mx.array) -> mx.array:
    bias = (1 - key_valid[:, None, None, :].astype(q.dtype)) * -1e9
    scores = q @ k.swapaxes(-1, -2) * q.shape[-1] ** -0.5 + bias
    return mx.softmax(scores, axis=-1, precise=True) @ v
