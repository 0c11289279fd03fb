"""How fast emberlint lints real MLX code, against libcst's parse floor, fixit and ruff.

    python benchmarks/lint_speed.py                    # the whole pinned corpus
    python benchmarks/lint_speed.py --packages mlx-lm mlx --repeat 3 --profile

The corpus (see `corpus.py`) is copied into one tree without `build/` folders,
so every tool sees exactly the same files. Every figure is the median wall time
of `--repeat` subprocess runs; cold emberlint runs get an empty cache directory
(`EMBERLINT_CACHE_DIR`) each time. The table ends with PASS/FAIL against the
targets of the speed issue. `--profile` adds a cProfile of the linter API.
"""

from __future__ import annotations

import argparse
import cProfile
import io
import os
import pstats
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import corpus  # noqa: E402  (a sibling script, not a package)

PYTHON = sys.executable
BIN = Path(PYTHON).parent
SINGLE_FILE = "mlx_lm/models/llama.py"
LAST_CPU = 0.0

PARSE_SCRIPT = """
import sys, libcst
for path in sys.argv[1:]:
    with open(path, encoding="utf-8") as handle:
        libcst.parse_module(handle.read())
"""


@dataclass(frozen=True)
class Tree:
    root: Path
    files: list[Path]
    lines: int


def build_tree(packages: Sequence[corpus.CorpusPackage], destination: Path) -> Tree:
    files: list[Path] = []
    for package in packages:
        for source in package.python_files():
            relative = source.relative_to(package.root)
            if "build" in relative.parts:
                continue  # mlx-whisper's wheel ships a stale build/ copy of itself
            target = destination / package.name / relative
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(source, target)
            files.append(target)
    lines = sum(len(path.read_bytes().splitlines()) for path in files)
    return Tree(destination, files, lines)


def wall(command: Sequence[str], *, env: dict[str, str] | None = None, cwd: Path | None = None) -> float:
    """Wall seconds of one run; its CPU seconds (user + sys) go to `LAST_CPU`."""
    global LAST_CPU
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    subprocess.run(
        command,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        env=env,
        cwd=cwd,
        check=False,
    )
    elapsed = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    LAST_CPU = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return elapsed


def cpu_of(measure: Callable[[], float]) -> Callable[[], float]:
    """The same measurement, reporting CPU seconds instead of wall seconds."""
    def measured() -> float:
        measure()
        return LAST_CPU

    return measured


def median_of(repeat: int, measure: Callable[[], float]) -> float:
    return statistics.median(measure() for _ in range(repeat))


class Emberlint:
    """Runs the console script with a cache directory it controls."""

    def __init__(self, cache: Path) -> None:
        self.cache = cache

    def environment(self) -> dict[str, str]:
        return dict(os.environ, EMBERLINT_CACHE_DIR=str(self.cache), NO_COLOR="1")

    def all_rules(self, *args: str) -> list[str]:
        return [str(BIN / "emberlint"), "check", "--select", "ALL", "--exit-zero", "-q", *args]

    def cold(self, command: list[str]) -> float:
        shutil.rmtree(self.cache, ignore_errors=True)
        return wall(command, env=self.environment())

    def warm(self, command: list[str]) -> float:
        return wall(command, env=self.environment())


def parse_in_process(files: Sequence[Path]) -> float:
    import libcst

    sources = [path.read_text(encoding="utf-8") for path in files]
    start = time.perf_counter()
    for source in sources:
        libcst.parse_module(source)
    return time.perf_counter() - start


def phase_split(files: Sequence[Path]) -> dict[str, float]:
    """Seconds spent in each stage of `lint_text` over the files that mention MLX.

    The stages are the linter's own: parse, the one libcst metadata pass
    (`ScopeProvider`), emberlint's tree walk (parents + visiting order), and
    `PositionProvider` (run only for files with findings; timed here on all).
    A no-op `CSTVisitor` pass shows what any libcst visitor costs before it
    does any work (libcst rebuilds every node it visits).
    """
    import libcst
    from libcst.metadata import MetadataWrapper, PositionProvider, ScopeProvider

    from emberlint.linter import lint_text
    from emberlint.registry import select_rules
    from emberlint.source import mentions_mlx
    from emberlint.tree import walk

    rules = select_rules(["ALL"])
    sources = [path.read_text(encoding="utf-8") for path in files]
    sources = [source for source in sources if mentions_mlx(source)]
    timings = dict.fromkeys(
        ("parse", "no-op CSTVisitor pass", "ScopeProvider", "tree walk", "PositionProvider", "lint_text total"),
        0.0,
    )
    for source in sources:
        start = time.perf_counter()
        module = libcst.parse_module(source)
        timings["parse"] += time.perf_counter() - start
        for provider, label in ((ScopeProvider, "ScopeProvider"), (PositionProvider, "PositionProvider")):
            wrapper = MetadataWrapper(module, unsafe_skip_copy=True)
            start = time.perf_counter()
            wrapper.resolve(provider)
            timings[label] += time.perf_counter() - start
        start = time.perf_counter()
        module.visit(libcst.CSTVisitor())
        timings["no-op CSTVisitor pass"] += time.perf_counter() - start
        start = time.perf_counter()
        walk(module)
        timings["tree walk"] += time.perf_counter() - start
        start = time.perf_counter()
        lint_text(source, "bench.py", rules)
        timings["lint_text total"] += time.perf_counter() - start
    return timings


