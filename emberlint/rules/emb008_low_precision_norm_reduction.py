"""EMB008: a hand-written RMSNorm/LayerNorm reduction over an array not cast to float32."""

from __future__ import annotations

import libcst as cst

from emberlint import patterns
from emberlint.rule import Rule
from emberlint.semantic import MLX_CORE

MESSAGE = (
    "mean of squares over an array not cast to float32: in float16 it overflows "
    "(activations of ~300 square past 65504, the norm becomes 0 or NaN), in bfloat16 "
    "it loses precision; reduce `x.astype(mx.float32)`"
)


class LowPrecisionNormReduction(Rule):
    code = "EMB008"

    def visit_Call(self, node: cst.Call) -> None:
        found = self._reduced_operand(node)
        if found is None:
            return
        operand, rebuild = found
        if not patterns.is_array(self.names, operand) or patterns.is_float32_operand(self.names, operand):
            return
        found = patterns.core_reference(self.names, self.context.module)
        if found is None:
            self.report(node, MESSAGE)
            return
        core, imports = found
        cast = cst.Call(
            func=cst.Attribute(value=_atom(operand), attr=cst.Name("astype")),
            args=[cst.Arg(cst.Attribute(value=core, attr=cst.Name("float32")))],
        )
        self.report(node, MESSAGE, replacement=rebuild(cast, core), imports=imports)

    def _reduced_operand(self, node: cst.Call):
        """(x, rebuild) when `node` reduces x*x over an axis; rebuild(cast, core) is the fix."""
        if patterns.has_star_args(node):
            return None
        function = self.names.mlx_call_name(node)
        if function in (f"{MLX_CORE}.mean", f"{MLX_CORE}.var"):
            reduced = patterns.argument(node, 0, "a")
            if reduced is None or not _has_axis(node, 1):
                return None
            if function == f"{MLX_CORE}.var":
                operand = reduced.value
                return operand, lambda cast, core: _with_argument(node, reduced, cast)
            operand = self._square_operand(reduced.value)
            if operand is None:
                return None
            return operand, lambda cast, core: _with_argument(node, reduced, _square(core, cast))
        method = patterns.method_call(node, "mean")
        if method is None or not _has_axis(node, 0):
            return None
        receiver = node.func.value
        operand = self._square_operand(receiver)
        if operand is None:
            return None
        return operand, lambda cast, core: node.with_changes(
            func=node.func.with_changes(value=_square(core, cast))
        )

    def _square_operand(self, node: cst.BaseExpression) -> cst.BaseExpression | None:
        """x in `x * x`, `x ** 2`, `mx.square(x)` or `x.square()`."""
        operand = patterns.squared_operand(node)
        if operand is not None:
            return operand
        square = patterns.core_call(self.names, node, "square")
        if square is not None:
            return patterns.sole_argument(square)
        method = patterns.method_call(node, "square")
        if method is not None and not method.args:
            return method.func.value
        return None


def _has_axis(call: cst.Call, position: int) -> bool:
    axis = patterns.argument(call, position, "axis")
    return axis is not None and not (isinstance(axis.value, cst.Name) and axis.value.value == "None")


def _square(core: cst.BaseExpression, operand: cst.BaseExpression) -> cst.Call:
    return cst.Call(func=cst.Attribute(value=core, attr=cst.Name("square")), args=[cst.Arg(operand)])


def _with_argument(call: cst.Call, old: cst.Arg, value: cst.BaseExpression) -> cst.Call:
    return call.with_changes(
        args=[arg.with_changes(value=value) if arg is old else arg for arg in call.args]
    )


def _atom(node: cst.BaseExpression) -> cst.BaseExpression:
    """`node`, parenthesised when `.astype` could not follow it directly."""
    if isinstance(node, (cst.Name, cst.Attribute, cst.Call, cst.Subscript)) or node.lpar:
        return node
    return node.with_changes(lpar=[cst.LeftParen()], rpar=[cst.RightParen()])
