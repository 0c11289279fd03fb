"""A content-addressed cache of lint results, like ruff's.

An entry is keyed by the file's content digest and the exact rule set that ran
on it, inside a cache file named after the engine fingerprint (emberlint's
version plus the size and mtime of its own modules and rule documents, so an
edited rule never serves stale findings). The path is not part of the key: the
same content linted by the same rules gives the same findings anywhere.
The whole file is loaded once per run and written back atomically if it changed.

Findings that followed a value into other modules of the file's project
(`emberlint.semantic.project`) also depend on those files: such an entry records
the project root and each consulted file's digest, and answers only for a file
of the same project while every one of them is unchanged (`CachedResult.project`,
`.dependencies`; the runner checks them).
"""

from __future__ import annotations

import hashlib
import json
import os
import tempfile
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from emberlint import __version__

FORMAT = 3
MAX_ENTRIES = 100_000
ENV_VAR = "EMBERLINT_CACHE_DIR"

# (code, message, line, column, end_line, end_column, fix, replacement, notebook cell)
FindingRecord = tuple[str, str, int, int, int, int, str | None, str | None, int | None]


@dataclass(frozen=True)
class CachedResult:
    findings: list[FindingRecord]
    error: str | None  # a syntax error message, cached like findings
    project: str | None = None  # the root of the project the file was linted in
    dependencies: tuple[tuple[str, str], ...] = ()  # (path, content digest) of files consulted


def cache_directory(configured: Path | None) -> Path:
    """`EMBERLINT_CACHE_DIR`, else the `cache-dir` setting, else the user cache dir."""
    if os.environ.get(ENV_VAR):
        return Path(os.environ[ENV_VAR])
    if configured is not None:
        return configured
    import platformdirs

    return Path(platformdirs.user_cache_dir("emberlint"))


def engine_fingerprint() -> str:
    package = Path(__file__).resolve().parent
    from emberlint.catalog import catalog_dir

    sources = sorted(package.rglob("*.py")) + sorted(catalog_dir().glob("*.md"))
    digest = hashlib.blake2b(__version__.encode(), digest_size=12)
    for source in sources:
        status = source.stat()
        digest.update(f"{source.name}:{status.st_size}:{status.st_mtime_ns};".encode())
    return digest.hexdigest()


def rules_key(codes: Iterable[str]) -> str:
    return hashlib.blake2b(",".join(sorted(codes)).encode(), digest_size=8).hexdigest()


class Cache:
    def __init__(self, directory: Path) -> None:
        self.directory = directory
        self.path = directory / f"v{FORMAT}-{__version__}" / f"{engine_fingerprint()}.json"
        self.entries: dict[str, dict] = self._load()
        self.used: set[str] = set()
        self.dirty = False
        self.hits = 0
        self.misses = 0

    def _load(self) -> dict[str, dict]:
        try:
            with self.path.open(encoding="utf-8") as handle:
                loaded = json.load(handle)
        except (OSError, ValueError):
            return {}
        return loaded if isinstance(loaded, dict) else {}

    def get(self, digest: str, rules: str) -> CachedResult | None:
        key = f"{digest}:{rules}"
        entry = self.entries.get(key)
        if entry is None:
            self.misses += 1
            return None
        self.hits += 1
        self.used.add(key)
        return CachedResult(
            [tuple(record) for record in entry["findings"]],
            entry["error"],
            entry.get("project"),
            tuple(tuple(pair) for pair in entry.get("dependencies", ())),
        )

    def put(self, digest: str, rules: str, result: CachedResult) -> None:
        key = f"{digest}:{rules}"
        entry = {"findings": [list(record) for record in result.findings], "error": result.error}
        if result.project is not None:
            entry["project"] = result.project
            entry["dependencies"] = [list(pair) for pair in result.dependencies]
        self.entries[key] = entry
        self.used.add(key)
        self.dirty = True

    def save(self) -> None:
        """Write the cache atomically; a cache that cannot be written is not an error."""
        if not self.dirty:
            return
        entries = self.entries
        if len(entries) > MAX_ENTRIES:
            entries = {key: value for key, value in entries.items() if key in self.used}
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            tag = self.directory / "CACHEDIR.TAG"
            if not tag.exists():
                tag.write_text("Signature: 8a477f597d28d172789f06886806bc55\n# emberlint cache\n")
            descriptor, temporary = tempfile.mkstemp(dir=self.path.parent, suffix=".tmp")
            with os.fdopen(descriptor, "w", encoding="utf-8") as handle:
                json.dump(entries, handle, separators=(",", ":"))
            os.replace(temporary, self.path)
        except OSError:
            return
        self.dirty = False
