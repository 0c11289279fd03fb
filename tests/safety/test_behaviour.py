"""Fixes never make numerics worse, checked by running code before and after the fix.

Every rule that offers a fix has an entry in `BEHAVIOUR`: small MLX functions it
must fix (its catalog Example plus our own), and how far the fixed outputs may
move. The functions run on random inputs in float32, bfloat16 and float16 (and,
for the reference, the original code on the same inputs in numpy float64). A fix may
- change nothing (`ulps=0`): bit-identical outputs, as every `safe` fix must;
- move a finite output, but never more than `ulps` units in the last place
  further from the float64 reference (the original code run on numpy float64)
  than the original output was;
- turn a non-finite output (NaN/inf from an overflow or a fully masked row) into a
  finite one, when `better_conditioned` (the rule's doc says so).
A fixable rule without an entry fails `test_every_fixable_rule_has_a_behaviour_entry`.
"""

from __future__ import annotations

import inspect
from collections.abc import Callable
from dataclasses import dataclass, field

import libcst as cst
import mlx.core as mx
import numpy as np
import pytest

from emberlint.linter import fix_text
from emberlint.registry import all_rules

SHAPE = (4, 16)
DTYPES = (mx.float32, mx.bfloat16, mx.float16)
SEEDS = (0, 1, 2)
MANTISSA_BITS = {mx.float32: 23, mx.bfloat16: 7, mx.float16: 10}
MIN_NORMAL_EXPONENT = {mx.float32: -126, mx.bfloat16: -126, mx.float16: -14}

InputMaker = Callable[[np.random.Generator], object]


def _signed(rng: np.random.Generator) -> np.ndarray:
    """Mostly moderate values, plus the extremes where overflow hazards show."""
    values = rng.normal(0.0, 4.0, SHAPE).astype(np.float32)
    values[0, :4] = (-100.0, -20.0, 20.0, 100.0)
    return values


def _positive(rng: np.random.Generator) -> np.ndarray:
    return np.abs(rng.normal(0.0, 2.0, SHAPE)).astype(np.float32) + np.float32(1e-3)


def _denominator(rng: np.random.Generator) -> np.ndarray:
    """Non-negative, with exact zeros: what an eps guard is for."""
    values = np.abs(rng.normal(0.0, 1.0, SHAPE)).astype(np.float32)
    values[0, :3] = 0.0
    return values


def _guarded_denominator(rng: np.random.Generator) -> np.ndarray:
    """Exact zeros or values far above float16's smallest normal (6.1e-5).

    Raising eps from 0 to smallest_normal changes `num / (den + eps)` by the
    relative amount eps/den, which is large for den of the same order; EMB005
    documents that value change (it is an unsafe fix), so it is not measured here.
    """
    values = np.abs(rng.normal(0.0, 1.0, SHAPE)).astype(np.float32) + np.float32(0.25)
    values[0, :3] = 0.0
    return values


def _mask(rng: np.random.Generator) -> np.ndarray:
    """Random keep-mask whose first row is fully masked."""
    keep = rng.random(SHAPE) < 0.7
    keep[0, :] = False
    return keep


PARAMETER_INPUTS: dict[str, InputMaker] = {
    "x": _signed,
    "scores": _signed,
    "f": _signed,
    "q": _signed,
    "weight": _signed,
    "num": _signed,
    "logits": _signed,
    "rate": _positive,
    "var": _positive,
    "den": _denominator,
    "mask": _mask,
    "width": lambda rng: SHAPE[1] + 8,
}


@dataclass(frozen=True)
class Behaviour:
    cases: tuple[str, ...]  # modules of small functions the rule must fix
    ulps: int = 0  # per element, how much further from the reference an output may move
    better_conditioned: bool = False
    # Errors are counted in ulps of max(|reference|, magnitude_floor). Log-probabilities
    # near 0 and small probabilities are computed from operands of magnitude ~1
    # (logits, a row sum of 1), so their rounding error is on that scale.
    magnitude_floor: float = 0.0
    inputs: dict[str, InputMaker] = field(default_factory=dict)


MX = "import mlx.core as mx\n\n\n"

