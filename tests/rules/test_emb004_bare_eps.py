"""EMB004 bare-eps: which eps terms are flagged, and the fix."""

from __future__ import annotations

import pytest
from rule_harness import findings, fixed, flagged_lines

HEADER = (
    "import mlx.core as mx\nimport numpy as np\nEPS = 1e-6\n\n"
    "def f(num: mx.array, den: mx.array, var: mx.array, p: mx.array, n, tol: float, eps=1e-5, k=3):\n"
)
LINE = 6


@pytest.mark.parametrize(
    "line",
    [
        "return num / (den + eps)",
        "return num / (eps + den)",
        "return num / (den + 1e-6)",
        "return num / (mx.sqrt(var) + EPS)",
        "return num / (den * 2 + var + tol)",
        "return mx.divide(num, den + eps)",
        "return mx.sqrt(var + eps)",
        "return mx.rsqrt(var + 1e-6)",
        "return mx.log(p + eps)",
        "return mx.log10(p + 1e-7)",
    ],
)
def test_flagged(line):
    assert flagged_lines(HEADER + f"    {line}\n", "EMB004") == [LINE]


@pytest.mark.parametrize(
    "line",
    [
        "return num / (den + mx.array(eps, dtype=den.dtype))",
        "return num / (den + 1)",  # integer
        "return num / (den + k)",  # a name bound to an integer
        "return num / (n + eps)",  # not an MLX denominator
        "return np.sqrt(n + eps)",
        "return num / (den - eps)",  # not a guard
        "return num * (den + eps)",  # not a denominator
        "return mx.exp(var + eps)",
        "return num / (den + 1e-8)",  # rounds to 0 in float16: EMB005's
        "return mx.sqrt(n + 1e-6)",  # no MLX array among the terms
        "return num / (1.0 + den)",  # an offset, not an eps
        "return mx.log(p + 0.5)",
    ],
)
def test_not_flagged(line):
    assert flagged_lines(HEADER + f"    {line}\n", "EMB004") == []


def test_fix_wraps_with_the_denominator_dtype():
    source = HEADER + "    return num / (mx.sqrt(var + EPS) + eps)\n"
    assert fixed(source, "EMB004").splitlines()[-1] == (
        "    return num / (mx.sqrt(var + mx.array(EPS, dtype=var.dtype)) + mx.array(eps, dtype=var.dtype))"
    )


def test_each_finding_offers_an_unsafe_fix():
    (finding,) = findings(HEADER + "    return num / (den + eps)\n", "EMB004")
    assert finding.fix == "unsafe"
    assert finding.replacement == "mx.array(eps, dtype=den.dtype)"


def test_eps_held_as_an_attribute_is_wrapped():
    source = (
        "import mlx.core as mx\nimport mlx.nn as nn\n\n\nclass Norm(nn.Module):\n"
        "    def __init__(self, eps: float = 1e-6):\n        super().__init__()\n        self.eps = eps\n\n"
        "    def __call__(self, x: mx.array):\n        return x * mx.rsqrt(mx.mean(x * x) + self.eps)\n"
    )
    assert flagged_lines(source, "EMB004") == [11]
    assert fixed(source, "EMB004").splitlines()[-1] == (
        "        return x * mx.rsqrt(mx.mean(x * x) + mx.array(self.eps, dtype=x.dtype))"
    )
