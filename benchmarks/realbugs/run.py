"""Recall of emberlint's rules on real numerics bugs that upstream MLX projects fixed.

Each case of `cases.toml` names a fix, the last release with the bug and the first
with the fix. Both releases are fetched once (`pip download --no-deps`, cached by
`benchmarks/corpus.py`), the file is linted with the default rules, and the case is

- flagged: a finding overlaps the lines the fix touched in the buggy release;
- gone: none of the codes that flagged them fires on the lines the fix wrote in the
  fixed release (the rule targets the hazard the fix removed, not a bystander).

recall = cases flagged and gone / statically visible cases. Cases a static rule
cannot see (`static = false`) are listed but not counted.

    python benchmarks/realbugs/run.py [--select EMB002,EMB016] [--case ID]
"""

from __future__ import annotations

import argparse
import re
import sys
import tomllib
from dataclasses import dataclass
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))

import corpus  # benchmarks/corpus.py, found through the path above

from emberlint.findings import Finding
from emberlint.linter import lint_text
from emberlint.registry import RuleSpec, select_rules
from emberlint.semantic import ProjectIndex

CASES_FILE = HERE / "cases.toml"
HAZARDS = (
    "mask-fill",
    "bool-mask-additive",
    "half-reduction",
    "state-dtype",
    "float32-leak",
    "log-exp",
    "quantized-dtype",
    "half-overflow",
    "half-arithmetic",
)
_FIELDS = {
    "id": str, "hazard": str, "repo": str, "commit": str, "link": str, "title": str,
    "date": str, "package": str, "buggy_version": str, "fixed_version": str, "path": str,
    "buggy_lines": list, "fixed_lines": list, "dtype": str, "static": bool, "why": str,
}
_REPOS = ("ml-explore/mlx-lm", "ml-explore/mlx-examples")
_DTYPES = ("float16", "bfloat16", "float32", "any")


class MalformedCase(ValueError):
    """A table of cases.toml that breaks the format described at its top."""


@dataclass(frozen=True)
class Case:
    id: str
    hazard: str
    repo: str
    commit: str
    link: str
    title: str
    date: str
    package: str
    buggy_version: str
    fixed_version: str
    path: str
    buggy_lines: tuple[int, ...]
    fixed_lines: tuple[int, ...]
    dtype: str
    static: bool
    why: str


@dataclass(frozen=True)
class Outcome:
    case: Case
    buggy_codes: frozenset[str]  # codes of the findings on the buggy release's touched lines
    fixed_codes: frozenset[str]  # codes of the findings on the fixed release's touched lines

    @property
    def flagged(self) -> bool:
        return bool(self.buggy_codes)

    @property
    def gone(self) -> bool:
        return not self.buggy_codes & self.fixed_codes

    @property
    def caught(self) -> bool:
        return self.flagged and self.gone


def _version_key(version: str) -> tuple[int, ...]:
    return tuple(int(part) for part in version.split("."))


def _check(table: dict) -> Case:
    name = table.get("id", "<no id>")
    missing = _FIELDS.keys() - table.keys()
    extra = table.keys() - _FIELDS.keys()
    if missing or extra:
        raise MalformedCase(f"{name}: missing {sorted(missing)}, unknown {sorted(extra)}")
    for field, kind in _FIELDS.items():
        if not isinstance(table[field], kind):
            raise MalformedCase(f"{name}: {field} must be a {kind.__name__}")
    if table["hazard"] not in HAZARDS:
        raise MalformedCase(f"{name}: unknown hazard {table['hazard']!r}")
    if table["repo"] not in _REPOS:
        raise MalformedCase(f"{name}: cases come from {_REPOS}, not {table['repo']!r}")
    if not re.fullmatch(r"[0-9a-f]{40}", table["commit"]):
        raise MalformedCase(f"{name}: commit must be a full 40-digit sha")
    if table["link"] != f"https://github.com/{table['repo']}/commit/{table['commit']}":
        raise MalformedCase(f"{name}: link does not match repo and commit")
    if table["dtype"] not in _DTYPES:
        raise MalformedCase(f"{name}: dtype must be one of {_DTYPES}")
    if not re.fullmatch(r"\d+\.\d+\.\d+", table["buggy_version"]) or not re.fullmatch(
        r"\d+\.\d+\.\d+", table["fixed_version"]
    ):
        raise MalformedCase(f"{name}: versions must be X.Y.Z releases")
    if _version_key(table["buggy_version"]) >= _version_key(table["fixed_version"]):
        raise MalformedCase(f"{name}: the buggy release must precede the fixed one")
    for field in ("buggy_lines", "fixed_lines"):
        lines = table[field]
        if not lines or any(not isinstance(n, int) or n < 1 for n in lines) or lines != sorted(set(lines)):
            raise MalformedCase(f"{name}: {field} must be sorted, distinct, positive line numbers")
    if not table["why"].strip():
        raise MalformedCase(f"{name}: `why` must say why the hazard is or is not statically visible")
    return Case(**{**table, "buggy_lines": tuple(table["buggy_lines"]), "fixed_lines": tuple(table["fixed_lines"])})