BEHAVIOUR: dict[str, Behaviour] = {
    "EMB001": Behaviour(
        (MX + "def affine(x: mx.array) -> mx.array:\n    return x * 2.5 - 1.25\n",),
    ),
    "EMB002": Behaviour(
        (
            MX + "def fill(scores: mx.array, mask: mx.array) -> mx.array:\n"
            "    return mx.where(mask, scores, -float('inf'))\n",
            MX + "def attend(scores: mx.array, mask: mx.array) -> mx.array:\n"
            "    return mx.softmax(mx.where(mask, scores, -3.4028235e38), axis=-1)\n",
        ),
        better_conditioned=True,
    ),
    "EMB003": Behaviour(
        (
            MX + "def rms(x: mx.array) -> mx.array:\n"
            "    return x * mx.mean(x * x, axis=-1, keepdims=True) ** -0.5\n",
        ),
        ulps=1,
    ),
    "EMB004": Behaviour(
        (
            MX + "def normalize(x: mx.array, eps: float = 1e-5) -> mx.array:\n"
            "    return x / mx.sqrt(mx.mean(x * x, axis=-1, keepdims=True) + eps)\n",
        ),
    ),
    "EMB005": Behaviour(
        (MX + "def ratio(num: mx.array, den: mx.array) -> mx.array:\n    return num / (den + 1e-8)\n",),
        better_conditioned=True,
        inputs={"den": _guarded_denominator},
    ),
    "EMB006": Behaviour(
        (MX + "def log_gate(x: mx.array) -> mx.array:\n    return -mx.log(1.0 + mx.exp(-x))\n",),
        ulps=2,
        better_conditioned=True,
    ),
    "EMB007": Behaviour(
        (MX + "def softplus(x: mx.array) -> mx.array:\n    return mx.log(1.0 + mx.exp(x))\n",),
        ulps=3,
        better_conditioned=True,
    ),
    "EMB008": Behaviour(
        (
            MX + "def rms_norm(x: mx.array, weight: mx.array) -> mx.array:\n"
            "    scale = mx.rsqrt(mx.mean(mx.square(x), axis=-1, keepdims=True) + 1e-5)\n"
            "    return (x * scale).astype(x.dtype) * weight\n",
        ),
        ulps=2,
    ),
    "EMB011": Behaviour(
        (
            MX + "def column_logprobs(logits: mx.array) -> mx.array:\n"
            "    return mx.log(mx.softmax(logits * 0.5, axis=0))\n",
        ),
        ulps=2,
        better_conditioned=True,
        magnitude_floor=1.0,
    ),
    "EMB012": Behaviour(
        (
            MX + "def weights(x: mx.array) -> mx.array:\n"
            "    return mx.exp(x) / mx.sum(mx.exp(x), axis=0, keepdims=True)\n",
        ),
        ulps=2,
        better_conditioned=True,
        magnitude_floor=1.0,
    ),
    "EMB013": Behaviour(
        (MX + "def growth(rate: mx.array) -> mx.array:\n    return mx.log(1.0 + rate) * 2\n",),
        ulps=1,
        better_conditioned=True,
    ),
    "EMB014": Behaviour(
        (MX + "def delta(x: mx.array) -> mx.array:\n    return (mx.exp(x) - 1.0) / 4\n",),
        ulps=1,
        better_conditioned=True,
    ),
    "EMB010": Behaviour(
        (
            MX + "def pad(x: mx.array) -> mx.array:\n"
            "    return mx.concatenate([x, mx.zeros((x.shape[0], 4))], axis=-1)\n",
        ),
    ),
}


def _fixable_rules() -> dict:
    return {code: spec for code, spec in all_rules().items() if spec.doc.fix != "none"}


def test_every_fixable_rule_has_a_behaviour_entry() -> None:
    missing = sorted(_fixable_rules().keys() - BEHAVIOUR.keys())
    assert not missing, (
        f"rules with a fix but no behaviour test: {missing}; add them to BEHAVIOUR "
        "in tests/safety/test_behaviour.py"
    )


class NumpyCore:
    """`mlx.core` as the original code uses it, in numpy float64: the reference.

    MLX's own float64 is no reference: on CPU its `exp` is float32-accurate and
    overflows past 88.7 (`mx.exp(mx.array(100.0, dtype=mx.float64))` is inf).
    """

    array = staticmethod(lambda value, dtype=None: np.asarray(value, dtype=dtype))
    finfo = staticmethod(np.finfo)

    @staticmethod
    def rsqrt(x):
        return 1.0 / np.sqrt(x)

    @staticmethod
    def softmax(x, axis=-1, precise=False):
        shifted = np.exp(x - np.max(x, axis=axis, keepdims=True))
        return shifted / np.sum(shifted, axis=axis, keepdims=True)

    def __getattr__(self, name: str):
        return getattr(np, name)


def _functions(source: str, core: object | None = None) -> dict[str, Callable]:
    """The top-level functions `source` defines; with `core`, they see it as `mx`."""
    namespace: dict[str, object] = {"__name__": "behaviour_case"}
    exec(compile(source, "<behaviour case>", "exec"), namespace)
    if core is not None:
        namespace["mx"] = core
    names = [
        statement.name.value
        for statement in cst.parse_module(source).body
        if isinstance(statement, cst.FunctionDef)
    ]
    return {name: namespace[name] for name in names}


