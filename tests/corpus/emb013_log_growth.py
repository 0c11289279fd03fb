# expect: EMB013
import mlx.core as mx


def log_returns(rates: mx.array) -> mx.array:
    return mx.cumsum(mx.log(1 + rates), axis=-1)
