# expect: EMB003
import mlx.core as mx


def rms_scale(x: mx.array) -> mx.array:
    ms = mx.mean(mx.square(x.astype(mx.float32)), axis=-1, keepdims=True)
    return ms ** -0.5
