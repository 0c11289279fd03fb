"""EMB022: sigmoid written as `1 / (1 + mx.exp(-x))`."""

from __future__ import annotations

import libcst as cst

from emberlint import patterns
from emberlint.rule import Rule

MESSAGE = (
    "hand-written sigmoid: `exp(-x)` overflows to inf for x < -88 in float32 and "
    "bfloat16 (x < -11 in float16) and the gradient is NaN there; use `mx.sigmoid(x)`"
)


class HandWrittenSigmoid(Rule):
    code = "EMB022"

    def visit_BinaryOperation(self, node: cst.BinaryOperation) -> None:
        if not isinstance(node.operator, cst.Divide) or not patterns.is_number(node.left, 1):
            return
        summand = patterns.one_plus(patterns.bare(node.right))
        exponent = patterns.exp_argument(self.names, summand) if summand is not None else None
        if exponent is None:
            return
        self._report(node, patterns.negate(exponent))

    def visit_Call(self, node: cst.Call) -> None:
        reciprocal = patterns.core_call(self.names, node, "reciprocal")
        inside = patterns.sole_argument(reciprocal) if reciprocal is not None else None
        summand = patterns.one_plus(patterns.bare(inside)) if inside is not None else None
        exponent = patterns.exp_argument(self.names, summand) if summand is not None else None
        if exponent is not None:
            self._report(node, patterns.negate(exponent))

    def _report(self, node: cst.BaseExpression, argument: cst.BaseExpression) -> None:
        function = patterns.core_function(self.names, self.context.module, "sigmoid")
        if function is None:
            self.report(node, MESSAGE)
            return
        reference, imports = function
        replacement = patterns.call(reference, argument)  # a call needs no parentheses
        self.report(node, MESSAGE, replacement=replacement, imports=imports)
