"""EMB005 on real MLX: 1e-8 rounds to 0 in float16, so the guarded division is inf/NaN;
the fix repairs float16 and leaves float32 and bfloat16 bit-identical."""

from __future__ import annotations

import mlx.core as mx
import numpy as np
import pytest
from emb_fixed_examples import DTYPES, run

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
    assert new.tolist()[:2] == [16384.0, 0.0]
    # the small non-zero denominator moves (documented in Fix safety)
    assert old[2].item() == 999.5 and new[2].item() == 942.0


@pytest.mark.parametrize("dtype", [dtype for dtype in DTYPES if dtype not in HAZARD_DTYPES])
def test_float32_and_bfloat16_are_bit_identical(before_after, dtype):
    before, after = before_after
    num, den = NUMERATOR.astype(dtype), DENOMINATOR.astype(dtype)
    old, new = before(num, den), after(num, den)
    assert old.dtype == new.dtype == dtype
    assert mx.array_equal(old, new, equal_nan=True).item()
