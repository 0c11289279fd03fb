"""EMB007: softplus written as `log(1 + exp(x))`."""

from __future__ import annotations

import libcst as cst

from emberlint import patterns
from emberlint.rule import Rule


class UnstableSoftplus(Rule):
    code = "EMB007"

    def visit_Call(self, node: cst.Call) -> None:
        exponent = patterns.log1p_exp_argument(self.names, node)
        if exponent is None or patterns.negated(self.names.parent(node)) is node:
            return  # the negated form is a log-sigmoid: EMB006
        message = (
            "`log(1 + exp(x))` overflows to inf for x > 88 in float32 (x > 11 in float16); "
            "use `mx.logaddexp(0, x)`"
        )
        function = patterns.core_function(self.names, self.context.module, "logaddexp")
        if function is None:
            self.report(node, message)
            return
        reference, imports = function
        replacement = patterns.call(reference, cst.Integer("0"), exponent)
        self.report(node, message, replacement=replacement, imports=imports)
