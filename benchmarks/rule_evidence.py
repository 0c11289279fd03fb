"""Speed and accuracy figures quoted by the performance rules' catalog pages.

Run: `python benchmarks/rule_evidence.py` (MLX, CPU or GPU, whichever is default).
Prints, for EMB003, the median time of `x ** -0.5`, `mx.rsqrt(x)` and
`1 / mx.sqrt(x)` on 4M float32 elements, and each form's max error in ulps
against a float64 reference in float32, bfloat16 and float16.
"""

from __future__ import annotations

import statistics
import time
from collections.abc import Callable

import mlx.core as mx
import numpy as np

ELEMENTS = 4 * 1024 * 1024
REPEATS = 30
FORMS: dict[str, Callable[[mx.array], mx.array]] = {
    "x ** -0.5": lambda x: x**-0.5,
    "mx.rsqrt(x)": mx.rsqrt,
    "1 / mx.sqrt(x)": lambda x: 1 / mx.sqrt(x),
}


def median_milliseconds(function: Callable[[mx.array], mx.array], x: mx.array) -> float:
    for _ in range(3):
        mx.eval(function(x))
    timings = []
    for _ in range(REPEATS):
        start = time.perf_counter()
        mx.eval(function(x))
        timings.append(time.perf_counter() - start)
    return statistics.median(timings) * 1e3


def max_ulp_error(values: mx.array, reference: np.ndarray) -> float:
    """Largest |values - reference| in units of the last place of values.dtype."""
    info = mx.finfo(values.dtype)
    magnitude = np.maximum(np.abs(reference), info.smallest_normal)
    spacing = info.eps * np.exp2(np.floor(np.log2(magnitude)))
    actual = np.array(values.astype(mx.float32)).astype(np.float64)
    return float(np.max(np.abs(actual - reference) / spacing))


def main() -> None:
    print(f"MLX {mx.__version__}, device {mx.default_device()}")
    x = mx.random.uniform(0.01, 1000.0, (ELEMENTS,))
    print(f"\nEMB003 speed, {ELEMENTS:,} float32 elements, median of {REPEATS}:")
    for name, function in FORMS.items():
        print(f"  {name:<16} {median_milliseconds(function, x):7.2f} ms")
    print("\nEMB003 accuracy, max error vs float64 on 100k values in [0.01, 1000]:")
    values = np.geomspace(0.01, 1000.0, 100_000).astype(np.float32)
    for dtype in (mx.float32, mx.bfloat16, mx.float16):
        var = mx.array(values).astype(dtype)
        reference = np.array(var.astype(mx.float32)).astype(np.float64) ** -0.5
        errors = ", ".join(
            f"{name} {max_ulp_error(function(var), reference):.2f}" for name, function in FORMS.items()
        )
        print(f"  {str(dtype).rsplit('.', 1)[-1]:<9} {errors} ulp")


if __name__ == "__main__":
    main()
