# expect: EMB005
import mlx.core as mx


def cosine(a: mx.array, b: mx.array) -> mx.array:
    dot = mx.sum(a * b, axis=-1)
    norms = mx.linalg.norm(a, axis=-1) * mx.linalg.norm(b, axis=-1)
    return dot / (norms + 1e-8)
