"""Lint and fix one module's source text.

`lint_text` walks the tree once to build the semantic model, then calls every enabled
rule's `visit_<NodeType>` methods, and returns findings with positions, `# noqa` already applied. `fix_text` applies the
fixable findings (safe ones, plus unsafe ones when asked), re-lints, and repeats
until nothing more changes, so fixing twice is the same as fixing once. A fixed
text is returned only if it still parses and compiles. Only the rules whose
triggers the text holds run (`emberlint.screen`); `screen=False` runs them all.
"""

from __future__ import annotations

import io
import re
import tokenize
import warnings
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import libcst as cst
from libcst.metadata import CodeRange

from emberlint.errors import FixFailed
from emberlint.findings import Finding
from emberlint.positions import node_ranges
from emberlint.registry import UNUSED_NOQA, RuleSpec
from emberlint.rule import LintContext, Rule, Violation
from emberlint.screen import rules_that_can_fire
from emberlint.semantic import ProjectIndex, SemanticModel, attach
from emberlint.source import mentions_mlx

MAX_FIX_PASSES = 10
_NOQA = re.compile(r"#\s*noqa(?::\s*(?P<codes>[A-Z]+[0-9]+(?:[\s,]+[A-Z]+[0-9]+)*))?", re.IGNORECASE)


@dataclass(frozen=True)
class Suppression:
    line: int
    codes: frozenset[str] | None  # None: a blanket `# noqa`


def lint_text(
    source: str,
    path: str,
    rules: Sequence[RuleSpec],
    *,
    report_unused_noqa: bool = False,
    project: ProjectIndex | None = None,
    screen: bool = True,
) -> list[Finding]:
    """Findings for `source`; raises `cst.ParserSyntaxError` when it does not parse.

    With a `project` (the package tree `path` belongs to), rules may follow values
    into the project's other modules (`emberlint.semantic.project`).
    """
    if not mentions_mlx(source):
        return []
    module = cst.parse_module(source)
    findings, _ = _lint_module(module, source, path, rules, report_unused_noqa, project, screen)
    return findings


def fix_text(
    source: str,
    path: str,
    rules: Sequence[RuleSpec],
    *,
    unsafe: bool = False,
    report_unused_noqa: bool = False,
    project: ProjectIndex | None = None,
    screen: bool = True,
) -> tuple[str, list[Finding], list[Finding]]:
    """Returns (fixed source, findings fixed, findings left); `project` as for `lint_text`."""
    if not mentions_mlx(source):
        return source, [], []
    applied: list[Finding] = []
    current = source
    module = cst.parse_module(source)
    for _ in range(MAX_FIX_PASSES):
        findings, violations = _lint_module(module, current, path, rules, report_unused_noqa, project, screen)
        fixable = [
            (finding, violation)
            for finding, violation in zip(findings, violations)
            if violation is not None
            and violation.replacement is not None
            and (finding.fix == "safe" or (unsafe and finding.fix == "unsafe"))
        ]
        if not fixable:
            return current, applied, findings
        chosen = _outermost(fixable)
        fixed_module = _apply(module, [violation for _, violation in chosen])
        updated = fixed_module.code
        if updated == current:
            return current, applied, findings
        module = _parse_fixed(updated, path)
        applied.extend(finding for finding, _ in chosen)
        current = updated
    findings, _ = _lint_module(module, current, path, rules, report_unused_noqa, project, screen)
    return current, applied, findings


def fix_finding(source: str, path: str, rules: Sequence[RuleSpec], target: Finding) -> str | None:
    """`source` with only `target`'s fix applied (for an editor's quick fix);
    None when `target` is no longer found or has no fix."""
    module = cst.parse_module(source)
    findings, violations = _lint_module(module, source, path, rules, False)
    for finding, violation in zip(findings, violations):
        if finding == target and violation is not None and finding.replacement is not None:
            return _parse_fixed(_apply(module, [violation]).code, path).code
    return None


