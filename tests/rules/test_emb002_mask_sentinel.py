"""EMB002 infinite-mask-sentinel: sentinel spellings, fill sites, look-alikes, the fix."""

from __future__ import annotations

import pytest
from rule_harness import findings, fixed, flagged_lines

HEADER = (
    "import math\nimport numpy as np\nimport torch\nimport mlx.core as mx\n"
    "NEG_INF = -float('inf')\nLARGE = -1e30\n\n"
    "def f(s: mx.array, m: mx.array, n):\n"
)
LINE = 9


@pytest.mark.parametrize(
    "sentinel",
    [
        "-float('inf')",
        "float('-inf')",
        'float("-inf")',
        "float('-Infinity')",
        "-math.inf",
        "-np.inf",
        "-mx.inf",
        "-torch.inf",
        "-3.4028235e38",
        "-1e9",
        "-65520.0",
        "NEG_INF",
        "LARGE",
        "mx.array(-1e9)",
    ],
)
def test_sentinels_in_where_are_flagged(sentinel):
    source = HEADER + f"    return mx.where(m, s, {sentinel})\n"
    (finding,) = findings(source, "EMB002")
    assert finding.line == LINE
    assert finding.replacement == "mx.finfo(s.dtype).min"


def test_an_mx_array_fill_with_its_own_dtype_keeps_it():
    source = HEADER + "    return mx.where(m, mx.array(0, mx.float16), mx.array(-mx.inf, mx.float16))\n"
    assert fixed(source, "EMB002").splitlines()[-1] == (
        "    return mx.where(m, mx.array(0, mx.float16), mx.array(mx.finfo(mx.float16).min, mx.float16))"
    )


@pytest.mark.parametrize(
    "line",
    [
        "return mx.where(m, -float('inf'), s)",
        "return mx.full((4, 4), -mx.inf, dtype=mx.float16)",
        "return mx.full((4, 4), vals=-1e9, dtype=s.dtype)",
        "return s.at[0].set(-float('inf'))",
    ],
)
def test_fill_sites_are_flagged(line):
    assert flagged_lines(HEADER + f"    {line}\n", "EMB002") == [LINE]


@pytest.mark.parametrize(
    "line",
    [
        "return mx.where(m, s, -65504.0)",  # float16's own minimum: finite
        "return mx.where(m, s, -1e4)",
        "return mx.where(m, s, float('inf'))",  # +inf seeds a minimum, not a softmax mask
        "return mx.where(m, s, mx.finfo(s.dtype).min)",
        "return mx.where(m, s, -100000)",  # integer
        "return np.where(n, n, -np.inf)",
        "return torch.where(n, n, -torch.inf)",
        "return torch.full((4, 4), -torch.inf)",
        "return mx.full((4, 4), -1.0)",
        "return mx.where(m, s, float('nan'))",
        "return n.at[0].set(-float('inf'))",  # not an MLX array
        "x = -float('inf')\n    return x",
    ],
)
def test_not_flagged(line):
    assert flagged_lines(HEADER + f"    {line}\n", "EMB002") == []


def test_fix_anchors_on_the_other_branch_or_the_full_dtype():
    source = HEADER + (
        "    a = mx.where(m, -math.inf, s * 2)\n"
        "    b = mx.full((4, 4), -mx.inf, dtype=mx.bfloat16)\n"
        "    return a + b + mx.where(m, s, NEG_INF)\n"
    )
    lines = fixed(source, "EMB002").splitlines()[-3:]
    assert lines == [
        "    a = mx.where(m, mx.finfo(s.dtype).min, s * 2)",
        "    b = mx.full((4, 4), mx.finfo(mx.bfloat16).min, dtype=mx.bfloat16)",
        "    return a + b + mx.where(m, s, mx.finfo(s.dtype).min)",
    ]


@pytest.mark.parametrize(
    "line",
    ["return mx.where(m, n, -float('inf'))", "return mx.full((4, 4), -mx.inf)"],
)
def test_no_dtype_in_reach_reports_without_fix(line):
    (finding,) = findings(HEADER + f"    {line}\n", "EMB002")
    assert finding.fix is None


def test_name_bound_to_a_sentinel_in_a_function_scope():
    source = HEADER + "    neg = -1e9\n    return mx.softmax(mx.where(m, s, neg), axis=-1)\n"
    assert flagged_lines(source, "EMB002") == [LINE + 1]


def test_noqa_suppresses():
    source = HEADER + "    return mx.where(m, s, -float('inf'))  # noqa: EMB002\n"
    assert findings(source, "EMB002") == []
