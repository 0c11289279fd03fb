# expect: none
import mlx.core as mx

HEAD_DIM = 128
SCALE = HEAD_DIM**-0.5 * 2.0


def scale_of(head_dim: int) -> float:
    return head_dim * 0.5 + 1.0


def zeros(n: int) -> mx.array:
    return mx.zeros((n,), dtype=mx.float32)
