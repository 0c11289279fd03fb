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
        core, imports = self.names.core_reference(self.context.module)
        replacement = patterns.call(cst.Attribute(value=core, attr=cst.Name("expm1")), argument)
        self.report(node, MESSAGE, replacement=replacement, imports=imports)
