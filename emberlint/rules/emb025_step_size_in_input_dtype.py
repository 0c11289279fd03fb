"""EMB025: an SSM step size or decay rate computed by softplus in the input dtype.

`nn.softplus(dt + dt_bias)` makes the step size of a state-space or gated
recurrence; its result is turned into a decay (`mx.exp(A * dt)`) or clamped to
the time-step limits and handed on. Computed in bfloat16, the sum is rounded
before the softplus, and for the negative arguments that give small steps
softplus(x) ~ exp(x) turns that absolute rounding into a relative error of the
step. Flagged: a softplus whose argument is not known to be float32 and whose
value feeds an `mx.exp` or an `mx.clip` that is returned, directly or through
the name it is assigned to. A softplus of a stored parameter (`self.param`) is
not flagged: nothing is rounded before it but the parameter itself.
"""

from __future__ import annotations

import libcst as cst

from emberlint import patterns
from emberlint.rule import Rule
from emberlint.semantic import MLX_CORE, BindingKind

SOFTPLUS = "mlx.nn.softplus"
FLOAT32 = f"{MLX_CORE}.float32"
STATEMENTS = (cst.SimpleStatementLine, cst.BaseCompoundStatement)


class StepSizeInInputDtype(Rule):
    code = "EMB025"

    def visit_Call(self, node: cst.Call) -> None:
        if self.names.mlx_call_name(node) != SOFTPLUS or patterns.has_star_args(node) or not node.args:
            return
        argument = patterns.bare(node.args[0].value)
        if isinstance(argument, (cst.Name, cst.Attribute)) and self._is_stored(argument):
            return  # a stored parameter: no rounding before the softplus beyond its own dtype
        if self._is_float32(argument) or not self._feeds_rate(node):
            return
        self.report(
            node,
            "step size or decay rate computed by softplus in the input dtype: in bfloat16/float16 its "
            "argument is rounded first and the step is off by up to a few percent; cast the argument "
            "to float32 (`nn.softplus(dt.astype(mx.float32) + dt_bias)`)",
        )

    def _is_stored(self, node: cst.BaseExpression) -> bool:
        """`self.param` or a function parameter used as is."""
        if isinstance(node, cst.Attribute):
            return True
        found = self.names.bindings(node)
        return bool(found) and all(binding.kind is BindingKind.PARAMETER for binding in found)

    # -- is the argument float32 ---------------------------------------------------

    def _is_float32(self, node: cst.BaseExpression, depth: int = 0) -> bool:
        if depth > 8:
            return False
        node = patterns.bare(node)
        if self.names.is_float32(node):
            return True
        if isinstance(node, cst.BinaryOperation):
            return self._is_float32(node.left, depth + 1) or self._is_float32(node.right, depth + 1)
        if isinstance(node, cst.Call) and isinstance(node.func, cst.Attribute) and node.func.attr.value == "astype":
            dtype = patterns.argument(node, 0, "dtype")
            return dtype is not None and self.names.resolves_to(dtype.value, FLOAT32)
        if isinstance(node, cst.Name):
            value = self._reaching_value(node)
            return value is not None and self._is_float32(value, depth + 1)
        return False

    def _reaching_value(self, name: cst.Name) -> cst.BaseExpression | None:
        """The value of the last plain assignment to `name` before its statement in the same block."""
        statement, block = self._statement_and_block(name)
        if block is None:
            return None
        found = None
        for earlier in block.body:
            if earlier is statement:
                return found
            if isinstance(earlier, cst.SimpleStatementLine):
                for small in earlier.body:
                    if (
                        isinstance(small, cst.Assign)
                        and len(small.targets) == 1
                        and isinstance(small.targets[0].target, cst.Name)
                        and small.targets[0].target.value == name.value
                    ):
                        found = small.value
        return None

    def _statement_and_block(self, node: cst.CSTNode):
        child = node
        for ancestor in patterns.ancestors(self.names, node):
            if isinstance(ancestor, (cst.IndentedBlock, cst.Module)):
                return child, ancestor
            child = ancestor
        return None, None

    # -- does the value become a rate ------------------------------------------------

    def _feeds_rate(self, node: cst.Call) -> bool:
        if self._inside_rate(node):
            return True
        parent = self.names.parent(node)
        while isinstance(parent, (cst.BinaryOperation, cst.UnaryOperation)):
            parent = self.names.parent(parent)
        if not isinstance(parent, cst.Assign) or len(parent.targets) != 1:
            return False
        target = parent.targets[0].target
        binding = self.names.binding_of(target) if isinstance(target, cst.Name) else None
        return binding is not None and any(self._inside_rate(read) for read in self.names.references(binding))

    def _inside_rate(self, node: cst.CSTNode) -> bool:
        """Inside an `mx.exp` argument, or the clamped value of a returned `mx.clip`."""
        for ancestor in patterns.ancestors(self.names, node):
            if isinstance(ancestor, STATEMENTS):
                return False
            if patterns.core_call(self.names, ancestor, "exp") is not None:
                return True
            clip = patterns.core_call(self.names, ancestor, "clip")
            if clip is not None:
                return isinstance(self.names.parent(clip), cst.Return)
        return False
