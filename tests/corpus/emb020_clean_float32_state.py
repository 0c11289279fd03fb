# expect: none
"""The gated-delta state after the upstream fix: float32, output cast back."""
import mlx.core as mx


def linear_recurrence(x: mx.array, a: mx.array):
    h = mx.zeros((x.shape[0], x.shape[2]), dtype=mx.float32)
    ys = []
    for t in range(x.shape[1]):
        h = a[:, t] * h + x[:, t]
        ys.append(h)
    return mx.stack(ys, axis=1).astype(x.dtype), h
