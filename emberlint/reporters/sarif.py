"""`--output-format sarif`: SARIF 2.1.0, as GitHub code scanning accepts it.

Every catalog rule is listed in `tool.driver.rules` (so `ruleIndex` is stable);
file locations are relative to `%SRCROOT%`, the directory emberlint ran in.
A finding in a notebook has its lines counted in its cell and the cell number
(from 1) in the result's `properties.cell`.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import TextIO

from emberlint import __version__
from emberlint.catalog import RuleDoc
from emberlint.reporters import ReportOptions
from emberlint.runner import RunResult

SCHEMA = "https://json.schemastore.org/sarif-2.1.0.json"
INFORMATION_URI = "https://github.com/emberlint/emberlint"
LEVELS = {
    "correctness": "error",
    "precision": "warning",
    "performance": "warning",
    "style": "note",
}


def _rule(doc: RuleDoc) -> dict:
    level = LEVELS[doc.category]
    return {
        "id": doc.code,
        "name": doc.name,
        "shortDescription": {"text": doc.summary},
        "fullDescription": {"text": doc.section("What it does") or doc.summary},
        "help": {
            "text": doc.section("Why is this bad?") or doc.summary,
            "markdown": doc.body.strip(),
        },
        "helpUri": doc.url,
        "defaultConfiguration": {"level": level},
        "properties": {"tags": [doc.category], "fix": doc.fix},
    }


def _artifact(path: str, root: Path) -> dict:
    absolute = Path(os.path.abspath(path))
    try:
        return {"uri": absolute.relative_to(root).as_posix(), "uriBaseId": "%SRCROOT%"}
    except ValueError:
        return {"uri": absolute.as_uri()}


def write_sarif(result: RunResult, options: ReportOptions, out: TextIO) -> None:
    root = Path.cwd()
    docs = sorted(options.catalog.values(), key=lambda doc: doc.code)
    index = {doc.code: position for position, doc in enumerate(docs)}
    results = [
        {
            "ruleId": finding.code,
            "ruleIndex": index[finding.code],
            "level": LEVELS[options.catalog[finding.code].category],
            "message": {"text": finding.message},
            "locations": [
                {
                    "physicalLocation": {
                        "artifactLocation": _artifact(finding.path, root),
                        "region": {
                            "startLine": finding.line,
                            "startColumn": finding.column,
                            "endLine": finding.end_line,
                            "endColumn": finding.end_column,
                        },
                    }
                }
            ],
            **({"properties": {"cell": finding.cell}} if finding.cell is not None else {}),
        }
        for finding in sorted(result.findings, key=lambda finding: finding.sort_key)
    ]
    document = {
        "$schema": SCHEMA,
        "version": "2.1.0",
        "runs": [
            {
                "tool": {
                    "driver": {
                        "name": "emberlint",
                        "version": __version__,
                        "semanticVersion": __version__,
                        "informationUri": INFORMATION_URI,
                        "rules": [_rule(doc) for doc in docs],
                    }
                },
                "originalUriBaseIds": {"%SRCROOT%": {"uri": root.as_uri() + "/"}},
                "results": results,
            }
        ],
    }
    json.dump(document, out, indent=2)
    out.write("\n")
