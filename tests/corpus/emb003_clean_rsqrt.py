# expect: none
import mlx.core as mx


def rms_scale(x: mx.array) -> mx.array:
    return mx.rsqrt(mx.mean(mx.square(x.astype(mx.float32)), axis=-1, keepdims=True))
