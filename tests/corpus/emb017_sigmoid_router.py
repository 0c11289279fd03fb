# expect: EMB017
"""A top-k sigmoid router normalising its weights with no floor."""
import mlx.core as mx


def route(logits: mx.array, k: int) -> tuple[mx.array, mx.array]:
    probs = mx.sigmoid(logits.astype(mx.float32))
    experts = mx.argpartition(-probs, kth=k - 1, axis=-1)[..., :k]
    weights = mx.take_along_axis(probs, experts, axis=-1)
    norm = weights.sum(axis=-1, keepdims=True)
    return experts, weights / norm
