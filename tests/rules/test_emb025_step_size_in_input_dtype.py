"""EMB025: SSM step sizes / decay rates computed by softplus in the input dtype."""

from __future__ import annotations

import pytest
from extended_rule_helpers import findings

HEADER = "import mlx.core as mx\nimport mlx.nn as nn\n\n\n"

FLAGGED = {
    "clamped and returned": """
def compute_dt(dt, dt_bias, limit):
    dt = nn.softplus(dt + dt_bias)
    return mx.clip(dt, limit[0], limit[1])
""",
    "inside a decay": """
def compute_g(A_log, a, dt_bias):
    return mx.exp(-mx.exp(A_log.astype(mx.float32)) * nn.softplus(a + dt_bias))
""",
    "through a name into exp": """
class Mixer(nn.Module):
    def step(self, x: mx.array, A: mx.array):
        delta = nn.softplus(self.dt_proj(x))
        return mx.exp(mx.expand_dims(delta, -1) * A)
""",
    "a cast in a branch may not happen": """
def compute_dt(dt, dt_bias, cast):
    if cast:
        dt = dt.astype(mx.float32)
    return mx.exp(-nn.softplus(dt + dt_bias))
""",
    "log decay through arithmetic": """
def decay(gate: mx.array, raw: mx.array, bias: mx.array):
    log_a = -8.0 * gate * nn.softplus(raw + bias)
    return mx.exp(log_a)
""",
}

CLEAN = {
    "cast to float32 just before": """
def compute_dt(dt, dt_bias, limit):
    dt = dt.astype(mx.float32)
    dt = nn.softplus(dt + dt_bias)
    return mx.clip(dt, limit[0], limit[1])
""",
    "float32 operand in the sum": """
def compute_dt(dt: mx.array, dt_bias: mx.array):
    return mx.exp(-nn.softplus(dt.astype(mx.float32) + dt_bias))
""",
    "stored parameter": """
class Gate(nn.Module):
    def __call__(self, gate: mx.array):
        return mx.exp(-8.0 * gate * nn.softplus(self.recurrent_param))
""",
    "router score, not a rate": """
def scores(logits: mx.array):
    return mx.sqrt(nn.softplus(logits))
""",
    "activation coefficient": """
def xielu(x: mx.array, alpha: mx.array, beta: float):
    alpha = beta + nn.softplus(alpha * 2)
    return mx.where(x > 0, x * x, (mx.expm1(x) - x) * alpha)
""",
    "clip that is not returned": """
def compute(dt: mx.array, bias: mx.array):
    dt = mx.clip(nn.softplus(dt + bias), 0.001, 0.1)
    return dt * 2
""",
}


@pytest.mark.parametrize("name", sorted(FLAGGED))
def test_flagged(name):
    (finding,) = findings("EMB025", HEADER + FLAGGED[name])
    assert finding.fix is None


@pytest.mark.parametrize("name", sorted(CLEAN))
def test_clean(name):
    assert findings("EMB025", HEADER + CLEAN[name]) == []
