"""EMB020: a recurrent state created in the activations' dtype.

A state that a loop carries from step to step (`state = step(state, x[t])`,
`h += ...`) accumulates rounding at every step; created with `dtype=x.dtype`
(or `mx.zeros_like(x)`) it runs in bfloat16/float16 whenever the model does.
"Recurrent" is a fact about the code, not a name: the array is rebound inside a
loop from an expression that reads it, in its own function or in the parameter
of a same-module function it is passed to.
"""

from __future__ import annotations

import libcst as cst

from emberlint import patterns
from emberlint.rule import Rule
from emberlint.semantic import MLX_CORE, BindingKind

CREATORS = frozenset(f"{MLX_CORE}.{name}" for name in ("zeros", "ones", "full"))
LIKE_CREATORS = frozenset(f"{MLX_CORE}.{name}" for name in ("zeros_like", "ones_like", "full_like"))
LOOPS = (cst.For, cst.While)
SCOPE_BOUNDARIES = (cst.FunctionDef, cst.ClassDef, cst.Lambda)
MULTIPLYING = (cst.Multiply, cst.MatrixMultiply, cst.Divide)
MULTIPLYING_AUGMENTED = (cst.MultiplyAssign, cst.MatrixMultiplyAssign, cst.DivideAssign)
MULTIPLYING_CALLS = frozenset(
    f"{MLX_CORE}.{name}" for name in ("multiply", "divide", "matmul", "einsum", "addmm", "tensordot", "outer")
)


class RecurrentStateInInputDtype(Rule):
    code = "EMB020"

    def visit_Call(self, node: cst.Call) -> None:
        function = self.names.mlx_call_name(node)
        if function not in CREATORS and function not in LIKE_CREATORS:
            return
        source = self._input_dtype_source(node, function)
        if source is None:
            return
        target = self._bound_name(node)
        if target is None or not self._is_recurrent(target):
            return
        self.report(
            node,
            f"recurrent state created in the dtype of `{self.context.module.code_for_node(source)}`: "
            "in bfloat16/float16 every step rounds the carried state; create it with "
            "`dtype=mx.float32` and cast what leaves the loop",
        )

    def _input_dtype_source(self, node: cst.Call, function: str) -> cst.CSTNode | None:
        """The array whose (not float32) dtype the new array takes, else None."""
        dtype = patterns.argument(node, 2 if function.endswith("full") else 1, "dtype")
        if dtype is None and function in LIKE_CREATORS:
            like = patterns.argument(node, 0, "a")
            if like is None or not self.names.is_array(like.value):
                return None
            return like.value if self._is_input_dtype(like.value) else None
        if dtype is None:
            return None
        value = dtype.value
        if isinstance(value, cst.Attribute) and value.attr.value == "dtype" and self._is_input_dtype(value.value):
            return value.value
        fact = self.names.dtype_of(node)
        return value if fact.kind == "half" else None

    def _is_input_dtype(self, node: cst.CSTNode) -> bool:
        """An array (or a function's parameter) whose dtype is not known to be
        float32, integer or boolean."""
        if not (self.names.is_array(node) or self._is_parameter(node)):
            return False
        return self.names.dtype_of(node).kind in ("same_as", "unknown", "half")

    def _is_parameter(self, node: cst.CSTNode) -> bool:
        if not isinstance(node, cst.Name) or node.value in ("self", "cls"):
            return False
        found = self.names.bindings(node)
        return bool(found) and all(binding.kind is BindingKind.PARAMETER for binding in found)

    def _bound_name(self, node: cst.Call) -> cst.Name | None:
        """`state` in `state = mx.zeros(...)` (also `state: T = ...`, `(state := ...)`)."""
        parent = self.names.parent(node)
        if isinstance(parent, cst.Assign) and len(parent.targets) == 1:
            target = parent.targets[0].target
            return target if isinstance(target, cst.Name) else None
        if isinstance(parent, cst.AnnAssign) and isinstance(parent.target, cst.Name):
            return parent.target
        if isinstance(parent, cst.NamedExpr) and isinstance(parent.target, cst.Name):
            return parent.target
        return None

    def _is_recurrent(self, target: cst.Name) -> bool:
        binding = self.names.binding_of(target)
        if binding is None:
            return False
        if self._loop_carried(binding.scope.bindings.get(target.value, ())):
            return True
        return any(self._passed_to_loop(reference) for reference in self.names.references(binding))

    def _loop_carried(self, bindings) -> bool:
        """Some binding rebinds the name inside a loop from a value that carries it
        through a multiplication (`h = a * h + x`) or a step function (`y, h = step(x, h)`)."""
        for binding in bindings:
            if binding.kind is BindingKind.AUGMENTED:
                statement = self.names.parent(binding.node)
                if isinstance(statement.operator, MULTIPLYING_AUGMENTED) and _in_loop(self.names, statement):
                    return True
                continue
            if binding.kind is not BindingKind.ASSIGNMENT:
                continue
            statement = _statement(self.names, binding.node)
            if not isinstance(statement, cst.Assign) or not _in_loop(self.names, statement):
                continue
            reads = list(_reads(statement.value, binding.name))
            if any(self._multiplies(read, statement.value) for read in reads):
                return True
            if isinstance(statement.targets[0].target, cst.Tuple) and isinstance(statement.value, cst.Call) and any(
                self.names.parent(read) in statement.value.args for read in reads
            ):
                return True
        return False

    def _multiplies(self, read: cst.Name, root: cst.CSTNode) -> bool:
        """`read` is a factor of a product inside `root`, before any sum: `a * h + x`
        carries h multiplied, `h + a * x` only adds to it."""
        for ancestor in patterns.ancestors(self.names, read):
            if isinstance(ancestor, cst.BinaryOperation):
                return isinstance(ancestor.operator, MULTIPLYING)
            if isinstance(ancestor, cst.Call) and self.names.mlx_call_name(ancestor) in MULTIPLYING_CALLS:
                return True
            if ancestor is root:
                return False
        return False

    def _passed_to_loop(self, reference: cst.Name) -> bool:
        """`reference` is an argument of a same-module function whose parameter is loop-carried."""
        arg = self.names.parent(reference)
        call = self.names.parent(arg) if isinstance(arg, cst.Arg) else None
        if not isinstance(call, cst.Call) or not isinstance(call.func, cst.Name) or arg.star:
            return False
        definitions = self.names.bindings(call.func)
        if len(definitions) != 1 or definitions[0].kind is not BindingKind.FUNCTION:
            return False
        definition: cst.FunctionDef = definitions[0].node
        parameter = _parameter_for(definition, call, arg)
        if parameter is None:
            return False
        scope = self.names.scope(definition.body)
        return scope is not None and self._loop_carried(scope.bindings.get(parameter.name.value, ()))


