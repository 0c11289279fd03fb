"""EMB012: softmax written as `mx.exp(a) / mx.sum(mx.exp(a), axis, keepdims=True)`.

The fix passes `precise=True`: measured on MLX 0.32 CPU, `mx.softmax` of a
bfloat16/float16 array without it is 13x less accurate than the hand-written
quotient, with it 2-3x more accurate.
"""

from __future__ import annotations

import libcst as cst

from emberlint import patterns
from emberlint.rule import Rule

MESSAGE = (
    "softmax written as `exp(a) / sum(exp(a))` overflows to inf/inf = NaN for logits "
    "above 88 (11 in float16); use `mx.softmax(a, axis=..., precise=True)`"
)


class ManualSoftmax(Rule):
    code = "EMB012"

    def visit_BinaryOperation(self, node: cst.BinaryOperation) -> None:
        if not isinstance(node.operator, cst.Divide):
            return
        logits = patterns.exp_argument(self.names, node.left)
        total = self._sum_call(node.right)
        if logits is None or total is None:
            return
        summed, axis = total
        if not summed.deep_equals(node.left) or _is_shifted(logits):
            return
        found = patterns.core_reference(self.names, self.context.module)
        replacement, imports = None, ()
        if axis is not None and found is not None:
            core, imports = found
            replacement = cst.Call(
                func=cst.Attribute(value=core, attr=cst.Name("softmax")),
                args=[
                    cst.Arg(patterns.bare(logits), comma=cst.Comma(whitespace_after=cst.SimpleWhitespace(" "))),
                    _keyword("axis", patterns.bare(axis), last=False),
                    _keyword("precise", cst.Name("True"), last=True),
                ],
                lpar=node.lpar,
                rpar=node.rpar,
            )
        self.report(node, MESSAGE, replacement=replacement, imports=imports)

    def _sum_call(self, node: cst.BaseExpression) -> tuple[cst.BaseExpression, cst.BaseExpression | None] | None:
        """(summed expression, axis) for `mx.sum(e, axis, keepdims=True)` or
        `e.sum(axis, keepdims=True)`; the axis is None when the fix cannot name it."""
        function = patterns.core_call(self.names, node, "sum")
        if function is not None:
            summed, axis, keepdims = (
                patterns.argument(function, 0, "a"),
                patterns.argument(function, 1, "axis"),
                patterns.argument(function, 2, "keepdims"),
            )
            extra = len(function.args) - 3
        else:
            method = patterns.method_call(node, "sum")
            if method is None:
                return None
            summed = cst.Arg(method.func.value)
            axis, keepdims = patterns.argument(method, 0, "axis"), patterns.argument(method, 1, "keepdims")
            extra = len(method.args) - 2
        if summed is None or keepdims is None or not _is_true(keepdims.value):
            return None
        return summed.value, (axis.value if axis is not None and extra == 0 else None)


def _keyword(name: str, value: cst.BaseExpression, last: bool) -> cst.Arg:
    return cst.Arg(
        keyword=cst.Name(name),
        value=value,
        equal=cst.AssignEqual(
            whitespace_before=cst.SimpleWhitespace(""), whitespace_after=cst.SimpleWhitespace("")
        ),
        comma=cst.MaybeSentinel.DEFAULT if last else cst.Comma(whitespace_after=cst.SimpleWhitespace(" ")),
    )


def _is_true(node: cst.BaseExpression) -> bool:
    return isinstance(node, cst.Name) and node.value == "True"


def _is_shifted(logits: cst.BaseExpression) -> bool:
    """`a - a.max(...)`, `a - mx.max(...)`: already the stable form."""
    if not (isinstance(logits, cst.BinaryOperation) and isinstance(logits.operator, cst.Subtract)):
        return False
    return any(patterns.is_shift_call(part) for part in _calls(logits.right))


def _calls(node: cst.CSTNode):
    stack = [node]
    while stack:
        current = stack.pop()
        if isinstance(current, cst.Call):
            yield current
        stack.extend(current.children)
