"""Jupyter notebooks: discovered, linted as one module across cells, fixed in place.

The notebooks are made with nbformat, the reference implementation of the
format, so they are byte for byte what Jupyter writes (no MLX package on PyPI
was found to ship notebooks in its sdist: mlx-graphs 0.0.10 and mlx-image
0.1.10 have none, and mlxterp, whose repository has some, is not published).
"""

from __future__ import annotations

import json
from pathlib import Path

import nbformat
import pytest
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook, new_output

from emberlint.config import Settings
from emberlint.notebook import JsonStyle, Notebook
from emberlint.registry import select_rules
from emberlint.runner import Runner, RunOptions

from .conftest import invoke

EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "attention.py"

IMPORTS = "import mlx.core as mx\nimport numpy as np"
HAZARD_CELL = "scale = mx.ones(3) ** -0.5"
FIXED_CELL = "scale = mx.rsqrt(mx.ones(3))"


def make_notebook(*cells, language: str = "python") -> nbformat.NotebookNode:
    notebook = new_notebook(
        cells=list(cells),
        metadata={
            "kernelspec": {"name": "python3", "display_name": "Python 3", "language": language},
            "language_info": {"name": language},
        },
    )
    nbformat.validate(notebook)
    return notebook


def executed(source: str, count: int, text: str) -> nbformat.NotebookNode:
    cell = new_code_cell(source, execution_count=count)
    cell.outputs = [new_output("stream", name="stdout", text=text)]
    return cell


def write(path: Path, notebook: nbformat.NotebookNode) -> bytes:
    """Written exactly as Jupyter writes it (nbformat: indent 1, sorted keys, final newline)."""
    path.write_text(nbformat.writes(notebook) + "\n", encoding="utf-8")
    return path.read_bytes()


def demo(project: Path) -> bytes:
    return write(
        project / "demo.ipynb",
        make_notebook(
            executed(IMPORTS, 1, "ok\n"),
            new_markdown_cell("## Scaling — the slow way"),
            executed(f"%matplotlib inline\n{HAZARD_CELL}\nprint(scale)", 2, "[1 1 1]\n"),
        ),
    )


def concise(*args: str):
    return invoke("check", "--output-format", "concise", "--select", "EMB003", *args)


def test_findings_name_the_cell_and_the_line_in_it(project):
    demo(project)
    result = concise("demo.ipynb")
    assert result.exit_code == 1
    assert result.stdout.splitlines()[0].startswith("demo.ipynb:cell 3:2:9: EMB003 ")


def test_imports_in_an_earlier_cell_resolve_in_a_later_one(project):
    write(
        project / "mlx.ipynb",
        make_notebook(
            new_code_cell("import mlx.core as mx"),
            new_code_cell("import numpy as np"),
            new_code_cell("y = np.ones(3) ** -0.5"),  # NumPy: not an MLX hazard
            new_code_cell("z = mx.ones(3) ** -0.5"),
        ),
    )
    write(
        project / "numpy.ipynb",
        make_notebook(new_code_cell("import numpy as mx"), new_code_cell("z = mx.ones(3) ** -0.5")),
    )
    result = concise("mlx.ipynb", "numpy.ipynb")
    assert [line.split(" EMB")[0] for line in result.stdout.splitlines() if " EMB" in line] == [
        "mlx.ipynb:cell 4:1:5:"
    ]


