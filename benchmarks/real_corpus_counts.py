"""Count findings of every rule on pinned releases of real MLX code.

Downloads (once, `pip download --no-deps`) the pinned mlx-lm, mlx-vlm and
mlx-whisper releases listed in `benchmarks/corpus.py`, lints their `.py` files
with ALL rules through the linter API (each package as one project, so rules
may follow values across its modules), and prints a count per rule per package,
then per rule how many findings carry a fix and how many of those fixes are
safe (applied by plain `--fix`). `--show CODES` prints every finding of those
rules (comma-separated codes or prefixes), to review hits by eye.

    python benchmarks/real_corpus_counts.py [--dest DIR] [--show EMB008,EMB010]
"""

from __future__ import annotations

import argparse
import os
import sys
from collections import Counter
from pathlib import Path

import libcst as cst

sys.path.insert(0, str(Path(__file__).resolve().parent))

import corpus  # the sibling module, found through the path above

from emberlint.findings import Finding
from emberlint.linter import lint_text
from emberlint.registry import select_rules
from emberlint.semantic import ProjectIndex


def lint_package(package: corpus.CorpusPackage, rules) -> tuple[list[Finding], int, int]:
    """(findings, files linted, files that do not parse)."""
    findings: list[Finding] = []
    unparsable = 0
    files = package.python_files()
    project = ProjectIndex(package.root)  # one per package: its modules are parsed once
    for path in files:
        source = path.read_text(encoding="utf-8", errors="replace")
        try:
            findings.extend(lint_text(source, str(path.relative_to(package.root)), rules, project=project))
        except cst.ParserSyntaxError:
            unparsable += 1
    return findings, len(files), unparsable


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--dest", type=Path, help="cache directory (default ~/.cache/emberlint-corpus)")
    parser.add_argument("--show", metavar="CODES", default="", help="print every finding of these rules")
    options = parser.parse_args()
    if options.dest is not None:
        os.environ["EMBERLINT_CORPUS_DIR"] = str(options.dest)
    rules = select_rules(["ALL"])
    codes = [spec.code for spec in rules if spec.visitor is not None]
    packages = [corpus.fetch_package(name, version) for name, version in corpus.PINNED.items()]
    counts: dict[str, Counter] = {}
    with_fix: Counter = Counter()
    safe: Counter = Counter()
    for package in packages:
        findings, files, unparsable = lint_package(package, rules)
        counts[package.label] = Counter(finding.code for finding in findings)
        with_fix.update(finding.code for finding in findings if finding.fix is not None)
        safe.update(finding.code for finding in findings if finding.fix == "safe")
        print(f"{package.label}: {files} files linted, {unparsable} not parsable", file=sys.stderr)
        shown = tuple(code for code in options.show.split(",") if code)
        if shown:
            for finding in findings:
                if finding.code.startswith(shown):
                    print(f"  {package.label} {finding.path}:{finding.line}: {finding.message}")
    labels = list(counts)
    print(f"{'rule':8} " + " ".join(f"{label:>20}" for label in labels) + f" {'total':>7}")
    for code in codes:
        row = [counts[label][code] for label in labels]
        print(f"{code:8} " + " ".join(f"{count:>20}" for count in row) + f" {sum(row):>7}")
    print(f"\n{'rule':8} {'findings':>9} {'with a fix':>11} {'coverage':>9} {'safe fix':>9}")
    for code in codes:
        total = sum(counts[label][code] for label in labels)
        if total:
            print(f"{code:8} {total:>9} {with_fix[code]:>11} {with_fix[code] / total:>9.0%} {safe[code]:>9}")


if __name__ == "__main__":
    main()
