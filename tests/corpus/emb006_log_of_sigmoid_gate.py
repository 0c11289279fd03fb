# expect: EMB006
import mlx.core as mx
import mlx.nn as nn


class GatedDecay(nn.Module):
    def __init__(self, dims: int):
        super().__init__()
        self.proj = nn.Linear(dims, 1)

    def __call__(self, x: mx.array) -> mx.array:
        return mx.log(mx.sigmoid(self.proj(x)))
