"""A small MLX attention block written the way many first drafts are.

`emberlint examples/` reports the numerics hazards in it; `emberlint --fix
examples/` applies the safe fixes and `--unsafe-fixes` the rest. Kept in the repository as the bundled
default for the README's first command.
"""

import mlx.core as mx
import mlx.nn as nn


def rms_norm(x: mx.array, weight: mx.array, eps: float = 1e-6) -> mx.array:
    return weight * x * (mx.mean(mx.square(x), axis=-1, keepdims=True) + eps) ** -0.5


def masked_attention(q: mx.array, k: mx.array, v: mx.array, mask: mx.array) -> mx.array:
    scores = (q @ k.swapaxes(-1, -2)) * q.shape[-1] ** -0.5
    scores = mx.where(mask, scores, -float("inf"))
    return mx.softmax(scores, axis=-1) @ v


def gate(x: mx.array) -> mx.array:
    return -mx.log(1 + mx.exp(-x))


def normalize_rows(weights: mx.array) -> mx.array:
    total = mx.sum(weights, axis=-1, keepdims=True)
    return weights / (total + 1e-8)


class Block(nn.Module):
    def __init__(self, dims: int):
        super().__init__()
        self.weight = mx.ones((dims,))

    def __call__(self, x: mx.array, mask: mx.array) -> mx.array:
        h = rms_norm(x, self.weight)
        return x + masked_attention(h, h, h, mask) * gate(h)
