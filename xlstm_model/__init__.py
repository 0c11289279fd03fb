"""xLSTM-7B architecture in MLX, weight-compatible with transformers' ``xLSTMForCausalLM``."""

import os

# float32 means float32: MLX's CUDA backend otherwise runs float32 matmuls in TF32
# (relative error 2.9e-4 on a 4096x4096 product, measured on an H100). MLX reads the
# variable once, so it must be set before the process's first matmul; an explicit
# MLX_ENABLE_TF32=1 keeps TF32.
os.environ.setdefault("MLX_ENABLE_TF32", "0")

from .cache import XLSTMCache
from .loading import load, load_config
from .model import Model, ModelArgs
from .sample import generate_step, make_sampler

__all__ = [
    "Model",
    "ModelArgs",
    "XLSTMCache",
    "generate_step",
    "load",
    "load_config",
    "make_sampler",
]
