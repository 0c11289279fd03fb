"""The result cache, parallel runs over many files, and big files."""

from __future__ import annotations

import json
from pathlib import Path

from emberlint.config import Settings
from emberlint.registry import select_rules
from emberlint.runner import Runner, RunOptions

from .conftest import FIXED, HAZARD, invoke, run_emberlint


def make_runner(root: Path, *, mode="check", jobs=1, use_cache=True, unsafe=False) -> Runner:
    options = RunOptions(mode=mode, jobs=jobs, use_cache=use_cache, unsafe_fixes=unsafe)
    return Runner(Settings(root=root), select_rules(select=["EMB003"]), options)


def make_files(root: Path, count: int) -> list[Path]:
    files = []
    for index in range(count):
        path = root / f"pkg{index % 20}" / f"module_{index}.py"
        path.parent.mkdir(parents=True, exist_ok=True)
        body = HAZARD if index % 3 == 0 else FIXED
        # `x ** 2` holds EMB003's trigger, so the pre-screen lets every file through to the parse.
        path.write_text(f"# module {index}\n{body}def f{index}(x):\n    return x ** 2 + {index}\n")
        files.append(path)
    return files


def test_warm_run_relints_nothing(tmp_path):
    files = make_files(tmp_path, 40)
    cold = make_runner(tmp_path).run(files)
    assert cold.linted == 40 and cold.cache_hits == 0
    warm = make_runner(tmp_path).run(files)
    assert warm.linted == 0 and warm.cache_hits == 40
    assert warm.findings == cold.findings
    assert len(warm.findings) == 14


def test_cache_is_keyed_by_content_and_rule_set(tmp_path):
    files = make_files(tmp_path, 6)
    make_runner(tmp_path).run(files)
    files[1].write_text(HAZARD + "# changed\n")
    rerun = make_runner(tmp_path).run(files)
    assert rerun.linted == 1 and rerun.cache_hits == 5
    other_rules = Runner(
        Settings(root=tmp_path), select_rules(select=["EMB003", "EMB100"]), RunOptions()
    ).run(files)
    assert other_rules.linted == 6


def test_cached_syntax_errors_name_the_right_file(tmp_path):
    first, second = tmp_path / "first.py", tmp_path / "second.py"
    for path in (first, second):
        path.write_text("import mlx.core as mx\ndef f(:\n")
    make_runner(tmp_path).run([first])
    warm = make_runner(tmp_path).run([second])
    assert warm.cache_hits == 1
    [error] = warm.errors
    assert error.startswith(f"{second}:2:")


def test_no_cache_neither_reads_nor_writes(tmp_path, isolated_cache):
    files = make_files(tmp_path, 3)
    make_runner(tmp_path, use_cache=False).run(files)
    assert not list(isolated_cache.rglob("*.json"))
    make_runner(tmp_path).run(files)
    assert make_runner(tmp_path, use_cache=False).run(files).linted == 3


def test_fix_mode_uses_the_cache_only_when_nothing_is_fixable(tmp_path):
    files = make_files(tmp_path, 6)
    make_runner(tmp_path).run(files)
    fixing = make_runner(tmp_path, mode="fix", unsafe=True).run(files)
    assert fixing.linted == 2 and len(fixing.fixed) == 2  # the two hazardous files
    after = make_runner(tmp_path).run(files)
    assert after.linted == 0 and after.findings == []


def test_cli_warm_run_is_all_cache_hits(project, isolated_cache):
    make_files(project, 12)
    first = invoke("check", ".", "--select", "EMB003", "--output-format", "json")
    [cache_file] = isolated_cache.rglob("*.json")
    assert len(json.loads(cache_file.read_text())) == 12
    written = cache_file.stat().st_mtime_ns
    second = invoke("check", ".", "--select", "EMB003", "--output-format", "json")
    assert json.loads(first.stdout) == json.loads(second.stdout)
    # Nothing was linted, so nothing new was cached and the file was not rewritten.
    assert list(isolated_cache.rglob("*.json")) == [cache_file]
    assert cache_file.stat().st_mtime_ns == written


def test_parallel_run_matches_in_process_run(tmp_path):
    files = make_files(tmp_path, 300)
    parallel = make_runner(tmp_path, jobs=2, use_cache=False).run(files)
    serial = make_runner(tmp_path, jobs=1, use_cache=False).run(files)
    assert parallel.linted == serial.linted == 300
    assert parallel.findings == serial.findings
    assert len(parallel.findings) == 100


def test_two_thousand_files_through_the_cli_with_fixes(tmp_path):
    make_files(tmp_path, 2000)
    result = run_emberlint(".", "--select", "EMB003", "--fix", "--unsafe-fixes", "--jobs", "2",
                           "--output-format", "concise", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert "Found 667 errors (667 fixed, 0 remaining)." in result.stdout
    assert (tmp_path / "pkg0" / "module_0.py").read_text().count("mx.rsqrt(") == 1


def test_five_megabyte_generated_file(tmp_path):
    """A generated module: MLX code plus a 5 MB embedded table as one literal."""
    table = "".join(f"{index:08x}" for index in range(5 * 1024 * 1024 // 8))
    target = tmp_path / "generated.py"
    target.write_text(f'{HAZARD}TABLE = """{table}"""\nz = mx.ones(2) ** -0.5\n')
    assert target.stat().st_size > 5 * 1024 * 1024
    runner = make_runner(tmp_path, mode="fix", unsafe=True, use_cache=False)
    [result] = runner.run([target]).files
    assert result.error is None and len(result.fixed) == 2
    fixed = target.read_text()
    assert fixed.startswith(FIXED) and fixed.endswith('"""\nz = mx.rsqrt(mx.ones(2))\n')
    assert table in fixed


def test_five_megabyte_file_without_mlx_is_skipped_unparsed(tmp_path):
    target = tmp_path / "big.py"
    target.write_text("".join(f"value_{index} = {index} ** -0.5\n" for index in range(250_000)))
    assert target.stat().st_size > 5 * 1024 * 1024
    result = make_runner(tmp_path, use_cache=False).run([target])
    assert result.linted == 0 and result.findings == [] and result.errors == []


def test_a_run_collects_garbage_rarely_and_restores_the_collector(tmp_path):
    import gc

    from emberlint.runner import GC_THRESHOLDS, collecting_rarely

    before = gc.get_threshold()
    with collecting_rarely():
        assert gc.get_threshold() == GC_THRESHOLDS
    make_runner(tmp_path).run(make_files(tmp_path, 3))
    assert gc.get_threshold() == before