def _arguments(function: Callable, makers: dict[str, InputMaker], seed: int, dtype) -> dict:
    rng = np.random.default_rng(seed)
    arguments = {}
    for parameter in inspect.signature(function).parameters.values():
        maker = makers.get(parameter.name)
        if maker is None:
            assert parameter.default is not inspect.Parameter.empty, (
                f"no input for parameter '{parameter.name}' of {function.__name__}; "
                "add one to PARAMETER_INPUTS"
            )
            continue
        value = maker(rng)
        if isinstance(value, np.ndarray):
            value = mx.array(value)
            if value.dtype != mx.bool_:
                value = value.astype(dtype)
        arguments[parameter.name] = value
    return arguments


def _float64(value: mx.array) -> np.ndarray:
    return np.array(value.astype(mx.float64))


def _ulp(values: np.ndarray, dtype, magnitude_floor: float = 0.0) -> np.ndarray:
    magnitude = np.maximum(np.abs(values), max(magnitude_floor, np.finfo(np.float64).tiny))
    exponent = np.floor(np.log2(magnitude))
    exponent = np.maximum(exponent, MIN_NORMAL_EXPONENT[dtype])
    return np.exp2(exponent - MANTISSA_BITS[dtype])


def _compare(original: np.ndarray, fixed: np.ndarray, reference: np.ndarray, dtype, behaviour: Behaviour) -> None:
    assert original.shape == fixed.shape
    finite = np.isfinite(original)
    if behaviour.better_conditioned:
        unchanged = (fixed == original) | (np.isnan(fixed) & np.isnan(original))
        assert np.all(np.isfinite(fixed[~finite]) | unchanged[~finite]), (
            "a non-finite output stayed non-finite in a new way"
        )
    else:
        np.testing.assert_array_equal(fixed[~finite], original[~finite])
    assert np.all(np.isfinite(fixed[finite])), "the fix made a finite output non-finite"
    if behaviour.ulps == 0:
        np.testing.assert_array_equal(fixed[finite], original[finite])
        return
    before, after, exact = original[finite], fixed[finite], reference[finite]
    known = np.isfinite(exact)
    ulp = _ulp(exact[known], dtype, behaviour.magnitude_floor)
    allowed = behaviour.ulps * ulp
    worse = np.abs(after[known] - exact[known]) - np.abs(before[known] - exact[known])
    assert np.all(worse <= allowed), (
        f"the fix moved outputs away from the float64 reference by up to "
        f"{np.max(worse / allowed) * behaviour.ulps:.2f} ulp"
    )
    error_before = np.abs(before[known] - exact[known]) / ulp
    error_after = np.abs(after[known] - exact[known]) / ulp
    assert np.mean(error_after) <= np.mean(error_before) + 0.5, (
        f"the fix made the mean error worse: {np.mean(error_after):.2f} ulp, "
        f"was {np.mean(error_before):.2f} ulp"
    )
    moved = np.abs(after[~known] - before[~known])
    assert np.all(moved <= behaviour.ulps * _ulp(before[~known], dtype, behaviour.magnitude_floor))


@pytest.mark.parametrize("code", sorted(BEHAVIOUR))
def test_fix_preserves_behaviour(code: str) -> None:
    rules = all_rules()
    if code not in rules:
        pytest.fail(f"BEHAVIOUR names {code}, which is not a rule")
    spec = rules[code]
    behaviour = BEHAVIOUR[code]
    if spec.doc.fix == "safe":
        assert behaviour.ulps == 0, f"{code} is a safe fix, so it may not move finite values"
    makers = {**PARAMETER_INPUTS, **behaviour.inputs}
    sources = ((spec.doc.bad_example,) if spec.doc.bad_example else ()) + behaviour.cases
    calls = 0
    for source in sources:
        fixed_source, applied, _ = fix_text(source, "case.py", [spec], unsafe=True)
        assert applied, f"{code} did not fix its behaviour case:\n{source}"
        originals, fixeds = _functions(source), _functions(fixed_source)
        references = _functions(source, NumpyCore())
        for name, original in originals.items():
            for dtype in DTYPES:
                for seed in SEEDS:
                    arguments = _arguments(original, makers, seed, dtype)
                    reference_arguments = {
                        key: _float64(value) if isinstance(value, mx.array) and value.dtype != mx.bool_
                        else np.array(value) if isinstance(value, mx.array)
                        else value
                        for key, value in arguments.items()
                    }
                    before = _float64(original(**arguments))
                    after = _float64(fixeds[name](**arguments))
                    with np.errstate(all="ignore"):
                        reference = np.asarray(references[name](**reference_arguments), dtype=np.float64)
                    try:
                        _compare(before, after, reference, dtype, behaviour)
                    except AssertionError as error:
                        raise AssertionError(f"{code} {name} {dtype} seed {seed}: {error}") from error
                    calls += 1
    assert calls >= len(sources) * len(DTYPES) * len(SEEDS)
