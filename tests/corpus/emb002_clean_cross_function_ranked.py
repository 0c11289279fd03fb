# expect: none
"""-inf fills that are only ranked or exponentiated unshifted, seen across this module's functions."""
import mlx.core as mx


def _top(values: mx.array, k: int) -> tuple[mx.array, mx.array]:
    order = mx.argsort(-values, axis=-1)
    return mx.take_along_axis(values, order, axis=-1), order[..., :k]


def _segment_sum(x: mx.array, keep: mx.array) -> mx.array:
    return mx.where(keep, mx.cumsum(x, axis=-1), -float("inf"))


def pick(confidence: mx.array, active: mx.array, x: mx.array, keep: mx.array) -> tuple[mx.array, mx.array]:
    candidates = mx.where(active, confidence, -mx.inf)
    _, chosen = _top(candidates, 1)
    return chosen, mx.exp(_segment_sum(x, keep))


def running_max(chunks: list[mx.array], n: int) -> mx.array:
    best = mx.full((n,), -float("inf"), dtype=mx.float32)
    for chunk in chunks:
        best = mx.maximum(best, chunk.max(axis=-1))
    return best
