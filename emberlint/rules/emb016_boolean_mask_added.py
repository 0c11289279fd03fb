"""EMB016: a boolean mask added to scores, which masks nothing."""

from __future__ import annotations

import libcst as cst

from emberlint import patterns
from emberlint.rule import Rule
from emberlint.semantic import SemanticModel, ValueKind, dotted, may_hold, mentions_name

LOGICAL = (cst.BitAnd, cst.BitOr, cst.BitXor)
MAX_DEPTH = 8
MESSAGE = (
    "boolean mask added to scores: True adds 1 and False adds 0, so nothing is masked; "
    "select instead: `mx.where(mask, scores, mx.finfo(scores.dtype).min)`"
)
MAY_BE_BOOLEAN = (
    "mask that may be boolean added to scores: a caller or the function that makes it "
    "gives a comparison mask, and a boolean mask added masks nothing; when "
    "`mask.dtype == mx.bool_`, select: `mx.where(mask, scores, mx.finfo(scores.dtype).min)`"
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
            if plainly_boolean(self.names, mask) and self._is_float_array(scores):
                self._report(node, scores, mask)
                return
        for scores, mask in ((left, right), (right, left)):
            if (
                isinstance(mask, cst.Name)
                and self.names.value_kind(mask) is ValueKind.UNKNOWN
                and self._are_scores(node, scores)
                and not self._dtype_checked(node, mask)
                and may_hold(self.names, mask, plainly_boolean)
            ):
                self.report(node, MAY_BE_BOOLEAN)
                return

    def _are_scores(self, node: cst.CSTNode, scores: cst.BaseExpression) -> bool:
        """Attention scores: a float MLX array or an operand of unknown type, whose
        sum with the mask goes into a softmax (where an additive mask is meant)."""
        if not (self._is_float_array(scores) or self.names.value_kind(scores) is ValueKind.UNKNOWN):
            return False
        return self._feeds_softmax(node)

    def _feeds_softmax(self, node: cst.CSTNode) -> bool:
        """The sum is in a softmax's argument, or is assigned to a name that the
        argument of a softmax in the same function reads."""
        target = None
        parent = self.names.parent(node)
        if isinstance(node, cst.AugAssign):
            target = node.target
        elif isinstance(parent, cst.Assign) and len(parent.targets) == 1:
            target = parent.targets[0].target
        for ancestor in patterns.ancestors(self.names, node):
            if self._is_softmax(ancestor):
                return True
            if isinstance(ancestor, cst.BaseStatement):
                break
        function = patterns.enclosing_function(self.names, node)
        if not isinstance(target, cst.Name) or function is None:
            return False
        return any(
            self._is_softmax(call)
            and call.args
            and mentions_name(call.args[0].value, target.value)
            for call in self.names.descendants(function)
            if isinstance(call, cst.Call)
        )

    def _is_softmax(self, node: cst.CSTNode) -> bool:
        return self.names.is_mlx_call(node, "mlx.core.softmax")

    def _dtype_checked(self, node: cst.CSTNode, mask: cst.Name) -> bool:
        """The addition sits under an `if` (or a conditional expression) whose test
        reads `mask.dtype`: the code tells boolean masks from additive ones."""
        for ancestor in patterns.ancestors(self.names, node):
            if isinstance(ancestor, (cst.FunctionDef, cst.ClassDef)):
                return False
            if isinstance(ancestor, (cst.If, cst.IfExp)) and _reads_dtype(self.names, ancestor.test, mask.value):
                return True
        return False

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


def plainly_boolean(model: SemanticModel, node: cst.BaseExpression, depth: int = 0) -> bool:
    """A boolean mask made without arithmetic: `m * w` with `w` of unknown type
    would count as boolean (an unknown operand is taken for a Python number)."""
    if depth > MAX_DEPTH or not model.is_mask(node):
        return False
    if isinstance(node, cst.BinaryOperation):
        return isinstance(node.operator, LOGICAL) and all(
            plainly_boolean(model, side, depth + 1) for side in (node.left, node.right)
        )
    if isinstance(node, cst.Name):
        values = [value for value in model.name_values(node) if value is not node]
        return bool(values) and all(
            plainly_boolean(model, value, depth + 1) for value in values if not mentions_name(value, node.value)
        )
    return True


def _reads_dtype(model: SemanticModel, test: cst.BaseExpression, name: str) -> bool:
    """`test` reads `<name>.dtype`."""
    return any(
        isinstance(node, cst.Attribute) and node.attr.value == "dtype" and dotted(node.value) == name
        for node in model.descendants(test)
    )
