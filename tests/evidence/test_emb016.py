"""EMB016 on real MLX: a boolean mask added to scores masks nothing; selecting does."""

from __future__ import annotations

import mlx.core as mx
import numpy as np
import pytest
from emb_fixed_examples import DTYPES, example_before_after

HAZARD_DTYPES = tuple(DTYPES)  # an added boolean mask masks nothing in every dtype

RNG = np.random.default_rng(3)
Q = mx.array(RNG.normal(0.0, 1.0, (2, 8, 16)).astype(np.float32))
K = mx.array(RNG.normal(0.0, 1.0, (2, 8, 16)).astype(np.float32))
V = mx.array(RNG.normal(0.0, 1.0, (2, 8, 16)).astype(np.float32))
CAUSAL = mx.arange(8)[:, None] >= mx.arange(8)[None]


@pytest.fixture(scope="module")
def before_after():
    before, after = example_before_after("EMB016")
    return before["causal_attention"], after["causal_attention"]


def _weights(scores: mx.array) -> np.ndarray:
    return np.array(mx.softmax(scores.astype(mx.float32), axis=-1))


@pytest.mark.parametrize("dtype", HAZARD_DTYPES, ids=str)
def test_added_boolean_mask_leaves_future_positions_their_weight(dtype):
    scores = (Q.astype(dtype) @ K.astype(dtype).swapaxes(-1, -2)) * 0.25
    added = _weights(scores + CAUSAL)
    future = ~np.array(CAUSAL)
    assert added.dtype == np.float32 and (scores + CAUSAL).dtype == dtype
    assert (added[:, future] > 1e-3).mean() > 0.9  # masked positions keep real weight
    selected = _weights(mx.where(CAUSAL, scores, mx.finfo(scores.dtype).min))
    assert (selected[:, future] == 0).all()


@pytest.mark.parametrize("dtype", HAZARD_DTYPES, ids=str)
def test_fixed_example_is_causal_and_the_bad_one_is_not(before_after, dtype):
    before, after = before_after
    q, k, v = Q.astype(dtype), K.astype(dtype), V.astype(dtype)
    # the first query may only see the first key: its output is exactly v[0]
    fixed_first = np.array(after(q, k, v)[:, 0].astype(mx.float32))
    np.testing.assert_allclose(fixed_first, np.array(v[:, 0].astype(mx.float32)), rtol=1e-2, atol=1e-2)
    bad_first = np.array(before(q, k, v)[:, 0].astype(mx.float32))
    assert np.abs(bad_first - np.array(v[:, 0].astype(mx.float32))).max() > 0.1
