"""EMB002: a -inf (or float16-overflowing) sentinel used to fill a mask."""

from __future__ import annotations

import math

import libcst as cst

from emberlint.rule import Rule
from emberlint.semantic import FLOAT16_OVERFLOW


def _argument(call: cst.Call, position: int, keyword: str) -> cst.Arg | None:
    """The argument bound to parameter `keyword` at `position`, if given."""
    positional = [arg for arg in call.args if arg.keyword is None and not arg.star]
    if position < len(positional):
        return positional[position]
    for arg in call.args:
        if arg.keyword is not None and arg.keyword.value == keyword:
            return arg
    return None


def _dtype_of(anchor: cst.BaseExpression | None) -> cst.Attribute | None:
    return None if anchor is None else cst.Attribute(anchor, cst.Name("dtype"))


class InfiniteMaskSentinel(Rule):
    code = "EMB002"

    def visit_Call(self, node: cst.Call) -> None:
        if self.names.is_mlx_call(node, "mlx.core.where"):
            self._check_where(node)
        elif self.names.is_mlx_call(node, "mlx.core.full"):
            self._check_full(node)
        else:
            self._check_at_set(node)

    def _check_where(self, node: cst.Call) -> None:
        branches = [_argument(node, 1, "x"), _argument(node, 2, "y")]
        if None in branches:
            return
        for fill, other in ((branches[0], branches[1]), (branches[1], branches[0])):
            anchor = self.names.dtype_anchor(other.value)
            self._check_fill(fill.value, _dtype_of(anchor))

    def _check_full(self, node: cst.Call) -> None:
        fill = _argument(node, 1, "vals")
        if fill is None:
            return
        dtype = _argument(node, 2, "dtype")
        self._check_fill(fill.value, None if dtype is None else dtype.value)

    def _check_at_set(self, node: cst.Call) -> None:
        """`x.at[index].set(-inf)` on an MLX array `x`."""
        func = node.func
        if not (
            isinstance(func, cst.Attribute)
            and func.attr.value == "set"
            and isinstance(func.value, cst.Subscript)
            and isinstance(func.value.value, cst.Attribute)
            and func.value.value.attr.value == "at"
            and self.names.is_array(func.value.value.value)
            and len(node.args) == 1
        ):
            return
        target = func.value.value.value
        anchor = self.names.dtype_anchor(target)
        self._check_fill(node.args[0].value, _dtype_of(anchor))

    def _sentinel_value(self, node: cst.BaseExpression) -> float | None:
        """The fill value when it is -inf or overflows float16 to -inf.

        Positive fills are left alone: `inf` seeding a minimum is not a softmax mask.
        """
        value = self.names.float_value(node)
        if value is None or math.isnan(value) or value > -FLOAT16_OVERFLOW:
            return None
        return value

    def _check_fill(self, fill: cst.BaseExpression, dtype: cst.BaseExpression | None) -> None:
        if self.names.is_mlx_call(fill, "mlx.core.array") and fill.args:
            # `mx.array(-inf, dtype)`: the array's own dtype bounds the fill.
            own_dtype = _argument(fill, 1, "dtype")
            if own_dtype is not None:
                fill, dtype = fill.args[0].value, own_dtype.value
            else:
                fill = fill.args[0].value
        value = self._sentinel_value(fill)
        if value is None:
            return
        kind = "infinite" if math.isinf(value) else f"float16-overflowing ({value:g})"
        message = (
            f"{kind} mask sentinel: softmax of a fully masked row is NaN; "
            "use the dtype's finite `finfo(...).min`"
        )
        if dtype is None:
            self.report(fill, message)
            return
        finfo, imports = self.names.finfo_attribute(self.context.module, dtype, "min")
        replacement = finfo.with_changes(lpar=fill.lpar, rpar=fill.rpar)
        self.report(fill, message, replacement=replacement, imports=imports)
