"""EMB001 float-literal-in-mlx-op: look-alikes flagged and not flagged, and the fix."""

from __future__ import annotations

import pytest
from rule_harness import findings, fixed, flagged_lines

HEADER = "import mlx.core as mx\nimport numpy as np\n\ndef f(x: mx.array, v: mx.array, m: mx.array, n):\n"


@pytest.mark.parametrize(
    "line",
    [
        "y = x * 0.5",
        "y = 0.5 * x",
        "y = x - -1.5",
        "y = mx.exp(x) / 2.0",
        "y = mx.maximum(v, 1e-6)",
        "y = mx.where(m, x, 0.0)",
        "y = mx.clip(x, 0.0, 1.0)",
        "y = mx.log(1.0 + mx.exp(-x))",
    ],
)
def test_flagged(line):
    assert set(flagged_lines(HEADER + f"    {line}\n", "EMB001")) == {5}


@pytest.mark.parametrize(
    "line",
    [
        "y = x * 2",  # integer
        "y = n * 0.5",  # not an MLX array
        "y = np.ones(3) * 0.5",  # NumPy
        "y = x ** 2.0",  # exponent: a Python number by design (EMB003 for -0.5)
        "y = x > 0.5",  # comparison, not arithmetic
        "y = mx.array(0.5, dtype=x.dtype)",
        "y = x * mx.array(0.5, dtype=x.dtype)",
        "y = mx.full((2, 2), 0.5)",
        "y = mx.arange(0.0, 1.0, 0.1)",
        "y = mx.linspace(0.0, 1.0, 5)",
        "y = mx.finfo(mx.float16).eps * 2",
        "y = mx.random.uniform(-1.0, 1.0, (3,))",
        "y = mx.random.normal((3,), scale=0.02)",
        "y = mx.fast.rms_norm(x, v, 1e-5)",
        "y = mx.fast.scaled_dot_product_attention(x, x, x, scale=0.125)",
        "y = mx.pad(x, 1, 0.0)",
        "y = mx.isclose(x, v, rtol=1e-5, atol=1e-8)",
        "y = mx.nan_to_num(x, nan=0.0)",
        "y = mx.where(m, x, -1e9)",  # overflows float16: EMB002's
        "y = np.maximum(n, 1e-6)",
    ],
)
def test_not_flagged(line):
    assert flagged_lines(HEADER + f"    {line}\n", "EMB001") == []


def test_fix_uses_the_array_operand_as_dtype_anchor():
    source = HEADER + "    return mx.log(1.0 + mx.exp(-x)) * mx.maximum(v, 1e-6)\n"
    assert fixed(source, "EMB001").splitlines()[-1] == (
        "    return mx.log(mx.array(1.0, dtype=x.dtype) + mx.exp(-x))"
        " * mx.maximum(v, mx.array(1e-6, dtype=v.dtype))"
    )


def test_where_condition_is_never_the_anchor():
    source = HEADER + "    return mx.where(m, 0.0, x)\n"
    assert fixed(source, "EMB001").splitlines()[-1] == "    return mx.where(m, mx.array(0.0, dtype=x.dtype), x)"


def test_no_anchor_reports_without_fix():
    source = "import mlx.core as mx\ny = mx.ones(3) * 0.5\n"
    (finding,) = findings(source, "EMB001")
    assert finding.fix is None
    assert fixed(source, "EMB001") == source


def test_fix_keeps_parentheses_and_adds_missing_import():
    source = "from mlx.core import exp\n\ndef f(x):\n    y = exp(x)\n    return y * (0.5)\n"
    assert fixed(source, "EMB001") == (
        "from mlx.core import exp\nimport mlx.core as mx\n\n"
        "def f(x):\n    y = exp(x)\n    return y * (mx.array(0.5, dtype=y.dtype))\n"
    )


def test_fix_is_deterministic():
    source = HEADER + "    return mx.clip(x * 0.5 + v * 0.25, 0.0, 1.0)\n"
    outputs = {fixed(source, "EMB001") for _ in range(3)}
    assert len(outputs) == 1
