"""The fix-safety contract, measured by running code before and after each fix.

A fix is **safe** when the fixed code gives bit-identical results (same dtype,
same bits) wherever the original result is finite, in float32, bfloat16 and
float16; a NaN or inf that the original produced may become finite. Otherwise
it is **unsafe**. `emberlint --fix` applies safe fixes only.

Every rule that offers a fix has an entry in `BEHAVIOUR`: small MLX functions it
must fix (its catalog Example plus our own). Hypothesis draws their inputs
(moderate values, extremes up to float32's maximum, zeros and signed zeros,
tiny values, boolean masks with a fully masked row) and each drawn input runs in
all three dtypes, before and after the fix, and in numpy float64 (the
reference). For every entry the test checks
- a fix applied as safe: bit-identity wherever the original is finite;
- a fix classified unsafe: that a measured input shows why (a finite output
  that changes, a dtype that changes, or an integer array that changes), and,
  with `ulps`, that no finite output moves more than `ulps` further from the
  float64 reference than the original was;
- every fix: a finite output stays finite, and a non-finite output that becomes
  finite is within `repair_ulps` of the float64 reference where that is finite
  and representable in the dtype (of the fixed code when the fix changes a
  constant on purpose, `reference="fixed"`).
The measured figures are printed (`pytest -s`) and recorded in each rule
document's "Fix safety" section.
"""

from __future__ import annotations

import inspect
import re
from collections.abc import Callable
from dataclasses import dataclass, field

import libcst as cst
import mlx.core as mx
import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from emberlint.linter import fix_text
from emberlint.registry import all_rules

SHAPE = (4, 16)
DTYPES = (mx.float32, mx.bfloat16, mx.float16)
EXAMPLES = 30  # drawn inputs per rule, each run in every dtype
MANTISSA_BITS = {mx.float32: 23, mx.bfloat16: 7, mx.float16: 10}
MIN_NORMAL_EXPONENT = {mx.float32: -126, mx.bfloat16: -126, mx.float16: -14}

# Values where numerics hazards show: zeros, tiny and subnormal values, the
# overflow thresholds of exp in each dtype, float16's and float32's maxima.
EXTREMES = (0.0, -0.0, 1e-30, 1e-7, 1e-3, 11.0, -11.0, 20.0, -20.0, 100.0, -100.0, 1e4, -1e4, 65504.0, -65504.0, 3e38, -3e38)


def _elements(moderate: st.SearchStrategy, extremes) -> st.SearchStrategy:
    return st.one_of(moderate, st.sampled_from(extremes))


SIGNED = _elements(st.floats(-8.0, 8.0, width=32), EXTREMES)
POSITIVE = _elements(st.floats(2.0**-10, 8.0, width=32), tuple(value for value in EXTREMES if value > 0))
NON_NEGATIVE = _elements(st.floats(0.0, 4.0, width=32), (0.0, 0.0, 1e-30, 1e-7, 1e-3, 1e4, 3e38))
# Operands of a matmul whose products stay finite in float16 over SHAPE's 16 terms
# (16 * 20 * 20 < 65504). The float64 reference computes `@` without rounding to the
# dtype, so an overflowing product would be a difference of the reference, not of the fix.
MATMUL_OPERAND = _elements(st.floats(-8.0, 8.0, width=32), tuple(value for value in EXTREMES if abs(value) <= 20.0))


def _floats(elements: st.SearchStrategy) -> st.SearchStrategy:
    return hnp.arrays(np.float32, SHAPE, elements=elements)


@st.composite
def _masks(draw) -> np.ndarray:
    """A keep-mask whose first row is fully masked (the NaN-softmax case)."""
    keep = draw(hnp.arrays(np.bool_, SHAPE))
    keep[0, :] = False
    return keep


PARAMETER_INPUTS: dict[str, st.SearchStrategy] = {
    "x": _floats(SIGNED),
    "scores": _floats(SIGNED),
    "f": _floats(SIGNED),
    "q": _floats(SIGNED),
    "weight": _floats(SIGNED),
    "num": _floats(SIGNED),
    "logits": _floats(SIGNED),
    "rate": _floats(POSITIVE),
    "var": _floats(POSITIVE),
    "den": _floats(NON_NEGATIVE),
    "mask": _masks(),
    "width": st.just(SHAPE[1] + 8),
}


