# expect: none
"""Shaped like mlx-vlm's DeepSeek-VL2 `__call__`: extra inputs come through kwargs."""
import mlx.core as mx


class Model:
    def __call__(self, input_ids: mx.array, pixel_values=None, mask=None, cache=None, **kwargs):
        images_seq_mask = kwargs.get("images_seq_mask", None)
        return self.embed(input_ids, pixel_values, images_seq_mask)
