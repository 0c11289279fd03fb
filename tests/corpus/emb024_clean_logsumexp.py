# expect: none
"""MLX's own log-sum-exp."""
import mlx.core as mx


def log_softmax(logits: mx.array) -> mx.array:
    return logits - mx.logsumexp(logits, axis=-1, keepdims=True)
