"""`dtypes`: the dtypes a project's arrays run in, from pyproject or `--dtypes`.

A rule whose hazard cannot occur in any of them is not run: EMB005 (an eps that
rounds to 0 in float16) needs float16, EMB010 (float32 constants upcasting half
arrays) needs bfloat16 or float16; EMB002 (a NaN softmax row) bites in every dtype.
"""

from __future__ import annotations

import pytest

from emberlint.catalog import DTYPES, load_catalog
from emberlint.config import load_settings
from emberlint.registry import select_rules

from .conftest import invoke

SOURCE = """\
import mlx.core as mx


def ratio(num: mx.array, den: mx.array) -> mx.array:
    return num / (den + 1e-8)


def fill(scores: mx.array, mask: mx.array) -> mx.array:
    return mx.where(mask, scores, -float("inf"))


def pad(x: mx.array) -> mx.array:
    return mx.concatenate([x, mx.zeros((x.shape[0], 4))], axis=-1)
"""


def _codes(result) -> set[str]:
    return {line.split()[1] for line in result.stdout.splitlines() if ": EMB" in line}


def test_default_is_every_dtype(project):
    (project / "a.py").write_text(SOURCE)
    assert load_settings(project).dtypes == DTYPES
    assert _codes(invoke("check", "a.py", "--output-format", "concise")) == {"EMB002", "EMB005", "EMB010"}


@pytest.mark.parametrize(
    ("dtypes", "expected"),
    [
        ('["float32"]', {"EMB002"}),
        ('["bfloat16"]', {"EMB002", "EMB010"}),
        ('["float32", "float16"]', {"EMB002", "EMB005", "EMB010"}),
    ],
)
def test_dtypes_in_pyproject_drop_rules_that_cannot_bite(project, dtypes, expected):
    (project / "pyproject.toml").write_text(f"[tool.emberlint]\ndtypes = {dtypes}\n")
    (project / "a.py").write_text(SOURCE)
    assert _codes(invoke("check", "a.py", "--output-format", "concise")) == expected


def test_command_line_overrides_pyproject(project):
    (project / "pyproject.toml").write_text('[tool.emberlint]\ndtypes = ["float32"]\n')
    (project / "a.py").write_text(SOURCE)
    result = invoke("check", "a.py", "--output-format", "concise", "--dtypes", "float16")
    assert _codes(result) == {"EMB002", "EMB005", "EMB010"}
    result = invoke("check", "a.py", "--output-format", "concise", "--dtypes", "float32, bfloat16")
    assert _codes(result) == {"EMB002", "EMB010"}


def test_an_explicitly_selected_rule_still_needs_its_dtype(project):
    (project / "a.py").write_text(SOURCE)
    result = invoke("check", "a.py", "--select", "EMB005", "--dtypes", "bfloat16")
    assert result.exit_code == 0 and _codes(result) == set()


@pytest.mark.parametrize("value", ["float64", "fp16", ""])
def test_bad_dtype_on_the_command_line_exits_2_naming_it(project, value):
    (project / "a.py").write_text(SOURCE)
    result = invoke("check", "a.py", "--dtypes", value)
    assert result.exit_code == 2
    assert "--dtypes" in result.stderr
    assert (f"'{value}'" in result.stderr) if value else ("at least one dtype" in result.stderr)


@pytest.mark.parametrize(("body", "named"), [('["float32", "half"]', "'half'"), ('"float16"', "'dtypes' must be")])
def test_bad_dtype_in_pyproject_exits_2_naming_it(project, body, named):
    (project / "pyproject.toml").write_text(f"[tool.emberlint]\ndtypes = {body}\n")
    (project / "a.py").write_text(SOURCE)
    result = invoke("check", "a.py")
    assert result.exit_code == 2
    assert named in result.stderr and "pyproject.toml" in result.stderr


def test_select_rules_filters_by_the_documents_dtypes():
    catalog = load_catalog()
    for dtype in DTYPES:
        chosen = {spec.code for spec in select_rules(["ALL"], dtypes=[dtype])}
        assert chosen == {code for code, doc in catalog.items() if dtype in doc.dtypes}
    assert "EMB005" not in {spec.code for spec in select_rules(dtypes=["float32", "bfloat16"])}
