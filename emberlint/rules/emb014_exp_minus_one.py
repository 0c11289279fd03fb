"""EMB014: `mx.exp(x) - 1`, where `mx.expm1(x)` keeps the digits of a small x."""

from __future__ import annotations

import libcst as cst

from emberlint import patterns
from emberlint.rule import Rule

MESSAGE = (
    "`exp(x) - 1` cancels to 0 for small x (x < 0.004 in bfloat16, 0.0005 in float16, "
    "6e-8 in float32); use `mx.expm1(x)`"
)


class ExpMinusOne(Rule):
    code = "EMB014"

    def visit_BinaryOperation(self, node: cst.BinaryOperation) -> None:
        if not isinstance(node.operator, cst.Subtract) or not patterns.is_number(node.right, 1):
            return
        argument = patterns.exp_argument(self.names, node.left)
        if argument is None:
            return
        function = patterns.core_function(self.names, self.context.module, "expm1")
        if function is None:
            self.report(node, MESSAGE)
            return
        reference, imports = function
        self.report(node, MESSAGE, replacement=patterns.call(reference, argument), imports=imports)
