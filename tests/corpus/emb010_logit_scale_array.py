# expect: EMB010
import mlx.core as mx


def scaled_logits(hidden: mx.array, embedding: mx.array) -> mx.array:
    logits = hidden @ embedding.T
    return logits * mx.array(0.125)
