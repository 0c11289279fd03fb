# expect: none
import mlx.core as mx


def mean_ratio(total: float, count: int) -> float:
    return total / (count + 1e-8)


def as_array(values: list[float]) -> mx.array:
    return mx.array(values, dtype=mx.float32)
