"""EMB020: a recurrent state created in the activations' dtype."""

from __future__ import annotations

import pytest
from extended_rule_helpers import findings

HEADER = "import mlx.core as mx\n\n\n"

FLAGGED = {
    "decayed in a loop": """
def scan(x: mx.array, a: mx.array):
    h = mx.zeros((x.shape[0], x.shape[2]), dtype=x.dtype)
    for t in range(x.shape[1]):
        h = a[:, t] * h + x[:, t]
    return h
""",
    "step function": """
def step(k, v, state):
    return k, state * 0.9 + k @ v


def scan(k: mx.array, v: mx.array):
    state = mx.zeros((k.shape[0], k.shape[-1], k.shape[-1]), dtype=k.dtype)
    for t in range(k.shape[1]):
        y, state = step(k[:, t], v[:, t], state)
    return state
""",
    "passed to a looping function": """
def loop(q: mx.array, state: mx.array):
    for t in range(q.shape[1]):
        state = mx.exp(q[:, t]) * state
    return state


def run(q: mx.array, state=None):
    if state is None:
        state = mx.zeros(q.shape, dtype=q.dtype)
    return loop(q, state)
""",
    "zeros_like in a while loop": """
def scan(x: mx.array, gate: mx.array, steps: int):
    c = mx.zeros_like(x)
    t = 0
    while t < steps:
        c = gate * c + x
        t += 1
    return c
""",
    "explicit half dtype, multiplied in place": """
def scan(x: mx.array, decay: mx.array):
    c = mx.ones((4, 4), dtype=mx.bfloat16)
    for row in x:
        c *= decay
        c = c + row
    return c
""",
    "unannotated parameter's dtype": """
def scan(x, a):
    h = mx.zeros(x.shape[1:], dtype=x.dtype)
    for t in range(len(x)):
        h = a * h + x[t]
    return h
""",
}

CLEAN = {
    "float32 state": """
def scan(x: mx.array, a: mx.array):
    h = mx.zeros((x.shape[0], x.shape[2]), dtype=mx.float32)
    for t in range(x.shape[1]):
        h = a[:, t] * h + x[:, t]
    return h.astype(x.dtype)
""",
    "state from a float32 array": """
def scan(x: mx.array, a: mx.array):
    x32 = x.astype(mx.float32)
    h = mx.zeros_like(x32[:, 0])
    for t in range(x.shape[1]):
        h = a[:, t] * h + x32[:, t]
    return h
""",
    "a sum over taps, not carried through a product": """
def conv(x: mx.array, kernel: mx.array):
    out = mx.zeros(x.shape, dtype=x.dtype)
    for j in range(kernel.shape[0]):
        out = out + kernel[j] * x
    return out
""",
    "a scatter that assembles": """
def assemble(x: mx.array, index: mx.array):
    out = mx.zeros(x.shape, dtype=x.dtype)
    for i in range(x.shape[0]):
        out = out.at[index[i]].add(x[i])
    return out
""",
    "a fixed number of steps": """
def series(values: mx.array):
    term = mx.ones_like(values)
    for index in range(1, 33):
        term = term * values / index
    return term
""",
    "no loop": """
def init(x: mx.array, a: mx.array):
    h = mx.zeros(x.shape, dtype=x.dtype)
    h = a * h + x
    return h
""",
    "integer token ids": """
def decode(logits: mx.array, steps: int):
    tokens = mx.argmax(logits, axis=-1)
    out = mx.zeros(tokens.shape, dtype=tokens.dtype)
    while steps:
        out = out * 2 + tokens
        steps -= 1
    return out
""",
    "a configured dtype": """
class Cell:
    def __init__(self, dtype):
        self.dtype = dtype

    def scan(self, x: mx.array, a: mx.array):
        h = mx.zeros(x.shape[1:], dtype=self.dtype)
        for t in range(x.shape[0]):
            h = a * h + x[t]
        return h
""",
    "step function with its own state name": """
def step(k, state):
    return k, state


def scan(k: mx.array):
    buffer = mx.zeros(k.shape, dtype=k.dtype)
    for t in range(k.shape[1]):
        y, state = step(k[:, t], buffer)
    return y
""",
}


@pytest.mark.parametrize("name", sorted(FLAGGED))
def test_flagged(name):
    (finding,) = findings("EMB020", HEADER + FLAGGED[name])
    assert finding.fix is None
    assert "recurrent state" in finding.message


@pytest.mark.parametrize("name", sorted(CLEAN))
def test_clean(name):
    assert findings("EMB020", HEADER + CLEAN[name]) == []
