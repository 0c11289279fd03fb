"""EMB001 on real MLX: the fix is explicitness only for floating arrays (weak scalars),
and changes integer results, which is why it is unsafe."""

from __future__ import annotations

import mlx.core as mx
import numpy as np
import pytest
from emb_fixed_examples import DTYPES, run

from emberlint.catalog import load_catalog

# The dtypes this module shows the hazard in; rules/EMB001.md's `dtypes` must be these (tests/rules/test_catalog.py).
HAZARD_DTYPES = DTYPES


INPUTS = np.linspace(-4.0, 4.0, 10_001, dtype=np.float32)


@pytest.fixture(scope="module")
def before_after():
    doc = load_catalog()["EMB001"]
    return run(doc.bad_example)["hard_sigmoid"], run(doc.fixed_example)["hard_sigmoid"]


@pytest.mark.parametrize("dtype", HAZARD_DTYPES)
def test_fix_is_bit_identical_for_floating_arrays(before_after, dtype):
    before, after = before_after
    x = mx.array(INPUTS).astype(dtype)
    old, new = before(x), after(x)
    assert old.dtype == new.dtype == dtype
    assert mx.array_equal(old, new).item()


@pytest.mark.parametrize("dtype", [mx.bfloat16, mx.float16])
def test_python_float_is_weak_but_an_untyped_array_upcasts(dtype):
    x = mx.ones((4,), dtype=dtype)
    assert (x * 0.5).dtype == dtype
    assert (x + 1.0).dtype == dtype
    assert (x * mx.array(0.5)).dtype == mx.float32


def test_fix_changes_integer_arrays(before_after):
    before, after = before_after
    integers = mx.array([-2, 0, 1, 3])
    assert before(integers).tolist() == [0.0, 0.5, 1.0, 1.0]
    assert after(integers).tolist() == [0, 0, 0, 0]  # 0.5 truncated to int32 0
