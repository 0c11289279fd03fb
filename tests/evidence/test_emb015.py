"""EMB015 on real MLX: host reads inside `mx.compile` raise; the documented rewrite runs."""

from __future__ import annotations

from functools import partial

import mlx.core as mx
import numpy as np
import pytest
from emb_fixed_examples import DTYPES, run

from emberlint.catalog import load_catalog

# Host reads raise under compile whatever the dtype.
# The dtypes this module shows the hazard in; rules/EMB015.md's `dtypes` must be these (tests/rules/test_catalog.py).
HAZARD_DTYPES = DTYPES
EVAL_ERROR = "Attempting to eval an array during function transformations"


def with_item(x):
    return x * x.sum().item()


def with_tolist(x):
    return x * x.tolist()[0]


def with_float(x):
    return x * float(x.sum())


def with_bool(x):
    return x if bool(x.sum() > 0) else -x


@pytest.mark.parametrize("dtype", HAZARD_DTYPES)
@pytest.mark.parametrize("function", [with_item, with_tolist, with_float, with_bool])
def test_host_reads_raise_under_compile(function, dtype):
    x = mx.array([1.0, 2.0], dtype=dtype)
    function(x)  # fine uncompiled
    with pytest.raises(ValueError, match=EVAL_ERROR):
        mx.compile(function)(x)
    with pytest.raises(ValueError, match=EVAL_ERROR):
        partial(mx.compile, shapeless=True)(function)(x)


def test_catalog_example_raises_and_its_rewrite_matches_the_uncompiled_original():
    doc = load_catalog()["EMB015"]
    x = mx.array([0.5, -4.0, 2.0])
    with pytest.raises(ValueError, match=EVAL_ERROR):
        run(doc.bad_example)["clipped_scale"](x)
    expected = np.array([0.5, -4.0, 2.0]) / 4.0
    assert np.allclose(np.array(run(doc.fixed_example)["clipped_scale"](x)), expected)


def test_python_number_arguments_are_constants():
    assert mx.compile(lambda x, n: x * int(n))(mx.array([2.0]), 3).item() == 6.0
