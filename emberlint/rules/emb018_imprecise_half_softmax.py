"""EMB018: a softmax without `precise=True` on an array not known to be float32."""

from __future__ import annotations

import libcst as cst

from emberlint import patterns
from emberlint.rule import Rule

# Not `mlx.nn.softmax`: it takes no `precise`.
SOFTMAX = ("mlx.core.softmax",)
MESSAGE = (
    "softmax of an array not known to be float32 without `precise=True`: in float16 and "
    "bfloat16 it exponentiates and sums in the input dtype (bfloat16 rows sum to 1 +- 0.1); "
    "pass `precise=True` to accumulate in float32"
)


class ImpreciseHalfSoftmax(Rule):
    code = "EMB018"

    def visit_Call(self, node: cst.Call) -> None:
        if not self.names.is_mlx_call(node, *SOFTMAX) or patterns.has_star_args(node) or not node.args:
            return
        if any(arg.keyword is not None and arg.keyword.value == "precise" for arg in node.args):
            return  # an explicit choice either way
        operand = node.args[0].value
        if node.args[0].keyword is not None or patterns.is_float32_operand(self.names, operand):
            return
        if self.names.is_float32(operand):
            return
        last = node.args[-1].with_changes(comma=cst.MaybeSentinel.DEFAULT)
        precise = cst.Arg(
            keyword=cst.Name("precise"),
            value=cst.Name("True"),
            equal=cst.AssignEqual(whitespace_before=cst.SimpleWhitespace(""), whitespace_after=cst.SimpleWhitespace("")),
        )
        replacement = node.with_changes(
            args=[*node.args[:-1], last.with_changes(comma=cst.Comma(whitespace_after=cst.SimpleWhitespace(" "))), precise]
        )
        self.report(node, MESSAGE, replacement=replacement)
