# expect: EMB023
"""DoRA: the magnitude over the norm of an adapted weight built from float32 LoRA factors."""
import math

import mlx.core as mx
import mlx.nn as nn


class DoRALinear(nn.Module):
    def __init__(self, linear: nn.Linear, r: int = 8, scale: float = 20.0):
        super().__init__()
        output_dims, input_dims = linear.weight.shape
        self.linear = linear
        self.m = mx.linalg.norm(linear.weight, axis=1)
        self.scale = scale
        bound = 1 / math.sqrt(input_dims)
        self.lora_a = mx.random.uniform(low=-bound, high=bound, shape=(input_dims, r))
        self.lora_b = mx.zeros(shape=(r, output_dims))

    def __call__(self, x):
        y = x @ self.linear.weight.T
        z = (x @ self.lora_a) @ self.lora_b
        out = y + (self.scale * z).astype(x.dtype)
        adapted = self.linear.weight + (self.scale * self.lora_b.T) @ self.lora_a.T
        denom = mx.stop_gradient(mx.linalg.norm(adapted, axis=1))
        out = (self.m / denom) * out
        return out
