"""Differential test of name resolution against libcst's `QualifiedNameProvider`
on real MLX code: every pinned corpus package (mlx-lm 0.32.2 and the packages the
speed benchmark uses, see `benchmarks/corpus.py`).

At every call site whose callee either resolver names `mlx` or `mlx.*`, the
model must give the callee exactly libcst's set of qualified names, except for
the one kind of difference listed below, where the model is right:

- METHOD_OF_A_RESULT: a method called on what a call or subscript returned,
  `mx.array(x).flatten()` or `mx.load(path).items()`. libcst strips the call and
  names the method as if it were a member of the function's namespace
  (`mlx.core.array.flatten`, `mlx.core.load.items`); it is a method of the
  returned value, which has no qualified name, so the model gives none.

Measured when this test was written: 4,604 call sites in mlx-lm 0.32.2,
mlx-whisper 0.4.3 and mlx 0.32.4 and 18,121 in mlx-vlm 0.7.10, with no
difference other than METHOD_OF_A_RESULT.

Slow (libcst's scope analysis is ~4x the parse): run one package with
`-k mlx-lm`. Skips, with the reason, when a package cannot be fetched.
"""

from __future__ import annotations

from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

import corpus  # benchmarks/corpus.py: tests/conftest.py puts its folder on the path
import libcst as cst
import pytest
from libcst.metadata import MetadataWrapper, QualifiedNameProvider

from emberlint.semantic import SemanticModel, dotted

METHOD_OF_A_RESULT = "method of a call's or subscript's result"


PACKAGES = [*corpus.PINNED, "mlx"]


def _mentions_mlx_name(names: set[str]) -> bool:
    return any(name == "mlx" or name.startswith("mlx.") for name in names)


def differences(path: str) -> tuple[int, list[tuple[str, str, list[str], list[str], str]]]:
    """(call sites compared, differences as (path, callee, libcst's, ours, reason))."""
    text = Path(path).read_text(encoding="utf-8")
    if "mlx" not in text:
        return 0, []
    module = cst.parse_module(text)
    provided = MetadataWrapper(module, unsafe_skip_copy=True).resolve(QualifiedNameProvider)
    model, order = SemanticModel.for_module(module)
    sites, found = 0, []
    for node in order:
        if type(node) is not cst.Call:
            continue
        theirs = provided.get(node.func, set())
        theirs = {qualified.name for qualified in (theirs() if callable(theirs) else theirs)}
        ours = model.qualified_names(node.func)
        if not _mentions_mlx_name(theirs | ours):
            continue
        sites += 1
        if theirs == ours:
            continue
        reason = METHOD_OF_A_RESULT if dotted(node.func) is None and not ours else "unexplained"
        callee = module.code_for_node(node.func).strip().replace("\n", " ")[:80]
        found.append((path, callee, sorted(theirs), sorted(ours), reason))
    return sites, found


def _package_files(name: str) -> list[str]:
    try:
        if name == "mlx":
            package = corpus.installed_mlx()
        else:
            package = corpus.fetch_package(name, corpus.PINNED[name])
    except corpus.CorpusUnavailable as error:
        pytest.skip(f"{name}: no real corpus ({error})")
    return [
        str(path)
        for path in package.python_files()
        if "build" not in path.relative_to(package.root).parts  # stale copies in mlx-whisper's wheel
    ]


@pytest.mark.parametrize("package", PACKAGES)
def test_call_sites_resolve_as_libcst_does(package):
    files = _package_files(package)
    with ProcessPoolExecutor(max_workers=2) as pool:
        results = list(pool.map(differences, files, chunksize=8))
    sites = sum(count for count, _ in results)
    found = [difference for _, differences_in_file in results for difference in differences_in_file]
    unexplained = [difference for difference in found if difference[4] == "unexplained"]
    assert sites > 50, f"{package}: only {sites} MLX call sites; is this the MLX corpus?"
    assert unexplained == [], "\n".join(
        f"{path}: {callee}: libcst {theirs}, ours {ours}" for path, callee, theirs, ours, _ in unexplained[:20]
    )
    # The listed kind only: libcst names a namespace member that does not exist, ours nothing.
    assert all(theirs and not ours for _, _, theirs, ours, _ in found)
