# expect: none
"""Top-k softmax weights renormalised: the largest of them is at least 1/n, so the sum is > 0."""
import mlx.core as mx


def route(logits: mx.array, k: int) -> tuple[mx.array, mx.array]:
    probs = mx.softmax(logits, axis=-1, precise=True)
    experts = mx.argpartition(-probs, kth=k - 1, axis=-1)[..., :k]
    weights = mx.take_along_axis(probs, experts, axis=-1)
    return experts, weights / weights.sum(axis=-1, keepdims=True)