def test_a_notebook_is_linted_and_fixed_as_its_module_would_be(project):
    """The bundled example, cut into cells at its top-level blocks: the same findings
    (each in its cell) and, joined again, the same fixed code as the module."""
    source = EXAMPLE.read_text(encoding="utf-8")
    blocks = source.rstrip("\n").split("\n\n\n")
    write(project / "attention.ipynb", make_notebook(*(new_code_cell(block) for block in blocks)))
    (project / "attention.py").write_text(source)

    def findings(name: str) -> list[tuple]:
        result = invoke("check", "--output-format", "json", name)
        return [(item["code"], item["cell"], item["location"]["row"]) for item in json.loads(result.stdout)]

    in_module, in_cells = findings("attention.py"), findings("attention.ipynb")
    assert len(in_cells) == len(in_module) >= 5
    first_lines = [1]
    for block in blocks:
        first_lines.append(first_lines[-1] + block.count("\n") + 3)
    assert [(code, first_lines[cell - 1] + row - 1) for code, cell, row in in_cells] == [
        (code, row) for code, _, row in in_module
    ]

    for name in ("attention.py", "attention.ipynb"):
        assert invoke("check", "--fix", "--unsafe-fixes", name).exit_code in (0, 1)
    cells = json.loads((project / "attention.ipynb").read_text(encoding="utf-8"))["cells"]
    joined = "\n\n\n".join("".join(cell["source"]) for cell in cells) + "\n"
    assert joined == (project / "attention.py").read_text() != source


def test_directories_yield_notebooks_and_extend_exclude_drops_them(project):
    demo(project)
    (project / "model.py").write_text(f"{IMPORTS}\n{HAZARD_CELL}\n")
    found = {line.split(":")[0] for line in concise(".").stdout.splitlines() if "EMB003" in line}
    assert found == {"demo.ipynb", "model.py"}
    (project / "pyproject.toml").write_text('[tool.emberlint]\nextend-exclude = ["*.ipynb"]\n')
    found = {line.split(":")[0] for line in concise(".").stdout.splitlines() if "EMB003" in line}
    assert found == {"model.py"}


def test_ipython_syntax_is_kept_and_skipped(project):
    original = write(
        project / "magics.ipynb",
        make_notebook(
            new_code_cell(f"!pip install mlx\n{IMPORTS}\nfiles = !ls\nmx.rsqrt?"),
            new_code_cell(f"%%time\n{HAZARD_CELL}"),  # a cell magic: the whole cell is skipped
            new_code_cell(
                "for step in range(3):\n"
                "    %timeit mx.ones(3)\n"
                f"    {HAZARD_CELL}\n"
                "%env MLX_DEBUG=1 \\\n"
                "    MORE=2\n"
                'label = ("%d steps"\n'
                "         % step)  # `%` inside brackets is Python's modulo, not a magic"
            ),
        ),
    )
    result = concise("magics.ipynb")
    assert result.exit_code == 1, result.output
    assert [line.split(" EMB")[0] for line in result.stdout.splitlines() if " EMB" in line] == [
        "magics.ipynb:cell 3:3:13:"
    ]
    assert invoke("check", "--fix", "--unsafe-fixes", "--select", "EMB003", "magics.ipynb").exit_code == 0
    expected = json.loads(original)
    cell = expected["cells"][2]
    cell["source"][2] = f"    {FIXED_CELL}\n"
    assert (project / "magics.ipynb").read_text(encoding="utf-8") == json.dumps(
        expected, indent=1, ensure_ascii=False
    ) + "\n"


def test_fix_rewrites_only_the_changed_cell_source(project):
    original = demo(project)
    result = invoke("check", "--fix", "--unsafe-fixes", "--select", "EMB003", "demo.ipynb")
    assert result.exit_code == 0, result.output
    fixed = (project / "demo.ipynb").read_bytes()
    expected = json.loads(original)
    expected["cells"][2]["source"][1] = FIXED_CELL + "\n"
    # Outputs, execution counts, metadata, key order, indent, non-ASCII text and final newline kept.
    assert fixed.decode("utf-8") == json.dumps(expected, indent=1, ensure_ascii=False) + "\n"
    assert "Scaling — the slow way" in fixed.decode("utf-8")
    nbformat.validate(nbformat.reads(fixed.decode("utf-8"), as_version=4))
    assert concise("demo.ipynb").exit_code == 0


