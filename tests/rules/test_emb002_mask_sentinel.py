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
def test_no_dtype_in_reach_fixes_to_float16_minimum(line):
    """-65504 is finite in every float dtype and needs no dtype anchor."""
    (finding,) = findings(HEADER + f"    {line}\n", "EMB002")
    assert finding.fix == "unsafe"
    assert finding.replacement == "mx.finfo(mx.float16).min"


def test_a_cast_of_the_where_gives_the_dtype():
    source = HEADER + "    return mx.where(m, 0.0, -mx.inf).astype(s.dtype)\n"
    (finding,) = findings(source, "EMB002")
    assert finding.replacement == "mx.finfo(s.dtype).min"


def test_an_anchor_and_a_different_cast_fall_back_to_float16_minimum():
    """`finfo(s.dtype).min` could overflow the cast's dtype (float32 min in float16)."""
    source = HEADER + "    return mx.where(m, s, -mx.inf).astype(mx.float16)\n"
    (finding,) = findings(source, "EMB002")
    assert finding.replacement == "mx.finfo(mx.float16).min"


@pytest.mark.parametrize(
    "line",
    [
        "return (1 - m) * -1e9",
        "return m * -float('inf')",
        "return -1e9 * (1.0 - n)",  # a mask parameter of unknown type
        "return (1 - n[:, None].astype(s.dtype)) * -1e9",
        "return m.astype(mx.float16) * NEG_INF",
        "return m * mx.array(-1e9)",
        "return s + (1.0 - m) * LARGE",
    ],
)
def test_masks_built_by_arithmetic_are_flagged(line):
    (finding,) = findings(HEADER + f"    {line}\n", "EMB002")
    assert finding.line == LINE
    assert finding.replacement == "mx.finfo(mx.float16).min"
    assert finding.fix == "unsafe"


@pytest.mark.parametrize(
    "line",
    [
        "return (1 - m) * -1e4",  # finite in float16
        "return m * 1e9",  # positive: a scale, not a fill
        "return 2 * -1e9",  # a constant
        "return np.ones(4) * -1e9",
        "return torch.ones(4) * -float('inf')",
        "x: float = 3.0\n    return x * -1e9",
        "return m + -1e9",  # no product with a mask
    ],
)
def test_arithmetic_look_alikes_are_not_flagged(line):
    assert flagged_lines(HEADER + f"    {line}\n", "EMB002") == []


def test_float16_mask_times_minus_1e9_fix_removes_the_nan():
    import mlx.core as mx

    source = HEADER + "    return (1 - m) * -1e9\n"
    namespace: dict = {}
    exec(compile(fixed(source, "EMB002").replace("import torch\n", ""), "<fixed>", "exec"), namespace)
    mask = mx.array([1.0, 0.0], dtype=mx.float16)
    assert mx.isnan((1 - mask) * -1e9).any().item()
    assert mx.isfinite(namespace["f"](None, mask, None)).all().item()


@pytest.mark.parametrize(
    "body",
    [
        "    return mx.softmax(mx.where(m, s, -mx.inf), axis=-1)\n",
        "    x = mx.where(m, s, -mx.inf)\n    return mx.softmax(x, axis=-1)\n",
        "    return mx.where(m, s, -mx.inf)\n",
        "    return mx.softmax(mx.where(m, n, -mx.inf), axis=-1)\n",  # float16-minimum fix
    ],
)
def test_fix_is_unsafe_in_every_context(body):
    """Measured: even a softmax-fed fill changes rows whose kept scores sit at finfo.min
    (tests/safety/test_emb002_fix_safety.py), so no context makes the fix safe."""
    (finding,) = findings(HEADER + body, "EMB002")
    assert finding.fix == "unsafe"


def test_name_bound_to_a_sentinel_in_a_function_scope():
    source = HEADER + "    neg = -1e9\n    return mx.softmax(mx.where(m, s, neg), axis=-1)\n"
    assert flagged_lines(source, "EMB002") == [LINE + 1]


def test_noqa_suppresses():
    source = HEADER + "    return mx.where(m, s, -float('inf'))  # noqa: EMB002\n"
    assert findings(source, "EMB002") == []


