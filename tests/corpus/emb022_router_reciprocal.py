# expect: EMB022
"""Router scores squashed with a reciprocal of 1 + exp(-logits)."""
import mlx.core as mx


def router_scores(logits: mx.array, bias: mx.array) -> mx.array:
    scores = mx.reciprocal(1 + mx.exp(-logits))
    return scores + bias
