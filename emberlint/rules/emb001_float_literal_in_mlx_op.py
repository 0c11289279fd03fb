"""EMB001: a bare Python float literal as an operand of an MLX array operation.

Explicitness only: MLX treats Python scalars as weakly typed, so the literal
already takes the array's dtype. The rule is opt-in for code bases that want the
dtype written out.
"""

from __future__ import annotations

import libcst as cst

from emberlint.rule import Rule
from emberlint.semantic import FLOAT16_OVERFLOW, FLOAT16_UNDERFLOW

ARITHMETIC = (cst.Add, cst.Subtract, cst.Multiply, cst.Divide, cst.FloorDivide, cst.Modulo)

# `mlx.core` callables whose float arguments are Python numbers by design:
# constructors and ranges (value, start, stop, fill), dtype queries, rounding
# and padding parameters, tolerances.
PYTHON_NUMBER_FUNCTIONS = frozenset(
    f"mlx.core.{name}"
    for name in (
        "array", "full", "zeros", "ones", "arange", "linspace", "eye", "identity",
        "tri", "finfo", "iinfo", "pad", "nan_to_num", "isclose", "allclose",
        "array_equal", "round",
    )
)
# Submodules whose float arguments are bounds, scales and eps parameters.
PYTHON_NUMBER_SUBMODULES = ("mlx.core.random.", "mlx.core.fast.", "mlx.core.linalg.")


def _float_literal(node: cst.BaseExpression) -> bool:
    """A float literal, or a negated one (`0.5`, `-1e-6`)."""
    if isinstance(node, cst.UnaryOperation) and isinstance(node.operator, cst.Minus):
        node = node.expression
    return isinstance(node, cst.Float)


class FloatLiteralInMlxOp(Rule):
    code = "EMB001"

    def visit_BinaryOperation(self, node: cst.BinaryOperation) -> None:
        if not isinstance(node.operator, ARITHMETIC):
            return
        for literal, operand in ((node.left, node.right), (node.right, node.left)):
            if _float_literal(literal) and self.names.is_array(operand):
                self._flag(literal, self.names.dtype_anchor(operand))

    def visit_Call(self, node: cst.Call) -> None:
        name = self.names.mlx_call_name(node)
        if (
            name is None
            or not name.startswith("mlx.core.")
            or name in PYTHON_NUMBER_FUNCTIONS
            or name.startswith(PYTHON_NUMBER_SUBMODULES)
        ):
            return
        positional = [arg.value for arg in node.args if arg.keyword is None and not arg.star]
        # The condition of `where` is boolean: only the branches give the dtype.
        operands = positional[1:] if name == "mlx.core.where" else positional
        for value in positional:
            if _float_literal(value):
                self._flag(value, self._anchor(value, operands))

    def _anchor(self, literal: cst.BaseExpression, operands: list[cst.BaseExpression]) -> cst.BaseExpression | None:
        for operand in operands:
            if operand is not literal:
                anchor = self.names.dtype_anchor(operand)
                if anchor is not None:
                    return anchor
        return None

    def _flag(self, literal: cst.BaseExpression, anchor: cst.BaseExpression | None) -> None:
        magnitude = abs(self.names.float_value(literal))
        if magnitude >= FLOAT16_OVERFLOW:
            return  # a mask sentinel or an overflow: EMB002's business
        if 0 < magnitude <= FLOAT16_UNDERFLOW:
            return  # rounds to 0 in float16 whether typed or not: EMB005's business
        message = "Python float literal in an MLX operation; write its dtype explicitly"
        if anchor is None:
            self.report(literal, message)
            return
        replacement, imports = self.names.typed_scalar(self.context.module, literal, anchor)
        self.report(literal, message, replacement=replacement, imports=imports)
