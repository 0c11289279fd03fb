"""EMB023: a value computed from freshly initialised float32 arrays returned mixed into activations.

`mx.random.uniform(...)` / `mx.random.normal(...)` without `dtype=` is float32,
and arrays the code initialises itself at random (LoRA factors, noise) are not
replaced by a checkpoint's: they stay float32 at run time. Anything computed
from them is float32, and mixed into half-precision activations by arithmetic
it promotes them. Flagged where such a mixture leaves the function (returned,
or assigned to a name that is returned) without a cast.

Arrays initialised by `mx.ones` / `mx.zeros` in `__init__` are not counted:
in a model they are placeholders that loading a checkpoint replaces, in the
checkpoint's dtype.
"""

from __future__ import annotations

import libcst as cst

from emberlint import patterns
from emberlint.rule import Rule
from emberlint.semantic import MLX_CORE, BindingKind, ValueKind, mentions_name

RANDOM = f"{MLX_CORE}.random."
MIXING = (cst.Add, cst.Subtract, cst.Multiply, cst.Divide)
MAX_DEPTH = 24


class FreshFloat32Leak(Rule):
    code = "EMB023"

    def __init__(self, context) -> None:
        super().__init__(context)
        self._carries: dict[cst.CSTNode, bool] = {}
        self._visiting: set[cst.CSTNode] = set()

    def visit_BinaryOperation(self, node: cst.BinaryOperation) -> None:
        if not isinstance(node.operator, MIXING) or not self._leaves_function(node):
            return
        left, right = self.carries(node.left), self.carries(node.right)
        if left == right:
            return
        fresh, other = (node.left, node.right) if left else (node.right, node.left)
        if not self._is_activation(other):
            return
        code = self.context.module.code_for_node(patterns.bare(fresh))
        self.report(
            node,
            f"`{code}` is float32 (computed from arrays initialised at random without `dtype=`) "
            f"and promotes the activations it is mixed into; cast it first: `({code}).astype(<activations>.dtype)`",
        )

    # -- where the value goes -------------------------------------------------------

    def _leaves_function(self, node: cst.BinaryOperation) -> bool:
        """Returned, or assigned to a name the function returns."""
        parent = self.names.parent(node)
        if isinstance(parent, cst.Return):
            return True
        if not isinstance(parent, cst.Assign) or len(parent.targets) != 1:
            return False
        target = parent.targets[0].target
        binding = self.names.binding_of(target) if isinstance(target, cst.Name) else None
        if binding is None:
            return False
        return any(isinstance(self.names.parent(read), cst.Return) for read in self.names.references(binding))

    # -- which values are fresh float32 ------------------------------------------------

    def carries(self, node: cst.CSTNode, depth: int = 0) -> bool:
        """`node`'s value is float32 because of an array initialised at random without a dtype."""
        cached = self._carries.get(node)
        if cached is not None:
            return cached
        if node in self._visiting or depth > MAX_DEPTH:
            return False
        self._visiting.add(node)
        try:
            result = self._carries_uncached(node, depth + 1)
        finally:
            self._visiting.discard(node)
        self._carries[node] = result
        return result

    def _carries_uncached(self, node: cst.CSTNode, depth: int) -> bool:
        if isinstance(node, cst.BinaryOperation):
            return self.carries(node.left, depth) or self.carries(node.right, depth)
        if isinstance(node, cst.UnaryOperation):
            return self.carries(node.expression, depth)
        if isinstance(node, cst.Subscript):
            return self.carries(node.value, depth)
        if isinstance(node, cst.IfExp):
            return self.carries(node.body, depth) or self.carries(node.orelse, depth)
        if isinstance(node, cst.Call):
            return self._call_carries(node, depth)
        if isinstance(node, cst.Attribute):
            if node.attr.value == "T":
                return self.carries(node.value, depth)
            return self._fresh_attribute(node)
        if isinstance(node, cst.Name):
            return any(
                self.carries(value, depth)
                for value in self.names.name_values(node)
                if not mentions_name(value, node.value)
            )
        return False

    def _call_carries(self, node: cst.Call, depth: int) -> bool:
        if any(arg.keyword is not None and arg.keyword.value == "dtype" for arg in node.args):
            return False
        name = self.names.mlx_call_name(node)
        if name is not None:
            if name.startswith(RANDOM):
                return self._fresh(node)
            if not name.startswith(MLX_CORE + "."):
                return False
            return any(self.carries(arg.value, depth) for arg in node.args if not arg.star)
        func = node.func
        if isinstance(func, cst.Attribute) and func.attr.value not in ("astype", "view"):
            return self.carries(func.value, depth)
        return False

    def _fresh_attribute(self, node: cst.Attribute) -> bool:
        """`self.x` that the class sets only to arrays initialised at random without a dtype."""
        values = self._class_values(node)
        return bool(values) and all(
            isinstance(value, cst.Call) and (self.names.mlx_call_name(value) or "").startswith(RANDOM) and self._fresh(value)
            for value in values
        )

    def _fresh(self, call: cst.Call) -> bool:
        """An `mx.random` array given no dtype, by keyword or in its place (`normal(shape, dtype)`)."""
        if self.names.dtype_of(call).kind != "float32_by_construction":
            return False
        return not any(
            arg.keyword is None and self.names.value_kind(arg.value) is ValueKind.DTYPE for arg in call.args
        )

    def _class_values(self, node: cst.Attribute) -> list[cst.BaseExpression]:
        receiver = node.value
        if not isinstance(receiver, cst.Name):
            return []
        found = self.names.bindings(receiver)
        if len(found) != 1 or found[0].kind is not BindingKind.PARAMETER:
            return []
        scope = found[0].scope
        if scope.parent is None or scope.parent.node is None or not isinstance(scope.parent.node, cst.ClassDef):
            return []
        params = scope.node.params
        first = (*params.posonly_params, *params.params)
        if not first or first[0] is not found[0].node:
            return []
        values = self.names.attribute_values(scope.parent.node, node.attr.value)
        return [] if None in values else values

    # -- the other side --------------------------------------------------------------

    def _is_activation(self, node: cst.BaseExpression) -> bool:
        """An array that may be half precision: not a scalar, a constant, a module's
        attribute or an array known to be float32."""
        if self.names.value_kind(node) in (ValueKind.SCALAR, ValueKind.DTYPE, ValueKind.MODULE):
            return False
        if self.names.constant(node) is not None or self.names.is_float32(node):
            return False
        if isinstance(node, cst.Attribute) and isinstance(node.value, cst.Name) and node.value.value in ("self", "cls"):
            return False
        return not patterns.is_python_float(self.names, node)

