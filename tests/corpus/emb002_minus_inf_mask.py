# expect: EMB002
import mlx.core as mx


def masked_scores(scores: mx.array, mask: mx.array) -> mx.array:
    return mx.where(mask, scores, -float("inf"))
