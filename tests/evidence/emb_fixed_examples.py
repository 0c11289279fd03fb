"""Run a rule's catalog example before and after emberlint fixes it, on real MLX.

Shared by the evidence tests of the extended catalog (EMB006+): the code that is
measured is the document's bad example and the linter's own fix of it, so a
change to either the rule or the document is measured again.
"""

from __future__ import annotations

import mlx.core as mx
import numpy as np

from emberlint.catalog import load_catalog
from emberlint.linter import fix_text
from emberlint.registry import select_rules

DTYPES = (mx.float32, mx.float16, mx.bfloat16)


def fix_source(code: str, source: str) -> str:
    """`source` with rule `code`'s fixes applied (unsafe ones included)."""
    fixed, applied, _ = fix_text(source, f"{code}.py", select_rules([code]), unsafe=True)
    assert applied, f"{code} fixed nothing in:\n{source}"
    return fixed


def run(source: str) -> dict:
    namespace: dict = {}
    exec(compile(source, "<example>", "exec"), namespace)  # noqa: S102 (running the example is the point)
    return namespace


def example_before_after(code: str) -> tuple[dict, dict]:
    """Namespaces of the bad example and of its fixed version."""
    bad = load_catalog()[code].bad_example
    assert bad is not None
    return run(bad), run(fix_source(code, bad))


def as_float64(values: mx.array) -> np.ndarray:
    return np.array(values.astype(mx.float32)).astype(np.float64)


def ulp_error(values: mx.array, reference: np.ndarray) -> np.ndarray:
    """|values - reference| in units of the last place of `values.dtype` at the reference."""
    eps = float(mx.finfo(values.dtype).eps)
    tiny = float(mx.finfo(values.dtype).smallest_normal)
    spacing = eps * np.exp2(np.floor(np.log2(np.maximum(np.abs(reference), tiny))))
    with np.errstate(invalid="ignore"):
        return np.abs(as_float64(values) - reference) / spacing
