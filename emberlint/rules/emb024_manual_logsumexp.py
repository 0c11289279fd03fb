"""EMB024: log-sum-exp written as `mx.log(mx.sum(mx.exp(x), axis))` without a max shift."""

from __future__ import annotations

import libcst as cst

from emberlint import patterns
from emberlint.rule import Rule

MESSAGE = (
    "log-sum-exp written as `log(sum(exp(x)))` is inf once an x exceeds 88 (11 in float16) "
    "and -inf once every x is below about -104 (-17 in float16); use `mx.logsumexp(x, axis=...)`"
)


class ManualLogsumexp(Rule):
    code = "EMB024"

    def visit_Call(self, node: cst.Call) -> None:
        log = patterns.core_call(self.names, node, "log")
        inside = patterns.sole_argument(log) if log is not None else None
        found = self._sum_of_exp(inside) if inside is not None else None
        if found is None:
            return
        exponent, reduction_args = found
        if self._is_shifted(exponent):
            return
        function = patterns.core_function(self.names, self.context.module, "logsumexp")
        if function is None:
            self.report(node, MESSAGE)
            return
        reference, imports = function
        first = cst.Arg(
            patterns.bare(exponent),
            comma=cst.Comma(whitespace_after=cst.SimpleWhitespace(" ")) if reduction_args else cst.MaybeSentinel.DEFAULT,
        )
        replacement = cst.Call(func=reference, args=[first, *reduction_args])
        self.report(node, MESSAGE, replacement=replacement, imports=imports)

    def _is_shifted(self, exponent: cst.BaseExpression) -> bool:
        """`x - x.max(...)`, `x - mx.stop_gradient(m)` or `x - peak` with `peak` bound to
        one: the stable form written out."""
        exponent = patterns.bare(exponent)
        if not (isinstance(exponent, cst.BinaryOperation) and isinstance(exponent.operator, cst.Subtract)):
            return False
        stack: list[cst.CSTNode] = [exponent.right]
        seen: set[cst.CSTNode] = set()
        while stack:
            current = stack.pop()
            if current in seen:
                continue
            seen.add(current)
            if patterns.is_shift_call(current):
                return True
            if isinstance(current, cst.Name):
                stack.extend(self.names.name_values(current))
            stack.extend(current.children)
        return False

    def _sum_of_exp(self, node: cst.BaseExpression) -> tuple[cst.BaseExpression, list[cst.Arg]] | None:
        """(x, the reduction's other arguments) for `mx.sum(mx.exp(x), ...)` or `mx.exp(x).sum(...)`."""
        node = patterns.bare(node)
        total = patterns.core_call(self.names, node, "sum")
        if total is not None:
            if not total.args or total.args[0].keyword is not None or total.args[0].star or patterns.has_star_args(total):
                return None
            summed, rest = total.args[0].value, list(total.args[1:])
        else:
            method = patterns.method_call(node, "sum")
            if method is None or patterns.has_star_args(method):
                return None
            summed, rest = method.func.value, list(method.args)
        exponent = patterns.exp_argument(self.names, patterns.bare(summed))
        if exponent is None:
            return None
        if rest:
            rest[-1] = rest[-1].with_changes(comma=cst.MaybeSentinel.DEFAULT)
        return exponent, rest
