"""The token pre-screen loses no finding: a differential test on real MLX code.

Every pinned corpus package (mlx-lm 0.32.2 and the packages the speed benchmark
uses, see `benchmarks/corpus.py`) is linted by the runner with the screen and
without it, for the default rules, for ALL and for a few rules with rare
triggers (where whole files skip the libcst parse). Findings and errors must be
identical. Without the screen every rule runs on every file, so ALL's
unscreened findings also give the other selections' (a rule's findings do not
depend on the other rules; EMB100 runs in ALL only).

Slow (every package is linted four times): run one package with `-k mlx-lm`.
Skips, with the reason, when a package cannot be fetched.
"""

from __future__ import annotations

import os
from pathlib import Path

import corpus  # benchmarks/corpus.py: tests/conftest.py puts its folder on the path
import pytest

from emberlint.config import Settings
from emberlint.registry import select_rules
from emberlint.runner import Runner, RunOptions
from emberlint.screen import rules_that_can_fire, syntax_error

# Rules whose triggers most files lack, so that whole files skip the parse.
RARE = ["EMB011", "EMB015", "EMB021", "EMB025"]


PACKAGES = [*corpus.PINNED, "mlx"]


def _package(name: str):
    try:
        if name == "mlx":
            return corpus.installed_mlx()
        return corpus.fetch_package(name, corpus.PINNED[name])
    except corpus.CorpusUnavailable as error:
        pytest.skip(f"{name}: no real corpus ({error})")


def _run(package, rules, screen: bool):
    files = [
        path
        for path in package.python_files()
        if "build" not in path.relative_to(package.root).parts  # stale copies in mlx-whisper's wheel
    ]
    options = RunOptions(jobs=os.cpu_count() or 1, use_cache=False, screen=screen)
    return Runner(Settings(root=package.root), rules, options).run(files)


def _outcomes(result, codes: set[str]):
    return [
        (file.path, [finding for finding in file.findings if finding.code in codes], file.error)
        for file in result.files
    ]


@pytest.mark.parametrize("package", PACKAGES)
def test_the_screen_loses_no_finding_on_real_code(package):
    package = _package(package)
    everything = select_rules(["ALL"])
    unscreened = _run(package, everything, screen=False)
    assert unscreened.findings, "the corpus gives findings to compare"
    for label, selection in (("ALL", everything), ("default", select_rules()), ("rare", select_rules(RARE))):
        codes = {spec.code for spec in selection}
        screened = _run(package, selection, screen=True)
        assert _outcomes(screened, codes) == _outcomes(unscreened, codes), label
        if label == "rare":
            skipped = [
                file
                for file in screened.files
                if not file.linted and file.error is None and "mlx" in Path(file.path).read_text(encoding="utf-8")
            ]
            assert skipped, "some MLX files hold none of the rare rules' triggers and skip the parse"


def test_a_file_no_rule_can_fire_on_is_still_checked_for_syntax(tmp_path):
    broken = tmp_path / "broken.py"
    broken.write_text("import mlx.core as mx\n\ndef f(x:\n    return x\n", encoding="utf-8")
    fine = tmp_path / "fine.py"
    fine.write_text("import mlx.core as mx\n\ny = mx.ones(3)\n", encoding="utf-8")
    rules = select_rules(["EMB011"])
    assert rules_that_can_fire(rules, broken.read_text()) == []
    result = Runner(Settings(root=tmp_path), rules, RunOptions(use_cache=False)).run([broken, fine])
    assert [file.linted for file in result.files] == [False, False]
    (error,) = result.errors
    assert error.startswith(f"{broken}:3:") and "syntax error" in error
    assert result.files[1].error is None and result.findings == []


def test_a_screened_file_is_cached_like_a_linted_one(tmp_path):
    broken, fine = tmp_path / "broken.py", tmp_path / "fine.py"
    broken.write_text("import mlx.core as mx\n\ndef f(x:\n", encoding="utf-8")
    fine.write_text("import mlx.core as mx\n", encoding="utf-8")
    rules = select_rules(["EMB011"])
    for expected_hits in (0, 2):
        result = Runner(Settings(root=tmp_path), rules, RunOptions()).run([broken, fine])
        assert result.cache_hits == expected_hits and result.linted == 0
        (error,) = result.errors
        assert error.startswith(f"{broken}:3:")


def test_the_syntax_check_runs_the_parser_only():
    # The compiler's own checks are not syntax errors to libcst either.
    assert syntax_error("return 1\n", "m.py") is None
    assert syntax_error("x = (\n", "m.py") is not None
    assert syntax_error("x = 1\0\n", "m.py") == ":1:1: syntax error: source code string cannot contain null bytes"
