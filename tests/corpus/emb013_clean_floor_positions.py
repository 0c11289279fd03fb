# expect: none
"""Shaped like mlx-lm's Llama 4 attention-temperature scale: 1 + an integer-valued floor."""
import mlx.core as mx


def attn_scale(size: int, offset: int, beta: float, max_positions: int) -> mx.array:
    steps = mx.floor((mx.arange(size) + offset) / max_positions)
    return 1 + beta * mx.log(1 + mx.floor((mx.arange(size) + offset) / max_positions)) + steps