def profile_linter(files: Sequence[Path], top: int) -> str:
    from emberlint.linter import lint_text
    from emberlint.registry import select_rules

    rules = select_rules(["ALL"])
    sources = [path.read_text(encoding="utf-8") for path in files]
    profiler = cProfile.Profile()
    profiler.enable()
    for source in sources:
        lint_text(source, "bench.py", rules)
    profiler.disable()
    output = io.StringIO()
    stats = pstats.Stats(profiler, stream=output)
    stats.sort_stats("cumulative").print_stats(top)
    stats.sort_stats("tottime").print_stats(top)
    return output.getvalue()


def imports_on_version() -> list[str]:
    """Heavy modules imported by `emberlint --version`."""
    probe = (
        "import sys\nfrom emberlint.cli import main\n"
        "try:\n    main(['--version'])\nexcept SystemExit:\n    pass\n"
        "print('heavy:' + ','.join(m for m in ('libcst', 'mlx', 'rich') if m in sys.modules))"
    )
    result = subprocess.run([PYTHON, "-c", probe], capture_output=True, text=True, check=True)
    (line,) = [line for line in result.stdout.splitlines() if line.startswith("heavy:")]
    return [name for name in line.removeprefix("heavy:").split(",") if name]


@dataclass
class Row:
    label: str
    seconds: float
    note: str = ""


def verdict(passed: bool) -> str:
    return "PASS" if passed else "FAIL"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--packages", nargs="*", default=[*corpus.PINNED, "mlx"])
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--profile", action="store_true", help="cProfile the linter API")
    args = parser.parse_args()

    packages = [package for package in corpus.corpus() if package.name in args.packages]
    work = Path(tempfile.mkdtemp(prefix="emberlint-bench-"))
    try:
        run(packages, work, args.repeat, args.profile)
    finally:
        shutil.rmtree(work, ignore_errors=True)


