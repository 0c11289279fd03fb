# expect: EMB010
"""Shaped like mlx-vlm's Kimi vision position embedding."""
import mlx.core as mx


def pad_embedding(emb: mx.array, num_frames: int, dim: int) -> mx.array:
    return mx.concatenate([emb, mx.zeros((num_frames, dim - emb.shape[-1]))], axis=-1)
