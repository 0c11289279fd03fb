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


# A mask whose dtype the function does not show: what its callers and producers give it.
LAYERS = """\
import mlx.core as mx
import mlx.nn as nn


def causal_mask(n: int):
    return mx.arange(n)[:, None] >= mx.arange(n)[None]


class Attention(nn.Module):
    def __call__(self, x, mask=None):
        scores = x @ x.swapaxes(-1, -2)
        if mask is not None:
            scores = scores + mask
        return mx.softmax(scores, axis=-1) @ x


class Model(nn.Module):
    def __init__(self):
        super().__init__()
        self.attention = Attention()

    def __call__(self, x):
        mask = causal_mask(x.shape[1])
        return self.attention(x, mask)
"""
LAYERS_LINE = 13


def test_a_mask_that_a_caller_gives_as_boolean_is_flagged_without_a_fix():
    (finding,) = findings(LAYERS, "EMB016")
    assert finding.line == LAYERS_LINE and finding.replacement is None
    assert "may be boolean" in finding.message


def test_a_method_called_on_self_passes_its_mask_on():
    source = LAYERS.replace(
        "    def __call__(self, x, mask=None):\n        scores",
        "    def __call__(self, x, mask=None):\n        return self.attend(x, mask)\n\n"
        "    def attend(self, x, mask):\n        scores",
    )
    assert flagged_lines(source, "EMB016") == [LAYERS_LINE + 3]


@pytest.mark.parametrize(
    ("old", "new"),
    [
        # an additive mask from the producer
        (
            "    return mx.arange(n)[:, None] >= mx.arange(n)[None]\n",
            "    return mx.where(mx.arange(n)[:, None] >= mx.arange(n)[None], 0.0, -1e9)\n",
        ),
        # the dtype is checked before adding
        (
            "        if mask is not None:\n            scores = scores + mask\n",
            "        if mask is not None and mask.dtype != mx.bool_:\n            scores = scores + mask\n",
        ),
        # made additive in the layer
        (
            "        if mask is not None:\n",
            "        mask = mask.astype(x.dtype) * -1e9\n        if mask is not None:\n",
        ),
        # the sum is no softmax's input
        ("        return mx.softmax(scores, axis=-1) @ x\n", "        return scores @ x\n"),
        # nobody passes a boolean: the model passes none
        ("        return self.attention(x, mask)\n", "        return self.attention(x)\n"),
        # the instance held is another class
        ("        self.attention = Attention()\n", "        self.attention = nn.Identity()\n"),
    ],
)
def test_look_alikes_that_are_not_flagged(old, new):
    assert old in LAYERS
    assert flagged_lines(LAYERS.replace(old, new), "EMB016") == []
