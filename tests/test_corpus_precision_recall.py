"""Precision and recall of every rule on the labelled corpus in `tests/corpus/`.

Each snippet's first line says what emberlint must report on it, with ALL rules
enabled: `# expect: EMB002, EMB006` or `# expect: none`. Labels are per file and
per rule (a rule firing twice in one hazardous file is one true positive). The
test fails on any false positive, from any rule (one with no labelled example
included), and if a rule with a labelled example falls below 0.95 recall; the
table is in the assertion message and printed with -s.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from emberlint.linter import lint_text
from emberlint.registry import select_rules

CORPUS = Path(__file__).parent / "corpus"
LABEL = re.compile(r"\A# expect: (?P<codes>none|EMB\d{3}(?:, EMB\d{3})*)\n")
THRESHOLD = 0.95


@dataclass
class Score:
    true_positives: int = 0
    false_positives: list[str] = field(default_factory=list)
    false_negatives: list[str] = field(default_factory=list)

    @property
    def precision(self) -> float:
        flagged = self.true_positives + len(self.false_positives)
        return self.true_positives / flagged if flagged else 1.0

    @property
    def recall(self) -> float:
        expected = self.true_positives + len(self.false_negatives)
        return self.true_positives / expected if expected else 1.0


def expected_codes(source: str, name: str) -> set[str]:
    match = LABEL.match(source)
    assert match is not None, f"{name}: the first line must be '# expect: none' or '# expect: EMB0xx, ...'"
    codes = match.group("codes")
    return set() if codes == "none" else set(codes.split(", "))


def snippets() -> list[Path]:
    return sorted(CORPUS.glob("*.py"))


def score_corpus() -> dict[str, Score]:
    rules = select_rules(["ALL"])
    scores = {spec.code: Score() for spec in rules if spec.visitor is not None}
    for path in snippets():
        source = path.read_text(encoding="utf-8")
        expected = expected_codes(source, path.name)
        unknown = expected - scores.keys()
        assert not unknown, f"{path.name}: labels name no rule: {sorted(unknown)}"
        reported = {finding.code for finding in lint_text(source, path.name, rules)}
        for code, score in scores.items():
            if code in expected and code in reported:
                score.true_positives += 1
            elif code in reported:
                score.false_positives.append(path.name)
            elif code in expected:
                score.false_negatives.append(path.name)
    return scores


def table(scores: dict[str, Score]) -> str:
    lines = [f"{'rule':8} {'TP':>4} {'FP':>4} {'FN':>4} {'precision':>10} {'recall':>8}"]
    for code, score in scores.items():
        lines.append(
            f"{code:8} {score.true_positives:>4} {len(score.false_positives):>4} "
            f"{len(score.false_negatives):>4} {score.precision:>10.2f} {score.recall:>8.2f}"
        )
        lines.extend(f"    false positive: {name}" for name in score.false_positives)
        lines.extend(f"    false negative: {name}" for name in score.false_negatives)
    return "\n".join(lines)


def test_corpus_is_large_and_balanced():
    labels = [expected_codes(path.read_text(encoding="utf-8"), path.name) for path in snippets()]
    hazardous = sum(1 for codes in labels if codes)
    assert len(labels) >= 60
    assert abs(hazardous - (len(labels) - hazardous)) <= len(labels) // 10


@pytest.mark.parametrize("path", snippets(), ids=lambda path: path.name)
def test_label_is_not_a_suppression(path):
    """The label comment must never read as a `# noqa` to the linter."""
    first_line = path.read_text(encoding="utf-8").splitlines()[0]
    assert "noqa" not in first_line.lower()


def test_every_rule_meets_the_precision_and_recall_bar():
    scores = score_corpus()
    report = table(scores)
    print("\n" + report)
    false_positives = {code: score.false_positives for code, score in scores.items() if score.false_positives}
    assert not false_positives, f"false positives (every rule, labelled or not): {false_positives}\n{report}"
    labelled = {
        code: score
        for code, score in scores.items()
        if score.true_positives or score.false_negatives
    }
    failing = [code for code, score in labelled.items() if score.recall < THRESHOLD]
    assert not failing, f"below {THRESHOLD} recall: {failing}\n{report}"


def test_a_false_positive_of_an_unlabelled_rule_fails(monkeypatch, tmp_path):
    """The check above must see a rule that has no labelled example: a clean
    snippet that one rule flags is a false positive of that rule."""
    snippet = tmp_path / "emb003_clean_but_flagged.py"
    snippet.write_text("# expect: none\nimport mlx.core as mx\ny = mx.ones(3) ** -0.5\n", encoding="utf-8")
    monkeypatch.setattr(f"{__name__}.snippets", lambda: [snippet])
    scores = score_corpus()
    assert scores["EMB003"].false_positives == [snippet.name]
    assert not (scores["EMB003"].true_positives or scores["EMB003"].false_negatives)
    with pytest.raises(AssertionError, match="false positives"):
        test_every_rule_meets_the_precision_and_recall_bar()
