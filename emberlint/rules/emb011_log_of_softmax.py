"""EMB011: `mx.log(mx.softmax(x, axis))`, where `nn.log_softmax(x, axis)` stays finite."""

from __future__ import annotations

import libcst as cst

from emberlint import patterns
from emberlint.rule import Rule

MESSAGE = (
    "`log(softmax(x))` is -inf wherever softmax underflows to 0 (a logit 88 below its "
    "row's max in float32 and bfloat16, 17.5 in float16); use `nn.log_softmax(x, axis=...)`"
)


class LogOfSoftmax(Rule):
    code = "EMB011"

    def visit_Call(self, node: cst.Call) -> None:
        log = patterns.core_call(self.names, node, "log")
        inside = patterns.sole_argument(log) if log is not None else None
        softmax = patterns.core_call(self.names, inside, "softmax") if inside is not None else None
        if softmax is None:
            return
        logits = patterns.argument(softmax, 0, "a")
        axis = patterns.argument(softmax, 1, "axis")
        plain = logits is not None and axis is not None and len(softmax.args) == 2
        function = (
            patterns.nn_function(self.names, self.context.module, "log_softmax") if plain else None
        )
        if function is None:
            self.report(node, MESSAGE)
            return
        reference, imports = function
        replacement = cst.Call(
            func=reference,
            args=[
                cst.Arg(patterns.bare(logits.value), comma=cst.Comma(whitespace_after=cst.SimpleWhitespace(" "))),
                cst.Arg(
                    keyword=cst.Name("axis"),
                    value=patterns.bare(axis.value),
                    equal=cst.AssignEqual(
                        whitespace_before=cst.SimpleWhitespace(""),
                        whitespace_after=cst.SimpleWhitespace(""),
                    ),
                ),
            ],
            lpar=node.lpar,
            rpar=node.rpar,
        )
        self.report(node, MESSAGE, replacement=replacement, imports=imports)
