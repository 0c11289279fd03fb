# expect: EMB006
"""mLSTM forget-gate prefix sums, written out by hand."""
import mlx.core as mx


def log_forget_cumsum(f_preact: mx.array) -> mx.array:
    log_f = -mx.log(1 + mx.exp(-f_preact))
    return mx.cumsum(log_f, axis=-1)
