"""The command line: commands, options, output formats and exit codes."""

from __future__ import annotations

import json
import os
import pty
import re
import subprocess
import sys
from pathlib import Path

from emberlint import __version__
from emberlint.catalog import load_catalog
from emberlint.cli import app

from .conftest import FIXED, HAZARD, invoke, run_emberlint

ANSI = re.compile(r"\x1b\[[0-9;]*m")


def test_check_is_the_default_command(project):
    (project / "a.py").write_text(HAZARD)
    explicit = invoke("check", "a.py", "--select", "EMB003")
    implicit = run_emberlint("a.py", "--select", "EMB003", cwd=project)
    assert explicit.exit_code == implicit.returncode == 1
    assert explicit.stdout == implicit.stdout
    assert "a.py:2:5: EMB003 " in implicit.stdout


def test_no_path_means_the_current_directory(project):
    (project / "a.py").write_text(HAZARD)
    result = run_emberlint("--select", "EMB003", "--output-format", "concise", cwd=project)
    assert result.returncode == 1
    assert result.stdout.startswith("a.py:2:5: EMB003 ")


def test_full_output_shows_source_caret_help_and_summary(project):
    (project / "a.py").write_text(HAZARD)
    result = invoke("check", "a.py", "--select", "EMB003")
    lines = result.stdout.splitlines()
    assert lines[0].startswith("a.py:2:5: EMB003 ")
    assert "2 | y = mx.ones(3) ** -0.5" in result.stdout
    caret_line = next(line for line in lines if "^" in line)
    assert caret_line.index("^") == lines[lines.index(caret_line) - 1].index("mx.ones")
    assert caret_line.count("^") == len("mx.ones(3) ** -0.5")
    assert "help: replace with `mx.rsqrt(mx.ones(3))` (unsafe fix, enable with --unsafe-fixes)" in result.stdout
    assert "Found 1 error." in result.stdout
    assert "No fixes available (1 hidden fix can be enabled with --unsafe-fixes)." in result.stdout


def test_summary_counts_fixable_when_unsafe_fixes_are_on(project):
    (project / "a.py").write_text(HAZARD + "z = mx.ones(3) ** -0.5\n")
    result = invoke("check", "a.py", "--select", "EMB003", "--unsafe-fixes")
    assert "Found 2 errors." in result.stdout
    assert "[*] 2 fixable with --fix." in result.stdout
    assert "a.py:2:5: EMB003 [*] " in result.stdout


def test_clean_file_exits_zero(project):
    (project / "a.py").write_text(FIXED)
    result = invoke("check", "a.py")
    assert result.exit_code == 0
    assert result.stdout.strip() == "All checks passed!"


def test_exit_zero_and_quiet(project):
    (project / "a.py").write_text(HAZARD)
    result = invoke("check", "a.py", "--select", "EMB003", "--exit-zero", "--quiet", "--output-format", "concise")
    assert result.exit_code == 0
    assert result.stdout.splitlines() == [
        line for line in result.stdout.splitlines() if line.startswith("a.py:")
    ]
    assert len(result.stdout.splitlines()) == 1


def test_fix_applies_unsafe_fix_only_when_asked(project):
    target = project / "a.py"
    target.write_text(HAZARD)
    safe_only = invoke("check", "a.py", "--select", "EMB003", "--fix")
    assert safe_only.exit_code == 1
    assert target.read_text() == HAZARD
    fixed = invoke("check", "a.py", "--select", "EMB003", "--fix", "--unsafe-fixes", "--show-fixes")
    assert fixed.exit_code == 0
    assert target.read_text() == FIXED
    assert "Fixed 1 error:" in fixed.stdout
    assert "1 × EMB003 (pow-negative-half)" in fixed.stdout
    assert "Found 1 error (1 fixed, 0 remaining)." in fixed.stdout


def test_diff_prints_changes_and_writes_nothing(project):
    target = project / "a.py"
    target.write_text(HAZARD)
    result = invoke("check", "a.py", "--select", "EMB003", "--diff", "--unsafe-fixes")
    assert result.exit_code == 1
    assert target.read_text() == HAZARD
    assert result.stdout.splitlines() == [
        "--- a.py",
        "+++ a.py",
        "@@ -1,2 +1,2 @@",
        " import mlx.core as mx",
        "-y = mx.ones(3) ** -0.5",
        "+y = mx.rsqrt(mx.ones(3))",
    ]
    assert "Would fix 1 error." in result.stderr
    nothing = invoke("check", "a.py", "--select", "EMB003", "--diff")
    assert nothing.exit_code == 0 and nothing.stdout == ""


def test_select_ignore_extend_select_by_code_prefix_and_commas(project):
    (project / "a.py").write_text(HAZARD)
    assert invoke("check", "a.py", "--select", "EMB003").exit_code == 1
    assert invoke("check", "a.py", "--select", "EMB00", "--ignore", "EMB003").exit_code == 0
    assert invoke("check", "a.py", "--select", "EMB100,EMB00", "--ignore", "EMB003").exit_code == 0
    # An exact code beats a prefix, as in ruff.
    assert invoke("check", "a.py", "--select", "EMB003", "--ignore", "EMB0").exit_code == 1
    assert invoke("check", "a.py", "--ignore", "EMB").exit_code == 0
    assert invoke("check", "a.py", "--select", "EMB100", "--extend-select", "EMB003").exit_code == 1