# -- running the rules ----------------------------------------------------


def _lint_module(
    module: cst.Module,
    source: str,
    path: str,
    rules: Sequence[RuleSpec],
    report_unused_noqa: bool,
    project: ProjectIndex | None = None,
    screen: bool = True,
) -> tuple[list[Finding], list[Violation | None]]:
    """Findings in source order, each paired with the violation that made it.

    `source` is `module`'s text (`module.code`, which would cost a codegen pass);
    it is screened again on every fixing pass, since a fix may bring in a trigger.
    """
    if screen:
        rules = rules_that_can_fire(rules, source)
    names, nodes = SemanticModel.for_module(module)
    if project is not None:
        attach(names, project, Path(path))
    context = LintContext(path=path, module=module, names=names)
    _run_rules([spec.visitor(context) for spec in rules if spec.visitor is not None], nodes)
    fix_kind = {spec.code: spec.doc.fix for spec in rules}
    suppressions = _suppressions(source) if ("noqa" in source) else {}
    used: set[tuple[int, str]] = set()
    positions = (
        node_ranges(module, [violation.node for violation in context.violations])
        if context.violations
        else {}
    )
    pairs: list[tuple[Finding, Violation | None]] = []
    for violation in context.violations:
        where: CodeRange = positions[violation.node]
        suppression = _suppressing(suppressions, where, violation.code)
        if suppression is not None:
            used.add((suppression.line, violation.code))
            continue
        kind = fix_kind[violation.code] if violation.fix_safety is None else violation.fix_safety
        has_fix = violation.replacement is not None and kind != "none"
        pairs.append(
            (
                Finding(
                    path=path,
                    code=violation.code,
                    message=violation.message,
                    line=where.start.line,
                    column=where.start.column + 1,
                    end_line=where.end.line,
                    end_column=where.end.column + 1,
                    fix=kind if has_fix else None,
                    replacement=module.code_for_node(violation.replacement) if has_fix else None,
                ),
                violation,
            )
        )
    names.release()
    if report_unused_noqa:
        pairs.extend((finding, None) for finding in _unused_noqa(path, suppressions, used))
    pairs.sort(key=lambda pair: pair[0].sort_key)
    return [finding for finding, _ in pairs], [violation for _, violation in pairs]


def _run_rules(rules: list[Rule], nodes: list[cst.CSTNode]) -> None:
    """Call every rule's `visit_<NodeType>` on each node, in visiting order."""
    handlers: dict[type, list] = {}
    for node in nodes:
        kind = type(node)
        methods = handlers.get(kind)
        if methods is None:
            name = f"visit_{kind.__name__}"
            methods = handlers[kind] = [
                getattr(rule, name) for rule in rules if hasattr(rule, name)
            ]
        for method in methods:
            method(node)


# -- suppressions -----------------------------------------------------------


def _suppressions(source: str) -> dict[int, Suppression]:
    found: dict[int, Suppression] = {}
    try:
        tokens = list(tokenize.generate_tokens(io.StringIO(source).readline))
    except (tokenize.TokenError, SyntaxError):
        return found
    for token in tokens:
        if token.type != tokenize.COMMENT:
            continue
        match = _NOQA.search(token.string)
        if match is None:
            continue
        codes = match.group("codes")
        line = token.start[0]
        found[line] = Suppression(
            line,
            frozenset(code.upper() for code in re.split(r"[\s,]+", codes) if code)
            if codes
            else None,
        )
    return found


def _suppressing(
    suppressions: dict[int, Suppression], where: CodeRange, code: str
) -> Suppression | None:
    """A noqa on the first or the last line of the finding suppresses it."""
    for line in (where.start.line, where.end.line):
        suppression = suppressions.get(line)
        if suppression is not None and (suppression.codes is None or code in suppression.codes):
            return suppression
    return None


