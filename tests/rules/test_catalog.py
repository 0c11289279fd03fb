"""Generic checks over every rule document in the catalog, present and future."""

from __future__ import annotations

import importlib.util
import re
import sys
from pathlib import Path

import pytest

from emberlint.catalog import CATEGORIES, DTYPES, FIX_KINDS, load_catalog
from emberlint.linter import fix_text, lint_text
from emberlint.registry import ENGINE_RULES, all_rules, select_rules

SECTIONS = ("What it does", "Why is this bad?", "Example", "Use instead", "Fix safety")
CODES = sorted(load_catalog())


def _lint(source: str, rules) -> list:
    # Engine rules (EMB100 unused-noqa) only report when asked to.
    return lint_text(source, "example.py", rules, report_unused_noqa=True)


@pytest.fixture(params=CODES)
def doc(request):
    return load_catalog()[request.param]


def test_catalog_is_not_empty():
    assert {"EMB001", "EMB002", "EMB003", "EMB004", "EMB005"} <= set(CODES)


def test_every_rule_module_has_a_doc_and_every_doc_a_rule():
    specs = all_rules()  # raises CatalogError on a module without a doc or a doc without a module
    assert sorted(specs) == CODES
    for code, spec in specs.items():
        if spec.visitor is not None:
            module = spec.visitor.__module__.rsplit(".", 1)[-1]
            assert module == f"{code.lower()}_{spec.doc.name.replace('-', '_')}"


def test_header_and_sections(doc):
    assert re.fullmatch(r"EMB\d{3}", doc.code)
    assert re.fullmatch(r"[a-z0-9]+(-[a-z0-9]+)*", doc.name)
    assert doc.category in CATEGORIES
    assert doc.fix in FIX_KINDS
    assert doc.summary.strip()
    assert f"# {doc.code} {doc.name}" in doc.body
    for title in SECTIONS:
        assert doc.section(title), f"{doc.code}: empty or missing section '{title}'"
    assert doc.bad_example is not None and doc.fixed_example is not None


def test_examples_compile(doc):
    compile(doc.bad_example, f"{doc.code} Example", "exec")
    compile(doc.fixed_example, f"{doc.code} Use instead", "exec")


def test_bad_example_is_flagged_by_its_rule(doc):
    found = _lint(doc.bad_example, select_rules([doc.code]))
    assert found, f"{doc.code}: the Example is not flagged"
    assert {finding.code for finding in found} == {doc.code}


def test_fixed_example_is_clean_under_all_rules(doc):
    found = _lint(doc.fixed_example, select_rules(["ALL"]))
    assert found == [], f"{doc.code}: the Use instead example is flagged: {found}"


def test_fix_produces_the_fixed_example(doc):
    rules = select_rules([doc.code])
    once, applied, remaining = fix_text(doc.bad_example, "example.py", rules, unsafe=True)
    if doc.fix == "none":
        assert applied == [] and once == doc.bad_example
        return
    assert once == doc.fixed_example
    assert applied and remaining == []
    assert fix_text(once, "example.py", rules, unsafe=True)[0] == once


def test_safe_fixes_need_no_unsafe_flag(doc):
    """Plain fixing applies the Example's fixes exactly when they are safe: by the
    catalog, or for that finding (a rule whose fix is safe in a narrower context)."""
    rules = select_rules([doc.code])
    kinds = {finding.fix for finding in _lint(doc.bad_example, rules) if finding.fix is not None}
    fixed, applied, _ = fix_text(doc.bad_example, "example.py", rules, unsafe=False)
    if kinds == {"safe"}:
        assert fixed == doc.fixed_example
    elif "safe" not in kinds:
        assert applied == [] and fixed == doc.bad_example
    else:
        assert applied and {finding.fix for finding in applied} == {"safe"}


EVIDENCE = Path(__file__).resolve().parents[1] / "evidence"


def _evidence_module(code: str):
    """tests/evidence/test_<code>.py, loaded by path (it imports its sibling helpers)."""
    path = EVIDENCE / f"test_{code.lower()}.py"
    if str(EVIDENCE) not in sys.path:
        sys.path.insert(0, str(EVIDENCE))
    spec = importlib.util.spec_from_file_location(f"evidence_{code.lower()}", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.mark.parametrize("code", [code for code in CODES if code not in ENGINE_RULES])
def test_dtypes_match_the_evidence(code):
    """A document's `dtypes` are the dtypes its evidence test shows the hazard in."""
    import mlx.core as mx

    shown = set(_evidence_module(code).HAZARD_DTYPES)
    assert tuple(name for name in DTYPES if getattr(mx, name) in shown) == load_catalog()[code].dtypes


def test_every_rule_declares_triggers_its_example_holds(doc):
    """The pre-screen runs a rule only on text holding one of its triggers: the
    rule's own Example must hold one, or the screen would hide its finding."""
    assert doc.triggers and all(trigger == trigger.lower() and trigger for trigger in doc.triggers)
    assert any(trigger in doc.bad_example.lower() for trigger in doc.triggers), (
        f"{doc.code}: the Example holds none of the triggers {doc.triggers}"
    )


def test_a_document_without_triggers_is_refused(tmp_path):
    from emberlint.catalog import parse_doc
    from emberlint.errors import CatalogError

    text = load_catalog()["EMB011"].path.read_text(encoding="utf-8")
    lines = [line for line in text.splitlines(keepends=True) if not line.startswith("triggers = ")]
    (tmp_path / "EMB011.md").write_text("".join(lines), encoding="utf-8")
    with pytest.raises(CatalogError, match="lacks 'triggers'"):
        parse_doc(tmp_path / "EMB011.md")
    (tmp_path / "EMB011.md").write_text(text.replace('triggers = ["softmax"]', 'triggers = ["Softmax"]'), encoding="utf-8")
    with pytest.raises(CatalogError, match="lower-case"):
        parse_doc(tmp_path / "EMB011.md")