def test_unknown_selector_is_a_usage_error(project):
    (project / "a.py").write_text(HAZARD)
    result = invoke("check", "a.py", "--select", "XYZ9")
    assert result.exit_code == 2
    assert "'XYZ9' matches no rule code" in result.stderr


def test_unknown_option_is_a_usage_error(project):
    result = run_emberlint("--no-such-option", cwd=project)
    assert result.returncode == 2


def test_json_output(project):
    (project / "a.py").write_text(HAZARD)
    result = invoke("check", "a.py", "--select", "EMB003", "--output-format", "json")
    assert result.exit_code == 1
    [finding] = json.loads(result.stdout)
    assert finding == {
        "code": "EMB003",
        "name": "pow-negative-half",
        "message": finding["message"],
        "filename": "a.py",
        "cell": None,  # a notebook cell's number, as in ruff's JSON
        "location": {"row": 2, "column": 5},
        "end_location": {"row": 2, "column": 23},
        "fix": {"applicability": "unsafe", "content": "mx.rsqrt(mx.ones(3))"},
    }


def test_json_statistics(project):
    (project / "a.py").write_text(HAZARD + "z = mx.ones(3) ** -0.5\n")
    result = invoke("check", "a.py", "--select", "EMB003", "--output-format", "json", "--statistics")
    assert json.loads(result.stdout) == [
        {"code": "EMB003", "name": "pow-negative-half", "count": 2, "fixable": 0}
    ]


def test_text_statistics(project):
    (project / "a.py").write_text(HAZARD + "z = mx.ones(3) ** -0.5\n")
    (project / "b.py").write_text(HAZARD)
    result = invoke("check", ".", "--select", "EMB003", "--statistics", "--unsafe-fixes")
    assert result.stdout.splitlines()[0] == "3\tEMB003\t[*] pow-negative-half"
    assert "Found 3 errors." in result.stdout


def test_sarif_output_structure(project):
    (project / "src").mkdir()
    (project / "src" / "a.py").write_text(HAZARD)
    result = invoke("check", "src", "--select", "EMB003", "--output-format", "sarif")
    assert result.exit_code == 1
    sarif = json.loads(result.stdout)
    assert sarif["$schema"].endswith("sarif-2.1.0.json")
    assert sarif["version"] == "2.1.0"
    [run] = sarif["runs"]
    driver = run["tool"]["driver"]
    assert driver["name"] == "emberlint"
    assert driver["version"] == __version__
    assert driver["informationUri"].startswith("https://")
    catalog = load_catalog()
    assert [rule["id"] for rule in driver["rules"]] == sorted(catalog)
    for rule in driver["rules"]:
        doc = catalog[rule["id"]]
        assert rule["name"] == doc.name
        assert rule["shortDescription"]["text"] == doc.summary
        assert rule["fullDescription"]["text"] == doc.section("What it does")
        assert rule["help"]["text"] and rule["help"]["markdown"]
        assert rule["defaultConfiguration"]["level"] in ("error", "warning", "note")
    [sarif_result] = run["results"]
    assert sarif_result["ruleId"] == "EMB003"
    assert driver["rules"][sarif_result["ruleIndex"]]["id"] == "EMB003"
    assert sarif_result["level"] == "warning"  # EMB003 is a performance rule
    assert sarif_result["message"]["text"]
    [location] = sarif_result["locations"]
    physical = location["physicalLocation"]
    assert physical["artifactLocation"] == {"uri": "src/a.py", "uriBaseId": "%SRCROOT%"}
    assert physical["region"] == {"startLine": 2, "startColumn": 5, "endLine": 2, "endColumn": 23}
    assert run["originalUriBaseIds"]["%SRCROOT%"]["uri"].endswith("/")


def test_github_annotations(project):
    (project / "a.py").write_text(HAZARD)
    result = invoke("check", "a.py", "--select", "EMB003", "--output-format", "github")
    assert result.exit_code == 1
    [line] = result.stdout.splitlines()
    match = re.fullmatch(
        r"::error file=a\.py,line=2,col=5,endLine=2,endColumn=23,title=EMB003::(?P<message>.+)", line
    )
    assert match is not None, line
    assert "rsqrt" in match.group("message")


def test_colour_only_when_forced_and_never_with_no_color(project, monkeypatch):
    (project / "a.py").write_text(HAZARD)
    plain = invoke("check", "a.py", "--select", "EMB003")
    assert not ANSI.search(plain.stdout)
    monkeypatch.setenv("FORCE_COLOR", "1")
    coloured = invoke("check", "a.py", "--select", "EMB003")
    assert ANSI.search(coloured.stdout)
    assert ANSI.sub("", coloured.stdout) == plain.stdout
    monkeypatch.setenv("NO_COLOR", "1")
    assert not ANSI.search(invoke("check", "a.py", "--select", "EMB003").stdout)
    json_output = invoke("check", "a.py", "--select", "EMB003", "--output-format", "json")
    monkeypatch.delenv("NO_COLOR")
    assert json.loads(json_output.stdout)


