"""Jupyter notebooks as one Python module, and back.

The code cells are joined, in cell order, into one module, so an import in cell
1 resolves in cell 5. Between two cells stands a boundary comment, which lets
the fixed module be cut back into cells however many lines a fix added. IPython
syntax is not Python: a line magic, shell escape or help line (`%timeit f()`,
`!pip install mlx`, `files = !ls`, `mx.rsqrt?`) becomes a numbered placeholder
statement at the same indentation, so line numbers and blocks survive, and is
put back exactly when the cells are rebuilt; a cell that starts with a cell
magic (`%%time`, `%%bash`) is left out whole. Notebooks whose kernel is not
Python are not linted.

Cells are numbered from 1 by their position in the notebook, markdown cells
included: `cell 3` is `cells[2]` in the JSON and the third cell on screen.

Only the sources of the code cells that a fix changed are replaced; outputs,
execution counts, metadata and key order stay as they were, and the JSON is
written in the style it was read in (indent, separators, `ensure_ascii`, final
newline), found by re-serialising the notebook until it matches the file byte
for byte. A notebook whose formatting cannot be reproduced is linted but never
rewritten.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from emberlint.errors import FixFailed, SourceError, WriteError
from emberlint.findings import Finding

NOTEBOOK_SUFFIX = ".ipynb"
_BOUNDARY = "# emberlint: notebook cell boundary"
_PLACEHOLDER = "pass  # emberlint: ipython line {index}"
_PLACEHOLDER_LINE = re.compile(r"^(?P<indent>[ \t]*)pass  # emberlint: ipython line (?P<index>\d+)$")
_LINES = re.compile(r"[^\r\n]*(?:\r\n|\r|\n)|[^\r\n]+\Z")
# `%magic`, `!cmd`, `?name`, `name?`/`name??`, and `x = %magic` / `x = !cmd` assignments.
_IPYTHON_LINE = re.compile(
    r"^[ \t]*(?:[%!?]|[\w.]+\?\??[ \t]*$|[\w.]+(?:[ \t]*,[ \t]*[\w.]+)*[ \t]*=[ \t]*[%!])"
)


def is_notebook(path: Path | str) -> bool:
    return str(path).endswith(NOTEBOOK_SUFFIX)


def notebook_error(path: Path | str, raw: bytes) -> str | None:
    """Why the file is not a notebook emberlint can read, or None when it is one."""
    try:
        Notebook.from_bytes(path, raw)
    except SourceError as error:
        return str(error)
    return None


def _lines(text: str) -> list[str]:
    """Lines with their endings, split only where Python splits them."""
    return _LINES.findall(text)


def _ending(line: str) -> str:
    return line[len(line.rstrip("\r\n")):]


@dataclass(frozen=True)
class JsonStyle:
    indent: int | str | None
    separators: tuple[str, str]
    ensure_ascii: bool
    final_newline: bool

    def dumps(self, document: Any) -> str:
        text = json.dumps(
            document, indent=self.indent, separators=self.separators, ensure_ascii=self.ensure_ascii
        )
        return text + "\n" if self.final_newline else text

    @classmethod
    def matching(cls, text: str, document: Any) -> JsonStyle | None:
        """The style that writes `document` back as exactly `text`, if there is one."""
        final_newline = text.endswith("\n")
        second_line = text.split("\n", 2)[1] if text.count("\n") > int(final_newline) else None
        candidates: list[tuple[int | str | None, tuple[str, str]]] = []
        if second_line is None:
            candidates += [(None, (", ", ": ")), (None, (",", ":"))]
        else:
            leading = second_line[: len(second_line) - len(second_line.lstrip(" \t"))]
            detected: int | str = leading if "\t" in leading else len(leading)
            candidates += [(indent, (",", ": ")) for indent in dict.fromkeys((detected, 1, 2, 4))]
        prefer_ascii = text.isascii() and "\\u" in text
        for indent, separators in candidates:
            for ensure_ascii in (prefer_ascii, not prefer_ascii):
                style = cls(indent, separators, ensure_ascii, final_newline)
                if style.dumps(document) == text:
                    return style
        return None


@dataclass
class _CodeCell:
    index: int  # position in `cells`, from 0
    source: str
    first_line: int  # the cell's first line in the module, from 1
    line_count: int


class Notebook:
    """A parsed notebook and its code cells joined into `module`."""

    def __init__(self, path: Path | str, text: str) -> None:
        self.path = str(path)
        self.text = text
        self.bom = text.startswith("\ufeff")
        try:
            self.document = json.loads(text[1:] if self.bom else text)
        except ValueError as error:
            raise SourceError(f"{path}: not a valid notebook: invalid JSON: {error}") from error
        cells = self.document.get("cells") if isinstance(self.document, dict) else None
        if not isinstance(cells, list) or not all(_valid_cell(cell) for cell in cells):
            raise SourceError(
                f"{path}: not a valid notebook: expected an nbformat 4 document "
                "(a `cells` list whose cells have a `cell_type` and a `source`)"
            )
        self.cells: list[dict] = cells
        self.code_cells: list[_CodeCell] = []
        self.ipython_lines: list[str] = []
        self.origins: list[tuple[int, int]] = []  # module line - 1 -> (cell number, line in cell)
        self.module = self._join() if self.is_python else ""

    @classmethod
    def from_bytes(cls, path: Path | str, raw: bytes) -> Notebook:
        """A notebook file is UTF-8 JSON (a BOM is kept), whatever coding comment a cell holds."""
        try:
            return cls(path, raw.decode("utf-8"))
        except UnicodeDecodeError as error:
            raise SourceError(f"{path}: not a valid notebook: not UTF-8: {error}") from error

    @property
    def is_python(self) -> bool:
        metadata = self.document.get("metadata") or {}
        language = (metadata.get("language_info") or {}).get("name") or (
            metadata.get("kernelspec") or {}
        ).get("language")
        return language is None or str(language).lower() == "python"

    def _join(self) -> str:
        parts: list[str] = []
        for index, cell in enumerate(self.cells):
            if cell["cell_type"] != "code":
                continue
            source = _source_text(cell["source"])
            if source.lstrip().startswith("%%"):
                continue
            first_line = len(self.origins) + 1
            continued = False
            scanner = _Scanner()
            lines = _lines(source)
            for number, line in enumerate(lines, 1):
                body = line.rstrip("\r\n")
                if continued or (scanner.at_statement_start and _IPYTHON_LINE.match(body)):
                    if not continued:  # continuation lines keep the first line's block
                        indent = body[: len(body) - len(body.lstrip(" \t"))]
                    parts.append(indent + _PLACEHOLDER.format(index=len(self.ipython_lines)))
                    parts.append(_ending(line) or "\n")
                    self.ipython_lines.append(body)
                    continued = body.endswith("\\")
                else:
                    scanner.feed(body)
                    parts.append(line if _ending(line) else line + "\n")
                self.origins.append((index + 1, number))
            self.code_cells.append(_CodeCell(index, source, first_line, len(lines)))
            parts.append(_BOUNDARY + "\n")
            self.origins.append((index + 1, max(len(lines), 1)))
        return "".join(parts)

    # -- positions --------------------------------------------------------

    def locate(self, finding: Finding) -> Finding:
        """`finding` (on module lines) with its cell and lines in that cell."""
        cell, line = self.origins[finding.line - 1]
        end_cell, end_line = self.origins[min(finding.end_line, len(self.origins)) - 1]
        end_column = finding.end_column
        if end_cell != cell:
            end_line = line
            end_column = finding.column
        return replace(finding, cell=cell, line=line, end_line=end_line, end_column=end_column)

    def locate_line(self, module_line: int) -> tuple[int, int]:
        return self.origins[min(max(module_line, 1), len(self.origins)) - 1]

    def code_cell_source(self, index: int) -> str:
        return _source_text(self.cells[index]["source"])

    def cell_lines(self, cell: int) -> list[str]:
        """The lines of cell `cell` (numbered from 1), without their endings."""
        if not 1 <= cell <= len(self.cells):
            return []
        return [line.rstrip("\r\n") for line in _lines(_source_text(self.cells[cell - 1]["source"]))]

    # -- back to cells ----------------------------------------------------

    def fixed_sources(self, fixed_module: str) -> dict[int, str]:
        """The new source of every code cell that `fixed_module` changed, by cell index."""
        segments: list[list[str]] = [[]]
        for line in _lines(fixed_module):
            if line.rstrip("\r\n") == _BOUNDARY:
                segments.append([])
            else:
                segments[-1].append(line)
        if len(segments) != len(self.code_cells) + 1 or segments[-1]:
            raise FixFailed(f"{self.path}: fixing moved code across a cell boundary; not fixed")
        changed: dict[int, str] = {}
        for cell, lines in zip(self.code_cells, segments):
            restored = "".join(self._restore(line) for line in lines)
            if not cell.source.endswith(("\n", "\r")) and restored.endswith("\n"):
                restored = restored[:-1]
            if restored != cell.source:
                changed[cell.index] = restored
        return changed

    def _restore(self, line: str) -> str:
        match = _PLACEHOLDER_LINE.match(line.rstrip("\r\n"))
        if match is None:
            return line
        return self.ipython_lines[int(match.group("index"))] + _ending(line)

    def rewritten(self, sources: dict[int, str]) -> str:
        """The notebook's text with the given cell sources, in the file's own JSON style."""
        style = JsonStyle.matching(self.text[1:] if self.bom else self.text, self.document)
        if style is None:
            raise WriteError(
                f"{self.path}: the notebook's JSON formatting cannot be reproduced exactly; "
                "fix not written"
            )
        for index, source in sources.items():
            cell = self.cells[index]
            cell["source"] = _lines(source) if isinstance(cell["source"], list) else source
        return ("\ufeff" if self.bom else "") + style.dumps(self.document)


class _Scanner:
    """Just enough of Python's tokenizer to tell whether the next line starts a
    statement: not inside brackets, a triple-quoted string or a backslash
    continuation. IPython reads `%`, `!` and `?` only there (`% x` inside
    parentheses is the modulo operator)."""

    def __init__(self) -> None:
        self.depth = 0
        self.open_string: str | None = None  # the delimiter of an unclosed triple-quoted string
        self.backslash = False

    @property
    def at_statement_start(self) -> bool:
        return self.depth == 0 and self.open_string is None and not self.backslash

    def feed(self, line: str) -> None:
        position = 0
        while position < len(line):
            if self.open_string is not None:
                position = self._skip_string(line, position, self.open_string)
                continue
            char = line[position]
            if char == "#":
                break
            if char in "\"'":
                delimiter = char * 3 if line.startswith(char * 3, position) else char
                position = self._skip_string(line, position + len(delimiter), delimiter)
            else:
                if char in "([{":
                    self.depth += 1
                elif char in ")]}":
                    self.depth = max(self.depth - 1, 0)
                position += 1
        self.backslash = self.open_string is None and line.endswith("\\")

    def _skip_string(self, line: str, position: int, delimiter: str) -> int:
        """Past the string's end on this line; a triple-quoted one may stay open."""
        while position < len(line):
            if line[position] == "\\":
                position += 2
            elif line.startswith(delimiter, position):
                self.open_string = None
                return position + len(delimiter)
            else:
                position += 1
        self.open_string = delimiter if len(delimiter) == 3 else None
        return position


def _valid_cell(cell: Any) -> bool:
    if not isinstance(cell, dict) or not isinstance(cell.get("cell_type"), str):
        return False
    source = cell.get("source")
    return isinstance(source, str) or (
        isinstance(source, list) and all(isinstance(line, str) for line in source)
    )


def _source_text(source: str | list[str]) -> str:
    return source if isinstance(source, str) else "".join(source)
