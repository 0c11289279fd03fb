"""EMB004 on real MLX: wrapping the eps changes nothing for floating denominators
(weak scalars) and breaks the guard for integer ones, which is why it is unsafe."""

from __future__ import annotations

import mlx.core as mx
import numpy as np
import pytest
from emb_fixed_examples import DTYPES, run

from emberlint.catalog import load_catalog

# The dtypes this module shows the hazard in; rules/EMB004.md's `dtypes` must be these (tests/rules/test_catalog.py).
HAZARD_DTYPES = DTYPES


RNG = np.random.default_rng(0)
NUMERATOR = mx.array(RNG.normal(size=4096).astype(np.float32))
DENOMINATOR = mx.array(np.concatenate([[0.0, 1e-7, -1e-7], RNG.normal(size=4093)]).astype(np.float32))


@pytest.fixture(scope="module")
def before_after():
    doc = load_catalog()["EMB004"]
    return run(doc.bad_example)["safe_ratio"], run(doc.fixed_example)["safe_ratio"]


@pytest.mark.parametrize("dtype", HAZARD_DTYPES)
def test_fix_is_bit_identical_for_floating_denominators(before_after, dtype):
    before, after = before_after
    num, den = NUMERATOR.astype(dtype), DENOMINATOR.astype(dtype)
    old, new = before(num, den), after(num, den)
    assert old.dtype == new.dtype == dtype
    assert mx.array_equal(old, new, equal_nan=True).item()


def test_fix_breaks_the_guard_for_an_integer_denominator(before_after):
    before, after = before_after
    num, den = mx.array([1.0, 1.0]), mx.array([0, 2])
    assert before(num, den).tolist() == pytest.approx([1e6, 0.5])
    assert after(num, den).tolist() == [np.inf, 0.5]
