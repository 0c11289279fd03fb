"""Shared by every test folder: the benchmark scripts' modules are importable.

`benchmarks/` is a folder of scripts, not a package (each script puts its own
folder on `sys.path`); the tests do the same, so that `import corpus` (the pinned
real packages) and `from realbugs import run` name one module each.
"""

from __future__ import annotations

import sys
from pathlib import Path

BENCHMARKS = Path(__file__).resolve().parents[1] / "benchmarks"
if str(BENCHMARKS) not in sys.path:
    sys.path.insert(0, str(BENCHMARKS))
