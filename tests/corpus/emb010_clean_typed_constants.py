# expect: none
import mlx.core as mx


def pad_time(frames: mx.array, target: int) -> mx.array:
    missing = target - frames.shape[1]
    zeros = mx.zeros((frames.shape[0], missing, frames.shape[2]), dtype=frames.dtype)
    return mx.concatenate([frames, zeros], axis=1)


def group_mask(scores: mx.array, group_idx: mx.array) -> mx.array:
    return mx.put_along_axis(scores, group_idx, mx.array(0.0), axis=-2)
