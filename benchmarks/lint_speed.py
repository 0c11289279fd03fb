"""How fast emberlint lints real MLX code, against libcst's parse floor, fixit and ruff.

    python benchmarks/lint_speed.py                    # the whole pinned corpus
    python benchmarks/lint_speed.py --packages mlx-lm mlx --repeat 3 --profile

The corpus (see `corpus.py`) is copied into one tree without `build/` folders,
so every tool sees exactly the same files. Every figure is the median wall time
of `--repeat` subprocess runs, taken in rounds (each round runs every command
once), so a change in the machine's load during the run reaches every tool
alike; the CPU seconds (user + sys) are printed beside them. Every tool runs
from bytecode compiled once before timing (in a private `PYTHONPYCACHEPREFIX`),
as an installed package does, whatever `PYTHONDONTWRITEBYTECODE` says. Cold
emberlint runs get an empty cache directory (`EMBERLINT_CACHE_DIR`) each time. emberlint runs twice over: with its default
rules (what a plain `emberlint check` runs) and with `--select ALL`. The table
ends with PASS/FAIL against the targets of the speed issues, every ratio taken
against the libcst parse measured in the same run. `--profile` adds a cProfile
of the linter API.
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
IMPORT_LIBCST = "python -c 'import libcst'"
LAST_CPU = 0.0

PARSE_SCRIPT = """
import sys, libcst
for path in sys.argv[1:]:
    with open(path, encoding="utf-8") as handle:
        libcst.parse_module(handle.read())
"""


def parse_script_with_emberlints_gc() -> str:
    """The parse with the garbage collector set as emberlint sets it while linting
    (`emberlint.runner.GC_THRESHOLDS`): the floor under equal settings."""
    from emberlint.runner import GC_THRESHOLDS

    return f"import gc\ngc.set_threshold{GC_THRESHOLDS}\n{PARSE_SCRIPT}"


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


def median_of(repeat: int, measure: Callable[[], float]) -> float:
    return statistics.median(measure() for _ in range(repeat))


def in_rounds(repeat: int, runs: dict[str, Callable[[], float]]) -> tuple[dict[str, float], dict[str, float]]:
    """Median wall and CPU seconds of each run, running every run once per round."""
    walls: dict[str, list[float]] = {label: [] for label in runs}
    cpus: dict[str, list[float]] = {label: [] for label in runs}
    for _ in range(repeat):
        for label, measure in runs.items():
            walls[label].append(measure())
            cpus[label].append(LAST_CPU)
    return (
        {label: statistics.median(values) for label, values in walls.items()},
        {label: statistics.median(values) for label, values in cpus.items()},
    )


def compile_bytecode_once(work: Path, warm_up: Sequence[Sequence[str]]) -> None:
    """Run every tool once, untimed, writing its bytecode to a private cache that
    every later run reads (all the subprocesses inherit this environment)."""
    os.environ.pop("PYTHONDONTWRITEBYTECODE", None)
    os.environ["PYTHONPYCACHEPREFIX"] = str(work / "bytecode")
    for command in warm_up:
        subprocess.run(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, cwd=work, check=False)


class Emberlint:
    """Runs the console script with a cache directory it controls."""

    def __init__(self, cache: Path) -> None:
        self.cache = cache

    def environment(self) -> dict[str, str]:
        return dict(os.environ, EMBERLINT_CACHE_DIR=str(self.cache), NO_COLOR="1")

    def all_rules(self, *args: str) -> list[str]:
        return [str(BIN / "emberlint"), "check", "--select", "ALL", "--exit-zero", "-q", *args]

    def default_rules(self, *args: str) -> list[str]:
        return [str(BIN / "emberlint"), "check", "--exit-zero", "-q", *args]

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

    The stages are the linter's own: parse, the semantic model (emberlint's one
    walk: parents, scopes, bindings), and the positions of reported nodes (one
    lightweight codegen pass, only for files with findings; timed here on all,
    for every node, as the worst case). libcst's `ScopeProvider` (what the old
    name resolution ran) and `PositionProvider` are timed for comparison.
    """
    import libcst
    from libcst.metadata import MetadataWrapper, PositionProvider, ScopeProvider

    from emberlint.linter import lint_text
    from emberlint.positions import node_ranges
    from emberlint.registry import select_rules
    from emberlint.semantic import SemanticModel
    from emberlint.source import mentions_mlx

    default, every = select_rules(), select_rules(["ALL"])
    sources = [path.read_text(encoding="utf-8") for path in files]
    sources = [source for source in sources if mentions_mlx(source)]
    timings = dict.fromkeys(
        (
            "parse", "semantic model (one walk)", "positions (every node)",
            "libcst ScopeProvider (not used)", "libcst PositionProvider (not used)",
            "lint_text total, default rules", "lint_text total, ALL rules",
        ),
        0.0,
    )
    for source in sources:
        start = time.perf_counter()
        module = libcst.parse_module(source)
        timings["parse"] += time.perf_counter() - start
        for provider, label in (
            (ScopeProvider, "libcst ScopeProvider (not used)"),
            (PositionProvider, "libcst PositionProvider (not used)"),
        ):
            wrapper = MetadataWrapper(module, unsafe_skip_copy=True)
            start = time.perf_counter()
            wrapper.resolve(provider)
            timings[label] += time.perf_counter() - start
        start = time.perf_counter()
        _, order = SemanticModel.for_module(module)
        timings["semantic model (one walk)"] += time.perf_counter() - start
        start = time.perf_counter()
        node_ranges(module, order)
        timings["positions (every node)"] += time.perf_counter() - start
    # in loops of their own: the providers' garbage would slow the parse inside `lint_text`
    for rules, label in ((default, "lint_text total, default rules"), (every, "lint_text total, ALL rules")):
        for source in sources:
            start = time.perf_counter()
            lint_text(source, "bench.py", rules)
            timings[label] += time.perf_counter() - start
    return timings