@dataclass(frozen=True)
class Behaviour:
    cases: tuple[str, ...]  # modules of small functions the rule must fix
    # For an unsafe fix: how much further from the reference a finite output may move,
    # in ulps (None: not bounded; the document states the change and `identical_in` pins the rest).
    ulps: int | None = 0
    identical_in: tuple = ()  # dtypes whose finite outputs an unsafe fix must leave bit-identical
    repair_ulps: float = 0.0  # a repaired (was non-finite) output's distance to the reference
    # Whose float64 run is the reference: "original", or "fixed" where the fix changes a
    # constant on purpose (EMB002, EMB005) or the original's float64 form itself cancels
    # (`exp(x) - 1` is 0 in float64 too for |x| < 1e-17: EMB013, EMB014).
    reference: str = "original"
    # Rewrites the reference's source for a dtype: the float64 run would otherwise keep
    # constants that the dtype rounds (an eps of 1e-8 is 0 in float16).
    reference_source: Callable[[str, object], str] | None = None
    unsafe_for_integers: bool = False  # bit-identical for floats; an integer array changes
    # Errors are counted in ulps of max(|reference|, magnitude_floor). Log-probabilities
    # near 0 and small probabilities are computed from operands of magnitude ~1
    # (logits, a row sum of 1), so their rounding error is on that scale.
    magnitude_floor: float = 0.0
    inputs: dict[str, st.SearchStrategy] = field(default_factory=dict)


MX = "import mlx.core as mx\n\n\n"
TINY_EPS = re.compile(r"(?<![\w.])1e-(?:8|10|12)\b")


def _eps_as_the_dtype_rounds_it(source: str, dtype) -> str:
    """The float64 reference with each tiny eps literal as the dtype holds it (0.0 in float16)."""
    return TINY_EPS.sub(lambda match: repr(mx.array(float(match.group()), dtype=dtype).item()), source)

