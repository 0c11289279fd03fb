# expect: none
import mlx.core as mx
import mlx.nn as nn


def sequence_logprob(logits: mx.array, tokens: mx.array) -> mx.array:
    logprobs = nn.log_softmax(logits, axis=-1)
    return mx.take_along_axis(logprobs, tokens[..., None], axis=-1).squeeze(-1).sum(-1)
