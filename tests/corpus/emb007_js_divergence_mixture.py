# expect: EMB007
import mlx.core as mx


def mixture_logprobs(logprobs_p: mx.array, logprobs_q: mx.array) -> mx.array:
    return logprobs_p + mx.log1p(mx.exp(logprobs_q - logprobs_p)) - mx.log(2)
