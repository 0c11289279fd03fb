"""`[tool.emberlint]`: finding the file, every key, errors naming the key."""

from __future__ import annotations

from pathlib import Path

import pytest

from emberlint.config import DEFAULT_EXCLUDES, find_pyproject, load_settings
from emberlint.errors import ConfigError

from .conftest import FIXED, HAZARD, invoke


def write_pyproject(directory: Path, body: str) -> Path:
    path = directory / "pyproject.toml"
    path.write_text(f"[project]\nname = 'demo'\n\n[tool.emberlint]\n{body}\n")
    return path


def test_nearest_pyproject_with_an_emberlint_table_wins(tmp_path):
    outer = write_pyproject(tmp_path, 'ignore = ["EMB003"]')
    inner = tmp_path / "pkg" / "sub"
    inner.mkdir(parents=True)
    (tmp_path / "pkg" / "pyproject.toml").write_text("[project]\nname = 'no-emberlint-table'\n")
    assert find_pyproject(inner) == outer
    nearer = write_pyproject(tmp_path / "pkg", 'select = ["EMB00"]')
    assert find_pyproject(inner / "file.py") == nearer
    assert load_settings(inner).select == ("EMB00",)


def test_no_pyproject_gives_defaults(tmp_path):
    settings = load_settings(tmp_path)
    assert settings.config_path is None
    assert settings.exclude == DEFAULT_EXCLUDES
    assert settings.select is None and settings.unsafe_fixes is False


def test_every_key_is_read(tmp_path):
    path = write_pyproject(
        tmp_path,
        """select = ["EMB00"]
extend-select = ["EMB100"]
ignore = ["EMB001"]
exclude = ["generated"]
extend-exclude = ["vendor/"]
unsafe-fixes = true
respect-gitignore = false
cache-dir = ".cache/emberlint"

[tool.emberlint.per-file-ignores]
"tests/*.py" = ["EMB003"]
""",
    )
    settings = load_settings(tmp_path)
    assert settings.config_path == path.resolve()
    assert settings.root == tmp_path.resolve()
    assert settings.select == ("EMB00",)
    assert settings.extend_select == ("EMB100",)
    assert settings.ignore == ("EMB001",)
    assert settings.exclude == ("generated",)
    assert settings.extend_exclude == ("vendor/",)
    assert settings.unsafe_fixes is True
    assert settings.respect_gitignore is False
    assert settings.cache_dir == tmp_path.resolve() / ".cache/emberlint"
    assert settings.per_file_ignores == (("tests/*.py", ("EMB003",)),)


@pytest.mark.parametrize(
    ("body", "named"),
    [
        ('selekt = ["EMB003"]', "unknown key 'selekt'"),
        ('select = "EMB003"', "'select' must be a list of rule codes or prefixes"),
        ("unsafe-fixes = 1", "'unsafe-fixes' must be true or false"),
        ('per-file-ignores = {"a.py" = "EMB003"}', "'per-file-ignores' must be a table"),
        ("cache-dir = 3", "'cache-dir' must be a path string"),
        ("exclude = [1]", "'exclude' must be a list of glob patterns"),
    ],
)
def test_bad_keys_are_named(tmp_path, body, named):
    write_pyproject(tmp_path, body)
    with pytest.raises(ConfigError, match=named):
        load_settings(tmp_path)


def test_config_error_exits_2_naming_the_key(project):
    write_pyproject(project, "respect-gitignore = 'yes'")
    (project / "a.py").write_text(HAZARD)
    result = invoke("check", "a.py")
    assert result.exit_code == 2
    assert "'respect-gitignore' must be true or false" in result.stderr


def test_invalid_toml_exits_2(project):
    (project / "pyproject.toml").write_text("[tool.emberlint\n")
    (project / "a.py").write_text(HAZARD)
    result = invoke("check", "a.py")
    assert result.exit_code == 2
    assert "invalid TOML" in result.stderr


def test_settings_apply_and_cli_flags_override(project):
    write_pyproject(project, 'ignore = ["EMB003"]\nunsafe-fixes = true')
    target = project / "a.py"
    target.write_text(HAZARD)
    assert invoke("check", "a.py").exit_code == 0
    assert invoke("check", "a.py", "--select", "EMB003").exit_code == 1
    assert invoke("check", "a.py", "--select", "EMB003", "--fix", "--no-unsafe-fixes").exit_code == 1
    assert target.read_text() == HAZARD
    # unsafe-fixes = true from the config applies without the flag.
    assert invoke("check", "a.py", "--select", "EMB003", "--fix").exit_code == 0
    assert target.read_text() == FIXED


def test_per_file_ignores(project):
    write_pyproject(project, '[tool.emberlint.per-file-ignores]\n"tests/*.py" = ["EMB00"]')
    (project / "tests").mkdir()
    (project / "tests" / "a.py").write_text(HAZARD)
    (project / "b.py").write_text(HAZARD)
    result = invoke("check", ".", "--select", "EMB003", "--output-format", "concise")
    assert [line.split(":")[0] for line in result.stdout.splitlines() if "EMB003" in line] == ["b.py"]


def test_exclude_replaces_defaults_and_extend_exclude_adds(project):
    for directory in ("build", "generated", "src"):
        (project / directory).mkdir()
        (project / directory / "a.py").write_text(HAZARD)

    def linted() -> list[str]:
        result = invoke("check", ".", "--select", "EMB003", "--output-format", "concise")
        return sorted(line.split(":")[0] for line in result.stdout.splitlines() if "EMB003" in line)

    assert linted() == ["generated/a.py", "src/a.py"]
    write_pyproject(project, 'extend-exclude = ["generated"]')
    assert linted() == ["src/a.py"]
    write_pyproject(project, 'exclude = ["generated"]')
    assert linted() == ["build/a.py", "src/a.py"]


def test_explicit_config_file(project, tmp_path):
    other = tmp_path / "emberlint.toml"
    other.write_text('ignore = ["EMB003"]\n')
    (project / "a.py").write_text(HAZARD)
    assert invoke("check", "a.py", "--config", str(other)).exit_code == 0
    missing = invoke("check", "a.py", "--config", str(tmp_path / "nope.toml"))
    assert missing.exit_code == 2 and "config file not found" in missing.stderr


def test_cache_dir_setting_is_used(project, monkeypatch):
    monkeypatch.delenv("EMBERLINT_CACHE_DIR")
    write_pyproject(project, 'cache-dir = ".lintcache"')
    (project / "a.py").write_text(HAZARD)
    invoke("check", "a.py")
    assert list((project / ".lintcache").rglob("*.json"))
