"""Round-trip on real code: lint and fix all of mlx-lm, then check the fixed copy.

Every fixed file must compile and re-lint with no fixable finding left, only the
reported lines may change, and every module of the copy that imported before the
fixes must still import (MLX on CPU, in a fresh interpreter).
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from collections import Counter
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

from checks import round_trip_file

# Imports every named module with `root` first on sys.path; prints {module: error or null}.
IMPORT_PROBE = """
import importlib, json, sys
root, names = sys.argv[1], sys.argv[2:]
sys.path.insert(0, root)
outcome = {}
for name in names:
    try:
        module = importlib.import_module(name)
        where = getattr(module, "__file__", "") or ""
        outcome[name] = None if where.startswith(root) else f"imported from {where}"
    except BaseException as error:
        outcome[name] = f"{type(error).__name__}: {error}"[:300]
print(json.dumps(outcome))
"""


def _module_names(root: Path) -> list[str]:
    names = []
    for path in sorted(root.rglob("*.py")):
        parts = list(path.relative_to(root).with_suffix("").parts)
        if parts[-1] == "__main__":
            continue  # importing it would run the CLI
        if parts[-1] == "__init__":
            parts.pop()
        names.append(".".join(parts))
    return names


def _import_outcomes(root: Path, names: list[str]) -> dict[str, str | None]:
    environment = dict(
        os.environ, HF_HUB_OFFLINE="1", TRANSFORMERS_OFFLINE="1", PYTHONDONTWRITEBYTECODE="1"
    )
    environment.pop("PYTHONPATH", None)
    result = subprocess.run(
        [sys.executable, "-c", IMPORT_PROBE, str(root), *names],
        capture_output=True,
        text=True,
        timeout=600,
        env=environment,
        cwd=root,
    )
    assert result.returncode == 0, result.stderr[-2000:]
    return json.loads(result.stdout.strip().splitlines()[-1])


def test_mlx_lm_round_trip(mlx_lm_package, tmp_path) -> None:
    fixed_root = tmp_path / "fixed"
    shutil.copytree(mlx_lm_package.root, fixed_root)
    files = mlx_lm_package.python_files()
    displays = [str(path.relative_to(mlx_lm_package.root)) for path in files]
    with ProcessPoolExecutor(max_workers=os.cpu_count() or 1) as pool:
        outcomes = list(pool.map(round_trip_file, map(str, files), displays, chunksize=4))
    per_rule: Counter[str] = Counter()
    fixed_per_rule: Counter[str] = Counter()
    for outcome in outcomes:
        per_rule.update(outcome.codes)
        fixed_per_rule.update(outcome.fixed_codes)
        if outcome.fixed is not None:
            (fixed_root / outcome.path).write_text(outcome.fixed, encoding="utf-8")
    changed = sum(outcome.fixed is not None for outcome in outcomes)

    print(f"\nmlx-lm {mlx_lm_package.version}: {len(files)} files, {changed} changed by fixes")
    for code in sorted(per_rule):
        print(f"  {code}: {per_rule[code]:4} findings, {fixed_per_rule[code]:4} fixes applied")

    names = _module_names(mlx_lm_package.root)
    before = _import_outcomes(mlx_lm_package.root, names)
    importable = [name for name, error in before.items() if error is None]
    assert importable, f"no mlx-lm module imports even unfixed: {sorted(set(before.values()))[:5]}"
    after = _import_outcomes(fixed_root, importable)
    broken = {name: error for name, error in after.items() if error is not None}
    assert not broken, f"modules that imported before the fixes no longer do: {broken}"
    print(f"  imports: {len(importable)} of {len(names)} modules import on CPU; all still do after fixing")