def test_a_fix_that_needs_an_import_puts_it_with_the_imports(project):
    write(
        project / "gates.ipynb",
        make_notebook(
            new_code_cell("import mlx.core as mx"),
            new_code_cell("def forget_gate(f):\n    return -mx.log(1 + mx.exp(-f))"),
        ),
    )
    result = invoke("check", "--fix", "--unsafe-fixes", "--select", "EMB006", "gates.ipynb")
    assert result.exit_code == 0, result.output
    cells = json.loads((project / "gates.ipynb").read_text(encoding="utf-8"))["cells"]
    # The cell had no final newline and still has none.
    assert "".join(cells[0]["source"]) == "import mlx.core as mx\nimport mlx.nn as nn"
    assert "".join(cells[1]["source"]) == "def forget_gate(f):\n    return nn.log_sigmoid(f)"


def test_diff_names_the_cell_and_changes_nothing(project):
    original = demo(project)
    result = invoke("check", "--diff", "--unsafe-fixes", "--select", "EMB003", "demo.ipynb")
    assert result.exit_code == 1
    assert "--- demo.ipynb:cell 3\n+++ demo.ipynb:cell 3\n" in result.stdout
    assert f"-{HAZARD_CELL}\n+{FIXED_CELL}\n" in result.stdout
    assert (project / "demo.ipynb").read_bytes() == original


def test_json_and_sarif_carry_the_cell(project):
    demo(project)
    (project / "model.py").write_text(f"{IMPORTS}\n{HAZARD_CELL}\n")
    document = json.loads(invoke("check", "--select", "EMB003", "--output-format", "json", ".").stdout)
    assert [(item["filename"], item["cell"], item["location"]["row"]) for item in document] == [
        ("demo.ipynb", 3, 2),
        ("model.py", None, 3),
    ]
    sarif = json.loads(invoke("check", "--select", "EMB003", "--output-format", "sarif", ".").stdout)
    results = sarif["runs"][0]["results"]
    assert [result.get("properties") for result in results] == [{"cell": 3}, None]


def test_full_output_shows_the_cell_line(project):
    demo(project)
    result = invoke("check", "--select", "EMB003", "demo.ipynb")
    assert "demo.ipynb:cell 3:2:9: EMB003" in result.stdout
    assert f"2 | {HAZARD_CELL}" in result.stdout


@pytest.mark.parametrize(
    "content",
    ["{ not json", "[1, 2, 3]\n", '{"cells": [{"cell_type": "code"}]}'],
    ids=["invalid-json", "not-an-object", "cell-without-source"],
)
def test_a_broken_notebook_is_reported_and_never_touched(project, content):
    path = project / "broken.ipynb"
    path.write_text(content)
    for args in ((), ("--fix", "--unsafe-fixes")):
        result = invoke("check", *args, "broken.ipynb")
        assert result.exit_code == 2
        assert "broken.ipynb: not a valid notebook" in result.stderr
    assert path.read_text() == content


def test_a_broken_notebook_is_reported_even_when_it_never_mentions_mlx(project):
    (project / "notes.ipynb").write_text('{"cells": [')
    write(project / "plain.ipynb", make_notebook(new_code_cell("import numpy as np")))
    result = invoke("check", ".")
    assert result.exit_code == 2
    assert "notes.ipynb: not a valid notebook: invalid JSON" in result.stderr
    assert "plain.ipynb" not in result.stderr


def test_a_syntax_error_names_its_cell(project):
    write(project / "typo.ipynb", make_notebook(new_code_cell(IMPORTS), new_code_cell("x = (1,\ny = mx.ones(3)")))
    result = invoke("check", "typo.ipynb")
    assert result.exit_code == 2
    assert "typo.ipynb:cell 2:" in result.stderr and "syntax error" in result.stderr


