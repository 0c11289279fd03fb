"""EMB002's context-split fix safety, measured on real MLX.

A fill that feeds a softmax and is rewritten to `finfo(<other branch>.dtype).min`
is reported `fix="safe"`: wherever the original softmax is finite (rows with an
unmasked position) the fixed one is bit-identical, and a fully masked row turns
from NaN into a uniform row. Every other EMB002 fix stays unsafe; the float16
minimum used where no dtype is in reach is the example measured here: it
changes values that are finite before, for scores below -65504.
"""

from __future__ import annotations

import mlx.core as mx
import numpy as np
import pytest

from emberlint.linter import fix_text, lint_text
from emberlint.registry import select_rules

DTYPES = (mx.float32, mx.bfloat16, mx.float16)
RULES = select_rules(["EMB002"])
SOFTMAX_FED = (
    "import mlx.core as mx\n\n\n"
    "def attend(scores: mx.array, mask: mx.array) -> mx.array:\n"
    "    return mx.softmax(mx.where(mask, scores, -float('inf')), axis=-1)\n"
)
NO_DTYPE_IN_REACH = (
    "import mlx.core as mx\n\n\n"
    "def attend(scores, mask: mx.array) -> mx.array:\n"
    "    weights = mx.where(mask, scores, -float('inf'))\n"
    "    return mx.softmax(weights, axis=-1)\n"
)
RNG = np.random.default_rng(7)
SCORES = RNG.normal(0.0, 4.0, (256, 32)).astype(np.float32)
MASK = RNG.random((256, 32)) < 0.6
MASK[:8] = False  # fully masked rows
MASK[8:, 0] |= ~MASK[8:].any(axis=-1)  # every other row keeps at least one position


def _functions(source: str):
    fixed, applied, _ = fix_text(source, "snippet.py", RULES, unsafe=True)
    assert applied
    before: dict = {}
    after: dict = {}
    exec(compile(source, "<before>", "exec"), before)  # noqa: S102 (running the snippet is the point)
    exec(compile(fixed, "<after>", "exec"), after)  # noqa: S102
    return before["attend"], after["attend"]


def test_only_the_softmax_fed_fill_with_an_anchor_is_reported_safe():
    (safe,) = lint_text(SOFTMAX_FED, "snippet.py", RULES)
    (unsafe,) = lint_text(NO_DTYPE_IN_REACH, "snippet.py", RULES)
    assert safe.fix == "safe" and safe.replacement == "mx.finfo(scores.dtype).min"
    assert unsafe.fix == "unsafe" and unsafe.replacement == "mx.finfo(mx.float16).min"


@pytest.mark.parametrize("dtype", DTYPES, ids=str)
def test_safe_fix_is_bit_identical_wherever_the_original_is_finite(dtype):
    before, after = _functions(SOFTMAX_FED)
    scores, mask = mx.array(SCORES).astype(dtype), mx.array(MASK)
    original, fixed = before(scores, mask), after(scores, mask)
    finite = mx.isfinite(original).all(axis=-1)
    assert finite.sum().item() == 256 - 8
    assert mx.array_equal(original[8:], fixed[8:]).item()
    assert mx.isnan(original[:8]).all().item()
    np.testing.assert_allclose(np.array(fixed[:8].astype(mx.float32)), 1 / 32, rtol=1e-2)


@pytest.mark.parametrize("dtype", DTYPES, ids=str)
def test_float16_minimum_fix_matches_for_ordinary_scores(dtype):
    before, after = _functions(NO_DTYPE_IN_REACH)
    scores, mask = mx.array(SCORES).astype(dtype), mx.array(MASK)
    assert mx.array_equal(before(scores, mask)[8:], after(scores, mask)[8:]).item()
    assert mx.isfinite(after(scores, mask)).all().item()


def test_float16_minimum_fix_changes_finite_results_for_scores_below_it():
    """Why that fix is unsafe: a kept score of -70000 (float32) now ties with masked ones."""
    before, after = _functions(NO_DTYPE_IN_REACH)
    scores = mx.array([[-70000.0, 0.0, 0.0]])
    mask = mx.array([[True, False, False]])
    original, fixed = before(scores, mask), after(scores, mask)
    assert mx.isfinite(original).all().item()
    assert not mx.array_equal(original, fixed).item()
