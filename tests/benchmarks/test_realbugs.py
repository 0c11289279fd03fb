"""The benchmark of real upstream numerics fixes (benchmarks/realbugs/): its data and its scoring."""

from __future__ import annotations

import pytest

# benchmarks/realbugs/run.py, a script: tests/conftest.py puts its folder's parent on the path
from realbugs import run

CASES = run.load_cases()


def _release_text(package: str, version: str, path: str) -> str:
    try:
        return run.release_file(package, version, path)
    except run.corpus.CorpusUnavailable as error:
        pytest.skip(f"the package registry is unreachable, cannot fetch the releases: {error}")


def test_enough_cases_from_the_two_repositories():
    assert len(CASES) >= 25
    assert {case.repo for case in CASES} <= {"ml-explore/mlx-lm", "ml-explore/mlx-examples"}
    assert len({(case.commit, case.path, case.buggy_lines) for case in CASES}) == len(CASES)
    assert any(case.static for case in CASES) and any(not case.static for case in CASES)


@pytest.mark.parametrize(
    ("field", "value", "complaint"),
    [
        ("link", "https://github.com/ml-explore/mlx-lm/commit/0000000", "link does not match"),
        ("fixed_version", "0.1.0", "must precede"),
        ("buggy_lines", [12, 3], "sorted"),
        ("hazard", "vibes", "unknown hazard"),
        ("repo", "someone/else", "cases come from"),
    ],
)
def test_a_malformed_case_is_rejected(tmp_path, field, value, complaint):
    import tomllib

    table = tomllib.loads((run.CASES_FILE).read_text())["case"][0]
    table[field] = value
    lines = ["[[case]]"] + [f"{key} = {_toml(item)}" for key, item in table.items()]
    broken = tmp_path / "cases.toml"
    broken.write_text("\n".join(lines) + "\n")
    with pytest.raises(run.MalformedCase, match=complaint):
        run.load_cases(broken)


def _toml(value) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, list):
        return "[" + ", ".join(str(item) for item in value) + "]"
    return '"' + str(value).replace("\\", "\\\\").replace('"', '\\"') + '"'


@pytest.mark.parametrize("case", CASES, ids=[case.id for case in CASES])
def test_touched_lines_exist_and_the_fix_changed_them(case):
    buggy = _release_text(case.package, case.buggy_version, case.path).splitlines()
    fixed = _release_text(case.package, case.fixed_version, case.path).splitlines()
    assert case.buggy_lines[-1] <= len(buggy) and case.fixed_lines[-1] <= len(fixed)
    before = [buggy[line - 1].strip() for line in case.buggy_lines]
    after = [fixed[line - 1].strip() for line in case.fixed_lines]
    assert all(before) and all(after), "a touched line is blank"
    assert before != after, "the fix left the touched lines as they were"


def _outcome(static: bool, buggy: set[str], fixed: set[str]):
    case = CASES[0].__class__(**{**CASES[0].__dict__, "static": static})
    return run.Outcome(case, frozenset(buggy), frozenset(fixed))


def test_recall_counts_a_case_only_when_the_finding_goes_away_on_the_fix():
    outcomes = [
        _outcome(True, {"EMB002"}, set()),  # caught
        _outcome(True, {"EMB002"}, {"EMB002"}),  # still fires on the fixed code
        _outcome(True, {"EMB002"}, {"EMB005"}),  # another hazard on the fixed line: still caught
        _outcome(True, set(), set()),  # missed
        _outcome(False, {"EMB002"}, set()),  # not statically visible: not counted
    ]
    assert [outcome.caught for outcome in outcomes] == [True, False, True, False, True]
    assert run.recall(outcomes) == pytest.approx(2 / 4)
    assert "recall 50%" in run.report(outcomes)


RECALL_TARGET = 0.8  # issue 11
RECALL_MEASURED = 12 / 14  # default rules: EMB002, EMB016, EMB017, EMB020-EMB023, EMB025 (benchmarks/realbugs/README.md)


@pytest.fixture(scope="module")
def outcomes():
    from emberlint.registry import select_rules

    rules = select_rules()
    try:
        return [run.evaluate(case, rules) for case in CASES]
    except run.corpus.CorpusUnavailable as error:
        pytest.skip(f"the package registry is unreachable, cannot fetch the releases: {error}")


def test_default_rules_keep_their_measured_recall(outcomes):
    assert run.recall(outcomes) >= RECALL_MEASURED, run.report(outcomes)


def test_default_rules_reach_the_recall_target(outcomes):
    assert run.recall(outcomes) >= RECALL_TARGET, run.report(outcomes)