def _unused_noqa(
    path: str, suppressions: dict[int, Suppression], used: set[tuple[int, str]]
) -> list[Finding]:
    """`# noqa: EMBxxx` codes that suppressed nothing. Blanket and foreign codes are
    left alone: they may belong to ruff or flake8 running beside emberlint."""
    findings = []
    for line, suppression in suppressions.items():
        if suppression.codes is None:
            continue
        unused = sorted(
            code
            for code in suppression.codes
            if code.startswith("EMB") and (line, code) not in used
        )
        if unused:
            findings.append(
                Finding(
                    path=path,
                    code=UNUSED_NOQA,
                    message=f"Unused `noqa` directive (unused: {', '.join(unused)})",
                    line=line,
                    column=1,
                    end_line=line,
                    end_column=1,
                )
            )
    return findings


# -- applying fixes ---------------------------------------------------------


def _outermost(
    fixable: list[tuple[Finding, Violation]],
) -> list[tuple[Finding, Violation]]:
    """Drop fixes nested in (or overlapping) an earlier chosen one; the next pass retries them."""
    chosen: list[tuple[Finding, Violation]] = []
    ordered = sorted(
        fixable,
        key=lambda pair: (pair[0].line, pair[0].column, -pair[0].end_line, -pair[0].end_column),
    )
    for finding, violation in ordered:
        start = (finding.line, finding.column)
        if any(
            start < (kept.end_line, kept.end_column)
            and (finding.end_line, finding.end_column) > (kept.line, kept.column)
            for kept, _ in chosen
        ):
            continue
        chosen.append((finding, violation))
    return chosen


class _Replacer(cst.CSTTransformer):
    def __init__(self, replacements: dict[cst.CSTNode, cst.CSTNode]) -> None:
        super().__init__()
        self.replacements = replacements

    def on_leave(self, original_node, updated_node):
        return self.replacements.get(original_node, updated_node)


def _apply(module: cst.Module, violations: list[Violation]) -> cst.Module:
    replacements = {violation.node: violation.replacement for violation in violations}
    fixed = module.visit(_Replacer(replacements))
    imports = []
    for violation in violations:
        for statement in violation.imports:
            if statement not in imports:
                imports.append(statement)
    return _add_imports(fixed, imports)


def _add_imports(module: cst.Module, statements: list[str]) -> cst.Module:
    """Add the import statements the module lacks, after its existing top-level imports."""
    present = {module.code_for_node(line).strip() for line in module.body}
    missing = [statement for statement in statements if statement not in present]
    if not missing:
        return module
    body = list(module.body)
    insert_at = 0
    for index, statement in enumerate(body):
        if _is_docstring(statement, index) or _is_import(statement):
            insert_at = index + 1
        else:
            break
    new_lines = [cst.parse_statement(statement + module.default_newline) for statement in missing]
    return module.with_changes(body=body[:insert_at] + new_lines + body[insert_at:])


def _is_import(statement: cst.CSTNode) -> bool:
    return isinstance(statement, cst.SimpleStatementLine) and all(
        isinstance(small, (cst.Import, cst.ImportFrom)) for small in statement.body
    )


def _is_docstring(statement: cst.CSTNode, index: int) -> bool:
    return (
        index == 0
        and isinstance(statement, cst.SimpleStatementLine)
        and len(statement.body) == 1
        and isinstance(statement.body[0], cst.Expr)
        and isinstance(statement.body[0].value, (cst.SimpleString, cst.ConcatenatedString))
    )


def _parse_fixed(source: str, path: str) -> cst.Module:
    """The fixed text as the next pass's module, once CPython also compiles it.

    The compile is a check only: CPython's SyntaxWarnings about the user's own
    code (`x is 1`, invalid escapes) are not emberlint's to print.
    """
    try:
        module = cst.parse_module(source)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            compile(source, path, "exec", dont_inherit=True)
        return module
    except (cst.ParserSyntaxError, SyntaxError, ValueError) as error:
        raise FixFailed(f"{path}: fixing produced code that does not compile: {error}") from error
