# expect: none
"""Compared with the mlx port."""
import torch


@torch.compile
def peak(x: torch.Tensor) -> float:
    return x.abs().max().item()
