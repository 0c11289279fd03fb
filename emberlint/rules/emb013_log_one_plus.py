"""EMB013: `mx.log(1 + x)`, where `mx.log1p(x)` keeps the digits of a small x."""

from __future__ import annotations

import libcst as cst

from emberlint import patterns
from emberlint.rule import Rule

MESSAGE = (
    "`log(1 + x)` rounds `1 + x` first and loses a small x entirely (x < 0.004 in "
    "bfloat16, 0.0005 in float16, 6e-8 in float32); use `mx.log1p(x)`"
)


INTEGER_VALUED = ("floor", "ceil", "round")


class LogOnePlus(Rule):
    code = "EMB013"

    def visit_Call(self, node: cst.Call) -> None:
        log = patterns.core_call(self.names, node, "log")
        inside = patterns.sole_argument(log) if log is not None else None
        summand = patterns.one_plus(inside) if inside is not None else None
        if summand is None or patterns.exp_argument(self.names, summand) is not None:
            return  # log(1 + exp(x)) is a softplus: EMB006 / EMB007
        if patterns.core_call(self.names, summand, *INTEGER_VALUED) is not None:
            return  # 0 or at least 1: no digits below 1 to lose
        function = patterns.core_function(self.names, self.context.module, "log1p")
        if function is None:
            self.report(node, MESSAGE)
            return
        reference, imports = function
        self.report(node, MESSAGE, replacement=patterns.call(reference, summand), imports=imports)
