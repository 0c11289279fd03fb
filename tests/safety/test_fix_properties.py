"""Property-based fix safety: on random valid programs the linter never crashes, and
every fix parses, compiles, is idempotent and leaves unreported lines byte-identical."""

from __future__ import annotations

import hypothesmith
import libcst as cst
import pytest
from checks import assert_fix_is_sound, compile_quietly
from generators import programs
from hypothesis import HealthCheck, assume, example, given, settings

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


@examples(25)
@given(random_code=hypothesmith.from_node(cst.Module), hazards=programs())
def test_hazards_inside_arbitrary_python(random_code: str, hazards: str, all_rules) -> None:
    """Hazard programs followed by libcst-generated code: names from the random part
    (rebinding `mx`, `where`, `x`, ...) must never break a fix."""
    source = hazards + random_code
    assume(_compiles(source))
    assert_fix_is_sound(source, "mixed.py", all_rules)


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
