"""Name resolution and array inference for MLX code, on libcst metadata.

Everything here answers questions through libcst's `ScopeProvider` and the
qualified names it computes (what `QualifiedNameProvider` serves), never by
matching source text, so `import mlx.core as mx`, `import mlx.core`,
`from mlx import core as mx` and `from mlx.core import where` all resolve to
the same qualified names, and `np.where` / `torch.rsqrt` never do.

A value counts as an MLX array when it is
- the result of an `mlx.core` / `mlx.nn` function call (not a class, dtype or utility),
- a method call, subscript or arithmetic on an MLX array,
- a name assigned from one of those in the same scope, or
- a parameter annotated `mx.array`.

It also evaluates Python float constants statically (`float_value`: literals,
`float("-inf")`, `math.inf` / `np.inf` / `mx.inf`, names bound only to those)
and builds the typed replacements rules share (`typed_scalar`, `finfo_attribute`).
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping

import libcst as cst
from libcst.metadata import (
    Assignment,
    BaseAssignment,
    MetadataWrapper,
    Scope,
    ScopeProvider,
)

from emberlint.tree import walk

MLX_CORE = "mlx.core"
MLX_NN = "mlx.nn"
ARRAY_TYPE = "mlx.core.array"

# Lower-case `mlx.core` / `mlx.nn` callables that do not return an array.
NON_ARRAY_FUNCTIONS = frozenset(
    f"{MLX_CORE}.{name}"
    for name in (
        "finfo", "iinfo", "eval", "async_eval", "compile", "disable_compile",
        "enable_compile", "grad", "value_and_grad", "vjp", "jvp", "vmap",
        "checkpoint", "custom_function", "default_device", "set_default_device",
        "default_stream", "set_default_stream", "new_stream", "stream", "device",
        "save", "savez", "savez_compressed", "save_safetensors", "save_gguf",
        "load", "export_function", "import_function", "issubdtype",
        "set_cache_limit", "set_memory_limit", "set_wired_limit", "get_active_memory",
        "get_peak_memory", "get_cache_memory", "clear_cache", "reset_peak_memory",
        "synchronize", "broadcast_shapes",
    )
) | frozenset(
    f"{MLX_NN}.{name}"
    for name in ("value_and_grad", "quantize", "average_gradients")
)

# Array methods that do not return an array.
NON_ARRAY_METHODS = frozenset({"item", "tolist", "__len__"})

# Module constants that are IEEE infinities, by qualified name.
POSITIVE_INFINITIES = frozenset(
    {"math.inf", "numpy.inf", "numpy.Inf", "numpy.Infinity", "numpy.PINF", "mlx.core.inf", "torch.inf"}
)
NEGATIVE_INFINITIES = frozenset({"numpy.NINF"})

# Measured on MLX 0.32: float16 rounds |v| >= 65520 to inf and |v| <= 2**-25 to 0.
FLOAT16_OVERFLOW = 65520.0
FLOAT16_UNDERFLOW = 2.0**-25


class MlxNames:
    """Answers 'what is this expression?' for one parsed module."""

    def __init__(
        self,
        scopes: Mapping[cst.CSTNode, Scope | None],
        parents: Mapping[cst.CSTNode, cst.CSTNode],
    ) -> None:
        self._scopes = scopes
        self._parents = parents
        self._qualified_cache: dict[cst.CSTNode, set[str]] = {}
        self._array_cache: dict[cst.CSTNode, bool] = {}
        self._resolving: set[tuple[Scope, str]] = set()

    @classmethod
    def for_module(cls, module: cst.Module) -> tuple[MlxNames, list[cst.CSTNode]]:
        """Resolve scopes and parents for `module`; also returns its nodes in visiting order."""
        scopes = MetadataWrapper(module, unsafe_skip_copy=True).resolve(ScopeProvider)
        order, parents = walk(module)
        return cls(scopes, parents), order

    # -- metadata access -------------------------------------------------

    def qualified_names(self, node: cst.CSTNode) -> set[str]:
        """What `QualifiedNameProvider` gives for `node`, computed only when asked.

        (The provider stores exactly `scope.get_qualified_names_for(node)` lazily
        for every node; calling it on demand skips a full tree pass.)
        """
        cached = self._qualified_cache.get(node)
        if cached is None:
            scope = self._scopes.get(node)
            cached = (
                {qualified.name for qualified in scope.get_qualified_names_for(node)}
                if scope is not None
                else set()
            )
            self._qualified_cache[node] = cached
        return cached

    def parent(self, node: cst.CSTNode) -> cst.CSTNode | None:
        return self._parents.get(node)

    def scope(self, node: cst.CSTNode):
        return self._scopes.get(node)

    def bindings(self, node: cst.Name) -> list[BaseAssignment]:
        """Every binding of the name in the scope it is read in (libcst's `scope[name]`);
        empty when the name is bound nowhere there."""
        scope = self.scope(node)
        if scope is None or node.value not in scope:
            return []
        return list(scope[node.value])

    # -- what a name or call is -----------------------------------------

    def resolves_to(self, node: cst.CSTNode, *names: str) -> bool:
        """True when `node` (a Name or Attribute) is one of the qualified `names`.

        Every binding must agree: after `import mlx.core as mx` and `mx = np` in
        the same scope, `mx.where` may be NumPy's and resolves to nothing.
        """
        qualified = self.qualified_names(node)
        return bool(qualified) and qualified.issubset(names)

    def mlx_name(self, node: cst.CSTNode) -> str | None:
        """The `mlx.core.*` / `mlx.nn.*` qualified name of `node`, if it has only such names."""
        qualified = self.qualified_names(node)
        if qualified and all(name.startswith((MLX_CORE + ".", MLX_NN + ".")) for name in qualified):
            return min(qualified)
        return None

    def mlx_call_name(self, node: cst.CSTNode) -> str | None:
        """The qualified name of the MLX function `node` calls, if it is such a call."""
        if isinstance(node, cst.Call):
            return self.mlx_name(node.func)
        return None

    def is_mlx_call(self, node: cst.CSTNode, *names: str) -> bool:
        return isinstance(node, cst.Call) and self.resolves_to(node.func, *names)

    # -- array inference --------------------------------------------------

    def is_array(self, node: cst.CSTNode) -> bool:
        """True when `node` is known to evaluate to an MLX array."""
        cached = self._array_cache.get(node)
        if cached is not None:
            return cached
        result = self._infer_array(node)
        if not self._resolving:
            # Results reached while a name's own rebinding (`x = x * s`) was assumed
            # to be an array are only final once that name is resolved.
            self._array_cache[node] = result
        return result

    def _infer_array(self, node: cst.CSTNode) -> bool:
        if isinstance(node, cst.Call):
            name = self.mlx_name(node.func)
            if name is not None:
                return _returns_array(name)
            if isinstance(node.func, cst.Attribute):
                return (
                    node.func.attr.value not in NON_ARRAY_METHODS
                    and self.is_array(node.func.value)
                )
            return False
        if isinstance(node, cst.BinaryOperation):
            return self.is_array(node.left) or self.is_array(node.right)
        if isinstance(node, cst.UnaryOperation):
            return not isinstance(node.operator, cst.Not) and self.is_array(node.expression)
        if isinstance(node, cst.Subscript):
            return self.is_array(node.value)
        if isinstance(node, cst.Attribute) and node.attr.value in ("T", "real", "imag"):
            return self.is_array(node.value)
        if isinstance(node, cst.IfExp):
            return self.is_array(node.body) and self.is_array(node.orelse)
        if isinstance(node, cst.Name):
            return self._name_is_array(node)
        return False

    def _name_is_array(self, node: cst.Name) -> bool:
        bindings = self.bindings(node)
        if not bindings:
            return False
        key = (self.scope(node), node.value)
        if key in self._resolving:
            # A rebinding from itself (`x = x * scale`): it is an array exactly
            # when the name's other bindings are, which the outer call decides.
            return True
        assignments = [binding for binding in bindings if isinstance(binding, Assignment)]
        self._resolving.add(key)
        try:
            return bool(assignments) and all(
                self._assignment_is_array(assignment) for assignment in assignments
            )
        finally:
            self._resolving.discard(key)

    def _assignment_is_array(self, assignment: Assignment) -> bool:
        target = assignment.node
        if isinstance(target, cst.Param):
            annotation = target.annotation
            return annotation is not None and self.resolves_to(
                annotation.annotation, ARRAY_TYPE
            )
        value = self.assigned_value(target)
        return value is not None and self.is_array(value)

    def assigned_value(self, target: cst.CSTNode) -> cst.BaseExpression | None:
        """The expression assigned to a plain name target (`x = value`, `x: T = value`)."""
        parent = self.parent(target)
        if isinstance(parent, cst.AssignTarget):
            statement = self.parent(parent)
            if isinstance(statement, cst.Assign) and len(statement.targets) == 1:
                return statement.value
        if isinstance(parent, (cst.AnnAssign, cst.AugAssign)) and parent.target is target:
            if isinstance(parent, cst.AugAssign):
                return cst.BinaryOperation(
                    left=target, operator=cst.Add(), right=parent.value
                ) if self.is_array(parent.value) else None
            return parent.value
        return None

    def name_values(self, node: cst.Name) -> list[cst.BaseExpression]:
        """Every value a name may hold in its scope: assigned values and parameter defaults.

        Empty when any binding is not a plain assignment (a loop target, an import, ...).
        """
        values: list[cst.BaseExpression] = []
        for assignment in self.bindings(node):
            if not isinstance(assignment, Assignment):
                return []
            target = assignment.node
            if isinstance(target, cst.Param):
                if target.default is None:
                    return []
                values.append(target.default)
                continue
            value = self.assigned_value(target)
            if value is None:
                return []
            values.append(value)
        return values

    # -- Python float constants ---------------------------------------------

    def float_value(self, node: cst.CSTNode) -> float | None:
        """The value of an expression that is statically a Python float, else None.

        Float literals, `+`/`-` on them, `float("inf")`-style calls, infinity
        constants (`math.inf`, `np.inf`, `mx.inf`, ...), and names every binding of
        which is one of those with the same value. Integers are not floats here.
        """
        return self._float_value(node, frozenset())

    def _float_value(self, node: cst.CSTNode, seen: frozenset[cst.CSTNode]) -> float | None:
        if isinstance(node, cst.Float):
            return float(node.value.replace("_", ""))
        if isinstance(node, cst.UnaryOperation) and isinstance(node.operator, (cst.Minus, cst.Plus)):
            value = self._float_value(node.expression, seen)
            if value is None:
                return None
            return -value if isinstance(node.operator, cst.Minus) else value
        if isinstance(node, cst.Call):
            return self._float_call_value(node)
        if isinstance(node, (cst.Name, cst.Attribute)):
            if self.resolves_to(node, *POSITIVE_INFINITIES):
                return float("inf")
            if self.resolves_to(node, *NEGATIVE_INFINITIES):
                return float("-inf")
        if isinstance(node, cst.Name) and node not in seen:
            values = {self._float_value(value, seen | {node}) for value in self.name_values(node)}
            if len(values) == 1:
                return values.pop()
        return None

    def _float_call_value(self, node: cst.Call) -> float | None:
        """`float("-inf")`, `float('1e-8')`: a builtin float of one string literal."""
        if not self.resolves_to(node.func, "builtins.float") or len(node.args) != 1:
            return None
        argument = node.args[0]
        if argument.keyword is not None or argument.star or not isinstance(argument.value, cst.SimpleString):
            return None
        try:
            return float(argument.value.evaluated_value)
        except (TypeError, ValueError):
            return None

    def is_float_param(self, node: cst.CSTNode) -> bool:
        """True for a name that is only bound as a parameter annotated `float`."""
        if not isinstance(node, cst.Name):
            return False
        assignments = self.bindings(node)
        return bool(assignments) and all(
            isinstance(assignment, Assignment)
            and isinstance(assignment.node, cst.Param)
            and assignment.node.annotation is not None
            and self.resolves_to(assignment.node.annotation.annotation, "builtins.float")
            for assignment in assignments
        )

    def dtype_anchor(self, node: cst.CSTNode) -> cst.BaseExpression | None:
        """The simplest array-valued Name or attribute chain inside `node`.

        Used to write `mx.array(c, dtype=<anchor>.dtype)`: a plain name keeps the
        fixed code readable and never re-evaluates an expression.
        """
        for candidate in _simple_operands(node):
            if self.is_array(candidate):
                return candidate
        return None

    # -- writing replacements --------------------------------------------

    def core_reference(self, module: cst.Module) -> tuple[cst.BaseExpression, tuple[str, ...]]:
        """An expression naming `mlx.core` in this module, and the import it needs.

        Reuses the module's own binding (`mx`, `mlx.core`, `core`, ...); adds
        `import mlx.core as mx` only when the module has none.
        """
        for statement in module.body:
            reference = _core_binding(statement)
            if reference is not None:
                return reference, ()
        return cst.Name("mx"), ("import mlx.core as mx",)

    def typed_scalar(
        self, module: cst.Module, value: cst.BaseExpression, anchor: cst.BaseExpression
    ) -> tuple[cst.Call, tuple[str, ...]]:
        """`mx.array(<value>, dtype=<anchor>.dtype)`, keeping `value`'s parentheses outside."""
        core, imports = self.core_reference(module)
        call = cst.Call(
            func=cst.Attribute(value=core, attr=cst.Name("array")),
            args=[
                cst.Arg(value.with_changes(lpar=[], rpar=[]).deep_clone()),
                cst.Arg(
                    cst.Attribute(value=anchor.deep_clone(), attr=cst.Name("dtype")),
                    keyword=cst.Name("dtype"),
                    equal=cst.AssignEqual(
                        whitespace_before=cst.SimpleWhitespace(""),
                        whitespace_after=cst.SimpleWhitespace(""),
                    ),
                ),
            ],
            lpar=value.lpar,
            rpar=value.rpar,
        )
        return call, imports

    def finfo_attribute(
        self, module: cst.Module, dtype: cst.BaseExpression, attribute: str
    ) -> tuple[cst.Attribute, tuple[str, ...]]:
        """`mx.finfo(<dtype>).<attribute>`."""
        core, imports = self.core_reference(module)
        finfo = cst.Call(
            func=cst.Attribute(value=core, attr=cst.Name("finfo")),
            args=[cst.Arg(dtype.deep_clone())],
        )
        return cst.Attribute(value=finfo, attr=cst.Name(attribute)), imports

    def nn_reference(self, module: cst.Module) -> tuple[cst.BaseExpression, tuple[str, ...]]:
        """Like `core_reference`, for `mlx.nn` (adds `import mlx.nn as nn` if needed)."""
        for statement in module.body:
            reference = _nn_binding(statement)
            if reference is not None:
                return reference, ()
        return cst.Name("nn"), ("import mlx.nn as nn",)


def _returns_array(qualified_name: str) -> bool:
    if qualified_name in NON_ARRAY_FUNCTIONS:
        return False
    last = qualified_name.rsplit(".", 1)[-1]
    if not last or last[0].isupper():  # classes: nn.Linear, mx.Dtype, ...
        return False
    submodule = qualified_name.split(".")[2] if qualified_name.count(".") >= 3 else ""
    return submodule not in ("metal", "cuda", "distributed", "init", "losses_utils")


def _simple_operands(node: cst.CSTNode) -> Iterator[cst.BaseExpression]:
    """Names and attribute chains inside `node`, shallowest and leftmost first."""
    queue: list[cst.CSTNode] = [node]
    while queue:
        current = queue.pop(0)
        if isinstance(current, (cst.Name, cst.Attribute)) and dotted(current):
            yield current
            continue
        if isinstance(current, cst.Call):
            queue.extend(arg.value for arg in current.args)
            continue
        queue.extend(current.children)


def dotted(node: cst.CSTNode) -> str | None:
    """`a.b.c` for a Name or attribute chain, else None."""
    if isinstance(node, cst.Name):
        return node.value
    if isinstance(node, cst.Attribute):
        base = dotted(node.value)
        return None if base is None else f"{base}.{node.attr.value}"
    return None


def _core_binding(statement: cst.CSTNode) -> cst.BaseExpression | None:
    return _module_binding(statement, "mlx", "core")


def _nn_binding(statement: cst.CSTNode) -> cst.BaseExpression | None:
    return _module_binding(statement, "mlx", "nn")


def _module_binding(statement: cst.CSTNode, package: str, name: str) -> cst.BaseExpression | None:
    """How a top-level import statement binds `package.name`, if it does."""
    if not isinstance(statement, cst.SimpleStatementLine):
        return None
    for small in statement.body:
        if isinstance(small, cst.Import):
            for alias in small.names:
                if dotted(alias.name) == f"{package}.{name}":
                    return (alias.asname.name if alias.asname else alias.name).deep_clone()
        elif (
            isinstance(small, cst.ImportFrom)
            and not small.relative
            and small.module is not None
            and dotted(small.module) == package
            and not isinstance(small.names, cst.ImportStar)
        ):
            for alias in small.names:
                if dotted(alias.name) == name:
                    return (alias.asname.name if alias.asname else alias.name).deep_clone()
    return None
