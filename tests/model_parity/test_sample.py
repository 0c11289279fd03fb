"""Sampling filters and the seeded sampler."""

import mlx.core as mx
import numpy as np
import pytest

from xlstm_model.sample import apply_top_k, apply_top_p, make_sampler

LOGITS = mx.array([[2.0, 0.5, 3.0, -1.0, 1.0]])


def kept(filtered: mx.array) -> set[int]:
    return set(
        np.flatnonzero(np.array(filtered[0]) > np.finfo(np.float32).min).tolist()
    )


def test_top_k_keeps_the_k_largest():
    assert kept(apply_top_k(LOGITS, 2)) == {0, 2}


def test_top_p_keeps_the_smallest_nucleus():
    probs = np.array(mx.softmax(LOGITS, axis=-1))[
        0
    ]  # sorted: idx 2 (.61), 0 (.22), 4 (.08) ...
    assert kept(apply_top_p(LOGITS, 0.5)) == {2}
    assert kept(apply_top_p(LOGITS, float(probs[2] + 0.01))) == {0, 2}
    assert kept(apply_top_p(LOGITS, 0.999)) == {0, 1, 2, 3, 4}


def test_greedy_and_seeded_sampling():
    assert make_sampler(0.0)(LOGITS).tolist() == [2]
    sampler = make_sampler(1.0, top_p=0.9, top_k=3)
    mx.random.seed(11)
    first = [sampler(LOGITS).item() for _ in range(20)]
    mx.random.seed(11)
    assert [sampler(LOGITS).item() for _ in range(20)] == first
    assert set(first) <= {0, 2, 4} and len(set(first)) > 1


@pytest.mark.parametrize(
    "kwargs", [{"temperature": -1.0}, {"top_p": 0.0}, {"top_k": -2}]
)
def test_invalid_sampler_settings(kwargs):
    with pytest.raises(ValueError):
        make_sampler(**kwargs)
