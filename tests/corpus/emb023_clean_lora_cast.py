# expect: none
"""The upstream LoRA fix: the float32 product is cast to the activations' dtype."""
import mlx.core as mx
import mlx.nn as nn


class LoRALinear(nn.Module):
    def __init__(self, linear: nn.Linear, r: int = 8, scale: float = 20.0):
        super().__init__()
        output_dims, input_dims = linear.weight.shape
        self.linear = linear
        self.scale = scale
        self.lora_a = mx.random.uniform(low=-0.01, high=0.01, shape=(input_dims, r))
        self.lora_b = mx.zeros(shape=(r, output_dims))

    def __call__(self, x):
        y = self.linear(x)
        z = (x @ self.lora_a) @ self.lora_b
        return y + (self.scale * z).astype(x.dtype)
