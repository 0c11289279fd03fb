# expect: none
"""Adding boolean masks to count them: integer arithmetic, no scores involved."""
import mlx.core as mx


def votes(a: mx.array, b: mx.array) -> mx.array:
    first = a > 0
    second = b > 0
    return first.astype(mx.int32) + second
