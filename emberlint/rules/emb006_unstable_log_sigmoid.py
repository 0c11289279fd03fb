"""EMB006: log-sigmoid written as `-log(1 + exp(-x))` or `log(sigmoid(x))`."""

from __future__ import annotations

import libcst as cst

from emberlint import patterns
from emberlint.rule import Rule


class UnstableLogSigmoid(Rule):
    code = "EMB006"

    def visit_UnaryOperation(self, node: cst.UnaryOperation) -> None:
        inner = patterns.negated(node)
        exponent = patterns.log1p_exp_argument(self.names, inner) if inner is not None else None
        if exponent is None:
            return
        # -log(1 + exp(-x)) is log_sigmoid(x); -log(1 + exp(e)) is log_sigmoid(-e).
        self._report(
            node,
            patterns.negate(exponent),
            "`-log(1 + exp(-x))` overflows to -inf for x < -88 in float32 (x < -11 in float16)",
        )

    def visit_Call(self, node: cst.Call) -> None:
        log = patterns.core_call(self.names, node, "log")
        inside = patterns.sole_argument(log) if log is not None else None
        sigmoid = patterns.core_call(self.names, inside, "sigmoid") if inside is not None else None
        argument = patterns.sole_argument(sigmoid) if sigmoid is not None else None
        if argument is not None:
            self._report(
                node,
                argument,
                "`log(sigmoid(x))` is -inf where sigmoid underflows (x < -88 in float32, "
                "x < -11 in float16)",
            )

    def _report(self, node: cst.BaseExpression, argument: cst.BaseExpression, hazard: str) -> None:
        function = patterns.nn_function(self.names, self.context.module, "log_sigmoid")
        message = f"{hazard}; use `nn.log_sigmoid(x)`"
        if function is None:
            self.report(node, message)
            return
        reference, imports = function
        self.report(
            node,
            message,
            replacement=patterns.call(reference, argument),
            imports=imports,
        )
