# expect: none
"""The upstream fix: mx.sigmoid, stable for every input."""
import mlx.core as mx


def swiglu(x_linear: mx.array, x_glu: mx.array, alpha: float = 1.702):
    return x_glu * mx.sigmoid(alpha * x_glu) * (x_linear + 1)
