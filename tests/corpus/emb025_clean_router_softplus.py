# expect: none
"""A router scoring experts with sqrt(softplus(logits)): a score, not a rate."""
import mlx.core as mx
import mlx.nn as nn


def expert_scores(x: mx.array, gate_weight: mx.array) -> mx.array:
    logits = x @ gate_weight.T
    return mx.sqrt(nn.softplus(logits))
