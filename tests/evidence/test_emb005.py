"""EMB005 on real MLX: 1e-8 rounds to 0 in float16, so the guarded division is inf/NaN.
The `mx.where` fix repairs the zero denominators only (every finite result stays
bit-identical, in every dtype); the `max(eps, smallest_normal)` fix used for
reductions also moves small float16 denominators."""

from __future__ import annotations

import mlx.core as mx
import numpy as np
import pytest
from emb_fixed_examples import DTYPES, fix_source, run

from emberlint.catalog import load_catalog

# The dtypes this module shows the hazard in; rules/EMB005.md's `dtypes` must be these (tests/rules/test_catalog.py).
HAZARD_DTYPES = (mx.float16,)

RNG = np.random.default_rng(0)
NUMERATOR = mx.array(np.concatenate([[1.0, 0.0, 1.0], RNG.normal(size=4093)]).astype(np.float32))
DENOMINATOR = mx.array(np.concatenate([[0.0, 0.0, 1e-3], RNG.normal(size=4093)]).astype(np.float32))


@pytest.fixture(scope="module")
def before_after():
    doc = load_catalog()["EMB005"]
    return run(doc.bad_example)["safe_ratio"], run(doc.fixed_example)["safe_ratio"]


def test_eps_rounds_to_zero_in_float16_only():
    assert mx.array(1e-8, dtype=mx.float16).item() == 0.0
    assert mx.array(2.0**-25, dtype=mx.float16).item() == 0.0
    assert mx.array(3e-8, dtype=mx.float16).item() > 0.0
    assert mx.array(1e-8, dtype=mx.bfloat16).item() > 0.0
    assert mx.finfo(mx.float16).smallest_normal == pytest.approx(6.1035e-05, rel=1e-4)


@pytest.mark.parametrize("dtype", DTYPES)
def test_eps_is_zero_exactly_in_the_hazard_dtypes(dtype):
    for eps in (1e-8, 1e-10, 2.0**-25):
        assert (mx.array(eps, dtype=dtype).item() == 0.0) == (dtype in HAZARD_DTYPES)
        assert ((mx.array([0.0], dtype=dtype) + eps).item() == 0.0) == (dtype in HAZARD_DTYPES)


def test_float16_division_by_zero_is_repaired(before_after):
    before, after = before_after
    num, den = NUMERATOR[:3].astype(mx.float16), DENOMINATOR[:3].astype(mx.float16)
    old, new = before(num, den), after(num, den)
    assert old[0].item() == np.inf and np.isnan(old[1].item())
    assert new.dtype == mx.float16
    assert new.tolist() == [16384.0, 0.0, 999.5]  # the non-zero denominator is untouched
    assert old[2].item() == 999.5


@pytest.mark.parametrize("dtype", DTYPES)
def test_where_fix_is_bit_identical_wherever_the_original_is_finite(before_after, dtype):
    before, after = before_after
    num, den = NUMERATOR.astype(dtype), DENOMINATOR.astype(dtype)
    old, new = before(num, den), after(num, den)
    assert old.dtype == new.dtype == dtype
    finite = mx.isfinite(old)
    assert mx.array_equal(mx.where(finite, old, 0), mx.where(finite, new, 0)).item()
    assert mx.all(mx.isfinite(new) | ~mx.isfinite(old)).item()


REDUCED = """\
import mlx.core as mx


def normalize(w):
    return w / (mx.sum(w, axis=-1, keepdims=True) + 1e-8)
"""


def test_raised_eps_moves_small_float16_denominators():
    """The `max` form (for sums that the `where` form would compute twice): documented
    as unsafe because 1e-3 + 6.1e-05 is no longer 1e-3."""
    fixed = fix_source("EMB005", REDUCED)
    assert "max(1e-8, mx.finfo(w.dtype).smallest_normal)" in fixed
    before, after = run(REDUCED)["normalize"], run(fixed)["normalize"]
    w = mx.array([[1e-3, 0.0]], dtype=mx.float16)
    assert before(w)[0, 0].item() == 1.0 and after(w)[0, 0].item() == pytest.approx(0.9424, abs=1e-3)
    zeros = mx.zeros((1, 2), dtype=mx.float16)
    assert np.isnan(before(zeros)[0, 0].item()) and after(zeros)[0, 0].item() == 0.0
    for dtype in (mx.float32, mx.bfloat16):
        w = mx.array(RNG.random((4, 8)).astype(np.float32)).astype(dtype)
        assert mx.array_equal(before(w), after(w)).item()
