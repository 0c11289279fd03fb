"""EMB017: values divided by their own sum, where every value can underflow to 0."""

from __future__ import annotations

import libcst as cst

from emberlint import patterns
from emberlint.rule import Rule

# Functions whose outputs are >= 0 and can all be exactly 0 (sigmoid(-20) in float16).
# Not `exp`: it is normalised shifted by its maximum (a softmax, a Gaussian kernel),
# which puts a 1 in every sum.
ZERO_ABLE = ("mlx.core.sigmoid", "mlx.nn.sigmoid", "mlx.nn.relu", "mlx.nn.relu6", "mlx.nn.softplus")
# Functions that pick or reshape values of their first argument without changing them.
PASS_THROUGH = (
    "take_along_axis", "take", "reshape", "flatten", "unflatten", "squeeze", "expand_dims",
    "stop_gradient", "astype", "put_along_axis", "topk", "sort", "broadcast_to",
)
MAX_FOLLOW = 12
MESSAGE = (
    "values divided by their own sum with no floor: every {source} output can underflow "
    "to 0 (sigmoid(-20) in float16, sigmoid(-104) in float32), and 0 / 0 is NaN; "
    "divide by `mx.maximum(total, mx.finfo(x.dtype).smallest_normal)`"
)


class NormaliserWithoutFloor(Rule):
    code = "EMB017"

    def __init__(self, context) -> None:
        super().__init__(context)
        self._orders: dict[cst.CSTNode, list[cst.CSTNode]] = {}

    def visit_BinaryOperation(self, node: cst.BinaryOperation) -> None:
        if not isinstance(node.operator, cst.Divide) or not isinstance(node.left, cst.Name):
            return
        total = self._value(node.right)
        if total is None or not self._sums(total, node.left.value):
            return
        source = self._zero_able_source(node.left, 0)
        if source is None:
            return
        self.report(node, MESSAGE.format(source=source.rsplit(".", 1)[-1]))

    def _value(self, node: cst.BaseExpression) -> cst.BaseExpression | None:
        """`node`, or for a name the value it was last assigned before this read."""
        if isinstance(node, cst.Name):
            return self._reaching_value(node)
        return node

    def _sums(self, node: cst.BaseExpression, name: str) -> bool:
        """`name.sum(...)` or `mx.sum(name, ...)`, nothing added."""
        if not isinstance(node, cst.Call):
            return False
        if self.names.is_mlx_call(node, "mlx.core.sum"):
            first = node.args[0].value if node.args else None
            return node.args[0].keyword is None and isinstance(first, cst.Name) and first.value == name
        if isinstance(node.func, cst.Attribute) and node.func.attr.value == "sum":
            receiver = node.func.value
            return isinstance(receiver, cst.Name) and receiver.value == name
        return False

    def _zero_able_source(self, node: cst.BaseExpression, depth: int) -> str | None:
        """The zero-able function the values of `node` come from, through names (their
        last assignment), selections, reshapes and casts; None when anything else acts."""
        if depth > MAX_FOLLOW:
            return None
        if isinstance(node, cst.Name):
            value = self._reaching_value(node)
            return None if value is None else self._zero_able_source(value, depth + 1)
        if isinstance(node, cst.Subscript):
            return self._zero_able_source(node.value, depth + 1)
        if not isinstance(node, cst.Call) or patterns.has_star_args(node):
            return None
        if self.names.is_mlx_call(node, *ZERO_ABLE):
            return self.names.qualified_name(node.func)
        function = self.names.mlx_call_name(node) or ""
        if function.removeprefix("mlx.core.") in PASS_THROUGH and node.args:
            return self._zero_able_source(node.args[0].value, depth + 1)
        if isinstance(node.func, cst.Attribute) and node.func.attr.value in PASS_THROUGH:
            return self._zero_able_source(node.func.value, depth + 1)
        return None

    def _reaching_value(self, name: cst.Name) -> cst.BaseExpression | None:
        """The value of the last plain assignment to `name` before this read, in its scope."""
        scope = self.names.scope(name)
        if scope is None:
            return None
        order = self._orders.get(scope.node)
        if order is None:
            order = self._orders[scope.node] = patterns.execution_order(scope.node)
        position = order.index(name) if name in order else -1
        for node in reversed(order[:position]):
            if isinstance(node, cst.Assign) and len(node.targets) == 1:
                target = node.targets[0].target
                if isinstance(target, cst.Name) and target.value == name.value and node.value is not None:
                    if name in set(patterns.execution_order(node.value)):
                        continue  # the read sits in this assignment's own value
                    return node.value
        return None
