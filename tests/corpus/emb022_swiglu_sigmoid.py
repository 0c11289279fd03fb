# expect: EMB022
"""gpt-oss style clamped SwiGLU with its sigmoid written out."""
from functools import partial

import mlx.core as mx


@partial(mx.compile, shapeless=True)
def swiglu(x_linear: mx.array, x_glu: mx.array, alpha: float = 1.702, limit: float = 7.0):
    x_glu = mx.clip(x_glu, a_min=None, a_max=limit)
    x_linear = mx.clip(x_linear, a_min=-limit, a_max=limit)
    negative = -(alpha * x_glu)
    gate = 1 / (1 + mx.exp(negative))
    return x_glu * gate * (x_linear + 1)
