"""EMB015: host reads inside compiled functions, and their look-alikes."""

from __future__ import annotations

import pytest
from extended_rule_helpers import findings

FLAGGED = [
    "import mlx.core as mx\n\n@mx.compile\ndef f(x):\n    return x * x.sum().item()\n",
    (
        "import mlx.core as mx\nfrom functools import partial\n\n@partial(mx.compile, shapeless=True)\n"
        "def f(x):\n    return x.tolist()\n"
    ),
    "import mlx.core as mx\n\n@mx.compile\ndef f(x: mx.array):\n    return x * float(x)\n",
    "import mlx.core as mx\n\n@mx.compile\ndef f(x):\n    return x if bool(mx.all(x > 0)) else -x\n",
    (
        "from mlx.core import compile\n\n@compile\ndef f(x):\n    def inner(y):\n        return y.item()\n"
        "    return inner(x)\n"
    ),
]

CLEAN = [
    "import mlx.core as mx\n\ndef f(x):\n    return x.sum().item()\n",  # not compiled
    "import mlx.core as mx\n\n@mx.compile\ndef f(x, n):\n    return x * int(n)\n",  # n is a constant
    "import mlx.core as mx\n\n@mx.compile\ndef f(x):\n    return x * float(2)\n",
    "import torch\n\n@torch.compile\ndef f(x):\n    return x.item()\n",
    "import mlx.core as mx\nimport jax\n\n@jax.jit\ndef f(x):\n    return mx.array(x).item()\n",
    "import mlx.core as mx\n\n@mx.compile\ndef f(x):\n    return mx.maximum(mx.abs(x).max(), 1.0)\n",
]


@pytest.mark.parametrize("source", FLAGGED)
def test_flagged(source):
    assert len(findings("EMB015", source)) == 1


@pytest.mark.parametrize("source", CLEAN)
def test_not_flagged(source):
    assert findings("EMB015", source) == []
