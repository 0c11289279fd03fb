"""The README's rule table and commands stay true to the catalog and the CLI."""

import re
from pathlib import Path

from emberlint.catalog import load_catalog, markdown_table

ROOT = Path(__file__).resolve().parents[2]
README = (ROOT / "README.md").read_text(encoding="utf-8")


def test_rule_table_matches_catalog():
    block = re.search(r"<!-- rules:start -->\n(.*?)\n<!-- rules:end -->", README, re.DOTALL)
    assert block is not None, "README lacks the rules:start/rules:end markers"
    assert block.group(1) == markdown_table(load_catalog()), (
        "README rule table is stale: regenerate it with `python -m emberlint.catalog`"
    )


def test_readme_starts_with_install_main_job_and_test_commands():
    first_block = re.search(r"```bash\n(.*?)```", README, re.DOTALL).group(1).splitlines()
    assert "pip install -e \".[dev]\"" in first_block[0]
    assert "emberlint" in first_block[1] and "examples/" in first_block[1]
    assert "pytest" in first_block[2]
    assert (ROOT / "examples").is_dir()


def test_ci_runs_the_readme_test_command_and_self_lint():
    ci = (ROOT / ".ci" / "run").read_text(encoding="utf-8")
    assert "python -m pytest -q" in ci
    assert "emberlint emberlint/ xlstm_model/" in ci
