"""EMB002: a -inf (or float16-overflowing) sentinel used to fill a mask, in any form."""

from __future__ import annotations

import math

import libcst as cst

from emberlint import patterns
from emberlint.rule import Rule
from emberlint.semantic import FLOAT16_OVERFLOW, ValueKind
from emberlint.semantic.scopes import BindingKind, ScopeKind

# Index selections: they rank the filled values and never turn -inf into NaN.
SELECTIONS = ("argmax", "argmin", "argpartition", "argsort", "topk", "sort", "partition")
# Operations whose result keeps -inf as -inf (never NaN), ranked by what follows.
PASS_THROUGH = (
    "where", "concatenate", "stack", "reshape", "transpose", "swapaxes", "pad", "max", "min",
    "broadcast_to", "expand_dims", "squeeze", "flatten", "unflatten", "stop_gradient",
    "astype", "repeat", "tile", "take_along_axis",
)
MAX_FOLLOW = 16
# Reads of an array's metadata, not of its values.
METADATA = ("shape", "ndim", "dtype", "size")
FOREIGN_MODULES = ("numpy.", "torch.", "jax.")


def _argument(call: cst.Call, position: int, keyword: str) -> cst.Arg | None:
    """The argument bound to parameter `keyword` at `position`, if given."""
    positional = [arg for arg in call.args if arg.keyword is None and not arg.star]
    if position < len(positional):
        return positional[position]
    for arg in call.args:
        if arg.keyword is not None and arg.keyword.value == keyword:
            return arg
    return None


def _dtype_of(anchor: cst.BaseExpression) -> cst.Attribute:
    return cst.Attribute(anchor.deep_clone(), cst.Name("dtype"))


