# expect: EMB016
"""A boolean causal mask added to the scores as if it were additive."""
import mlx.core as mx


def attend(q: mx.array, k: mx.array, v: mx.array) -> mx.array:
    n = q.shape[-2]
    allowed = mx.arange(n)[:, None] >= mx.arange(n)[None]
    scores = q @ k.swapaxes(-1, -2) * q.shape[-1] ** -0.5
    scores += allowed
    return mx.softmax(scores, axis=-1, precise=True) @ v
