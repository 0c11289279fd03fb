# expect: EMB025
"""SSM step size: softplus of the projected dt plus its bias, clamped to the time-step limits."""
import mlx.core as mx
import mlx.nn as nn


@mx.compile
def compute_dt(dt, dt_bias, time_step_limit):
    dt = nn.softplus(dt + dt_bias)
    return mx.clip(dt, time_step_limit[0], time_step_limit[1])
