"""Reading Python files as text and writing them back byte for byte.

A file is decoded the way Python itself would (UTF-8 BOM, PEP 263 coding
cookie, UTF-8 by default) but without newline translation, so CRLF, mixed
endings and tabs reach libcst untouched and libcst's exact round trip keeps
them everywhere outside a fixed span. Writing re-encodes with the same
encoding (and BOM), then replaces the file atomically.
"""

from __future__ import annotations

import hashlib
import io
import os
import stat
import tempfile
import tokenize
from dataclasses import dataclass
from pathlib import Path

from emberlint.errors import SourceError, WriteError


def mentions_mlx(text: str) -> bool:
    """Cheap pre-filter: a module that never says `mlx` cannot import it."""
    return "mlx" in text


@dataclass(frozen=True)
class SourceFile:
    path: Path
    raw: bytes
    text: str
    encoding: str  # a Python codec name; "utf-8-sig" when the file starts with a BOM

    @property
    def digest(self) -> str:
        return content_digest(self.raw)

    def encode(self, text: str) -> bytes:
        try:
            return text.encode(self.encoding)
        except UnicodeEncodeError as error:
            raise WriteError(
                f"{self.path}: the fixed text cannot be encoded as {self.encoding}: {error}"
            ) from error


def content_digest(raw: bytes) -> str:
    return hashlib.blake2b(raw, digest_size=20).hexdigest()


def read_bytes(path: Path) -> bytes:
    try:
        return path.read_bytes()
    except FileNotFoundError as error:
        raise SourceError(f"{path}: cannot read: no such file") from error
    except IsADirectoryError as error:
        raise SourceError(f"{path}: cannot read: is a directory") from error
    except OSError as error:
        raise SourceError(f"{path}: cannot read: {error.strerror or error}") from error


def decode(path: Path, raw: bytes) -> SourceFile:
    try:
        encoding, _ = tokenize.detect_encoding(io.BytesIO(raw).readline)
        text = raw.decode(encoding)
    except (SyntaxError, UnicodeDecodeError, LookupError) as error:
        raise SourceError(f"{path}: cannot decode: {error}") from error
    return SourceFile(path=path, raw=raw, text=text, encoding=encoding)


def read_source(path: Path) -> SourceFile:
    return decode(path, read_bytes(path))


def write_atomically(path: Path, data: bytes, expected: bytes) -> None:
    """Replace the file's content with `data` if it still holds `expected`.

    The write goes to a temporary file in the same directory (so `os.replace` is
    atomic), is fsynced, gets the original permission bits and then replaces the
    file. A symlink is resolved first, so the link survives and its target changes.
    The content is compared just before replacing: a file edited meanwhile (or
    deleted) is not overwritten.
    """
    target = Path(os.path.realpath(path))
    try:
        mode = stat.S_IMODE(target.stat().st_mode)
        current = target.read_bytes()
    except FileNotFoundError as error:
        raise WriteError(f"{path}: vanished before the fix could be written; not fixed") from error
    except OSError as error:
        raise WriteError(f"{path}: cannot re-read before writing: {error.strerror or error}") from error
    if current != expected:
        raise WriteError(f"{path}: changed on disk while it was being fixed; not overwritten")
    if not mode & stat.S_IWUSR or not os.access(target, os.W_OK):
        raise WriteError(f"{path}: file is read-only; fix not written")
    temporary: str | None = None
    try:
        descriptor, temporary = tempfile.mkstemp(
            dir=target.parent, prefix=f".{target.name}.", suffix=".emberlint-tmp"
        )
        with os.fdopen(descriptor, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        os.chmod(temporary, mode)
        os.replace(temporary, target)
    except OSError as error:
        if temporary is not None:
            Path(temporary).unlink(missing_ok=True)
        raise WriteError(f"{path}: cannot write the fix: {error.strerror or error}") from error


def project_root(path: Path) -> Path | None:
    """The folder holding the top-level package `path` belongs to (None outside a
    package): the root of the project whose modules a rule may follow values into."""
    folder = path.resolve().parent
    if not (folder / "__init__.py").is_file():
        return None
    while (folder.parent / "__init__.py").is_file():
        folder = folder.parent
    return folder.parent
