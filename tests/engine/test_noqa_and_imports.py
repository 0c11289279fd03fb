"""`# noqa` suppressions, EMB100 unused-noqa, and the import-light `--version`."""

from __future__ import annotations

import json
import subprocess
import sys

from emberlint.catalog import load_catalog

from .conftest import invoke

SUPPRESSED = """import mlx.core as mx
a = mx.ones(3) ** -0.5  # noqa
b = mx.ones(3) ** -0.5  # noqa: EMB003
c = mx.ones(3) ** -0.5  # noqa: EMB001
d = mx.ones(3) ** (
    -0.5
)  # noqa: EMB003
e = mx.rsqrt(mx.ones(3))  # noqa: EMB003, E501
f = 1  # noqa: F401
"""


def findings(*args: str) -> list[tuple[str, int]]:
    result = invoke("check", "a.py", "--output-format", "json", *args)
    return [(item["code"], item["location"]["row"]) for item in json.loads(result.stdout)]


def test_noqa_suppresses_blanket_and_by_code(project):
    (project / "a.py").write_text(SUPPRESSED)
    assert findings("--select", "EMB003") == [("EMB003", 4)]


def test_unused_noqa_is_off_by_default_and_reports_only_emberlint_codes(project):
    (project / "a.py").write_text(SUPPRESSED)
    assert findings("--select", "EMB003", "--extend-select", "EMB100") == [
        ("EMB100", 4),  # EMB001 is not enabled, so its noqa is unused too
        ("EMB003", 4),
        ("EMB100", 8),
    ]
    result = invoke("check", "a.py", "--select", "EMB003,EMB100", "--output-format", "concise")
    assert "a.py:8:1: EMB100 Unused `noqa` directive (unused: EMB003)" in result.stdout


HEAVY_MODULES = ("libcst", "rich", "mlx", "emberlint.linter", "pathspec")


def _run_in_fresh_interpreter(argv: list[str]) -> tuple[int, list[str]]:
    """Runs `emberlint <argv>` in a new interpreter: its exit code and the heavy modules it loaded."""
    probe = (
        "import json, sys\n"
        "from emberlint.cli import main\n"
        "code = 0\n"
        "try:\n"
        f"    main({argv!r})\n"
        "except SystemExit as exit:\n"
        "    code = exit.code or 0\n"
        f"print('LOADED', code, json.dumps([name for name in {HEAVY_MODULES!r} if name in sys.modules]))\n"
    )
    result = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True)
    (line,) = [line for line in result.stdout.splitlines() if line.startswith("LOADED ")]
    code, loaded = line.removeprefix("LOADED ").split(" ", 1)
    return int(code), json.loads(loaded)


def test_version_does_not_import_libcst_rich_or_mlx():
    assert _run_in_fresh_interpreter(["--version"]) == (0, [])
    timing = subprocess.run(
        [sys.executable, "-X", "importtime", "-m", "emberlint", "--version"],
        capture_output=True, text=True, check=True,
    )
    imported = {line.split("|")[-1].strip() for line in timing.stderr.splitlines() if "|" in line}
    assert imported and not {"libcst", "rich", "mlx", "mlx.core"} & imported


def test_a_run_over_files_without_mlx_never_imports_libcst(tmp_path):
    (tmp_path / "plain.py").write_text("import numpy as np\nx = np.log(1 + np.exp(-2.0))\n")
    # Walking a directory compiles the exclude patterns (pathspec); libcst stays unloaded.
    assert _run_in_fresh_interpreter(["check", "--no-cache", str(tmp_path)]) == (0, ["pathspec"])
    assert _run_in_fresh_interpreter(["check", "--no-cache", str(tmp_path / "plain.py")]) == (0, [])


def test_emb100_catalog_examples(project):
    doc = load_catalog()["EMB100"]
    assert (doc.category, doc.fix, doc.default) == ("style", "none", False)
    (project / "a.py").write_text(doc.bad_example)
    assert findings("--select", "EMB100,EMB003") == [("EMB100", 3)]
    (project / "a.py").write_text(doc.fixed_example)
    assert findings("--select", "EMB100,EMB003") == []
