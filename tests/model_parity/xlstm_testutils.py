"""Helpers shared by the xLSTM tests: small random transformers models."""

import torch
from transformers import xLSTMConfig, xLSTMForCausalLM

VOCAB = 97


def randomise_(model: xLSTMForCausalLM, seed: int, std: float = 0.05) -> None:
    """Replace transformers' init (zero gate weights) by random weights that exercise every path."""
    gen = torch.Generator().manual_seed(seed)
    with torch.no_grad():
        for name, p in model.named_parameters():
            noise = torch.randn(p.shape, generator=gen)
            if "norm" in name:
                p.copy_(1 + 0.1 * noise)
            elif "igate_preact.bias" in name:
                p.copy_(noise - 2)
            elif "fgate_preact.bias" in name:
                p.copy_(noise + 3)
            else:
                p.copy_(std * noise)


def make_hf_model(seed: int = 0, std: float = 0.05, **overrides) -> xLSTMForCausalLM:
    params = {
        "vocab_size": VOCAB,
        "hidden_size": 128,
        "num_hidden_layers": 2,
        "num_heads": 4,
        "chunk_size": 16,
        "autocast_kernel_dtype": "float32",
    }
    params.update(overrides)
    torch.manual_seed(seed)
    model = xLSTMForCausalLM(xLSTMConfig(**params)).eval()
    randomise_(model, seed, std)
    return model
