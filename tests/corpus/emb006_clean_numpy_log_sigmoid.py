# expect: none
"""Reference implementation in NumPy, used by the parity tests."""
import numpy as np


def log_sigmoid_reference(x: np.ndarray) -> np.ndarray:
    return -np.log(1 + np.exp(-x))
