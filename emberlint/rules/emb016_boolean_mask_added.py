"""EMB016: a boolean mask added to scores, which masks nothing."""

from __future__ import annotations

import libcst as cst

from emberlint.rule import Rule
from emberlint.semantic import ValueKind, mentions_name

LOGICAL = (cst.BitAnd, cst.BitOr, cst.BitXor)
MAX_DEPTH = 8
MESSAGE = (
    "boolean mask added to scores: True adds 1 and False adds 0, so nothing is masked; "
    "select instead: `mx.where(mask, scores, mx.finfo(scores.dtype).min)`"
)


class BooleanMaskAdded(Rule):
    code = "EMB016"

    def visit_BinaryOperation(self, node: cst.BinaryOperation) -> None:
        if isinstance(node.operator, cst.Add):
            self._check(node, node.left, node.right)

    def visit_AugAssign(self, node: cst.AugAssign) -> None:
        if isinstance(node.operator, cst.AddAssign) and isinstance(node.target, cst.Name):
            self._check(node, node.target, node.value)

    def visit_Call(self, node: cst.Call) -> None:
        if self.names.is_mlx_call(node, "mlx.core.add") and len(node.args) >= 2:
            first, second = node.args[0], node.args[1]
            if first.keyword is None and second.keyword is None and not first.star and not second.star:
                self._check(node, first.value, second.value)

    def _check(self, node: cst.CSTNode, left: cst.BaseExpression, right: cst.BaseExpression) -> None:
        for scores, mask in ((left, right), (right, left)):
            if self._plainly_boolean(mask, 0) and self._is_float_array(scores):
                self._report(node, scores, mask)
                return

    def _plainly_boolean(self, node: cst.BaseExpression, depth: int) -> bool:
        """A boolean mask made without arithmetic: `m * w` with `w` of unknown type
        would count as boolean (an unknown operand is taken for a Python number)."""
        if depth > MAX_DEPTH or not self.names.is_mask(node):
            return False
        if isinstance(node, cst.BinaryOperation):
            return isinstance(node.operator, LOGICAL) and all(
                self._plainly_boolean(side, depth + 1) for side in (node.left, node.right)
            )
        if isinstance(node, cst.Name):
            values = [value for value in self.names.name_values(node) if value is not node]
            return bool(values) and all(self._plainly_boolean(value, depth + 1) for value in values if not mentions_name(value, node.value))
        return True

    def _is_float_array(self, node: cst.BaseExpression) -> bool:
        """An MLX array not known to be boolean or integer (a count of masks is fine)."""
        if self.names.value_kind(node) is not ValueKind.ARRAY:
            return False
        return self.names.dtype_of(node).kind not in ("bool", "integer")

    def _report(self, node: cst.CSTNode, scores: cst.BaseExpression, mask: cst.BaseExpression) -> None:
        anchor = self.names.dtype_anchor(scores)
        if anchor is None or not isinstance(scores, (cst.Name, cst.Attribute)):
            self.report(node, MESSAGE)
            return
        core, imports = self.names.core_reference(self.context.module)
        fill, _ = self.names.finfo_attribute(
            self.context.module, cst.Attribute(anchor.deep_clone(), cst.Name("dtype")), "min"
        )
        selected = cst.Call(
            func=cst.Attribute(core, cst.Name("where")),
            args=[cst.Arg(mask.deep_clone()), cst.Arg(scores.deep_clone()), cst.Arg(fill)],
        )
        if isinstance(node, cst.AugAssign):
            replacement = cst.Assign(targets=[cst.AssignTarget(node.target.deep_clone())], value=selected)
        else:
            replacement = selected.with_changes(lpar=node.lpar, rpar=node.rpar) if node.lpar else selected
        self.report(node, MESSAGE, replacement=replacement, imports=imports)

