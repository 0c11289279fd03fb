"""Running the linter over many files: cache, parallelism, fixing, writing.

The main process reads and hashes every file and answers from the cache what it
can; the rest is linted in-process (one file, few files, `--jobs 1`) or in a
process pool. Each worker reads the file again, lints or fixes it, and writes a
fix back atomically only if the file still holds what it read.

libcst, the linter and the process pool are imported only once a file needs
them, so a run over files that never mention MLX stays a fraction of a second.
A file that no selected rule can fire on (by the rules' triggers, see
`emberlint.screen`) is not parsed by libcst either: CPython's parser only checks
that it is valid Python.
"""

from __future__ import annotations

import difflib
import gc
import os
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import TYPE_CHECKING, Literal

from emberlint.cache import (
    Cache,
    CachedResult,
    FindingRecord,
    cache_directory,
    rules_key,
)
from emberlint.config import Settings
from emberlint.errors import FixFailed, SourceError, WriteError
from emberlint.findings import Finding
from emberlint.notebook import is_notebook, notebook_error
from emberlint.registry import UNUSED_NOQA, RuleSpec, matches
from emberlint.screen import can_fire, syntax_error
from emberlint.source import (
    SourceFile,
    content_digest,
    mentions_mlx,
    project_root,
    read_source,
    write_atomically,
)

if TYPE_CHECKING:
    import pathspec

    from emberlint.semantic import ProjectIndex

Mode = Literal["check", "fix", "diff"]
# Below this many files to lint, a process pool costs more than it saves.
PARALLEL_THRESHOLD = 16
# libcst builds tens of thousands of small objects per module, and its trees hold no
# reference cycles: reference counting frees them. At CPython's default threshold
# (700 allocations) the cyclic collector runs hundreds of times per file, walking the
# live tree each time, and finds next to nothing; with these thresholds `lint_text`
# over the benchmark corpus takes 17% less time (the semantic model's few cycles,
# scopes and bindings, are still collected, only less often).
GC_THRESHOLDS = (100_000, 50, 100)


@contextmanager
def collecting_rarely() -> Iterator[None]:
    """Run the cyclic garbage collector rarely while linting; restore it after."""
    saved = gc.get_threshold()
    gc.set_threshold(*GC_THRESHOLDS)
    try:
        yield
    finally:
        gc.set_threshold(*saved)


@dataclass(frozen=True)
class RunOptions:
    mode: Mode = "check"
    unsafe_fixes: bool = False
    jobs: int = 1
    use_cache: bool = True
    screen: bool = True  # skip the rules (and the parse) the triggers rule out


@dataclass
class FileResult:
    path: str
    findings: list[Finding] = field(default_factory=list)  # left after fixing
    fixed: list[Finding] = field(default_factory=list)
    error: str | None = None
    diff: str | None = None
    linted: bool = False  # parsed by libcst in this run (not cached, not skipped)


@dataclass
class RunResult:
    files: list[FileResult]
    cache_hits: int = 0

    @property
    def findings(self) -> list[Finding]:
        return [finding for result in self.files for finding in result.findings]

    @property
    def fixed(self) -> list[Finding]:
        return [finding for result in self.files for finding in result.fixed]

    @property
    def errors(self) -> list[str]:
        return [result.error for result in self.files if result.error]

    @property
    def linted(self) -> int:
        return sum(result.linted for result in self.files)


@dataclass(frozen=True)
class _Task:
    path: Path
    display: str
    codes: tuple[str, ...]
    mode: Mode
    unsafe: bool
    screen: bool = True


def is_fixable(finding: Finding, unsafe: bool) -> bool:
    return finding.fix == "safe" or (unsafe and finding.fix == "unsafe")


