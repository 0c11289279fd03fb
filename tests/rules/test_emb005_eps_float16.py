"""EMB005 eps-underflows-float16: which eps values and sites are flagged, and the fix."""

from __future__ import annotations

import pytest
from rule_harness import findings, fixed, flagged_lines

HEADER = (
    "import mlx.core as mx\nimport numpy as np\nEPS = 1e-10\n\n"
    "def f(num: mx.array, den: mx.array, var: mx.array, n, eps=1e-8, big=1e-6):\n"
)
LINE = 6


@pytest.mark.parametrize(
    "line",
    [
        "return num / (den + 1e-8)",
        "return num / (den + 1e-12)",
        "return num / (den + 2.9802322387695312e-08)",  # 2**-25: rounds (to even) to 0
        "return num / (den + eps)",
        "return num / (EPS + den)",
        "return num / (n + eps)",  # numerator is MLX: the sum may be too
        "return mx.divide(num, den + 1e-8)",
        "return mx.sqrt(var + 1e-10)",
        "return mx.rsqrt(n + EPS)",
        "return mx.log(var + 1e-12)",
    ],
)
def test_flagged(line):
    assert flagged_lines(HEADER + f"    {line}\n", "EMB005") == [LINE]


@pytest.mark.parametrize(
    "line",
    [
        "return num / (den + 1e-7)",  # float16 rounds it to 1.19e-07, not 0
        "return num / (den + 3e-8)",  # just above 2**-25: rounds to 5.96e-08
        "return num / (den + big)",
        "return num / (den + 0.0)",
        "return n / (n + 1e-8)",  # plain Python
        "return np.sqrt(n + 1e-8)",
        "return num / (den + max(1e-8, mx.finfo(den.dtype).smallest_normal))",
        "return mx.exp(var + 1e-8)",
        # float32 sums: 1e-8 does not round to 0 there
        "return num / (den + mx.array(1e-6) + 1e-9)",
        "return num / (mx.sum(den.astype(mx.float32) ** 2) + 1e-12)",
        "return mx.log(mx.random.uniform(shape=(3,)) + 1e-8)",
    ],
)
def test_not_flagged(line):
    assert flagged_lines(HEADER + f"    {line}\n", "EMB005") == []


def test_param_default_is_fixed_at_the_use_site():
    source = HEADER + "    return num / (n + eps) + mx.sqrt(var + 1e-10)\n"
    assert fixed(source, "EMB005").splitlines()[-1] == (
        "    return num / (n + max(eps, mx.finfo(num.dtype).smallest_normal))"
        " + mx.sqrt(mx.where(var + 1e-10 == 0, mx.finfo(mx.float16).smallest_normal, var + 1e-10))"
    )


def test_no_array_in_reach_reports_without_fix():
    (finding,) = findings(HEADER + "    return mx.sqrt(n + 1e-8)\n", "EMB005")
    assert finding.fix is None


def test_with_emb004_selected_the_float16_fix_wins():
    source = HEADER + "    return num / (den + 1e-8) + num / (den + big)\n"
    assert fixed(source, "EMB004", "EMB005").splitlines()[-1] == (
        "    return num / mx.where(den + 1e-8 == 0, mx.finfo(mx.float16).smallest_normal, den + 1e-8)"
        " + num / (den + mx.array(big, dtype=den.dtype))"
    )


def test_no_fix_where_max_is_not_the_builtin():
    source = "import mlx.core as mx\nfrom numpy import max\n\ndef f(x: mx.array):\n    return x / (mx.sum(x) + 1e-8)\n"
    (finding,) = findings(source, "EMB005")
    assert finding.fix is None


@pytest.mark.parametrize(
    ("body", "fixed_line"),
    [
        # unannotated: the operand MLX reduces anchors the fix
        ("return w / (mx.sum(w, axis=-1, keepdims=True) + 1e-8)",
         "return w / (mx.sum(w, axis=-1, keepdims=True) + max(1e-8, mx.finfo(w.dtype).smallest_normal))"),
        ("return w / (w.sum(axis=-1, keepdims=True) + 1e-20)",
         "return w / (w.sum(axis=-1, keepdims=True) + max(1e-20, mx.finfo(w.dtype).smallest_normal))"),
        ("return z / (mx.linalg.norm(z, axis=-1) + 1e-8)",
         "return z / (mx.linalg.norm(z, axis=-1) + max(1e-8, mx.finfo(z.dtype).smallest_normal))"),
    ],
)
def test_unannotated_operands_get_a_fix(body, fixed_line):
    source = f"import mlx.core as mx\n\ndef f(w, z):\n    {body}\n"
    (finding,) = findings(source, "EMB005")
    assert finding.fix is not None
    assert fixed(source, "EMB005").splitlines()[-1] == f"    {fixed_line}"


SELF_EPS = """\
import mlx.core as mx
import mlx.nn as nn
from dataclasses import dataclass


@dataclass
class ModelArgs:
    rms_norm_eps: float = 1e-8


class RMSNorm(nn.Module):
    def __init__(self, dims: int, eps: float = 1e-10):
        super().__init__()
        self.eps = eps

    def __call__(self, x):
        ms = mx.mean(mx.square(x), axis=-1, keepdims=True)
        return x * mx.rsqrt(ms + self.eps)


class FromConfig(nn.Module):
    def __init__(self, args: ModelArgs):
        super().__init__()
        self.eps = args.rms_norm_eps

    def __call__(self, x):
        return x / (x.sum(axis=-1, keepdims=True) + self.eps)


class Safe(nn.Module):
    def __init__(self):
        super().__init__()
        self.eps = 1e-5

    def __call__(self, x):
        return x * mx.rsqrt(mx.mean(x * x) + self.eps)
"""


def test_eps_held_as_an_attribute():
    """`self.eps` bound in `__init__` from a parameter default or a config field's default."""
    found = findings(SELF_EPS, "EMB005")
    assert [finding.line for finding in found] == [18, 27]
    assert all(finding.fix is not None for finding in found)
    lines = fixed(SELF_EPS, "EMB005").splitlines()
    assert lines[17] == (
        "        return x * mx.rsqrt(mx.where(ms + self.eps == 0, mx.finfo(mx.float16).smallest_normal, ms + self.eps))"
    )
    assert lines[26] == "        return x / (x.sum(axis=-1, keepdims=True) + max(self.eps, mx.finfo(x.dtype).smallest_normal))"


@pytest.mark.parametrize(
    ("line", "safety"),
    [
        # a zero sum gave inf/NaN: replacing only the zero is safe
        ("return num / (den + 1e-8)", "safe"),
        ("return mx.divide(num, den + 1e-8)", "safe"),
        ("return mx.rsqrt(var + 1e-10)", "safe"),
        ("return mx.log(var + 1e-12)", "safe"),
        ("return num / mx.sqrt(var + 1e-12)", "safe"),
        # sqrt(0) = 0 is finite, and raising the eps moves small float16 denominators
        ("return mx.sqrt(var + 1e-12)", "unsafe"),
        ("return num / (mx.sum(den, axis=-1) + 1e-8)", "unsafe"),
        ("return num / (n + 1e-8)", "unsafe"),
    ],
)
def test_fix_safety_by_context(line, safety):
    (finding,) = findings(HEADER + f"    {line}\n", "EMB005")
    assert finding.fix == safety
