"""What a lint run reports: one finding per hazard, with its fix if any.

Kept free of libcst so the runner, the cache and the reporters load without it.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Finding:
    path: str
    code: str
    message: str
    line: int
    column: int  # 1-based, like ruff and rustc
    end_line: int
    end_column: int
    fix: str | None = None  # "safe" | "unsafe" | None when the rule offers no fix
    replacement: str | None = None  # the fixed code for the reported range
    cell: int | None = None  # a notebook's cell (from 1); then the lines are the cell's

    @property
    def sort_key(self) -> tuple:
        return (self.path, self.cell or 0, self.line, self.column, self.code)

