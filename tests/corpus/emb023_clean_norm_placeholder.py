# expect: none
"""A norm weight initialised to ones: a placeholder the checkpoint replaces."""
import mlx.core as mx
import mlx.nn as nn


class GatedRMSNorm(nn.Module):
    def __init__(self, dims: int, eps: float = 1e-6):
        super().__init__()
        self.weight = mx.ones((dims,))
        self.eps = eps

    def __call__(self, x: mx.array, gate: mx.array) -> mx.array:
        x = x * nn.silu(gate)
        return self.weight * mx.fast.rms_norm(x, None, self.eps)
