# expect: none
import mlx.core as mx


def masked_scores(scores: mx.array, mask: mx.array) -> mx.array:
    return mx.where(mask, scores, mx.finfo(scores.dtype).min)
