# expect: EMB024
"""Log likelihood of a mixture, reduction written as a method."""
import mlx.core as mx


def mixture_log_likelihood(component_log_probs: mx.array, log_weights: mx.array) -> mx.array:
    joint = component_log_probs + log_weights
    return mx.log(mx.exp(joint).sum(axis=-1))
