"""Settings from `[tool.emberlint]`, found in the nearest pyproject.toml.

The search walks up from the first path given on the command line (or the
current directory) to the first pyproject.toml that has a `[tool.emberlint]`
table, as ruff does for `[tool.ruff]`. `--config FILE` names the file instead:
a pyproject.toml (its `[tool.emberlint]` table) or any other TOML file (its top
level). Relative patterns are relative to the directory holding that file.
"""

from __future__ import annotations

import os
import tomllib
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from emberlint.catalog import DTYPES
from emberlint.errors import ConfigError

DEFAULT_EXCLUDES = (
    ".git",
    ".hg",
    ".svn",
    ".venv",
    "venv",
    "__pycache__",
    "build",
    "dist",
    ".tox",
    ".nox",
    ".mypy_cache",
    ".ruff_cache",
    ".pytest_cache",
    "node_modules",
    "site-packages",
)


def _is_string_list(value: Any) -> bool:
    return isinstance(value, list) and all(isinstance(item, str) for item in value)


def _is_per_file_ignores(value: Any) -> bool:
    return isinstance(value, dict) and all(
        isinstance(pattern, str) and _is_string_list(codes) for pattern, codes in value.items()
    )


# key -> (validator, what the value must be)
_SCHEMA = {
    "select": (_is_string_list, "a list of rule codes or prefixes"),
    "extend-select": (_is_string_list, "a list of rule codes or prefixes"),
    "ignore": (_is_string_list, "a list of rule codes or prefixes"),
    "per-file-ignores": (_is_per_file_ignores, "a table of glob = [codes]"),
    "exclude": (_is_string_list, "a list of glob patterns"),
    "extend-exclude": (_is_string_list, "a list of glob patterns"),
    "unsafe-fixes": (lambda value: isinstance(value, bool), "true or false"),
    "respect-gitignore": (lambda value: isinstance(value, bool), "true or false"),
    "cache-dir": (lambda value: isinstance(value, str), "a path string"),
    "dtypes": (_is_string_list, f"a list of dtypes ({', '.join(DTYPES)})"),
}


@dataclass(frozen=True)
class Settings:
    root: Path  # directory the patterns are relative to
    config_path: Path | None = None
    select: tuple[str, ...] | None = None
    extend_select: tuple[str, ...] = ()
    ignore: tuple[str, ...] = ()
    per_file_ignores: tuple[tuple[str, tuple[str, ...]], ...] = ()
    exclude: tuple[str, ...] = DEFAULT_EXCLUDES
    extend_exclude: tuple[str, ...] = ()
    unsafe_fixes: bool = False
    respect_gitignore: bool = True
    cache_dir: Path | None = None
    dtypes: tuple[str, ...] = DTYPES  # the dtypes the project's arrays run in


def parse_dtypes(values: list[str], origin: str) -> tuple[str, ...]:
    """Validated dtype names, in the catalog's order; a ConfigError names a bad one."""
    for value in values:
        if value not in DTYPES:
            raise ConfigError(f"{origin}: unknown dtype '{value}' (known: {', '.join(DTYPES)})")
    if not values:
        raise ConfigError(f"{origin}: name at least one dtype ({', '.join(DTYPES)})")
    return tuple(dtype for dtype in DTYPES if dtype in values)


def find_pyproject(start: Path) -> Path | None:
    """The nearest pyproject.toml with a `[tool.emberlint]` table, from `start` up."""
    directory = start.resolve()
    if not directory.is_dir():
        directory = directory.parent
    for candidate in (directory, *directory.parents):
        pyproject = candidate / "pyproject.toml"
        if pyproject.is_file() and "emberlint" in _read_toml(pyproject).get("tool", {}):
            return pyproject
    return None


def load_settings(start: Path, config: Path | None = None) -> Settings:
    """Settings for a run whose first path is `start` (explicit `config` wins)."""
    if config is not None:
        if not config.is_file():
            raise ConfigError(f"{config}: config file not found")
        document = _read_toml(config)
        table = document.get("tool", {}).get("emberlint", {}) if config.name == "pyproject.toml" else document
        return settings_from_table(table, config.resolve())
    pyproject = find_pyproject(start)
    if pyproject is None:
        return Settings(root=Path.cwd())
    return settings_from_table(_read_toml(pyproject)["tool"]["emberlint"], pyproject.resolve())


def settings_from_table(table: Any, path: Path) -> Settings:
    if not isinstance(table, dict):
        raise ConfigError(f"{path}: [tool.emberlint] must be a table")
    for key, value in table.items():
        if key not in _SCHEMA:
            known = ", ".join(_SCHEMA)
            raise ConfigError(f"{path}: unknown key '{key}' in [tool.emberlint] (known: {known})")
        valid, expected = _SCHEMA[key]
        if not valid(value):
            raise ConfigError(f"{path}: '{key}' must be {expected}, got {value!r}")
    root = path.parent
    cache_dir = table.get("cache-dir")
    return Settings(
        root=root,
        config_path=path,
        select=tuple(table["select"]) if "select" in table else None,
        extend_select=tuple(table.get("extend-select", ())),
        ignore=tuple(table.get("ignore", ())),
        per_file_ignores=tuple(
            (pattern, tuple(codes)) for pattern, codes in table.get("per-file-ignores", {}).items()
        ),
        exclude=tuple(table["exclude"]) if "exclude" in table else DEFAULT_EXCLUDES,
        extend_exclude=tuple(table.get("extend-exclude", ())),
        unsafe_fixes=table.get("unsafe-fixes", False),
        respect_gitignore=table.get("respect-gitignore", True),
        cache_dir=(root / os.path.expanduser(cache_dir)) if cache_dir else None,
        dtypes=parse_dtypes(table["dtypes"], f"{path}: dtypes") if "dtypes" in table else DTYPES,
    )


def _read_toml(path: Path) -> dict:
    try:
        with path.open("rb") as handle:
            return tomllib.load(handle)
    except tomllib.TOMLDecodeError as error:
        raise ConfigError(f"{path}: invalid TOML: {error}") from error
    except OSError as error:
        raise ConfigError(f"{path}: cannot read: {error.strerror or error}") from error
