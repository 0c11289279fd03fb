"""EMB016 boolean-mask-added: the addition forms, what counts as a boolean mask, look-alikes, the fix."""

from __future__ import annotations

import pytest
from rule_harness import findings, fixed, flagged_lines

HEADER = (
    "import numpy as np\nimport mlx.core as mx\n\n"
    "def f(s: mx.array, q: mx.array, n: int, mask, w):\n"
    "    keep = mx.arange(8)[:, None] >= mx.arange(8)[None]\n"
)
LINE = 6


@pytest.mark.parametrize(
    "line",
    [
        "return s + keep",
        "return keep + s",
        "return mx.add(s, keep)",
        "return s + (q > 0)",
        "return s + (keep & (q > 0))",
        "return s + ~keep",
        "return s + q.astype(mx.bool_)",
        "return s + mx.logical_not(keep)",
        "return s + mx.zeros((8, 8), dtype=mx.bool_)",
    ],
)
def test_boolean_masks_added_are_flagged(line):
    assert flagged_lines(HEADER + f"    {line}\n", "EMB016") == [LINE]


def test_in_place_addition_is_flagged_and_fixed():
    source = HEADER + "    s += keep\n    return s\n"
    assert flagged_lines(source, "EMB016") == [LINE]
    assert fixed(source, "EMB016").splitlines()[LINE - 1] == "    s = mx.where(keep, s, mx.finfo(s.dtype).min)"


def test_fix_selects_with_the_scores_dtype_minimum():
    source = HEADER + "    return mx.softmax(s + keep, axis=-1)\n"
    assert fixed(source, "EMB016").splitlines()[LINE - 1] == (
        "    return mx.softmax(mx.where(keep, s, mx.finfo(s.dtype).min), axis=-1)"
    )


@pytest.mark.parametrize(
    "line",
    [
        "return s + mask",  # dtype unknown: an additive float mask is added the same way
        "return s + keep.astype(s.dtype) * -1e4",  # made additive first
        "return s + mx.where(keep, 0.0, -1e4)",
        "return keep + keep",  # counting masks
        "return mx.arange(8) + keep",  # integer
        "return n + keep",  # a Python int
        "return s + keep[..., None] * w",  # a product with an unknown operand is no mask
        "return np.ones(3) + (np.ones(3) > 0)",
        "return s * keep",  # multiplying by a mask is a selection
    ],
)
def test_not_flagged(line):
    assert flagged_lines(HEADER + f"    {line}\n", "EMB016") == []


def test_a_name_bound_to_a_mask_updated_from_itself_stays_a_mask():
    source = HEADER + "    keep = keep & (q > 0)\n    return s + keep\n"
    assert flagged_lines(source, "EMB016") == [LINE + 1]


def test_fix_needs_a_plain_scores_expression():
    (finding,) = findings(HEADER + "    return (s * 2) + keep\n", "EMB016")
    assert finding.replacement is None
