# expect: EMB021
"""DoRA magnitude: the row norms of a weight that is packed uint32 when the layer is quantized."""
import mlx.core as mx
import mlx.nn as nn


class DoRALinear(nn.Module):
    @staticmethod
    def from_base(linear: nn.Module) -> "DoRALinear":
        output_dims, input_dims = linear.weight.shape
        if isinstance(linear, nn.QuantizedLinear):
            input_dims = input_dims * 32 // linear.bits
        layer = DoRALinear()
        layer.set_linear(linear)
        return layer

    def set_linear(self, linear: nn.Module) -> None:
        self.linear = linear
        self.m = mx.linalg.norm(self.linear.weight, axis=1)
