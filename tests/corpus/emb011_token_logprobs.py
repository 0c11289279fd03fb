# expect: EMB011, EMB018
import mlx.core as mx


def sequence_logprob(logits: mx.array, tokens: mx.array) -> mx.array:
    logprobs = mx.log(mx.softmax(logits, axis=-1))
    return mx.take_along_axis(logprobs, tokens[..., None], axis=-1).squeeze(-1).sum(-1)
