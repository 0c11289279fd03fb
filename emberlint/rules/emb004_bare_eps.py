"""EMB004: a bare Python-float eps added to an MLX denominator or sqrt/rsqrt/log argument.

Explicitness only: MLX scalars are weakly typed, so `den + 1e-6` already adds
the eps in `den.dtype`. Opt-in, like EMB001. Values so small that they round to
0 in float16 are EMB005's business (a real hazard, with a different fix).
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

import libcst as cst

from emberlint.rule import Rule
from emberlint.semantic import FLOAT16_UNDERFLOW, SemanticModel
from emberlint.semantic.scopes import dotted
from emberlint.semantic.values import ValueKind

# Larger constants in a sum are offsets (`1.0 + x`), not guards against zero.
LARGEST_EPS = 1e-2

# Functions whose argument is commonly guarded by `+ eps` against 0.
GUARDED_FUNCTIONS = ("mlx.core.sqrt", "mlx.core.rsqrt", "mlx.core.log", "mlx.core.log2", "mlx.core.log10")


@dataclass(frozen=True)
class EpsSite:
    """One term of a sum that is a denominator or a sqrt/rsqrt/log argument."""

    term: cst.BaseExpression
    other_terms: tuple[cst.BaseExpression, ...]
    numerator: cst.BaseExpression | None  # for a division: what is divided
    in_mlx_operation: bool  # the division or function is known to run on MLX arrays
    guarded: cst.BaseExpression  # the whole sum
    operation: cst.CSTNode  # the division, `mx.divide` or sqrt/rsqrt/log call the sum feeds


def _additive_terms(node: cst.BaseExpression) -> list[cst.BaseExpression]:
    if isinstance(node, cst.BinaryOperation) and isinstance(node.operator, cst.Add):
        return _additive_terms(node.left) + _additive_terms(node.right)
    return [node]


def eps_sites(names: SemanticModel, node: cst.CSTNode) -> Iterator[EpsSite]:
    """The terms of the guarded sum in a division `num / (a + b)`, `mx.divide(num, a + b)`
    or `mx.sqrt(a + b)` (rsqrt, log, log2, log10); nothing for other nodes."""
    if isinstance(node, cst.BinaryOperation) and isinstance(node.operator, cst.Divide):
        guarded, numerator, in_mlx = node.right, node.left, names.is_array(node)
    elif isinstance(node, cst.Call) and names.is_mlx_call(node, "mlx.core.divide"):
        positional = [arg.value for arg in node.args if arg.keyword is None and not arg.star]
        if len(positional) != 2:
            return
        numerator, guarded = positional
        in_mlx = True
    elif isinstance(node, cst.Call) and names.is_mlx_call(node, *GUARDED_FUNCTIONS):
        if not node.args or node.args[0].keyword is not None or node.args[0].star:
            return
        guarded, numerator, in_mlx = node.args[0].value, None, True
    else:
        return
    terms = _additive_terms(guarded)
    if len(terms) < 2:
        return
    for index, term in enumerate(terms):
        others = tuple(terms[:index] + terms[index + 1 :])
        yield EpsSite(term, others, numerator, in_mlx, guarded, node)


def first_anchor(names: SemanticModel, expressions: tuple[cst.BaseExpression | None, ...]) -> cst.BaseExpression | None:
    for expression in expressions:
        if expression is not None:
            anchor = names.dtype_anchor(expression) or _reduced_operand(names, expression)
            if anchor is not None:
                return anchor
    return None


# MLX functions and methods whose result has the dtype of their first operand.
_DTYPE_FOLLOWING = frozenset(
    {"sum", "mean", "max", "min", "prod", "var", "std", "logsumexp", "norm", "sqrt", "abs", "square", "exp", "cumsum"}
)


def _reduced_operand(names: SemanticModel, expression: cst.BaseExpression, depth: int = 0) -> cst.BaseExpression | None:
    """The plain name an MLX reduction or elementwise call works on (`w` in
    `mx.sum(w, axis=-1)`, `mx.linalg.norm(z)`, `w.sum()`): MLX makes it an array,
    and the call's result has its dtype, so `w.dtype` anchors the fix even when
    `w` is an unannotated parameter."""
    if depth > 4 or not isinstance(expression, cst.Call):
        return None
    called = names.mlx_call_name(expression)
    if called is not None and called.rsplit(".", 1)[-1] in _DTYPE_FOLLOWING:
        positional = [arg.value for arg in expression.args if arg.keyword is None and not arg.star]
        operand = positional[0] if positional else None
    elif (
        called is None
        and isinstance(expression.func, cst.Attribute)
        and expression.func.attr.value in _DTYPE_FOLLOWING
    ):
        operand = expression.func.value
    else:
        return None
    if operand is None:
        return None
    if isinstance(operand, (cst.Name, cst.Attribute)) and dotted(operand):
        kind = names.value_kind(operand)
        return operand if kind in (ValueKind.ARRAY, ValueKind.UNKNOWN) and not names.is_mask(operand) else None
    return _reduced_operand(names, operand, depth + 1)


class EpsSiteRule(Rule):
    """Base of the rules that judge each eps site (EMB004, EMB005): no code of its own."""

    def visit_BinaryOperation(self, node: cst.BinaryOperation) -> None:
        for site in eps_sites(self.names, node):
            self.check_site(site)

    def visit_Call(self, node: cst.Call) -> None:
        for site in eps_sites(self.names, node):
            self.check_site(site)

    def check_site(self, site: EpsSite) -> None:
        raise NotImplementedError


class BareEps(EpsSiteRule):
    code = "EMB004"

    def check_site(self, site: EpsSite) -> None:
        if self._is_python_float(site.term):
            anchor = first_anchor(self.names, site.other_terms)
            if anchor is not None:
                self._flag(site.term, anchor)

    def _is_python_float(self, term: cst.BaseExpression) -> bool:
        """A small float literal or a name holding a Python float, not one EMB005 reports.

        Only eps-sized values count: `1 / (1.0 + x)` is arithmetic, not a guard.
        """
        if not isinstance(term, (cst.Name, cst.Attribute, cst.Float, cst.UnaryOperation)):
            return False
        value = self.names.float_value(term)
        if value is not None:
            return FLOAT16_UNDERFLOW < abs(value) <= LARGEST_EPS
        return self.names.is_float_param(term)

    def _flag(self, term: cst.BaseExpression, anchor: cst.BaseExpression) -> None:
        replacement, imports = self.names.typed_scalar(self.context.module, term, anchor)
        self.report(
            term,
            "bare Python-float eps in an MLX denominator; write its dtype explicitly",
            replacement=replacement,
            imports=imports,
        )
