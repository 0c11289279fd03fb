"""EMB010: a float constant array built without `dtype=` that meets an MLX array.

`mx.array(0.5)`, `mx.ones(shape)`, `mx.full(shape, 0.5)` ... default to float32 and,
unlike a Python scalar, are strongly typed: they promote a bfloat16/float16 array
they meet to float32.
"""

from __future__ import annotations

import libcst as cst

from emberlint import patterns
from emberlint.rule import Rule
from emberlint.semantic import MLX_CORE

ARITHMETIC = (
    cst.Add, cst.Subtract, cst.Multiply, cst.Divide, cst.FloorDivide, cst.Modulo,
    cst.Power, cst.MatrixMultiply,
)
# Operations that write the constant into their first array, in that array's dtype.
WRITES_INTO_FIRST = frozenset(f"{MLX_CORE}.{name}" for name in ("put_along_axis", "slice_update", "pad"))
CONSTRUCTORS = frozenset(
    f"{MLX_CORE}.{name}" for name in ("array", "asarray", "full", "ones", "zeros", "arange")
)


class UntypedArrayConstant(Rule):
    code = "EMB010"

    def visit_Call(self, node: cst.Call) -> None:
        function = self.names.mlx_call_name(node)
        kind = self._constant_kind(node, function) if function in CONSTRUCTORS else None
        if kind is None:
            return
        other = self._array_it_meets(node)
        if other is None:
            return
        message = (
            f"`{self.context.module.code_for_node(node.func)}(...)` without `dtype=` is "
            "float32 and upcasts a bfloat16/float16 array it meets"
        )
        replacement = None
        if kind == "scalar":
            # A Python scalar is weakly typed: it takes the array's dtype, and still
            # promotes an integer array to float32 as the float32 constant did.
            replacement = patterns.bare(node.args[0].value).with_changes(
                lpar=node.lpar, rpar=node.rpar
            )
            parent = self.names.parent(node)
            if (
                isinstance(replacement, cst.UnaryOperation)
                and not replacement.lpar
                and isinstance(parent, cst.BinaryOperation)
                and isinstance(parent.operator, cst.Power)
                and parent.left is node
            ):  # `-2.0 ** x` would be `-(2.0 ** x)`
                replacement = replacement.with_changes(lpar=[cst.LeftParen()], rpar=[cst.RightParen()])
            message += "; a Python scalar takes the array's dtype"
        elif kind == "exact":
            anchor = self.names.dtype_anchor(other)
            if anchor is not None:
                dtype = cst.Attribute(value=anchor.deep_clone(), attr=cst.Name("dtype"))
                replacement = node.with_changes(
                    args=[
                        *_with_trailing_comma(node.args),
                        cst.Arg(keyword=cst.Name("dtype"), value=dtype, equal=_EQUAL),
                    ]
                )
                message += f"; pass `dtype={self.context.module.code_for_node(dtype)}`"
        self.report(node, message, replacement=replacement)

    def _constant_kind(self, node: cst.Call, function: str) -> str | None:
        """"scalar" (`mx.array(0.5)`), "exact" (`ones`/`zeros`: any dtype holds them
        exactly) or "float" (float lists, `full`, `arange`: no fix), None if typed."""
        if patterns.has_star_args(node) or any(
            arg.keyword is not None and arg.keyword.value == "dtype" for arg in node.args
        ):
            return None
        positional = [arg.value for arg in node.args if arg.keyword is None]
        name = function.rsplit(".", 1)[-1]
        if name in ("array", "asarray"):
            if len(node.args) != 1 or node.args[0].keyword is not None:
                return None
            value = node.args[0].value
            if patterns.is_python_float(self.names, value):
                return "scalar"
            return "float" if patterns.is_float_list(value) else None
        if name in ("ones", "zeros"):
            return "exact" if len(node.args) == 1 and node.args[0].keyword is None else None
        if name == "full":
            if len(positional) == 2 and len(node.args) == 2 and patterns.is_float_literal(positional[1]):
                return "float"
            return None
        # arange: every bound a number literal, at least one of them a float
        values = [arg.value for arg in node.args]
        if all(patterns.number_value(value) is not None for value in values) and any(
            map(patterns.is_float_literal, values)
        ):
            return "float"
        return None

    def _array_it_meets(self, node: cst.Call) -> cst.BaseExpression | None:
        """The MLX array combined with `node` by arithmetic or in the same MLX call."""
        parent = self.names.parent(node)
        if isinstance(parent, cst.BinaryOperation) and isinstance(parent.operator, ARITHMETIC):
            other = parent.right if parent.left is node else parent.left
            return other if self._can_be_upcast(other) else None
        if isinstance(parent, cst.Element):
            sequence = self.names.parent(parent)
            if isinstance(sequence, (cst.List, cst.Tuple)) and self._mlx_argument(sequence) is not None:
                for element in sequence.elements:
                    if element is not parent and self._can_be_upcast(element.value):
                        return element.value
            return None
        call = self._mlx_argument(node)
        if call is None:
            return None
        function = self.names.mlx_call_name(call)
        # mx.where's condition is a boolean mask: it does not meet the constant.
        candidates = call.args[1:] if function == f"{MLX_CORE}.where" else call.args
        for arg in candidates:
            if arg.value is not node and arg.keyword is None and self._can_be_upcast(arg.value):
                return arg.value
        return None

    def _can_be_upcast(self, node: cst.BaseExpression) -> bool:
        """An MLX array not known to be float32 already (an untyped constant, a
        float32 cast, `mx.arange(n, dtype=mx.float32)` or a name bound to one)."""
        if not patterns.is_array(self.names, node) or patterns.is_float32_operand(self.names, node):
            return False
        return not (
            isinstance(node, cst.Call)
            and self.names.mlx_call_name(node) in CONSTRUCTORS
            and not any(arg.keyword is not None and arg.keyword.value == "dtype" for arg in node.args)
        )

    def _mlx_argument(self, node: cst.BaseExpression) -> cst.Call | None:
        """The `mlx.core` operation (not a constructor) that `node` is an argument of."""
        arg = self.names.parent(node)
        call = self.names.parent(arg) if isinstance(arg, cst.Arg) else None
        if not isinstance(call, cst.Call):
            return None
        function = self.names.mlx_call_name(call)
        if (
            function is None
            or not function.startswith(MLX_CORE + ".")
            or function in CONSTRUCTORS
            or function in WRITES_INTO_FIRST
        ):
            return None
        return call


_EQUAL = cst.AssignEqual(
    whitespace_before=cst.SimpleWhitespace(""), whitespace_after=cst.SimpleWhitespace("")
)


def _with_trailing_comma(args) -> list[cst.Arg]:
    """The arguments, the last one followed by `, ` so another can be appended."""
    args = list(args)
    if args:
        args[-1] = args[-1].with_changes(
            comma=cst.Comma(whitespace_after=cst.SimpleWhitespace(" "))
        )
    return args
