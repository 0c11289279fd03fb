# expect: none
import mlx.core as mx


def normalise(logits: mx.array) -> mx.array:
    return logits - mx.logsumexp(logits, axis=-1, keepdims=True)