def screened_files(files: Sequence[Path]) -> str:
    """How much the token pre-screen leaves out, for the default rules and ALL."""
    from emberlint.registry import select_rules
    from emberlint.screen import rules_that_can_fire

    sources = [path.read_text(encoding="utf-8") for path in files]
    lines = []
    for label, rules in (("default", select_rules()), ("ALL", select_rules(["ALL"]))):
        running = [len(rules_that_can_fire(rules, source)) for source in sources]
        skipped = sum(count == 0 for count in running)
        lines.append(
            f"pre-screen, {label} rules: {skipped} of {len(sources)} files skip the parse; "
            f"{sum(running) / len(sources):.1f} of {len(rules)} rules run per file"
        )
    return "\n".join(lines)


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
    single = tree.root / "mlx-lm" / SINGLE_FILE
    if not single.is_file():
        single = mlx_files[0]
    as_pre_commit = [str(BIN / "emberlint"), str(single)]  # default rules, as a hook runs it
    compile_bytecode_once(
        work,
        [as_pre_commit, [PYTHON, "-c", PARSE_SCRIPT, str(single)], [str(BIN / "fixit"), "lint", str(single)]],
    )

    def warm_all_rules() -> float:
        emberlint.cold(everything)  # fill the cache, untimed
        return emberlint.warm(everything)

    corpus_runs = {
        "emberlint cold, default rules, all cores": lambda: emberlint.cold(emberlint.default_rules(*paths)),
        "emberlint cold, default rules, --jobs 1": lambda: emberlint.cold(emberlint.default_rules("--jobs", "1", *paths)),
        "emberlint cold, --select ALL, all cores": lambda: emberlint.cold(everything),
        "emberlint cold, --select ALL, --jobs 1": lambda: emberlint.cold(emberlint.all_rules("--jobs", "1", *paths)),
        "emberlint warm (cache, nothing changed)": warm_all_rules,
        "libcst.parse_module, every file, one process": lambda: wall([PYTHON, "-c", PARSE_SCRIPT, *map(str, tree.files)]),
        "the same, with emberlint's GC thresholds": lambda: wall(
            [PYTHON, "-c", parse_script_with_emberlints_gc(), *map(str, tree.files)]
        ),
        "fixit lint (built-in rules)": lambda: wall([str(BIN / "fixit"), "lint", *paths], cwd=work),
        "ruff check --select ALL --no-cache": lambda: wall(
            [str(BIN / "ruff"), "check", "--select", "ALL", "--no-cache", "--exit-zero", "-q", *paths]
        ),
    }
    corpus_wall, corpus_cpu = in_rounds(repeat, corpus_runs)
    default, default_one_core, cold, cold_one_core, warm, parse_process, _, fixit, _ = corpus_wall.values()
    parse_here = median_of(repeat, lambda: parse_in_process(tree.files))
    skip_parse = parse_in_process(other_files)
    skip_lint = _lint_api_seconds(other_files)

    small_runs = {
        "python -c pass": lambda: wall([PYTHON, "-c", "pass"]),
        IMPORT_LIBCST: lambda: wall([PYTHON, "-c", "import libcst"]),
        "libcst import + parse FILE (a libcst tool's floor)": lambda: wall([PYTHON, "-c", PARSE_SCRIPT, str(single)]),
        "emberlint FILE (cold cache)": lambda: emberlint.cold(as_pre_commit),
        "emberlint FILE (warm cache)": lambda: emberlint.warm(as_pre_commit),
        "ruff check FILE": lambda: wall([str(BIN / "ruff"), "check", "--no-cache", str(single)]),
        "emberlint --version": lambda: wall([str(BIN / "emberlint"), "--version"]),
    }
    small_wall, small_cpu = in_rounds(max(repeat, 5), small_runs)
    single_cold = small_wall["emberlint FILE (cold cache)"]
    single_warm = small_wall["emberlint FILE (warm cache)"]
    heavy = imports_on_version()
    generated = write_generated_module(work / "generated" / "generated.py")
    generated_seconds, generated_peak = peak_memory(emberlint, [str(BIN / "emberlint"), "check", "--exit-zero", "-q", str(generated)])
    parse_peak = peak_memory(emberlint, [PYTHON, "-c", PARSE_SCRIPT, str(generated)])[1]

    rate = tree.lines / cold
    parse_cpu = corpus_cpu["libcst.parse_module, every file, one process"]
    print(f"{'run':58} {'seconds':>9} {'lines/s':>10} {'vs parse':>9} {'cpu s':>8} {'cpu vs parse':>12}")
    for label, seconds in corpus_wall.items():
        cpu = corpus_cpu[label]
        print(
            f"{label:58} {seconds:9.2f} {tree.lines / seconds:10.0f} {seconds / parse_process:8.2f}x "
            f"{cpu:8.2f} {cpu / parse_cpu:11.2f}x"
        )
    print(
        f"{'libcst.parse_module, every file, in-process':58} {parse_here:9.2f} {tree.lines / parse_here:10.0f} "
        f"{parse_here / parse_process:8.2f}x"
    )
    print(screened_files(mlx_files))
    print()
    print(f"{'single file (' + single.relative_to(tree.root).as_posix() + ')':58} {'wall s':>9} {'cpu s':>9}")
    for label, seconds in small_wall.items():
        print(f"{label:58} {seconds:9.3f} {small_cpu[label]:9.3f}")
    print(f"emberlint --version imports: {', '.join(heavy) or 'none of libcst, mlx, rich'}")
    print(f"files without mlx: lint API {skip_lint:.3f} s vs parsing them {skip_parse:.3f} s")
    size = generated.stat().st_size / 2**20
    print(
        f"generated {size:.1f} MB module: emberlint {generated_seconds:.2f} s, peak RSS "
        f"{generated_peak / 2**20:.0f} MB (libcst parse alone: {parse_peak / 2**20:.0f} MB)\n"
    )

    parse_same_gc = corpus_wall["the same, with emberlint's GC thresholds"]

    def within(seconds: float, limit: float) -> tuple[bool, str]:
        return seconds <= limit * parse_process, (
            f"{seconds:.2f} s vs parse {parse_process:.2f} s ({seconds / parse_process:.2f}x, target {limit}x; "
            f"{seconds / parse_same_gc:.2f}x the parse with emberlint's GC thresholds)"
        )

    targets = [
        ("files without MLX skipped without a parse (lint < 10% of parse)", skip_lint < 0.1 * skip_parse,
         f"{skip_lint:.3f} s vs {skip_parse:.3f} s"),
        ("cold all-rules throughput >= 2x fixit's", fixit >= 2 * cold,
         f"{tree.lines / cold:.0f} vs {tree.lines / fixit:.0f} lines/s ({fixit / cold:.2f}x)"),
        ("cold default rules, one core, <= 1.5x libcst parse", *within(default_one_core, 1.5)),
        ("cold default rules, all cores, <= 1.5x libcst parse", *within(default, 1.5)),
        ("cold --select ALL, one core, <= 1.8x libcst parse", *within(cold_one_core, 1.8)),
        ("cold --select ALL, all cores, <= 1.8x libcst parse", *within(cold, 1.8)),
        ("warm re-run < 10% of cold", warm < 0.1 * cold, f"{warm:.2f} s = {100 * warm / cold:.0f}% of {cold:.2f} s"),
        ("single-file run (cold cache) <= 0.25 s wall", single_cold <= 0.25,
         (f"{single_cold:.3f} s cold, {single_warm:.3f} s warm "
          f"(cpu {small_cpu['emberlint FILE (cold cache)']:.3f} s; import libcst alone "
          f"{small_wall[IMPORT_LIBCST]:.3f} s)")),
        ("`emberlint --version` imports neither libcst nor mlx", not {"libcst", "mlx"} & set(heavy),
         ", ".join(heavy) or "clean"),
    ]
    width = max(len(label) for label, _, _ in targets)
    print(f"{'target':{width}}  result  measured")
    for label, passed, measured in targets:
        print(f"{label:{width}}  {verdict(passed):6}  {measured}")
    print(f"\nemberlint cold throughput: {rate:.0f} lines/s (ALL), {tree.lines / default:.0f} lines/s (default)")

    print("\nwhere lint_text spends its time (files mentioning mlx, one core):")
    phases = phase_split(mlx_files)
    for label, seconds in phases.items():
        print(f"  {label:36} {seconds:8.2f} s  {seconds / phases['parse']:5.2f}x parse")
    if profile:
        print(profile_linter(mlx_files, top=25))


def write_generated_module(path: Path) -> Path:
    """MLX code around a 5 MB embedded table, as code generators write it."""
    path.parent.mkdir(parents=True, exist_ok=True)
    table = "".join(f"{index:08x}" for index in range(5 * 1024 * 1024 // 8))
    path.write_text(
        f'import mlx.core as mx\ny = mx.ones(3) ** -0.5\nTABLE = """{table}"""\nz = mx.ones(2) ** -0.5\n',
        encoding="utf-8",
    )
    return path


PEAK_SCRIPT = """
import resource, subprocess, sys, time
start = time.perf_counter()
subprocess.run(sys.argv[1:], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=False)
print(time.perf_counter() - start, resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss * 1024)
"""


def peak_memory(emberlint: Emberlint, command: list[str]) -> tuple[float, int]:
    """(wall seconds, peak resident bytes of the largest process) of one cold run."""
    shutil.rmtree(emberlint.cache, ignore_errors=True)
    result = subprocess.run(
        [PYTHON, "-c", PEAK_SCRIPT, *command], capture_output=True, text=True, env=emberlint.environment(), check=True
    )
    seconds, peak = result.stdout.split()
    return float(seconds), int(peak)


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
