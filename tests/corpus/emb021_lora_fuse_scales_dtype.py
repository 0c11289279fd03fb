# expect: EMB021
"""LoRA fusion casting the delta to a quantized layer's scales dtype (uint8 for mxfp4)."""
import mlx.core as mx
import mlx.nn as nn


class LoRALinear(nn.Module):
    def __init__(self, linear: nn.Module, rank: int = 8):
        super().__init__()
        self.linear = linear
        self.lora_a = mx.zeros((rank, 16))
        self.lora_b = mx.zeros((16, rank))

    def fuse(self) -> nn.Module:
        linear = self.linear
        weight = linear.weight
        dtype = weight.dtype
        if isinstance(linear, nn.QuantizedLinear):
            dtype = linear.scales.dtype
            weight = mx.dequantize(weight, linear.scales, linear.biases, linear.group_size, linear.bits)
        fused = nn.Linear(weight.shape[1], weight.shape[0], bias=False)
        fused.weight = weight + (self.lora_b @ self.lora_a).astype(dtype)
        return fused
