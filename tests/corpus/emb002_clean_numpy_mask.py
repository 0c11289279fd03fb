# expect: none
"""NumPy masking for a reference; mlx-free apart from this line."""
import numpy as np


def masked_scores(scores: np.ndarray, mask: np.ndarray) -> np.ndarray:
    return np.where(mask, scores, -np.inf)