BEHAVIOUR: dict[str, Behaviour] = {
    "EMB001": Behaviour(
        (MX + "def affine(x: mx.array) -> mx.array:\n    return x * 2.5 - 1.25\n",),
        unsafe_for_integers=True,
    ),
    "EMB002": Behaviour(
        (
            MX + "def fill(scores: mx.array, mask: mx.array) -> mx.array:\n"
            "    return mx.where(mask, scores, -float('inf'))\n",
            MX + "def attend(scores: mx.array, mask: mx.array) -> mx.array:\n"
            "    return mx.softmax(mx.where(mask, scores, -3.4028235e38), axis=-1)\n",
            # Not a softmax mask: code that reads the fill back sees a finite value change.
            MX + "def masked_count(scores: mx.array, mask: mx.array) -> mx.array:\n"
            "    return mx.sum(mx.isinf(mx.where(mask, scores, -float('inf'))), axis=-1)\n",
        ),
        ulps=None,
        reference="fixed",
        repair_ulps=1,
    ),
    "EMB003": Behaviour(
        (
            MX + "def rms(x: mx.array) -> mx.array:\n"
            "    return x * mx.mean(x * x, axis=-1, keepdims=True) ** -0.5\n",
        ),
        ulps=2,
        repair_ulps=2,
    ),
    "EMB004": Behaviour(
        (
            MX + "def normalize(x: mx.array, eps: float = 1e-5) -> mx.array:\n"
            "    return x / mx.sqrt(mx.mean(x * x, axis=-1, keepdims=True) + eps)\n",
        ),
        unsafe_for_integers=True,
    ),
    "EMB005": Behaviour(
        (
            MX + "def ratio(num: mx.array, den: mx.array) -> mx.array:\n    return num / (den + 1e-8)\n",
            MX + "def inverse_rms(den: mx.array) -> mx.array:\n    return mx.rsqrt(den + 1e-10)\n",
            MX + "def unit(num: mx.array, den: mx.array) -> mx.array:\n    return num / mx.sqrt(den + 1e-12)\n",
            # sqrt(0) = 0 is finite: replacing the zero changes it (unsafe in this context)
            MX + "def norm(den: mx.array) -> mx.array:\n    return mx.sqrt(den + 1e-12)\n",
            # a reduction is not repeated: the eps is raised instead (unsafe)
            MX + "def normalize(num, den):\n    return num / (mx.sum(den, axis=-1, keepdims=True) + 1e-8)\n",
        ),
        ulps=None,
        identical_in=(mx.float32, mx.bfloat16),
        reference="fixed",
        reference_source=_eps_as_the_dtype_rounds_it,
        repair_ulps=0.5,
    ),
    "EMB006": Behaviour(
        (MX + "def log_gate(x: mx.array) -> mx.array:\n    return -mx.log(1.0 + mx.exp(-x))\n",),
        ulps=3,
        # The catalog example's cumsum accumulates the repaired terms in the dtype.
        repair_ulps=8,
    ),
    "EMB007": Behaviour(
        (MX + "def softplus(x: mx.array) -> mx.array:\n    return mx.log(1.0 + mx.exp(x))\n",),
        ulps=3,
        repair_ulps=2,
    ),
    "EMB008": Behaviour(
        (
            MX + "def rms_norm(x: mx.array, weight: mx.array) -> mx.array:\n"
            "    scale = mx.rsqrt(mx.mean(mx.square(x), axis=-1, keepdims=True) + 1e-5)\n"
            "    return (x * scale).astype(x.dtype) * weight\n",
        ),
        ulps=2,
        repair_ulps=2,
        # A norm weight near float16's maximum overflows any correct result.
        inputs={"weight": _floats(st.floats(-8.0, 8.0, width=32))},
    ),
    "EMB010": Behaviour(
        (
            MX + "def pad(x: mx.array) -> mx.array:\n"
            "    return mx.concatenate([x, mx.zeros((x.shape[0], 4))], axis=-1)\n",
        ),
        ulps=None,
        identical_in=(mx.float32,),
    ),
    "EMB011": Behaviour(
        (
            MX + "def column_logprobs(logits: mx.array) -> mx.array:\n"
            "    return mx.log(mx.softmax(logits * 0.5, axis=0))\n",
        ),
        ulps=2,
        repair_ulps=2,
        magnitude_floor=1.0,
    ),
    "EMB012": Behaviour(
        (
            MX + "def weights(x: mx.array) -> mx.array:\n"
            "    return mx.exp(x) / mx.sum(mx.exp(x), axis=0, keepdims=True)\n",
        ),
        ulps=3,
        repair_ulps=2,
        magnitude_floor=1.0,
    ),
    "EMB013": Behaviour(
        (MX + "def growth(rate: mx.array) -> mx.array:\n    return mx.log(1.0 + rate) * 2\n",),
        ulps=1,
        repair_ulps=1,
        reference="fixed",
    ),
    "EMB014": Behaviour(
        (MX + "def delta(x: mx.array) -> mx.array:\n    return (mx.exp(x) - 1.0) / 4\n",),
        ulps=1,
        repair_ulps=1,
        reference="fixed",
    ),
    "EMB016": Behaviour(
        (
            MX + "def keep_positive(scores: mx.array, x: mx.array) -> mx.array:\n"
            "    keep = x > 0\n"
            "    return mx.softmax(scores + keep, axis=-1, precise=True)\n",
        ),
        # The fix masks on purpose: kept positions lose the +1 and masked ones their weight.
        ulps=None,
        reference="fixed",
        repair_ulps=2,
        inputs={"q": _floats(MATMUL_OPERAND), "k": _floats(MATMUL_OPERAND), "v": _floats(SIGNED)},
    ),
    "EMB018": Behaviour(
        (MX + "def weights(x: mx.array) -> mx.array:\n    return mx.softmax(x * 0.5, axis=0)\n",),
        ulps=None,
        identical_in=(mx.float32,),
        magnitude_floor=1.0,
    ),
    "EMB022": Behaviour(
        (MX + "def gate(x: mx.array) -> mx.array:\n    return 1 / (1 + mx.exp(-x))\n",),
        ulps=3,
        repair_ulps=2,
    ),
    "EMB024": Behaviour(
        (MX + "def normaliser(x: mx.array) -> mx.array:\n"
         "    return mx.log(mx.sum(mx.exp(x), axis=0, keepdims=True))\n",),
        ulps=3,
        repair_ulps=2,
        magnitude_floor=1.0,
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


class _Finfo:
    """`mx.finfo` of the dtype under test, as Python floats, whatever dtype is asked."""

    def __init__(self, dtype) -> None:
        info = mx.finfo(dtype)
        self.min, self.max, self.eps = float(info.min), float(info.max), float(info.eps)
        self.smallest_normal = float(info.smallest_normal)


class NumpyCore:
    """`mlx.core` as the code uses it, in numpy float64: the reference.

    `finfo` answers for the dtype under test, so a fix that writes
    `mx.finfo(x.dtype).min` is measured against the value it means in that dtype.
    MLX's own float64 is no reference: on CPU its `exp` is float32-accurate and
    overflows past 88.7 (`mx.exp(mx.array(100.0, dtype=mx.float64))` is inf).
    """

    def __init__(self, dtype) -> None:
        # `mx.finfo(mx.float16)` names its dtype; `mx.finfo(x.dtype)` asks for the one under test.
        named = {np.float16: mx.float16, np.float32: mx.float32}
        self.finfo = lambda requested: _Finfo(named.get(requested, dtype))

    array = staticmethod(lambda value, dtype=None: np.asarray(value, dtype=np.float64))

    @staticmethod
    def rsqrt(x):
        return 1.0 / np.sqrt(x)

    @staticmethod
    def softmax(x, axis=-1, precise=False):
        shifted = np.exp(x - np.max(x, axis=axis, keepdims=True))
        return shifted / np.sum(shifted, axis=axis, keepdims=True)

    @staticmethod
    def sigmoid(x):
        return 1.0 / (1.0 + np.exp(-x))

    @staticmethod
    def logsumexp(x, axis=None, keepdims=False):
        top = np.max(x, axis=axis, keepdims=True)
        total = top + np.log(np.sum(np.exp(x - top), axis=axis, keepdims=True))
        return total if keepdims else np.squeeze(total, axis=axis)

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


def _float64(value: mx.array) -> np.ndarray:
    return np.array(value.astype(mx.float64))


def _ulp(values: np.ndarray, dtype, magnitude_floor: float = 0.0) -> np.ndarray:
    magnitude = np.maximum(np.abs(values), max(magnitude_floor, np.finfo(np.float64).tiny))
    exponent = np.floor(np.log2(magnitude))
    exponent = np.maximum(exponent, MIN_NORMAL_EXPONENT[dtype])
    return np.exp2(exponent - MANTISSA_BITS[dtype])


def _same_bits(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Elementwise bit-identity of float64 values (exact widenings of the dtype's values)."""
    return a.view(np.int64) == b.view(np.int64)


@dataclass
class Measured:
    """What the hypothesis run saw for one rule, over all cases and dtypes."""

    runs: int = 0
    finite: int = 0
    finite_changed: int = 0
    dtype_changed: int = 0
    max_moved_ulps: float = 0.0  # a changed finite output's distance from the original
    non_finite: int = 0
    repaired: int = 0
    max_repair_ulps: float = 0.0

    def summary(self, code: str) -> str:
        return (
            f"{code}: {self.runs} runs; finite outputs changed {self.finite_changed}/{self.finite} "
            f"(by up to {self.max_moved_ulps:.3g} ulp), dtype changed in {self.dtype_changed} runs; "
            f"non-finite outputs made finite {self.repaired}/{self.non_finite} "
            f"(within {self.max_repair_ulps:.3g} ulp of the reference)"
        )


def _compare(before: mx.array, after: mx.array, reference: np.ndarray, dtype, behaviour: Behaviour, safe: bool, measured: Measured) -> None:
    measured.runs += 1
    if before.dtype != after.dtype:
        measured.dtype_changed += 1
        assert not safe, f"a safe fix changed the result's dtype from {before.dtype} to {after.dtype}"
    original, fixed = _float64(before), _float64(after)
    assert original.shape == fixed.shape
    finite = np.isfinite(original)
    changed = finite & ~_same_bits(original, fixed)
    measured.finite += int(finite.sum())
    measured.finite_changed += int(changed.sum())
    if before.dtype not in MANTISSA_BITS:  # an integer or boolean result: equal or not
        assert not (safe and changed.any()), f"a safe fix changed {int(changed.sum())} {before.dtype} outputs"
        return
    if changed.any():
        scale = np.maximum(np.abs(fixed[changed]), np.abs(original[changed]))
        moved = np.abs(fixed[changed] - original[changed]) / _ulp(scale, before.dtype)
        measured.max_moved_ulps = max(measured.max_moved_ulps, float(np.max(moved)))
    assert not (safe and changed.any()), (
        f"a safe fix changed {int(changed.sum())} finite outputs, e.g. {original[changed][:3]} -> {fixed[changed][:3]}"
    )
    assert not (dtype in behaviour.identical_in and changed.any()), (
        f"the fix changed finite outputs in {dtype}, where it must be bit-identical"
    )
    assert np.all(np.isfinite(fixed[finite])), "the fix made a finite output non-finite"
    # Outputs that were NaN or inf: they may stay as they were or become finite, and
    # then must be close to the reference where the dtype can represent it.
    stayed = _same_bits(original, fixed) | (np.isnan(original) & np.isnan(fixed))
    assert np.all(np.isfinite(fixed[~finite]) | stayed[~finite]), "a non-finite output changed into another non-finite one"
    measured.non_finite += int((~finite).sum())
    repaired = ~finite & np.isfinite(fixed)
    measured.repaired += int(repaired.sum())
    limit = float(mx.finfo(before.dtype).max)
    checkable = repaired & np.isfinite(reference) & (np.abs(reference) <= limit)
    if checkable.any():
        exact = reference[checkable]
        error = np.abs(fixed[checkable] - exact) / _ulp(exact, before.dtype, behaviour.magnitude_floor)
        measured.max_repair_ulps = max(measured.max_repair_ulps, float(np.max(error)))
        assert np.all(error <= behaviour.repair_ulps), (
            f"a repaired output is {np.max(error):.3g} ulp from the float64 reference "
            f"(bound {behaviour.repair_ulps}): {fixed[checkable][error > behaviour.repair_ulps][:3]} "
            f"vs {exact[error > behaviour.repair_ulps][:3]}"
        )
    if safe or behaviour.ulps is None:
        return
    known = finite & np.isfinite(reference)
    exact = reference[known]
    allowed = behaviour.ulps * _ulp(exact, before.dtype, behaviour.magnitude_floor)
    worse = np.abs(fixed[known] - exact) - np.abs(original[known] - exact)
    assert np.all(worse <= allowed), (
        f"the fix moved outputs away from the float64 reference by up to "
        f"{np.max(worse / allowed) * behaviour.ulps:.2f} ulp (bound {behaviour.ulps})"
    )


@dataclass(frozen=True)
class _Case:
    source: str
    fixed_source: str
    originals: dict[str, Callable]
    fixeds: dict[str, Callable]
    safe: bool  # every fix applied to it is classified safe


def _prepare(code: str) -> list[_Case]:
    spec = all_rules()[code]
    sources = ((spec.doc.bad_example,) if spec.doc.bad_example else ()) + BEHAVIOUR[code].cases
    cases = []
    for source in sources:
        fixed_source, applied, _ = fix_text(source, "case.py", [spec], unsafe=True)
        assert applied, f"{code} did not fix its behaviour case:\n{source}"
        safe = all(finding.fix == "safe" for finding in applied)
        cases.append(_Case(source, fixed_source, _functions(source), _functions(fixed_source), safe))
    return cases


def _outputs(value) -> tuple:
    return value if isinstance(value, tuple) else (value,)


def _to_mlx(value, dtype):
    """The drawn value in `dtype`, extremes saturated to its largest finite value."""
    if isinstance(value, np.ndarray):
        if value.dtype == np.bool_:
            return mx.array(value)
        largest = float(mx.finfo(dtype).max)
        return mx.array(np.clip(value, -largest, largest)).astype(dtype)
    return value


def _to_reference(value: mx.array | object):
    if isinstance(value, mx.array):
        return np.array(value) if value.dtype == mx.bool_ else _float64(value)
    return value


@pytest.mark.parametrize("code", sorted(BEHAVIOUR))
def test_fix_meets_its_safety_class(code: str) -> None:
    if code not in all_rules():
        pytest.fail(f"BEHAVIOUR names {code}, which is not a rule")
    behaviour = BEHAVIOUR[code]
    catalog_fix = all_rules()[code].doc.fix
    cases = _prepare(code)
    strategies = {**PARAMETER_INPUTS, **behaviour.inputs}
    measured = Measured()

    @settings(
        max_examples=EXAMPLES,
        deadline=None,
        derandomize=True,
        database=None,
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
    )
    @given(data=st.data())
    def check(data) -> None:
        for case in cases:
            for name, original in case.originals.items():
                parameters = inspect.signature(original).parameters.values()
                drawn = {}
                for parameter in parameters:
                    if parameter.name in strategies:
                        drawn[parameter.name] = data.draw(strategies[parameter.name], label=parameter.name)
                    else:
                        assert parameter.default is not inspect.Parameter.empty, (
                            f"no input for parameter '{parameter.name}' of {name}; add one to PARAMETER_INPUTS"
                        )
                for dtype in DTYPES:
                    arguments = {key: _to_mlx(value, dtype) for key, value in drawn.items()}
                    reference_arguments = {key: _to_reference(value) for key, value in arguments.items()}
                    before, after = original(**arguments), case.fixeds[name](**arguments)
                    with np.errstate(all="ignore"):
                        source = case.fixed_source if behaviour.reference == "fixed" else case.source
                        if behaviour.reference_source is not None:
                            source = behaviour.reference_source(source, dtype)
                        reference = _functions(source, NumpyCore(dtype))[name](**reference_arguments)
                    # A function may return several arrays (indices and weights): each is compared.
                    outputs = zip(*(_outputs(value) for value in (before, after, reference)))
                    for output_before, output_after, output_reference in outputs:
                        with np.errstate(all="ignore"):
                            output_reference = np.asarray(output_reference, dtype=np.float64)
                        try:
                            _compare(output_before, output_after, output_reference, dtype, behaviour, case.safe, measured)
                        except AssertionError as error:
                            raise AssertionError(f"{code} {name} {dtype}: {error}") from error

    check()
    print(measured.summary(code))
    assert measured.runs >= EXAMPLES * len(DTYPES) * len(cases)
    if catalog_fix == "unsafe" and not any(case.safe for case in cases):
        # The classification is measured: an unsafe fix must show why.
        shown = measured.finite_changed or measured.dtype_changed or behaviour.unsafe_for_integers
        assert shown, (
            f"{code}'s fix is classified unsafe, but it was bit-identical wherever the original "
            f"was finite in {measured.runs} runs: {measured.summary(code)}"
        )
    if behaviour.unsafe_for_integers:
        assert not (measured.finite_changed or measured.dtype_changed), measured.summary(code)


@pytest.mark.parametrize("code", sorted(code for code, entry in BEHAVIOUR.items() if entry.unsafe_for_integers))
def test_fix_changes_integer_arrays(code: str) -> None:
    """Bit-identical for floats, but an integer array's result changes: unsafe (EMB001, EMB004)."""
    integers = mx.array([[0, 1, 2, 3]], dtype=mx.int32)
    changed = 0
    for case in _prepare(code):
        for name, original in case.originals.items():
            arrays = {
                parameter.name: integers
                for parameter in inspect.signature(original).parameters.values()
                if parameter.default is inspect.Parameter.empty
            }
            before, after = original(**arrays), case.fixeds[name](**arrays)
            changed += before.dtype != after.dtype or not mx.array_equal(before, after, equal_nan=True).item()
    assert changed, f"{code}'s fix left integer arrays unchanged too; it may be safe"
