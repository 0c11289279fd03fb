"""A corpus of real MLX code: pinned packages, downloaded once and unpacked into a cache.

Used by `benchmarks/lint_speed.py` and by the fix-safety tests. Each package is
fetched with `pip download --no-deps` (a wheel, or an sdist when there is no
wheel) and its Python sources are unpacked to
`$EMBERLINT_CORPUS_DIR` (default `~/.cache/emberlint-corpus`)/`<name>-<version>/`.
MLX's own Python sources come from the installed `mlx` package, after checking
that its version is the pinned one.

Run it as a script to fetch everything and print where it went.
"""

from __future__ import annotations

import importlib.metadata
import os
import shutil
import subprocess
import sys
import tarfile
import tempfile
import zipfile
from dataclasses import dataclass
from pathlib import Path

MLX_VERSION = "0.32.4"
PINNED = {
    "mlx-lm": "0.32.2",
    "mlx-vlm": "0.7.10",
    "mlx-whisper": "0.4.3",
}


class CorpusUnavailable(Exception):
    """A pinned package could not be fetched (registry unreachable or version gone)."""


@dataclass(frozen=True)
class CorpusPackage:
    name: str
    version: str
    root: Path  # the unpacked sources; import packages sit directly under it

    @property
    def label(self) -> str:
        return f"{self.name}=={self.version}"

    def python_files(self) -> list[Path]:
        return sorted(self.root.rglob("*.py"))


def corpus_dir() -> Path:
    configured = os.environ.get("EMBERLINT_CORPUS_DIR")
    if configured:
        return Path(configured)
    return Path.home() / ".cache" / "emberlint-corpus"


def fetch_package(name: str, version: str) -> CorpusPackage:
    """Download and unpack `name==version` unless the cache already has it."""
    root = corpus_dir() / f"{name}-{version}"
    if (root / ".complete").is_file():
        return CorpusPackage(name, version, root)
    with tempfile.TemporaryDirectory(dir=_ensure(corpus_dir())) as scratch:
        downloads = Path(scratch) / "download"
        result = subprocess.run(
            [
                sys.executable, "-m", "pip", "download", "--no-deps", "--quiet",
                "--disable-pip-version-check", "--dest", str(downloads),
                f"{name}=={version}",
            ],
            capture_output=True,
            text=True,
            timeout=300,
        )
        if result.returncode != 0:
            raise CorpusUnavailable(
                f"pip download {name}=={version} failed: {result.stderr.strip()[-500:]}"
            )
        (archive,) = list(downloads.iterdir())
        unpacked = Path(scratch) / "unpacked"
        _unpack_sources(archive, unpacked)
        shutil.rmtree(root, ignore_errors=True)
        unpacked.rename(root)  # same file system, so the cache never holds half a package
    (root / ".complete").write_text(archive.name + "\n")
    return CorpusPackage(name, version, root)


def installed_mlx() -> CorpusPackage:
    """MLX's own Python sources, copied from the installed `mlx` package."""
    installed = importlib.metadata.version("mlx")
    if installed != MLX_VERSION:
        raise CorpusUnavailable(f"mlx {installed} is installed; the corpus pins {MLX_VERSION}")
    root = corpus_dir() / f"mlx-{MLX_VERSION}"
    if (root / ".complete").is_file():
        return CorpusPackage("mlx", MLX_VERSION, root)
    distribution = importlib.metadata.distribution("mlx")
    with tempfile.TemporaryDirectory(dir=_ensure(corpus_dir())) as scratch:
        staging = Path(scratch) / "mlx"
        for file in distribution.files or ():
            if file.suffix == ".py":
                target = staging / file
                target.parent.mkdir(parents=True, exist_ok=True)
                shutil.copyfile(file.locate(), target)
        shutil.rmtree(root, ignore_errors=True)
        staging.rename(root)
    (root / ".complete").write_text(f"installed mlx {MLX_VERSION}\n")
    return CorpusPackage("mlx", MLX_VERSION, root)


def corpus() -> list[CorpusPackage]:
    """Every corpus package, fetching what the cache lacks."""
    return [fetch_package(name, version) for name, version in PINNED.items()] + [installed_mlx()]


def _ensure(path: Path) -> Path:
    path.mkdir(parents=True, exist_ok=True)
    return path


def _unpack_sources(archive: Path, destination: Path) -> None:
    """Extract only the `.py` files of a wheel or sdist; an sdist's top folder is dropped."""
    destination.mkdir(parents=True)
    if archive.suffix == ".whl":
        with zipfile.ZipFile(archive) as wheel:
            for member in wheel.namelist():
                if member.endswith(".py") and ".dist-info/" not in member:
                    _write_member(destination, member, wheel.read(member))
        return
    if archive.name.endswith((".tar.gz", ".tgz")):
        with tarfile.open(archive) as sdist:
            for member in sdist.getmembers():
                if member.isfile() and member.name.endswith(".py"):
                    inner = member.name.split("/", 1)[-1]
                    extracted = sdist.extractfile(member)
                    assert extracted is not None
                    _write_member(destination, inner, extracted.read())
        return
    raise CorpusUnavailable(f"unexpected archive type: {archive.name}")


def _write_member(destination: Path, member: str, data: bytes) -> None:
    target = (destination / member).resolve()
    if not target.is_relative_to(destination.resolve()):
        raise CorpusUnavailable(f"archive member escapes the destination: {member}")
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_bytes(data)


def main() -> None:
    for package in corpus():
        files = package.python_files()
        lines = sum(len(path.read_bytes().splitlines()) for path in files)
        print(f"{package.label:24} {len(files):5} files {lines:8} lines  {package.root}")


if __name__ == "__main__":
    main()
