"""Plain `emberlint --fix` (no --unsafe-fixes), as pre-commit and CI run it, on a copy
of examples/ and of the hazardous corpus snippets: it applies exactly the fixes
classified safe, leaves the rest byte-identical, the results compile, and the
safe fixes keep the behaviour test's bit-identity on the bundled example."""

from __future__ import annotations

import shutil
from pathlib import Path

import mlx.core as mx
import numpy as np
import pytest

from emberlint.cli import app
from emberlint.linter import lint_text
from emberlint.registry import select_rules
from typer.testing import CliRunner

REPO = Path(__file__).resolve().parents[2]
DTYPES = (mx.float32, mx.bfloat16, mx.float16)


def _copy(tmp_path: Path) -> Path:
    root = tmp_path / "project"
    shutil.copytree(REPO / "examples", root / "examples")
    (root / "corpus").mkdir()
    for snippet in sorted((REPO / "tests" / "corpus").glob("*.py")):
        if "clean" not in snippet.name:
            shutil.copy(snippet, root / "corpus" / snippet.name)
    return root


def _namespace(path: Path) -> dict:
    namespace: dict = {"__name__": path.stem}
    exec(compile(path.read_text(), str(path), "exec"), namespace)  # noqa: S102 -- running the example is the point
    return namespace


@pytest.fixture(scope="module")
def fixed_copy(tmp_path_factory):
    root = _copy(tmp_path_factory.mktemp("plain-fix"))
    files = sorted(root.rglob("*.py"))
    before = {path: path.read_text() for path in files}
    rules = select_rules()
    findings = {path: lint_text(text, str(path), rules) for path, text in before.items()}
    result = CliRunner().invoke(app, ["check", "--fix", "--no-cache", str(root)], catch_exceptions=False)
    assert result.exit_code in (0, 1), result.stdout + result.stderr
    return root, before, findings


def test_plain_fix_applies_exactly_the_safe_fixes(fixed_copy):
    _, before, findings = fixed_copy
    rules = select_rules()
    safe_total = 0
    for path, text in before.items():
        after = path.read_text()
        compile(after, str(path), "exec")
        safe = [finding for finding in findings[path] if finding.fix == "safe"]
        safe_total += len(safe)
        if not safe:
            assert after == text, f"{path.name}: plain --fix changed a file without a safe fix"
            continue
        assert after != text
        left = lint_text(after, str(path), rules)
        assert not [finding for finding in left if finding.fix == "safe"], f"{path.name}: safe fixes left"
        unsafe_before = sorted((f.code, f.message) for f in findings[path] if f.fix == "unsafe")
        unsafe_after = sorted((f.code, f.message) for f in left if f.fix == "unsafe")
        assert unsafe_after == unsafe_before, f"{path.name}: plain --fix applied an unsafe fix"
    assert safe_total, "plain --fix found nothing safe to fix in examples/ and the hazardous corpus"


def test_bundled_example_zero_sum_is_repaired_and_bit_identical_elsewhere(fixed_copy):
    """examples/attention.py: plain --fix applies EMB005's safe fix to `normalize_rows`:
    an all-zero row's float16 NaN (0 / (0 + 1e-8), the eps rounded to 0) is gone and
    every other output is bit-identical (the contract of a safe fix), in every dtype.
    The mask fill (EMB002, unsafe) is left as it was."""
    root, before, _ = fixed_copy
    example = root / "examples" / "attention.py"
    original_path = example.with_name("attention_original.py")
    original_path.write_text(before[example])
    original, fixed = _namespace(original_path)["normalize_rows"], _namespace(example)["normalize_rows"]
    assert '-float("inf")' in example.read_text()
    rng = np.random.default_rng(0)
    weights = rng.random((8, 16)).astype(np.float32)
    weights[0] = 0.0  # a row whose sum is exactly 0
    for dtype in DTYPES:
        x = mx.array(weights).astype(dtype)
        old = np.array(original(x).astype(mx.float32))
        new = np.array(fixed(x).astype(mx.float32))
        assert fixed(x).dtype == dtype
        if dtype == mx.float16:
            assert np.isnan(old[0]).all()
        assert np.isfinite(new).all(), dtype
        finite = np.isfinite(old)
        np.testing.assert_array_equal(new[finite].view(np.int32), old[finite].view(np.int32))
