"""`--output-format json`: a list of findings (or rule counts with `--statistics`)."""

from __future__ import annotations

import json
from collections import Counter
from typing import TextIO

from emberlint.reporters import ReportOptions
from emberlint.runner import RunResult, is_fixable


def write_json(result: RunResult, options: ReportOptions, out: TextIO) -> None:
    findings = sorted(result.findings, key=lambda finding: finding.sort_key)
    if options.statistics:
        counts = Counter(finding.code for finding in findings)
        document = [
            {
                "code": code,
                "name": options.catalog[code].name,
                "count": count,
                "fixable": sum(
                    is_fixable(finding, options.unsafe_fixes)
                    for finding in findings
                    if finding.code == code
                ),
            }
            for code, count in sorted(counts.items(), key=lambda item: (-item[1], item[0]))
        ]
    else:
        document = [
            {
                "code": finding.code,
                "name": options.catalog[finding.code].name,
                "message": finding.message,
                "filename": finding.path,
                "cell": finding.cell,
                "location": {"row": finding.line, "column": finding.column},
                "end_location": {"row": finding.end_line, "column": finding.end_column},
                "fix": (
                    {"applicability": finding.fix, "content": finding.replacement}
                    if finding.fix
                    else None
                ),
            }
            for finding in findings
        ]
    json.dump(document, out, indent=2)
    out.write("\n")