def _parameter_for(definition: cst.FunctionDef, call: cst.Call, arg: cst.Arg) -> cst.Param | None:
    params = definition.params
    if arg.keyword is not None:
        for param in (*params.params, *params.kwonly_params):
            if param.name.value == arg.keyword.value:
                return param
        return None
    positional = [item for item in call.args if item.keyword is None and not item.star]
    index = positional.index(arg)
    candidates = (*params.posonly_params, *params.params)
    return candidates[index] if index < len(candidates) else None


def _statement(names, node: cst.CSTNode) -> cst.CSTNode | None:
    for ancestor in patterns.ancestors(names, node):
        if isinstance(ancestor, (cst.Assign, cst.AugAssign, cst.AnnAssign)):
            return ancestor
        if isinstance(ancestor, cst.BaseSmallStatement | cst.BaseCompoundStatement):
            return None
    return None


def _in_loop(names, node: cst.CSTNode) -> bool:
    """Inside the body of a `for` / `while` of the same function that runs a number
    of steps the data decides (a `for` over `range(<constants>)` does not: the
    rounding it accumulates is bounded by its fixed count)."""
    child = node
    for ancestor in patterns.ancestors(names, node):
        if isinstance(ancestor, SCOPE_BOUNDARIES):
            return False
        if isinstance(ancestor, LOOPS) and child is ancestor.body:
            if not _fixed_count(names, ancestor):
                return True
        child = ancestor
    return False


def _fixed_count(names, loop: cst.CSTNode) -> bool:
    """`for i in range(1, 33)`: a loop whose trip count is a constant."""
    if not isinstance(loop, cst.For) or not isinstance(loop.iter, cst.Call):
        return False
    call = loop.iter
    return (
        names.is_builtin(call, "range")
        and isinstance(call.func, cst.Name)
        and call.func.value == "range"
        and bool(call.args)
        and all(isinstance(names.constant(arg.value), int) for arg in call.args)
    )


def _reads(node: cst.CSTNode, name: str):
    """The Names `name` read inside `node` (not in nested functions)."""
    stack = [node]
    while stack:
        current = stack.pop()
        if isinstance(current, cst.Name) and current.value == name:
            yield current
            continue
        if isinstance(current, cst.Attribute):
            stack.append(current.value)
            continue
        if isinstance(current, SCOPE_BOUNDARIES):
            continue
        stack.extend(current.children)