class Runner:
    def __init__(self, settings: Settings, rules: Sequence[RuleSpec], options: RunOptions) -> None:
        self.settings = settings
        self.rules = {spec.code: spec for spec in rules}
        self.options = options
        self.per_file_ignores = _compile_per_file_ignores(settings.per_file_ignores)
        self.cache = Cache(cache_directory(settings.cache_dir)) if options.use_cache else None

    def codes_for(self, path: Path) -> tuple[str, ...]:
        """The enabled rule codes minus those `per-file-ignores` turns off for `path`."""
        absolute = Path(os.path.abspath(path))
        try:
            relative = absolute.relative_to(self.settings.root.resolve()).as_posix()
        except ValueError:
            relative = absolute.as_posix().lstrip("/")
        ignored = [
            code
            for spec, codes in self.per_file_ignores
            if spec.match_file(relative)
            for code in codes
        ]
        return tuple(
            code
            for code in self.rules
            if not any(matches(code, selector) for selector in ignored)
        )

    def run(self, paths: Sequence[Path]) -> RunResult:
        results: dict[int, FileResult] = {}
        tasks: list[tuple[int, _Task]] = []
        for index, path in enumerate(paths):
            display = str(path)
            try:
                source = read_source(path)
            except SourceError as error:
                results[index] = FileResult(display, error=str(error))
                continue
            if not mentions_mlx(source.text):
                # A notebook is still read, so that one that is not valid JSON is reported.
                results[index] = FileResult(
                    display, error=notebook_error(display, source.raw) if is_notebook(path) else None
                )
                continue
            codes = self.codes_for(path)
            cached = self._cached(source, codes, display)
            if cached is not None:
                results[index] = cached
                continue
            if self.options.screen and not is_notebook(path) and not self._can_fire(codes, source.text):
                results[index] = self._syntax_checked(source, codes, display)
                continue
            task = _Task(path, display, codes, self.options.mode, self.options.unsafe_fixes, self.options.screen)
            tasks.append((index, task))
        with collecting_rarely():
            outcomes = self._execute([task for _, task in tasks])
            for (index, task), (result, digest, record) in zip(tasks, outcomes):
                results[index] = result
                if self.cache is not None and record is not None:
                    self.cache.put(digest, rules_key(task.codes), record)
        if self.cache is not None:
            self.cache.save()
        return RunResult(
            files=[results[index] for index in range(len(paths))],
            cache_hits=self.cache.hits if self.cache else 0,
        )

    def _can_fire(self, codes: tuple[str, ...], text: str) -> bool:
        lowered = text.lower()
        return any(can_fire(self.rules[code], lowered) for code in codes)

    def _syntax_checked(self, source: SourceFile, codes: tuple[str, ...], display: str) -> FileResult:
        """The result for a file none of the rules can fire on: no findings, and a
        syntax error if CPython's parser finds one (cached like a lint result)."""
        located = syntax_error(source.text, display)
        if self.cache is not None:
            error = None if located is None else f"\0{located}"
            self.cache.put(source.digest, rules_key(codes), CachedResult([], error, _project_key(source.path)))
        return FileResult(display, error=None if located is None else f"{display}{located}")

    def _cached(self, source: SourceFile, codes: tuple[str, ...], display: str) -> FileResult | None:
        """The cached result, if it answers this run (nothing to fix in fix/diff mode)."""
        if self.cache is None:
            return None
        entry = self.cache.get(source.digest, rules_key(codes))
        if entry is None or not _still_current(entry, source.path):
            return None
        if entry.error is not None:
            return FileResult(display, error=entry.error.replace("\0", display, 1))
        findings = [_finding(display, record) for record in entry.findings]
        if self.options.mode != "check" and any(
            is_fixable(finding, self.options.unsafe_fixes) for finding in findings
        ):
            return None
        return FileResult(display, findings=findings)

    def _execute(self, tasks: list[_Task]):
        if self.options.jobs > 1 and len(tasks) >= PARALLEL_THRESHOLD:
            from concurrent.futures import ProcessPoolExecutor

            chunk = max(1, len(tasks) // (self.options.jobs * 8))
            with ProcessPoolExecutor(
                max_workers=self.options.jobs, initializer=_init_worker, initargs=(self.rules,)
            ) as pool:
                yield from pool.map(_process_in_worker, tasks, chunksize=chunk)
        else:
            for task in tasks:
                yield process_file(task, self.rules)


def _compile_per_file_ignores(
    entries: Sequence[tuple[str, Sequence[str]]],
) -> list[tuple[pathspec.GitIgnoreSpec, Sequence[str]]]:
    if not entries:
        return []
    import pathspec

    return [(pathspec.GitIgnoreSpec.from_lines([pattern]), codes) for pattern, codes in entries]


# The rules a pool worker runs, sent once per worker rather than with every task.
_worker_rules: dict[str, RuleSpec] = {}


def _init_worker(rules: dict[str, RuleSpec]) -> None:
    _worker_rules.update(rules)
    gc.set_threshold(*GC_THRESHOLDS)


def _process_in_worker(task: _Task) -> tuple[FileResult, str, CachedResult | None]:
    return process_file(task, _worker_rules)


def _finding(path: str, record: FindingRecord) -> Finding:
    code, message, line, column, end_line, end_column, fix, replacement, cell = record
    return Finding(path, code, message, line, column, end_line, end_column, fix, replacement, cell)


def _record(finding: Finding) -> FindingRecord:
    return (
        finding.code,
        finding.message,
        finding.line,
        finding.column,
        finding.end_line,
        finding.end_column,
        finding.fix,
        finding.replacement,
        finding.cell,
    )


def process_file(
    task: _Task, rules_by_code: dict[str, RuleSpec]
) -> tuple[FileResult, str, CachedResult | None]:
    """Lint (and fix) one file. Returns the result, the digest of the content the
    remaining findings belong to, and what to cache for it (None: do not cache)."""
    import libcst as cst

    from emberlint import linter

    try:
        source = read_source(task.path)
    except SourceError as error:
        return FileResult(task.display, error=str(error)), "", None
    rules = [rules_by_code[code] for code in task.codes]
    unused_noqa = UNUSED_NOQA in task.codes
    if is_notebook(task.path):
        return _process_notebook(task, source, rules, unused_noqa)
    project = _project(task.path)
    try:
        if task.mode == "check":
            findings = linter.lint_text(
                source.text, task.display, rules, report_unused_noqa=unused_noqa, project=project, screen=task.screen
            )
            result = FileResult(task.display, findings=findings, linted=True)
            record = _with_dependencies(CachedResult([_record(f) for f in findings], None), project)
            return result, source.digest, record
        return _fix(task, source, rules, unused_noqa, project)
    except cst.ParserSyntaxError as error:
        message = f"syntax error: {error.message}"
        located = f"{error.raw_line}:{error.raw_column + 1}: {message}"
        result = FileResult(task.display, error=f"{task.display}:{located}", linted=True)
        # The path is not part of the cache key: store a placeholder for it.
        return result, source.digest, CachedResult([], f"\0:{located}")
    except (FixFailed, WriteError) as error:
        findings = linter.lint_text(
            source.text, task.display, rules, report_unused_noqa=unused_noqa, project=project, screen=task.screen
        )
        return FileResult(task.display, findings=findings, error=str(error), linted=True), "", None
    except Exception as error:  # noqa: BLE001 -- a rule or libcst bug must not stop the run
        message = f"{task.display}: internal error: {type(error).__name__}: {error}"
        return FileResult(task.display, error=message, linted=True), "", None


# One project index per package tree and process: other modules are parsed once per run.
_projects: dict[Path, ProjectIndex] = {}


def _project(path: Path) -> ProjectIndex | None:
    """The index of the package tree `path` is in (rules follow values into its modules)."""
    from emberlint.semantic import ProjectIndex

    root = project_root(path)
    if root is None:
        return None
    if root not in _projects:
        _projects[root] = ProjectIndex(root)
    project = _projects[root]
    project.consulted()  # start this file's record of what it reads
    return project


def _with_dependencies(record: CachedResult, project: ProjectIndex | None) -> CachedResult:
    """`record` keyed on the project and the files its questions consulted."""
    if project is None:
        return record
    consulted = tuple(sorted((str(path), digest) for path, digest in project.consulted().items()))
    return replace(record, project=str(project.root), dependencies=consulted)


def _project_key(path: Path) -> str | None:
    """The project root a cache entry of the file at `path` is made in (`CachedResult.project`)."""
    root = project_root(path)
    return str(root) if root is not None else None


def _still_current(entry: CachedResult, path: Path) -> bool:
    """The entry was made in the project `path` is in, and the files it consulted are unchanged
    (notebooks are linted on their own)."""
    if is_notebook(path):
        return True
    if _project_key(path) != entry.project:
        return False
    for consulted, digest in entry.dependencies:
        try:
            if content_digest(Path(consulted).read_bytes()) != digest:
                return False
        except OSError:
            return False
    return True


def unified_diff(before: str, after: str, path: str) -> str:
    """A unified diff that stays well-formed when the file lacks a final newline."""
    lines = difflib.unified_diff(
        before.splitlines(keepends=True), after.splitlines(keepends=True), fromfile=path, tofile=path
    )
    return "".join(
        line if line.endswith(("\n", "\r")) else line + "\n\\ No newline at end of file\n"
        for line in lines
    )


def _fix(
    task: _Task, source: SourceFile, rules: list[RuleSpec], unused_noqa: bool, project: ProjectIndex | None
) -> tuple[FileResult, str, CachedResult | None]:
    from emberlint import linter

    fixed_text, fixed, remaining = linter.fix_text(
        source.text, task.display, rules, unsafe=task.unsafe, report_unused_noqa=unused_noqa, project=project, screen=task.screen
    )
    record = _with_dependencies(CachedResult([_record(f) for f in remaining], None), project)
    if fixed_text == source.text:
        return FileResult(task.display, findings=remaining, linted=True), source.digest, record
    data = source.encode(fixed_text)
    if task.mode == "diff":
        diff = unified_diff(source.text, fixed_text, task.display)
        result = FileResult(task.display, findings=remaining, fixed=fixed, diff=diff, linted=True)
        return result, "", None
    write_atomically(task.path, data, source.raw)
    result = FileResult(task.display, findings=remaining, fixed=fixed, linted=True)
    return result, SourceFile(task.path, data, fixed_text, source.encoding).digest, record


def _process_notebook(
    task: _Task, source: SourceFile, rules: list[RuleSpec], unused_noqa: bool
) -> tuple[FileResult, str, CachedResult | None]:
    """Lint (and fix) a notebook's code cells as one module; findings name their cell."""
    import libcst as cst

    from emberlint import linter
    from emberlint.notebook import Notebook

    try:
        notebook = Notebook.from_bytes(task.display, source.raw)
    except SourceError as error:
        located = str(error).removeprefix(task.display)
        return FileResult(task.display, error=str(error)), source.digest, CachedResult([], f"\0{located}")

    def lint() -> list[Finding]:
        found = linter.lint_text(
            notebook.module, task.display, rules, report_unused_noqa=unused_noqa, screen=task.screen
        )
        return [notebook.locate(finding) for finding in found]

    try:
        if task.mode == "check":
            findings = lint()
            result = FileResult(task.display, findings=findings, linted=True)
            return result, source.digest, CachedResult([_record(f) for f in findings], None)
        fixed_module, fixed, remaining = linter.fix_text(
            notebook.module,
            task.display,
            rules,
            unsafe=task.unsafe,
            report_unused_noqa=unused_noqa,
            screen=task.screen,
        )
        fixed = [notebook.locate(finding) for finding in fixed]
        remaining = [notebook.locate(finding) for finding in remaining]
        changed = notebook.fixed_sources(fixed_module) if fixed_module != notebook.module else {}
        record = CachedResult([_record(f) for f in remaining], None)
        if not changed:
            return FileResult(task.display, findings=remaining, linted=True), source.digest, record
        if task.mode == "diff":
            diff = "".join(
                unified_diff(
                    notebook.code_cell_source(index), text, f"{task.display}:cell {index + 1}"
                )
                for index, text in sorted(changed.items())
            )
            result = FileResult(task.display, findings=remaining, fixed=fixed, diff=diff, linted=True)
            return result, "", None
        data = notebook.rewritten(changed).encode("utf-8")
        write_atomically(task.path, data, source.raw)
        result = FileResult(task.display, findings=remaining, fixed=fixed, linted=True)
        return result, content_digest(data), record
    except cst.ParserSyntaxError as error:
        cell, line = notebook.locate_line(error.raw_line)
        located = f":cell {cell}:{line}:{error.raw_column + 1}: syntax error: {error.message}"
        result = FileResult(task.display, error=f"{task.display}{located}", linted=True)
        return result, source.digest, CachedResult([], f"\0{located}")
    except (FixFailed, WriteError) as error:
        return FileResult(task.display, findings=lint(), error=str(error), linted=True), "", None
    except Exception as error:  # noqa: BLE001 -- a rule or libcst bug must not stop the run
        message = f"{task.display}: internal error: {type(error).__name__}: {error}"
        return FileResult(task.display, error=message, linted=True), "", None