@pytest.mark.parametrize(
    "body",
    [
        "    s = mx.where(m, s, -mx.inf)\n    return mx.argpartition(s, kth=-4, axis=-1)\n",
        "    s = mx.where(m, s, -mx.inf)\n    return mx.argpartition(-s, kth=3, axis=-1)\n",
        "    return mx.argmax(mx.where(m, s, -mx.inf), axis=-1)\n",
        "    s = mx.where(m, s, -mx.inf)\n    b = s.reshape(4, -1).max(axis=-1)\n"
        "    b = mx.where(b == b, b, -mx.inf)\n    return mx.topk(b, 2)\n",
        "    d = mx.where(m, s, -1e30)\n    return mx.exp(d)\n",  # exp(-inf) is 0, no max shift
        "    s = mx.where(m, s, -mx.inf)\n    n = s.shape[-1]\n    return mx.argsort(s, axis=-1)[..., -n:]\n",
    ],
)
def test_fills_that_are_only_ranked_are_not_flagged(body):
    """An index selection ranks -inf last and never turns it into NaN."""
    assert flagged_lines(HEADER + body, "EMB002") == []


@pytest.mark.parametrize(
    "body",
    [
        # ranked, but also shifted by its maximum: a hand-written softmax
        "    s = mx.where(m, s, -mx.inf)\n    top = mx.argmax(s, axis=-1)\n"
        "    return top, mx.exp(s - s.max(axis=-1, keepdims=True))\n",
        "    s = mx.where(m, s, -mx.inf)\n    return mx.logsumexp(s, axis=-1)\n",
        "    s = mx.where(m, s, -mx.inf)\n    return mx.random.categorical(s)\n",  # sampling
    ],
)
def test_fills_that_reach_a_softmax_like_use_are_flagged(body):
    assert flagged_lines(HEADER + body, "EMB002") == [LINE]


CROSS_FUNCTION_HEADER = (
    "import mlx.core as mx\n\n"
    "def _rank(x: mx.array, k: int):\n"
    "    order = mx.argsort(-x, axis=-1)\n"
    "    return mx.take_along_axis(x, order, axis=-1), order[..., :k]\n\n"
    "def segment(x: mx.array, m: mx.array):\n"
    "    return mx.where(m, x, -mx.inf)\n\n"
)


@pytest.mark.parametrize(
    "body",
    [
        # passed to a function of this module that only ranks it; its values are discarded here
        "def f(s: mx.array, m: mx.array):\n    c = mx.where(m, s, -mx.inf)\n    _, top = _rank(c, 2)\n    return top\n",
        # returned, and every call in this module exponentiates it unshifted (a segment sum)
        "def f(s: mx.array, m: mx.array):\n    return mx.exp(segment(s, m))\n",
        # a nested helper whose result is only ranked by its caller
        "def f(s: mx.array, m: mx.array):\n    def tile():\n        return mx.where(m, s, -mx.inf)\n"
        "    return mx.argpartition(tile(), kth=3, axis=-1)\n",
        # the seed of a running maximum (online softmax): the identity of the maximum
        "def f(chunks: list, n: int):\n    best = mx.full((n,), -float('inf'), dtype=mx.float32)\n"
        "    for chunk in chunks:\n        new = mx.maximum(best, chunk.max(axis=-1))\n"
        "        scale = mx.exp(best - new)\n        best = new\n    return best\n",
    ],
)
def test_fills_ranked_across_functions_are_not_flagged(body):
    """Line 8 is `segment`'s fill: flagged unless every call of `segment` here ranks it."""
    expected = [] if "segment(" in body else [8]
    assert flagged_lines(CROSS_FUNCTION_HEADER + body, "EMB002") == expected


@pytest.mark.parametrize(
    "body",
    [
        # the same helper, but this caller softmaxes the values it returns
        "def f(s: mx.array, m: mx.array):\n    c = mx.where(m, s, -mx.inf)\n    v, _ = _rank(c, 2)\n"
        "    return mx.softmax(v, axis=-1)\n",
        # one call of the function feeds a softmax
        "def f(s: mx.array, m: mx.array):\n    return mx.exp(segment(s, m)), mx.softmax(segment(s, m), axis=-1)\n",
        # a helper never called in this module returns its fill to unknown callers
        "def f(s: mx.array, m: mx.array):\n    return mx.where(m, s, -mx.inf)\n",
        # a full -inf array that is a mask, not a running maximum
        "def f(n: int):\n    best = mx.full((n, n), -float('inf'), dtype=mx.float32)\n"
        "    best = mx.triu(best, k=1)\n    return best\n",
    ],
)
def test_fills_that_reach_a_softmax_across_functions_are_flagged(body):
    expected = [8] if "segment(" in body else [8, 11]
    assert flagged_lines(CROSS_FUNCTION_HEADER + body, "EMB002") == expected
