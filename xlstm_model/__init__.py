"""xLSTM-7B architecture in MLX, weight-compatible with transformers' ``xLSTMForCausalLM``."""

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
