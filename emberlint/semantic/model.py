"""`SemanticModel`: what a name, a call or an expression *is*, for one module.

Built from the one walk in `scopes.build`; every question is answered lazily
and cached. See the package docstring for the public API and
`emberlint.semantic.values` for where the value facts are not exact.
"""

from __future__ import annotations

from collections.abc import Iterator

import libcst as cst

from emberlint.semantic.scopes import Binding, BindingKind, Scope, Walk, build, dotted
from emberlint.semantic.values import ValueFacts

MLX_CORE = "mlx.core"
MLX_NN = "mlx.nn"
ARRAY_TYPE = "mlx.core.array"

# Measured on MLX 0.32: float16 rounds |v| >= 65520 to inf and |v| <= 2**-25 to 0.
FLOAT16_OVERFLOW = 65520.0
FLOAT16_UNDERFLOW = 2.0**-25

VALUE_BINDINGS = (BindingKind.ASSIGNMENT, BindingKind.PARAMETER, BindingKind.AUGMENTED, BindingKind.WALRUS)


class SemanticModel(ValueFacts):
    """Answers 'what is this expression?' for one parsed module (rules see it as `self.names`)."""

    def __init__(self, walk: Walk) -> None:
        super().__init__()
        self._walk = walk
        # position in the visiting order by `id(node)`: built once, at C speed
        self._position = dict(zip(map(id, walk.order), range(len(walk.order))))
        self._qualified_cache: dict[int, frozenset[str]] = {}
        self._binding_of_node: dict[int, Binding] | None = None
        self._subtree_sizes: list[int] | None = None
        # the module's place in a project (`emberlint.semantic.project.attach`)
        self.project = None
        self.module_name: str | None = None
        self.package: str | None = None
        self.calls: list[cst.Call] | None = None  # every call of the module, once asked

    @classmethod
    def for_module(cls, module: cst.Module) -> tuple[SemanticModel, list[cst.CSTNode]]:
        """Walk `module` once; also returns its syntax nodes in visiting order."""
        walk = build(module)
        return cls(walk), walk.order

    def release(self) -> None:
        """Unlink bindings from their scopes, after the last question.

        Each scope holds its bindings and each binding its scope: a reference
        cycle through which the module scope keeps the whole tree alive until the
        cyclic garbage collector runs. Broken here, the tree and the model are
        freed by reference counting as soon as the linter drops them: a one-core
        run over the benchmark corpus took a third less time (1.64x -> 1.10x the
        bare parse), since the collector no longer traverses and frees every tree
        in the middle of the next parse. The model answers nothing reliably afterwards.
        """
        for binding in self._walk.bindings:
            binding.scope = None

    # -- structure ------------------------------------------------------------

    def parent(self, node: cst.CSTNode) -> cst.CSTNode | None:
        position = self._position.get(id(node))
        if position is None:
            return None
        parent = self._walk.parent_positions[position]
        return self._walk.order[parent] if parent >= 0 else None

    def scope(self, node: cst.CSTNode) -> Scope | None:
        """The scope `node` is evaluated in (None for a node outside this module)."""
        position = self._position.get(id(node))
        return None if position is None else self._walk.node_scopes[position]

    @property
    def nodes(self) -> list[cst.CSTNode]:
        """Every syntax node of the module, in visiting order."""
        return self._walk.order

    @property
    def module_scope(self) -> Scope:
        return self._walk.module_scope

    def module_binds(self, name: str) -> bool:
        """True when `name` is bound at module level (an import, a def, an assignment)."""
        return name in self._walk.module_scope.bindings

    def bindings(self, node: cst.Name) -> list[Binding]:
        """Every binding the name refers to where it is read (builtins included);
        empty when it is bound nowhere."""
        scope = self.scope(node)
        if scope is None:
            return []
        return scope.lookup(node.value)

    def lookup(self, at: cst.CSTNode, name: str) -> list[Binding]:
        """The bindings `name` would refer to if read where `at` stands."""
        scope = self.scope(at)
        return [] if scope is None else scope.lookup(name)

    def is_builtin(self, at: cst.CSTNode, name: str) -> bool:
        """True when `name`, read where `at` stands, is the builtin (nothing rebinds it)."""
        found = self.lookup(at, name)
        return bool(found) and all(binding.kind is BindingKind.BUILTIN for binding in found)

    def binding_of(self, node: cst.CSTNode) -> Binding | None:
        """The binding a binding node makes (a `Param`, an assignment's target `Name`, ...)."""
        if self._binding_of_node is None:
            self._binding_of_node = {id(binding.node): binding for binding in self._walk.bindings}
        return self._binding_of_node.get(id(node))

    def references(self, binding: Binding) -> list[cst.Name]:
        """The names that read `binding` (load context). A read can only stand inside
        the node that owns the binding's scope, so only that subtree is searched."""
        if binding.scope is None:
            return []
        self.binding_of(binding.scope.node)  # builds the binding-node index
        binding_nodes = self._binding_of_node
        start, end = self._subtree_range(binding.scope.node)
        order, scopes = self._walk.order, self._walk.node_scopes
        found = []
        for index in range(start, end):
            node = order[index]
            if (
                type(node) is cst.Name
                and node.value == binding.name
                and id(node) not in binding_nodes
                and _is_load(node, self.parent(node))
                and binding in scopes[index].lookup(node.value)
            ):
                found.append(node)
        return found

    def descendants(self, node: cst.CSTNode) -> list[cst.CSTNode]:
        """`node` and every syntax node below it, in visiting order (no layout nodes).

        A node built by a rule (not in the module) is walked through libcst's `children`.
        """
        start, end = self._subtree_range(node)
        if start == end:
            return list(_all_nodes(node))
        return self._walk.order[start:end]

    def _subtree_range(self, node: cst.CSTNode) -> tuple[int, int]:
        """The slice of the visiting order that is `node`'s subtree (pre-order)."""
        if self._subtree_sizes is None:
            parents = self._walk.parent_positions
            sizes = [1] * len(parents)
            for child in range(len(parents) - 1, 0, -1):
                sizes[parents[child]] += sizes[child]
            self._subtree_sizes = sizes
        start = self._position.get(id(node))
        if start is None:
            return 0, 0
        return start, start + self._subtree_sizes[start]

    # -- qualified names ------------------------------------------------------------

    def qualified_names(self, node: cst.CSTNode) -> set[str]:
        """The qualified names a Name, attribute chain or call's callee may stand for.

        `mlx.core.where` for `mx.where` after `import mlx.core as mx`; `builtins.max`
        for an unbound `max`; for a name bound in the module itself, its dotted
        place (`f.<locals>.x`, `Block.scale`), so that it never matches a library's.
        One name per binding the reference may see.
        """
        return set(self._qualified_frozen(node))

    def _qualify(self, node: cst.CSTNode) -> Iterator[str]:
        if isinstance(node, cst.Call):
            node = node.func
        full = dotted(node)
        if full is None:
            return
        head = node
        while isinstance(head, cst.Attribute):
            head = head.value
        _, _, rest = full.partition(".")
        suffix = f".{rest}" if rest else ""
        for binding in self.bindings(head):
            if binding.imported is not None:
                yield binding.imported + suffix
            elif binding.kind is not BindingKind.DELETION:
                yield binding.scope.qualified_prefix + full

    def resolves_to(self, node: cst.CSTNode, *names: str) -> bool:
        """True when `node` (a Name or Attribute) is one of the qualified `names`.

        Every binding must agree: after `import mlx.core as mx` and `mx = np` in
        the same scope, `mx.where` may be NumPy's and resolves to nothing.
        """
        qualified = self._qualified_frozen(node)
        return bool(qualified) and qualified.issubset(names)

    def _qualified_frozen(self, node: cst.CSTNode) -> frozenset[str]:
        key = id(node)
        cached = self._qualified_cache.get(key)
        if cached is None:
            cached = frozenset(self._qualify(node))
            if key in self._position:  # only nodes of the module live as long as the cache
                self._qualified_cache[key] = cached
        return cached

    def qualified_name(self, node: cst.CSTNode) -> str | None:
        """The one qualified name of `node` when every binding agrees on it."""
        qualified = self._qualified_frozen(node)
        if len(qualified) == 1:
            return next(iter(qualified))
        return None

    def mlx_name(self, node: cst.CSTNode) -> str | None:
        """The `mlx.core.*` / `mlx.nn.*` qualified name of `node`, if it has only such names."""
        qualified = self._qualified_frozen(node)
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

    # -- assigned values ------------------------------------------------------------

    def assigned_value(self, target: cst.CSTNode) -> cst.BaseExpression | None:
        """The expression assigned to a plain name target (`x = value`, `x: T = value`,
        `a, b = u, v` element by element)."""
        parent = self.parent(target)
        if isinstance(parent, cst.AssignTarget):
            statement = self.parent(parent)
            if isinstance(statement, cst.Assign) and len(statement.targets) == 1:
                return statement.value
        if isinstance(parent, cst.Element):
            return self._unpacked_value(target, parent)
        if isinstance(parent, cst.NamedExpr) and parent.target is target:
            return parent.value
        if isinstance(parent, (cst.AnnAssign, cst.AugAssign)) and parent.target is target:
            if isinstance(parent, cst.AugAssign):
                return cst.BinaryOperation(
                    left=target, operator=cst.Add(), right=parent.value
                ) if self.is_array(parent.value) else None
            return parent.value
        return None

    def _unpacked_value(self, target: cst.CSTNode, element: cst.Element) -> cst.BaseExpression | None:
        """`u` for `a` in `a, b = u, v` (same length, no starred element on either side)."""
        sequence = self.parent(element)
        if not isinstance(sequence, (cst.Tuple, cst.List)):
            return None
        value = self.assigned_value(sequence)
        if not isinstance(value, (cst.Tuple, cst.List)) or len(value.elements) != len(sequence.elements):
            return None
        if any(isinstance(item, cst.StarredElement) for item in (*value.elements, *sequence.elements)):
            return None
        return value.elements[sequence.elements.index(element)].value

    def name_values(self, node: cst.Name) -> list[cst.BaseExpression]:
        """Every value a name may hold in its scope: assigned values and parameter defaults.

        Empty when any binding is not a plain assignment (a loop target, an import, ...).
        `del` holds no value and is skipped.
        """
        values: list[cst.BaseExpression] = []
        for binding in self.bindings(node):
            if binding.kind is BindingKind.DELETION:
                continue
            if binding.kind not in VALUE_BINDINGS:
                return []
            target = binding.node
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

    def is_float_param(self, node: cst.CSTNode) -> bool:
        """True for a name that is only bound as a parameter annotated `float`."""
        if not isinstance(node, cst.Name):
            return False
        found = self.bindings(node)
        return bool(found) and all(
            binding.kind is BindingKind.PARAMETER
            and binding.node.annotation is not None
            and self.resolves_to(binding.node.annotation.annotation, "builtins.float")
            for binding in found
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

    # -- writing replacements -------------------------------------------------------

    def core_reference(self, module: cst.Module) -> tuple[cst.BaseExpression, tuple[str, ...]]:
        """An expression naming `mlx.core` in this module, and the import it needs.

        Reuses the module's own binding (`mx`, `mlx.core`, `core`, ...); adds
        `import mlx.core as mx` only when the module has none.
        """
        reference = self._module_reference(MLX_CORE)
        if reference is not None:
            return reference, ()
        return cst.Name("mx"), ("import mlx.core as mx",)

    def nn_reference(self, module: cst.Module) -> tuple[cst.BaseExpression, tuple[str, ...]]:
        """Like `core_reference`, for `mlx.nn` (adds `import mlx.nn as nn` if needed)."""
        reference = self._module_reference(MLX_NN)
        if reference is not None:
            return reference, ()
        return cst.Name("nn"), ("import mlx.nn as nn",)

    def _module_reference(self, qualified: str) -> cst.BaseExpression | None:
        """How the module scope names `qualified` through one of its own imports, in
        import order: `mx` (`import mlx.core as mx`, `from mlx import core as mx`)
        or `mlx.core` (`import mlx.core`); only names every module binding agrees on."""
        scope = self._walk.module_scope
        for binding in self._walk.bindings:
            if binding.scope is not scope or binding.kind is not BindingKind.IMPORT:
                continue
            alias = binding.node
            if binding.imported == qualified:
                found = binding.name
            elif isinstance(self.parent(alias), cst.Import) and alias.asname is None and dotted(alias.name) == qualified:
                found = qualified
            else:
                continue
            if all(other.imported == binding.imported for other in scope.bindings.get(binding.name, ())):
                return cst.parse_expression(found)
        return None

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


def _is_load(name: cst.Name, parent: cst.CSTNode | None) -> bool:
    """False for a Name that is no read of a variable: an attribute's name, a keyword,
    an import's, a definition's or a `global` statement's name."""
    if isinstance(parent, cst.Attribute):
        return parent.attr is not name
    if isinstance(parent, cst.Arg):
        return parent.keyword is not name
    return not isinstance(
        parent,
        (cst.ImportAlias, cst.AsName, cst.FunctionDef, cst.ClassDef, cst.Param, cst.NameItem, cst.ImportFrom),
    )


def _all_nodes(node: cst.CSTNode) -> Iterator[cst.CSTNode]:
    stack = [node]
    while stack:
        current = stack.pop()
        yield current
        stack.extend(reversed(current.children))


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

