# expect: none
import mlx.core as mx
import mlx.nn as nn


def log_forget_cumsum(f_preact: mx.array) -> mx.array:
    return mx.cumsum(nn.log_sigmoid(f_preact), axis=-1)
