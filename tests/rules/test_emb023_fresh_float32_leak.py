"""EMB023: float32 values from random-initialised arrays mixed into returned activations."""

from __future__ import annotations

import pytest
from extended_rule_helpers import findings

HEADER = "import mlx.core as mx\nimport mlx.nn as nn\n\n\n"

ADAPTER = """
class Adapter(nn.Module):
    def __init__(self, linear, n: int, r: int, scale: float):
        super().__init__()
        self.linear = linear
        self.scale = scale
        self.lora_a = mx.random.uniform(low=-0.1, high=0.1, shape=(n, r))
        self.lora_b = mx.zeros((r, n))
        self.norm_weight = mx.ones((n,))

    def __call__(self, x):
{body}
"""

FLAGGED = {
    "LoRA product returned": """\
        y = self.linear(x)
        z = (x @ self.lora_a) @ self.lora_b
        return y + self.scale * z""",
    "through a norm, assigned and returned": """\
        out = self.linear(x)
        adapted = self.linear.weight + self.lora_b.T @ self.lora_a.T
        denom = mx.stop_gradient(mx.linalg.norm(adapted, axis=1))
        out = (self.norm_weight / denom) * out
        return out""",
    "subtracted": """\
        return self.linear(x) - (x @ self.lora_a).sum(axis=-1, keepdims=True)""",
}

CLEAN = {
    "cast back": """\
        y = self.linear(x)
        z = (x @ self.lora_a) @ self.lora_b
        return y + (self.scale * z).astype(x.dtype)""",
    "float32 kept inside the function": """\
        z = (x @ self.lora_a) @ self.lora_b
        return self.linear(x) + z.astype(x.dtype)""",
    "ones placeholders are a checkpoint's": """\
        return self.linear(x) * self.norm_weight""",
    "scaled by a Python scalar": """\
        return self.scale * (x @ self.lora_a)""",
    "not returned": """\
        z = self.linear(x) + x @ self.lora_a
        self.last = z
        return self.linear(x)""",
}


@pytest.mark.parametrize("name", sorted(FLAGGED))
def test_flagged(name):
    (finding,) = findings("EMB023", HEADER + ADAPTER.format(body=FLAGGED[name]))
    assert finding.fix is None
    assert "float32" in finding.message


@pytest.mark.parametrize("name", sorted(CLEAN))
def test_clean(name):
    assert findings("EMB023", HEADER + ADAPTER.format(body=CLEAN[name])) == []


def test_local_noise_added_to_latents():
    source = HEADER + "def noisy(latents: mx.array, sigma: float):\n    noise = mx.random.normal(latents.shape)\n    return latents + sigma * noise\n"
    assert len(findings("EMB023", source)) == 1


def test_typed_noise_is_clean():
    source = HEADER + "def noisy(latents: mx.array, sigma: float):\n    noise = mx.random.normal(latents.shape, dtype=latents.dtype)\n    return latents + sigma * noise\n"
    assert findings("EMB023", source) == []


def test_attribute_also_set_to_a_typed_array_is_not_fresh():
    source = HEADER + (
        "class A(nn.Module):\n"
        "    def __init__(self):\n        super().__init__()\n        self.w = mx.random.normal((4, 4))\n"
        "    def cast(self, dtype):\n        self.w = mx.zeros((4, 4), dtype=dtype)\n"
        "    def __call__(self, x):\n        return x + x @ self.w\n"
    )
    assert findings("EMB023", source) == []


def test_positional_dtype_is_not_fresh_float32():
    source = HEADER + "def noisy(latents: mx.array):\n    noise = mx.random.normal(latents.shape, mx.bfloat16)\n    return latents + noise\n"
    assert findings("EMB023", source) == []
