# expect: none
import mlx.core as mx


def attention_scale(q: mx.array, head_dim: int) -> mx.array:
    scale = head_dim**-0.5
    return mx.multiply(q, mx.array(scale, dtype=q.dtype))