def test_version(project):
    assert invoke("--version").stdout.strip() == f"emberlint {__version__}"
    result = run_emberlint("--version", cwd=project)
    assert result.returncode == 0 and result.stdout.strip() == f"emberlint {__version__}"


def test_rule_renders_the_catalog_document(project):
    result = invoke("rule", "emb003")
    assert result.exit_code == 0
    assert "EMB003 pow-negative-half" in result.stdout
    assert "Why is this bad?" in result.stdout
    assert "mx.rsqrt" in result.stdout


def test_rule_unknown_code(project):
    result = invoke("rule", "EMB999")
    assert result.exit_code == 2
    assert "unknown rule code 'EMB999'" in result.stderr


def test_rules_listing(project):
    listing = invoke("rules")
    same = invoke("rule", "--all")
    assert listing.exit_code == same.exit_code == 0
    assert listing.stdout == same.stdout
    for code, doc in load_catalog().items():
        row = next(line for line in listing.stdout.splitlines() if code in line)
        for cell in (doc.name, doc.category, doc.fix, "yes" if doc.default else "no"):
            assert cell in row


def test_diff_of_a_file_without_final_newline_stays_well_formed(project):
    (project / "a.py").write_text(HAZARD.rstrip("\n"))
    result = invoke("check", "a.py", "--select", "EMB003", "--diff", "--unsafe-fixes")
    assert result.stdout.splitlines()[-4:] == [
        "-y = mx.ones(3) ** -0.5",
        "\\ No newline at end of file",
        "+y = mx.rsqrt(mx.ones(3))",
        "\\ No newline at end of file",
    ]


def _run_in_terminal(project, env: dict) -> str:
    """Run the CLI with stdout on a pseudo-terminal; return what it printed."""
    controller, terminal = pty.openpty()
    process = subprocess.Popen(
        [sys.executable, "-m", "emberlint", "a.py", "--select", "EMB003"],
        cwd=project, stdout=terminal, stderr=subprocess.DEVNULL,
        env={key: value for key, value in {**os.environ, **env}.items() if value is not None},
    )
    os.close(terminal)
    chunks = []
    while True:
        try:
            chunk = os.read(controller, 4096)
        except OSError:  # the terminal closes when the process exits
            break
        if not chunk:
            break
        chunks.append(chunk)
    process.wait(timeout=60)
    os.close(controller)
    return b"".join(chunks).decode()


def test_colour_on_a_terminal_unless_no_color(project):
    (project / "a.py").write_text(HAZARD)
    assert ANSI.search(_run_in_terminal(project, {"NO_COLOR": None, "FORCE_COLOR": None}))
    assert not ANSI.search(_run_in_terminal(project, {"NO_COLOR": "1", "FORCE_COLOR": None}))
    assert not ANSI.search(_run_in_terminal(project, {"NO_COLOR": "1", "FORCE_COLOR": "1"}))


def test_the_fast_path_reads_each_flag_as_typer_does():
    from typer.main import get_command

    from emberlint.cli import FAST_FLAGS, fast_check_arguments

    command = get_command(app).commands["check"]
    for flag, (name, value) in FAST_FLAGS.items():
        assert command.make_context("check", [flag, "a.py"]).params[name] == value, flag
        assert fast_check_arguments([flag, "a.py"]) == {"paths": [Path("a.py")], name: value}
    assert fast_check_arguments(["a.py", "--select", "EMB003"]) is None  # an option with a value
    assert fast_check_arguments(["--fix"]) is None  # no path: typer's default (.) and usage rules
    assert fast_check_arguments(["a.py", "--help"]) is None


def test_the_common_call_answers_as_typer_does_without_importing_it(project):
    (project / "a.py").write_text(HAZARD)
    (project / "b.py").write_text("import mlx.core as mx\n")
    for args in (["a.py", "b.py"], ["--fix", "--unsafe-fixes", "--diff", "a.py"], ["--exit-zero", "-q", "a.py"]):
        through_typer = invoke("check", *args)
        direct = run_emberlint("check", *args, cwd=project)
        assert (direct.returncode, direct.stdout, direct.stderr) == (
            through_typer.exit_code,
            through_typer.stdout,
            through_typer.stderr,
        ), args
    probe = (
        "import sys\nfrom emberlint.cli import main\n"
        "try:\n    main(['check', '--force-exclude', 'a.py'])\nexcept SystemExit as exit:\n"
        "    print(exit.code, 'typer' in sys.modules)\n"
    )
    result = subprocess.run([sys.executable, "-c", probe], cwd=project, capture_output=True, text=True, check=True)
    assert result.stdout.splitlines()[-1] == "1 False"