class InfiniteMaskSentinel(Rule):
    code = "EMB002"

    def __init__(self, context) -> None:
        super().__init__(context)
        self._call_sites: list[cst.Call] = []

    def visit_Call(self, node: cst.Call) -> None:
        if self.names.is_mlx_call(node, "mlx.core.where"):
            self._check_where(node)
        elif self.names.is_mlx_call(node, "mlx.core.full"):
            self._check_full(node)
        else:
            self._check_at_set(node)

    def visit_BinaryOperation(self, node: cst.BinaryOperation) -> None:
        """An additive mask built by arithmetic: `(1 - m) * -1e9`, `m * -inf`."""
        if not isinstance(node.operator, cst.Multiply):
            return
        for constant, other in ((node.right, node.left), (node.left, node.right)):
            value = self._sentinel_value(constant)
            if value is not None and self._may_be_mask(other):
                self._report(
                    constant,
                    value,
                    "in a mask built by arithmetic: where the mask is 0 the product "
                    + ("is 0 * -inf = NaN" if math.isinf(value) else "is 0 * -inf = NaN in float16"),
                    None,
                )
                return

    def _may_be_mask(self, node: cst.BaseExpression) -> bool:
        """An operand that can be a mask: an MLX array, or a value of unknown kind that
        is no NumPy/PyTorch call (a mask parameter without annotation)."""
        if self.names.is_array(node):
            return True
        if self.names.value_kind(node) is not ValueKind.UNKNOWN or self.names.constant(node) is not None:
            return False
        return not self._foreign(node)

    def _foreign(self, node: cst.BaseExpression) -> bool:
        """Rooted in a NumPy, PyTorch or JAX call or attribute (`np.ones(n)`, `t.float()`)."""
        current: cst.CSTNode = node
        while True:
            if isinstance(current, (cst.Name, cst.Attribute)):
                qualified = self.names.qualified_names(current)
                if any(name.startswith(FOREIGN_MODULES) for name in qualified):
                    return True
            if isinstance(current, cst.Call):
                current = current.func
            elif isinstance(current, (cst.Attribute, cst.Subscript)):
                current = current.value
            elif isinstance(current, cst.BinaryOperation):
                return self._foreign(current.left) or self._foreign(current.right)
            elif isinstance(current, cst.UnaryOperation):
                current = current.expression
            else:
                return False

    def _check_where(self, node: cst.Call) -> None:
        branches = [_argument(node, 1, "x"), _argument(node, 2, "y")]
        if None in branches:
            return
        for fill, other in ((branches[0], branches[1]), (branches[1], branches[0])):
            anchor = self.names.dtype_anchor(other.value)
            cast = self._cast_target(node)
            if anchor is not None and cast is None:
                dtype = _dtype_of(anchor)
            else:
                dtype = cast if anchor is None else None
            if self._only_ranked(node):
                return
            self._check_fill(fill.value, dtype)

    def _check_full(self, node: cst.Call) -> None:
        fill = _argument(node, 1, "vals")
        if fill is None:
            return
        dtype = _argument(node, 2, "dtype")
        if self._only_ranked(node) or self._running_maximum_seed(node):
            return
        self._check_fill(fill.value, None if dtype is None else dtype.value)

    def _check_at_set(self, node: cst.Call) -> None:
        """`x.at[index].set(-inf)` on an MLX array `x`."""
        func = node.func
        if not (
            isinstance(func, cst.Attribute)
            and func.attr.value == "set"
            and isinstance(func.value, cst.Subscript)
            and isinstance(func.value.value, cst.Attribute)
            and func.value.value.attr.value == "at"
            and self.names.is_array(func.value.value.value)
            and len(node.args) == 1
        ):
            return
        target = func.value.value.value
        anchor = self.names.dtype_anchor(target)
        self._check_fill(node.args[0].value, None if anchor is None else _dtype_of(anchor))

    def _running_maximum_seed(self, full: cst.Call) -> bool:
        """`m = mx.full(shape, -inf)` later replaced by `mx.maximum(m, x)` (directly or
        through a name): -inf is the identity of the maximum, masks nothing, and is gone as
        soon as one finite `x` arrives; an infinite `x` comes from elsewhere."""
        target = self._sole_assignment_target(full)
        scope = self.names.scope(full)
        if target is None or scope is None:
            return False
        maxima: set[str] = set()
        for node in patterns.execution_order(scope.node):
            if not (isinstance(node, cst.Assign) and len(node.targets) == 1 and isinstance(node.targets[0].target, cst.Name)):
                continue
            name, value = node.targets[0].target.value, node.value
            running = self.names.is_mlx_call(value, "mlx.core.maximum") and any(
                isinstance(arg.value, cst.Name) and arg.value.value == target.value for arg in value.args
            )
            if name == target.value and (running or (isinstance(value, cst.Name) and value.value in maxima)):
                return True
            if running:
                maxima.add(name)
        return False

    def _only_ranked(self, filled: cst.BaseExpression) -> bool:
        """Every use of the filled array only ranks or compares it (`argpartition`,
        `topk`, `argmax`, `x > t`) or exponentiates it unshifted, directly or after
        reshapes, concatenations, `where`s and max/min reductions: -inf then sorts
        last or becomes 0, and never NaN."""
        uses = self._uses(filled)
        return bool(uses) and all(self._ranked(use, 0) for use in uses)

    def _ranked(self, node: cst.BaseExpression, depth: int) -> bool:
        if depth > MAX_FOLLOW:
            return False
        parent = self.names.parent(node)
        if isinstance(parent, cst.UnaryOperation) and isinstance(parent.operator, cst.Minus):
            node, parent = parent, self.names.parent(parent)
        if isinstance(parent, (cst.Comparison, cst.ComparisonTarget)):
            return True
        if isinstance(parent, cst.Assign) and parent.value is node:
            return self._sole_assignment_target(node) is not None and self._all_ranked(node, depth)
        if isinstance(parent, cst.Element):
            sequence = self.names.parent(parent)
            arg = self.names.parent(sequence)
            if isinstance(sequence, cst.Tuple) and isinstance(arg, cst.Return):
                return self._returned_element_ranked(sequence, sequence.elements.index(parent), depth)
            if not (isinstance(sequence, (cst.List, cst.Tuple)) and isinstance(arg, cst.Arg)):
                return False
            node, parent = sequence, arg
        if isinstance(parent, (cst.ListComp, cst.GeneratorExp)) and parent.elt is node:
            node, parent = parent, self.names.parent(parent)
        if isinstance(parent, cst.Return) and parent.value is node:
            calls = self._calls_of_enclosing_function(parent)
            return bool(calls) and all(self._ranked(call, depth + 1) for call in calls)
        if isinstance(parent, cst.Subscript) and parent.value is node:
            return self._all_ranked(parent, depth)
        if isinstance(parent, cst.Attribute) and parent.value is node:
            call = self.names.parent(parent)
            if not (isinstance(call, cst.Call) and call.func is parent):
                return False
            if parent.attr.value in SELECTIONS:
                return True
            return parent.attr.value in PASS_THROUGH and self._all_ranked(call, depth)
        if isinstance(parent, cst.Arg) and parent.value is node and parent.keyword is None:
            call = self.names.parent(parent)
            if not isinstance(call, cst.Call):
                return False
            function = self.names.mlx_call_name(call) or ""
            short = function.removeprefix("mlx.core.")
            if short in SELECTIONS or short == "exp":
                return call.args[0] is parent  # exp(-inf) is 0: no NaN without a max shift
            if short == "where" and call.args[0] is parent:
                return True  # a condition: only compared
            if short in PASS_THROUGH:
                return self._all_ranked(call, depth)
            parameter = self._parameter_bound(call, parent)
            return parameter is not None and self._all_ranked_reads(parameter, call, depth)
        return False

    def _local_function(self, call: cst.Call) -> cst.FunctionDef | None:
        """The plain function (no method) defined in this module that `call` calls."""
        if not isinstance(call.func, cst.Name):
            return None
        found = self.names.bindings(call.func)
        if len(found) != 1 or found[0].kind is not BindingKind.FUNCTION or found[0].scope.kind is ScopeKind.CLASS:
            return None
        return found[0].node

    def _parameter_bound(self, call: cst.Call, arg: cst.Arg) -> cst.Param | None:
        """The parameter of a function defined in this module that `arg` binds."""
        function = self._local_function(call)
        if function is None or patterns.has_star_args(call):
            return None
        parameters = [*function.params.posonly_params, *function.params.params]
        if arg.keyword is None:
            position = call.args.index(arg)
            return parameters[position] if position < len(parameters) else None
        named = [*parameters, *function.params.kwonly_params]
        return next((param for param in named if param.name.value == arg.keyword.value), None)

    def _all_ranked_reads(self, parameter: cst.Param, call: cst.Call, depth: int) -> bool:
        """Every read of `parameter` ranks; what the function returns is followed at `call`."""
        binding = self.names.binding_of(parameter)
        reads = [] if binding is None else [read for read in self.names.references(binding) if self._is_value_read(read)]
        self._call_sites.append(call)
        try:
            return bool(reads) and all(self._ranked(read, depth + 1) for read in reads)
        finally:
            self._call_sites.pop()

    def _calls_of_enclosing_function(self, statement: cst.CSTNode) -> list[cst.Call]:
        """The calls in this module of the plain function `statement` returns from;
        empty for a method, or a function never called here (its callers are unknown)."""
        scope = self.names.scope(statement)
        if scope is None or scope.kind is not ScopeKind.FUNCTION or not isinstance(scope.node, cst.FunctionDef):
            return []
        binding = self.names.binding_of(scope.node)
        if binding is None or binding.scope.kind is ScopeKind.CLASS:
            return []
        if self._call_sites and self._local_function(self._call_sites[-1]) is scope.node:
            return [self._call_sites[-1]]  # entered through this call: its result is what matters
        calls = []
        for reference in self.names.references(binding):
            call = self.names.parent(reference)
            if not (isinstance(call, cst.Call) and call.func is reference):
                return []  # passed on as a value: its callers are unknown
            calls.append(call)
        return calls

    def _returned_element_ranked(self, returned: cst.Tuple, position: int, depth: int) -> bool:
        """Element `position` of a returned tuple, followed into every caller that unpacks it;
        an element unpacked into a name that is never read is discarded."""
        calls = self._calls_of_enclosing_function(returned)
        if not calls:
            return False
        for call in calls:
            statement = self.names.parent(call)
            if not (isinstance(statement, cst.Assign) and statement.value is call and len(statement.targets) == 1):
                return False
            target = statement.targets[0].target
            if not isinstance(target, cst.Tuple) or len(target.elements) != len(returned.elements):
                return False
            name = target.elements[position].value
            if not isinstance(name, cst.Name):
                return False
            reads = self._later_reads(statement, name.value)
            if not all(self._ranked(read, depth + 1) for read in reads):
                return False
        return True

    def _all_ranked(self, result: cst.BaseExpression, depth: int) -> bool:
        uses = self._uses(result)
        return bool(uses) and all(self._ranked(use, depth + 1) for use in uses)

    def _uses(self, value: cst.BaseExpression) -> list[cst.BaseExpression]:
        """The expressions that read `value`: itself when it is used in place, else the
        reads of the name it is assigned to, after the assignment and up to (and in)
        the name's next assignment."""
        target = self._sole_assignment_target(value)
        if target is None:
            return [value]
        statement = self.names.parent(self.names.parent(target))
        return self._later_reads(statement, target.value)

    def _later_reads(self, statement: cst.CSTNode, name: str) -> list[cst.BaseExpression]:
        scope = self.names.scope(statement)
        order = patterns.execution_order(scope.node if scope is not None else self.context.module)
        inside = set(patterns.execution_order(statement))
        reads: list[cst.BaseExpression] = []
        rebinding: cst.Assign | None = None
        for node in order[order.index(statement) :]:
            if node in inside:
                continue
            if rebinding is not None and node is rebinding.targets[0]:
                break  # the rebinding's value has been read; the old value ends here
            if isinstance(node, cst.Assign) and any(
                isinstance(target.target, cst.Name) and target.target.value == name for target in node.targets
            ):
                rebinding = node
            if isinstance(node, cst.Name) and node.value == name and self._is_value_read(node):
                reads.append(node)
        return reads

    def _is_value_read(self, node: cst.Name) -> bool:
        parent = self.names.parent(node)
        unpacked: cst.CSTNode = node
        while isinstance(parent, (cst.Element, cst.StarredElement, cst.Tuple, cst.List)):
            unpacked, parent = parent, self.names.parent(parent)
        if unpacked is not node and isinstance(parent, (cst.AssignTarget, cst.For)):
            return parent.target is not unpacked  # a name unpacked into, not read
        if isinstance(parent, cst.Attribute):
            return parent.value is node and parent.attr.value not in METADATA
        if isinstance(parent, (cst.AssignTarget, cst.Param)) or (
            isinstance(parent, (cst.AugAssign, cst.AnnAssign)) and parent.target is node
        ):
            return False
        return not isinstance(parent, cst.Arg) or parent.keyword is not node

    def _cast_target(self, call: cst.Call) -> cst.BaseExpression | None:
        """D when the call's result is cast at once: `mx.where(...).astype(D)`."""
        attribute = self.names.parent(call)
        if not (isinstance(attribute, cst.Attribute) and attribute.value is call and attribute.attr.value == "astype"):
            return None
        cast = self.names.parent(attribute)
        if not isinstance(cast, cst.Call) or cast.func is not attribute:
            return None
        dtype = _argument(cast, 0, "dtype")
        return None if dtype is None else dtype.value

    def _sentinel_value(self, node: cst.BaseExpression) -> float | None:
        """The value when it is -inf or overflows float16 to -inf, also wrapped in
        `mx.array(...)`. Positive fills (`inf` seeding a running minimum) are not masks."""
        if self.names.is_mlx_call(node, "mlx.core.array") and node.args:
            node = node.args[0].value
        if self._made_by_full(node):
            return None  # reported where `mx.full` fills it
        value = self.names.float_value(node)
        if value is None or math.isnan(value) or value > -FLOAT16_OVERFLOW:
            return None
        return value

    def _made_by_full(self, node: cst.BaseExpression) -> bool:
        """An `mx.full(...)` call, or a name every value of which is one."""
        if isinstance(node, cst.Name):
            values = self.names.name_values(node)
            return bool(values) and all(self._made_by_full(value) for value in values)
        return self.names.is_mlx_call(node, "mlx.core.full")

    def _sole_assignment_target(self, value: cst.CSTNode) -> cst.Name | None:
        statement = self.names.parent(value)
        if isinstance(statement, cst.Assign) and statement.value is value and len(statement.targets) == 1:
            target = statement.targets[0].target
            return target if isinstance(target, cst.Name) else None
        return None

    def _check_fill(
        self, fill: cst.BaseExpression, dtype: cst.BaseExpression | None
    ) -> None:
        if self.names.is_mlx_call(fill, "mlx.core.array") and fill.args:
            # `mx.array(-inf, dtype)`: the array's own dtype bounds the fill.
            own_dtype = _argument(fill, 1, "dtype")
            if own_dtype is not None:
                fill, dtype = fill.args[0].value, own_dtype.value
            else:
                fill = fill.args[0].value
        value = self._sentinel_value(fill)
        if value is None:
            return
        self._report(fill, value, "as a mask fill: softmax of a fully masked row is NaN", dtype)

    def _report(
        self,
        fill: cst.BaseExpression,
        value: float,
        consequence: str,
        dtype: cst.BaseExpression | None,
    ) -> None:
        """Report `fill`, fixed to `finfo(dtype).min`, or to float16's minimum (-65504,
        finite in every float dtype) when no dtype is in reach."""
        kind = "-inf" if math.isinf(value) else f"{value:g}, -inf in float16,"
        if dtype is None:
            core, _ = self.names.core_reference(self.context.module)
            dtype = cst.Attribute(core, cst.Name("float16"))
            advice = "use `finfo(float16).min`, finite in every float dtype"
        else:
            advice = "use the dtype's finite `finfo(...).min`"
        finfo, imports = self.names.finfo_attribute(self.context.module, dtype, "min")
        replacement = finfo.with_changes(lpar=fill.lpar, rpar=fill.rpar)
        self.report(
            fill,
            f"{kind} {consequence}; {advice}",
            replacement=replacement,
            imports=imports,
        )