def test_a_notebook_in_another_language_is_not_linted(project):
    write(project / "r.ipynb", make_notebook(new_code_cell(f"{IMPORTS}\n{HAZARD_CELL}"), language="R"))
    assert concise("r.ipynb").exit_code == 0


def test_notebooks_go_through_the_cache(project):
    demo(project)
    settings = Settings(root=project)
    runner = Runner(settings, select_rules(["EMB003"]), RunOptions())
    first = runner.run([project / "demo.ipynb"])
    second = Runner(settings, select_rules(["EMB003"]), RunOptions()).run([project / "demo.ipynb"])
    assert (first.linted, first.cache_hits) == (1, 0)
    assert (second.linted, second.cache_hits) == (0, 1)
    assert second.findings == first.findings and first.findings[0].cell == 3


# -- the JSON style ---------------------------------------------------------

STYLES = {
    "jupyter": {"indent": 1, "ensure_ascii": False},
    "two-spaces": {"indent": 2, "ensure_ascii": False},
    "four-spaces-ascii": {"indent": 4, "ensure_ascii": True},
    "tab": {"indent": "\t", "ensure_ascii": False},
    "one-line": {"indent": None, "ensure_ascii": False},
    "one-line-compact": {"indent": None, "separators": (",", ":"), "ensure_ascii": True},
}


@pytest.mark.parametrize("final_newline", [True, False], ids=["newline", "no-newline"])
@pytest.mark.parametrize("style", STYLES, ids=list(STYLES))
def test_the_json_style_is_kept(project, style, final_newline):
    document = json.loads(nbformat.writes(make_notebook(
        executed(IMPORTS, 1, "ok\n"),
        new_markdown_cell("Überblick ✓"),
        executed(HAZARD_CELL, 2, "[1 1 1]\n"),
    )))
    # Keys in an order nbformat would never write: kept as they are.
    document["cells"][2] = dict(reversed(list(document["cells"][2].items())))
    text = json.dumps(document, **STYLES[style]) + ("\n" if final_newline else "")
    path = project / "styled.ipynb"
    path.write_text(text, encoding="utf-8")
    assert Notebook("styled.ipynb", text).rewritten({}) == text  # an unchanged round trip is exact

    result = invoke("check", "--fix", "--unsafe-fixes", "--select", "EMB003", "styled.ipynb")
    assert result.exit_code == 0, result.output
    document["cells"][2]["source"] = [FIXED_CELL]
    expected = json.dumps(document, **STYLES[style]) + ("\n" if final_newline else "")
    assert path.read_text(encoding="utf-8") == expected


def test_a_notebook_without_findings_is_not_rewritten(project):
    path = project / "clean.ipynb"
    write(path, make_notebook(new_code_cell(f"{IMPORTS}\nscale = mx.rsqrt(mx.ones(3))")))
    before = path.stat().st_mtime_ns, path.read_bytes()
    assert invoke("check", "--fix", "--unsafe-fixes", "clean.ipynb").exit_code == 0
    assert (path.stat().st_mtime_ns, path.read_bytes()) == before


def test_formatting_that_cannot_be_reproduced_is_reported_not_rewritten(project):
    # JavaScript's JSON.stringify writes 1e-7 where Python writes 1e-07.
    text = json.dumps(json.loads(nbformat.writes(make_notebook(new_code_cell(f"{IMPORTS}\n{HAZARD_CELL}")))), indent=1)
    text = text.replace('\n "nbformat": 4,', '\n "tolerance": 1e-7,\n "nbformat": 4,') + "\n"
    assert JsonStyle.matching(text, json.loads(text)) is None
    path = project / "js.ipynb"
    path.write_text(text)
    result = invoke("check", "--fix", "--unsafe-fixes", "--select", "EMB003", "js.ipynb")
    assert result.exit_code == 2
    assert "cannot be reproduced exactly; fix not written" in result.stderr
    assert "js.ipynb:cell 1:3:9: EMB003" in result.stdout
    assert path.read_text() == text
