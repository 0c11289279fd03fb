# expect: none
import mlx.core as mx


def log_returns(rates: mx.array) -> mx.array:
    return mx.cumsum(mx.log1p(rates), axis=-1)
