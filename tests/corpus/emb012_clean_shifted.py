# expect: none
import mlx.core as mx


def class_probs(logits: mx.array) -> mx.array:
    shifted = mx.exp(logits - mx.max(logits, axis=-1, keepdims=True))
    return shifted / mx.sum(shifted, axis=-1, keepdims=True)
