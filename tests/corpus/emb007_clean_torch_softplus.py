# expect: none
"""The PyTorch reference we compare against; mlx is only mentioned here."""
import torch


def step_size(dt_raw: torch.Tensor) -> torch.Tensor:
    return torch.log(1 + torch.exp(dt_raw))
