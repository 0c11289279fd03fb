"""EMB002's fix safety, measured on real MLX: unsafe, also where the fill feeds a softmax.

A fill that feeds a softmax, rewritten to `finfo(<other branch>.dtype).min`, gives
bit-identical rows for ordinary scores and turns a fully masked row from NaN into
a uniform row. It was first reported safe in that context; the fix-safety contract's
property test (tests/safety/test_behaviour.py, extremes included) refuted it: a row
whose kept scores sit near the dtype's minimum (-65504 in float16) is finite before
the fix and changes after it, because the masked positions now tie with the kept
ones instead of getting weight 0. So every EMB002 fix is unsafe, and this file keeps
both measurements: bit-identity on ordinary scores, and the counterexample.
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


def test_every_fix_is_reported_unsafe():
    (anchored,) = lint_text(SOFTMAX_FED, "snippet.py", RULES)
    (unanchored,) = lint_text(NO_DTYPE_IN_REACH, "snippet.py", RULES)
    assert anchored.fix == "unsafe" and anchored.replacement == "mx.finfo(scores.dtype).min"
    assert unanchored.fix == "unsafe" and unanchored.replacement == "mx.finfo(mx.float16).min"


@pytest.mark.parametrize("dtype", DTYPES, ids=str)
def test_softmax_fed_fix_is_bit_identical_for_ordinary_scores(dtype):
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


@pytest.mark.parametrize("dtype", DTYPES, ids=str)
def test_softmax_fed_fix_changes_finite_rows_whose_scores_sit_at_the_dtype_minimum(dtype):
    """Why even the softmax-fed fix is unsafe: kept scores at `finfo.min` tie with the fill."""
    before, after = _functions(SOFTMAX_FED)
    lowest = mx.finfo(dtype).min
    scores = mx.array([[lowest, lowest, lowest, lowest]], dtype=dtype)
    mask = mx.array([[True, False, False, False]])
    original, fixed = before(scores, mask), after(scores, mask)
    assert mx.isfinite(original).all().item() and original[0, 0].item() == 1.0
    assert fixed[0, 0].item() == 0.25
