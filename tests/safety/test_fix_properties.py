"""Property-based fix safety: on random valid programs the linter never crashes, and
every fix parses, compiles, is idempotent and leaves unreported lines byte-identical."""

from __future__ import annotations

import re

import hypothesmith
import libcst as cst
import pytest
from checks import assert_fix_is_sound, compile_quietly
from generators import programs
from hypothesis import HealthCheck, assume, event, example, given, settings

from emberlint.linter import lint_text


def examples(count: int) -> settings:
    return settings(
        max_examples=count,
        deadline=None,
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much],
    )


def _compiles(source: str) -> bool:
    try:
        compile_quietly(source, "<generated>")
        cst.parse_module(source)
    except (SyntaxError, ValueError, cst.ParserSyntaxError):
        return False
    return True


@examples(80)
@given(source=programs())
@example(
    source="import mlx.core as mx\n\n\ndef norm(x: mx.array) -> mx.array:\n"
    "    return x * mx.mean(x * x, axis=-1, keepdims=True) ** -0.5  # scale\n"
)
@example(source="from mlx.core import where\r\nscores = where(mask, s, -float('inf'))\r\n")
@example(source="import mlx.core\nif True:\n\ty = mlx.core.ones(3) ** -0.5\n")
def test_fixes_on_generated_hazard_programs(source: str, all_rules) -> None:
    assert_fix_is_sound(source, "generated.py", all_rules)


# hypothesmith compiles its candidates itself; CPython's SyntaxWarnings about them (`1()`) are noise.
@pytest.mark.filterwarnings("ignore::SyntaxWarning")
@examples(40)
@given(source=hypothesmith.from_grammar())
def test_linter_survives_arbitrary_python(source: str, all_rules) -> None:
    """hypothesmith code made to import MLX, so the pre-filter cannot skip it."""
    source = "import mlx.core as mx\n" + source
    assume(_compiles(source))
    assert_fix_is_sound(source, "grammar.py", all_rules)


REBINDS = re.compile(r"(?<![\w.])(mx|where|x)\s*(?::[^=\n]+)?:?=(?!=)|\b(def|class|import|as|for)\s+(mx|where|x)\b")


def rebinding_label(random_code: str) -> str:
    """What the random part rebinds, for hypothesis's statistics (`--hypothesis-show-statistics`)."""
    found = sorted({name for match in REBINDS.finditer(random_code) for name in match.groups() if name in ("mx", "where", "x")})
    return f"random code rebinds: {', '.join(found) or 'nothing'}"


@examples(25)
@given(random_code=hypothesmith.from_node(cst.Module), hazards=programs())
@example(random_code="mx = None\n", hazards="import mlx.core as mx\ny = mx.ones(3) ** -0.5\n")
@example(random_code="def where(*args):\n    return args\n", hazards="from mlx.core import where\ns = where(m, s, -float('inf'))\n")
def test_hazards_inside_arbitrary_python(random_code: str, hazards: str, all_rules) -> None:
    """Hazard programs followed by libcst-generated code: names from the random part
    (rebinding `mx`, `where`, `x`, ...) must never break a fix. Generated code
    rarely rebinds them (see the statistics); `test_rebinding` has explicit cases."""
    source = hazards + random_code
    assume(_compiles(source))
    event(rebinding_label(random_code))
    assert_fix_is_sound(source, "mixed.py", all_rules)


REBINDING_CASES = {
    # (source, the (code, line) findings expected)
    "numpy where": ("import mlx.core as mx\nfrom numpy import where\ns = mx.ones(3)\nscores = where(s > 0, s, -float('inf'))\n", []),
    "mlx where": ("from mlx.core import where, ones\ns = ones(3)\nscores = where(s > 0, s, -float('inf'))\n", [("EMB002", 3)]),
    "where redefined later": (
        "from mlx.core import where, ones\ns = ones(3)\nscores = where(s > 0, s, -float('inf'))\n\ndef where(*args):\n    return args\n",
        [],
    ),
    "mx rebound after use": ("import mlx.core as mx\ny = mx.ones(3) ** -0.5\nmx = None\n", []),
    "mx as a loop target": ("import mlx.core as mx\ny = mx.ones(3) ** -0.5\nfor mx in []:\n    pass\n", []),
    "mx imported twice": ("import mlx.core as mx\nimport numpy as mx\ny = mx.ones(3) ** -0.5\n", []),
    "mx shadowed in a function": (
        "import mlx.core as mx\nimport numpy as np\n\ndef f():\n    mx = np\n    return mx.ones(3) ** -0.5\n\ny = mx.ones(3) ** -0.5\n",
        [("EMB003", 8)],
    ),
    "mx as a parameter": (
        "import mlx.core as mx\n\ndef f(mx):\n    return mx.ones(3) ** -0.5\n\ny = mx.ones(3) ** -0.5\n",
        [("EMB003", 6)],
    ),
    "mx as a class attribute": (
        "import mlx.core as mx\n\nclass A:\n    mx = None\n\nz = mx.ones(3) ** -0.5\n",
        [("EMB003", 6)],
    ),
}


@pytest.mark.parametrize("name", sorted(REBINDING_CASES))
def test_rebinding(name: str, all_rules) -> None:
    """Rebinding `mx` or `where` anywhere in a scope makes its MLX-ness unknown there:
    no finding (and no fix) through it, while other scopes keep theirs."""
    source, expected = REBINDING_CASES[name]
    assert [(finding.code, finding.line) for finding in lint_text(source, "rebinding.py", all_rules)] == expected
    fixed, applied = assert_fix_is_sound(source, "rebinding.py", all_rules)
    assert [(finding.code, finding.line) for finding in applied] == expected


def test_rebinding_statistics(all_rules) -> None:
    """Reports how often hypothesmith's code rebinds `mx`, `where` or `x` (the reason
    for the explicit cases above); printed with `pytest -s`."""
    labels: list[str] = []

    @settings(max_examples=40, deadline=None, database=None, suppress_health_check=[HealthCheck.too_slow])
    @given(random_code=hypothesmith.from_node(cst.Module))
    def collect(random_code: str) -> None:
        labels.append(rebinding_label(random_code))

    collect()
    counts = {label: labels.count(label) for label in sorted(set(labels))}
    print(f"hypothesmith modules ({len(labels)}): {counts}")
    assert len(labels) == 40
    assert rebinding_label("mx = 1\nwhere: int = 2\ndef x(): pass\n") == "random code rebinds: mx, where, x"
    assert rebinding_label("y = mx.ones(3)\n") == "random code rebinds: nothing"


@pytest.mark.parametrize(
    "source",
    [
        "text = 'no MLX here ** -0.5'\n",
        "",
        "# mlx only in a comment\n",
        "import mlx.core as mx\n",
    ],
)
def test_trivial_modules(source: str, all_rules) -> None:
    assert lint_text(source, "trivial.py", all_rules) == []
    assert_fix_is_sound(source, "trivial.py", all_rules)


def test_generator_places_hazards_the_rules_find(all_rules) -> None:
    """Guards the generator itself: most generated programs must give fixable findings,
    or the properties above would hold vacuously."""
    with_fixes = 0
    total = 0

    @settings(max_examples=30, deadline=None, database=None)
    @given(programs())
    def count(source: str) -> None:
        nonlocal with_fixes, total
        total += 1
        if any(finding.fix for finding in lint_text(source, "generated.py", all_rules)):
            with_fixes += 1

    count()
    assert with_fixes >= total // 3, f"only {with_fixes} of {total} programs had a fixable finding"
