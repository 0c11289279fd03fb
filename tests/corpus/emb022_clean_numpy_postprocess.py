# expect: none
"""Post-processing in NumPy on the host: not MLX's exp."""
import numpy as np


def scores(logits: np.ndarray) -> np.ndarray:
    return 1 / (1 + np.exp(-logits))
