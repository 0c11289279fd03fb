# expect: EMB025
"""Mamba-style discretisation: the step goes straight into the decay."""
import mlx.core as mx
import mlx.nn as nn


class MambaStep(nn.Module):
    def __init__(self, rank: int, dims: int):
        super().__init__()
        self.dt_proj = nn.Linear(rank, dims)

    def __call__(self, delta: mx.array, x: mx.array, A: mx.array, state: mx.array) -> mx.array:
        delta = nn.softplus(self.dt_proj(delta))
        return state * mx.exp(mx.expand_dims(delta, -1) * A) + mx.expand_dims(delta * x, -1)
