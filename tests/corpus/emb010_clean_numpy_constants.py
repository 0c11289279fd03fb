# expect: none
import numpy as np


def window(n: int) -> np.ndarray:
    return np.ones(n) * np.array(0.5) + np.arange(0.0, n)
