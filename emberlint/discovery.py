"""Which files a run lints.

Files named on the command line are always linted (unless `--force-exclude`
and they match an exclude pattern), as in ruff. Directories are walked for
`.py`, `.pyi` and `.ipynb` files, skipping excluded directories (the default list, or
`exclude`, plus `extend-exclude`), virtual environments (any directory holding
a `pyvenv.cfg`) and whatever the `.gitignore` files on the way ignore, nested
ones included. Symlinked directories are not followed; symlinked files are
linted.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING

from emberlint.config import Settings

if TYPE_CHECKING:
    import pathspec

LINTED_SUFFIXES = (".py", ".pyi", ".ipynb")


@dataclass
class Discovered:
    files: list[Path] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)


class _Gitignores:
    """The `.gitignore` specs in force in one directory, outermost first."""

    def __init__(self, specs: tuple[tuple[Path, pathspec.GitIgnoreSpec], ...] = ()) -> None:
        self.specs = specs

    def entering(self, directory: Path) -> _Gitignores:
        spec = _load_gitignore(directory / ".gitignore")
        return _Gitignores((*self.specs, (directory, spec))) if spec else self

    def ignores(self, path: Path, is_dir: bool) -> bool:
        """The innermost `.gitignore` with a matching pattern decides."""
        verdict = None
        for base, spec in self.specs:
            try:
                relative = path.relative_to(base).as_posix()
            except ValueError:
                continue
            included = spec.check_file(relative + "/" if is_dir else relative).include
            if included is not None:
                verdict = included
        return bool(verdict)


def _load_gitignore(path: Path) -> pathspec.GitIgnoreSpec | None:
    try:
        lines = path.read_text(encoding="utf-8", errors="replace").splitlines()
    except OSError:
        return None
    if not lines:
        return None
    import pathspec

    return pathspec.GitIgnoreSpec.from_lines(lines)


class Discoverer:
    def __init__(self, settings: Settings, *, force_exclude: bool = False) -> None:
        self.settings = settings
        self.force_exclude = force_exclude
        self.root = settings.root.resolve()

    @cached_property
    def exclude(self) -> pathspec.GitIgnoreSpec:
        """Compiled on first use: a run over named files alone never needs it."""
        import pathspec

        return pathspec.GitIgnoreSpec.from_lines([*self.settings.exclude, *self.settings.extend_exclude])

    def discover(self, paths: list[Path]) -> Discovered:
        found = Discovered()
        seen: set[str] = set()

        def add(path: Path) -> None:
            key = os.path.abspath(path)
            if key not in seen:
                seen.add(key)
                found.files.append(path)

        for path in paths:
            if path.is_dir():
                if self.force_exclude and self._excluded(path, is_dir=True):
                    continue
                for file in self._walk(path, self._ancestor_gitignores(path)):
                    add(file)
            elif path.exists():
                if self.force_exclude and (
                    self._excluded(path, is_dir=False)
                    or self._gitignores_in(path.parent).ignores(
                        Path(os.path.abspath(path)), is_dir=False
                    )
                ):
                    continue
                add(path)
            else:
                found.errors.append(f"{path}: no such file or directory")
        return found

    def _excluded(self, path: Path, is_dir: bool) -> bool:
        absolute = Path(os.path.abspath(path))
        try:
            relative = absolute.relative_to(self.root).as_posix()
        except ValueError:
            relative = absolute.as_posix().lstrip("/")
        return self.exclude.match_file(relative + "/" if is_dir else relative)

    def _ancestor_gitignores(self, directory: Path) -> _Gitignores:
        """The `.gitignore` files above `directory`, up to the repository root."""
        if not self.settings.respect_gitignore:
            return _Gitignores()
        absolute = Path(os.path.abspath(directory))
        chain = []
        for ancestor in absolute.parents:
            chain.append(ancestor)
            if (ancestor / ".git").exists():
                break
        else:
            return _Gitignores()
        gitignores = _Gitignores()
        for ancestor in reversed(chain):
            gitignores = gitignores.entering(ancestor)
        return gitignores

    def _gitignores_in(self, directory: Path) -> _Gitignores:
        gitignores = self._ancestor_gitignores(directory)
        if self.settings.respect_gitignore:
            gitignores = gitignores.entering(Path(os.path.abspath(directory)))
        return gitignores

    def _walk(self, directory: Path, gitignores: _Gitignores):
        if self.settings.respect_gitignore:
            gitignores = gitignores.entering(Path(os.path.abspath(directory)))
        try:
            entries = sorted(os.scandir(directory), key=lambda entry: entry.name)
        except OSError:
            return
        for entry in entries:
            path = Path(entry.path)
            if entry.is_dir(follow_symlinks=False):
                if (
                    self._excluded(path, is_dir=True)
                    or gitignores.ignores(Path(os.path.abspath(path)), is_dir=True)
                    or (path / "pyvenv.cfg").exists()
                ):
                    continue
                yield from self._walk(path, gitignores)
            elif (
                entry.name.endswith(LINTED_SUFFIXES)
                and entry.is_file()
                and not self._excluded(path, is_dir=False)
                and not gitignores.ignores(Path(os.path.abspath(path)), is_dir=False)
            ):
                yield path