def run(packages: Sequence[corpus.CorpusPackage], work: Path, repeat: int, profile: bool) -> None:
    tree = build_tree(packages, work / "tree")
    paths = [str(tree.root / package.name) for package in packages]
    mlx_files = [path for path in tree.files if "mlx" in path.read_text(encoding="utf-8")]
    other_files = [path for path in tree.files if path not in mlx_files]
    print(f"corpus: {', '.join(package.label for package in packages)}")
    print(f"        {len(tree.files)} files, {tree.lines} lines; {len(mlx_files)} files mention mlx")
    print(f"machine: {os.cpu_count()} cores, median of {repeat} runs\n")

    emberlint = Emberlint(work / "cache")
    everything = emberlint.all_rules(*paths)
    cold = median_of(repeat, lambda: emberlint.cold(everything))
    cold_one_core = median_of(repeat, lambda: emberlint.cold(emberlint.all_rules("--jobs", "1", *paths)))
    emberlint.cold(everything)  # fill the cache
    warm = median_of(repeat, lambda: emberlint.warm(everything))
    parse_here = median_of(repeat, lambda: parse_in_process(tree.files))
    parse_process = median_of(repeat, lambda: wall([PYTHON, "-c", PARSE_SCRIPT, *map(str, tree.files)]))
    fixit = median_of(repeat, lambda: wall([str(BIN / "fixit"), "lint", *paths], cwd=work))
    ruff = median_of(
        repeat,
        lambda: wall([str(BIN / "ruff"), "check", "--select", "ALL", "--no-cache", "--exit-zero", "-q", *paths]),
    )
    skip_parse = parse_in_process(other_files)
    skip_lint = _lint_api_seconds(other_files)

    single = tree.root / "mlx-lm" / SINGLE_FILE
    if not single.is_file():
        single = mlx_files[0]
    as_pre_commit = [str(BIN / "emberlint"), str(single)]  # default rules, as a hook runs it
    small_runs = {
        "python -c pass": lambda: wall([PYTHON, "-c", "pass"]),
        "emberlint FILE (cold cache)": lambda: emberlint.cold(as_pre_commit),
        "emberlint FILE (warm cache)": lambda: emberlint.warm(as_pre_commit),
        "ruff check FILE": lambda: wall([str(BIN / "ruff"), "check", "--no-cache", str(single)]),
        "emberlint --version": lambda: wall([str(BIN / "emberlint"), "--version"]),
    }
    small_wall = {label: median_of(max(repeat, 5), run) for label, run in small_runs.items()}
    small_cpu = {label: median_of(max(repeat, 5), cpu_of(run)) for label, run in small_runs.items()}
    single_cold = small_wall["emberlint FILE (cold cache)"]
    single_warm = small_wall["emberlint FILE (warm cache)"]
    heavy = imports_on_version()

    rate = tree.lines / cold
    print(f"{'run':58} {'seconds':>9} {'lines/s':>10} {'vs emberlint':>13}")
    rows = [
        Row("emberlint cold, --select ALL, all cores", cold),
        Row("emberlint cold, --select ALL, --jobs 1", cold_one_core),
        Row("emberlint warm (cache, nothing changed)", warm),
        Row("libcst.parse_module, every file, in-process", parse_here),
        Row("libcst.parse_module, every file, one process", parse_process),
        Row("fixit lint (built-in rules)", fixit),
        Row("ruff check --select ALL --no-cache", ruff),
    ]
    for row in rows:
        print(f"{row.label:58} {row.seconds:9.2f} {tree.lines / row.seconds:10.0f} {row.seconds / cold:12.2f}x")
    print()
    print(f"{'single file (' + single.relative_to(tree.root).as_posix() + ')':58} {'wall s':>9} {'cpu s':>9}")
    for label, seconds in small_wall.items():
        print(f"{label:58} {seconds:9.3f} {small_cpu[label]:9.3f}")
    print(f"emberlint --version imports: {', '.join(heavy) or 'none of libcst, mlx, rich'}")
    print(f"files without mlx: lint API {skip_lint:.3f} s vs parsing them {skip_parse:.3f} s\n")

    targets = [
        ("files without MLX skipped without a parse (lint < 10% of parse)", skip_lint < 0.1 * skip_parse,
         f"{skip_lint:.3f} s vs {skip_parse:.3f} s"),
        ("cold all-rules throughput >= 2x fixit's", fixit >= 2 * cold,
         f"{tree.lines / cold:.0f} vs {tree.lines / fixit:.0f} lines/s ({fixit / cold:.2f}x)"),
        ("cold all-rules within 1.5x of libcst parse (one core each)", cold_one_core <= 1.5 * parse_process,
         f"{cold_one_core:.2f} s vs {parse_process:.2f} s ({cold_one_core / parse_process:.2f}x)"),
        ("cold all-rules (all cores) within 1.5x of libcst parse (one core)", cold <= 1.5 * parse_process,
         f"{cold:.2f} s vs {parse_process:.2f} s ({cold / parse_process:.2f}x)"),
        ("warm re-run < 10% of cold", warm < 0.1 * cold, f"{warm:.2f} s = {100 * warm / cold:.0f}% of {cold:.2f} s"),
        ("single-file run < 0.4 s wall", single_cold < 0.4,
         f"{single_cold:.3f} s cold, {single_warm:.3f} s warm "
         f"(cpu {small_cpu['emberlint FILE (cold cache)']:.3f} s)"),
        ("`emberlint --version` imports neither libcst nor mlx", not {"libcst", "mlx"} & set(heavy),
         ", ".join(heavy) or "clean"),
    ]
    width = max(len(label) for label, _, _ in targets)
    print(f"{'target':{width}}  result  measured")
    for label, passed, measured in targets:
        print(f"{label:{width}}  {verdict(passed):6}  {measured}")
    print(f"\nemberlint cold throughput: {rate:.0f} lines/s")

    print("\nwhere lint_text spends its time (files mentioning mlx, one core):")
    phases = phase_split(mlx_files)
    for label, seconds in phases.items():
        print(f"  {label:34} {seconds:8.2f} s  {seconds / phases['parse']:5.2f}x parse")
    if profile:
        print(profile_linter(mlx_files, top=25))


def _lint_api_seconds(files: Sequence[Path]) -> float:
    from emberlint.linter import lint_text
    from emberlint.registry import select_rules

    rules = select_rules(["ALL"])
    sources = [path.read_text(encoding="utf-8") for path in files]
    start = time.perf_counter()
    for source in sources:
        lint_text(source, "bench.py", rules)
    return time.perf_counter() - start


if __name__ == "__main__":
    main()