def load_cases(path: Path = CASES_FILE) -> list[Case]:
    with path.open("rb") as file:
        tables = tomllib.load(file).get("case", [])
    cases = [_check(table) for table in tables]
    ids = [case.id for case in cases]
    duplicates = sorted({name for name in ids if ids.count(name) > 1})
    if duplicates:
        raise MalformedCase(f"duplicate case ids: {duplicates}")
    return cases


def release_file(package: str, version: str, path: str) -> str:
    """The text of `path` in the release; raises corpus.CorpusUnavailable when it cannot be fetched."""
    root = corpus.fetch_package(package, version).root
    file = root / path
    if not file.is_file():
        raise FileNotFoundError(f"{package}=={version} has no {path}")
    return file.read_text(encoding="utf-8")


def _codes_on(findings: list[Finding], lines: tuple[int, ...]) -> frozenset[str]:
    return frozenset(
        finding.code
        for finding in findings
        if any(finding.line <= line <= finding.end_line for line in lines)
    )


def lint_release(package: str, version: str, path: str, rules: list[RuleSpec]) -> list[Finding]:
    """The findings in `path` of the release, linted as part of its package (as
    `emberlint` run on the unpacked release would: other modules of the package
    are read where a rule follows a value into them)."""
    text = release_file(package, version, path)
    root = corpus.fetch_package(package, version).root
    return lint_text(text, path, rules, project=ProjectIndex(root))


def evaluate(case: Case, rules: list[RuleSpec]) -> Outcome:
    return Outcome(
        case,
        _codes_on(lint_release(case.package, case.buggy_version, case.path, rules), case.buggy_lines),
        _codes_on(lint_release(case.package, case.fixed_version, case.path, rules), case.fixed_lines),
    )


def recall(outcomes: list[Outcome]) -> float:
    visible = [outcome for outcome in outcomes if outcome.case.static]
    return sum(outcome.caught for outcome in visible) / len(visible) if visible else 0.0


def _codes(codes: frozenset[str]) -> str:
    return ",".join(sorted(codes)) or "-"


def report(outcomes: list[Outcome]) -> str:
    rows = [f"{'case':40} {'hazard':18} {'dtype':8} {'static':6} {'buggy':14} {'fixed':14} result"]
    for outcome in outcomes:
        case = outcome.case
        if outcome.caught:
            result = "caught"
        elif outcome.flagged:
            result = "still fires on the fix"
        else:
            result = "missed"
        rows.append(
            f"{case.id:40} {case.hazard:18} {case.dtype:8} {'yes' if case.static else 'no':6} "
            f"{_codes(outcome.buggy_codes):14} {_codes(outcome.fixed_codes):14} "
            f"{result if case.static else result + ' (not counted)'}"
        )
    visible = [outcome for outcome in outcomes if outcome.case.static]
    caught = sum(outcome.caught for outcome in visible)
    flagged = sum(outcome.flagged for outcome in visible)
    rows.append(
        f"\n{len(outcomes)} cases, {len(visible)} statically visible: "
        f"{flagged} flagged, {caught} flagged and gone on the fix; recall {recall(outcomes):.0%}"
    )
    return "\n".join(rows)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--select", help="rule codes or prefixes to use instead of the default rules")
    parser.add_argument("--case", action="append", default=[], help="only this case id (repeatable)")
    options = parser.parse_args()
    rules = select_rules(options.select.split(",") if options.select else None)
    cases = [case for case in load_cases() if not options.case or case.id in options.case]
    try:
        outcomes = [evaluate(case, rules) for case in cases]
    except corpus.CorpusUnavailable as error:
        sys.exit(f"cannot fetch the releases: {error}")
    print(report(outcomes))


if __name__ == "__main__":
    main()
