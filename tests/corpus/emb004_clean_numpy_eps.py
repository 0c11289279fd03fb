# expect: none
import numpy as np


def normalise(num: np.ndarray, den: np.ndarray) -> np.ndarray:
    """Matches the mlx kernel on the host."""
    return num / (den + 1e-6)
