"""Scopes and bindings, built in the linter's one walk over a libcst tree.

The walk (`build`) visits every syntax node once, parents before children,
recording each node's parent and scope and, at the statements and expressions
that bind names, a `Binding` in the scope Python binds it in. Nothing is
resolved during the walk: a name is looked up (`Scope.lookup`) only when a rule
asks about it, after every binding of the module is known, which is what
makes the model flow-insensitive (a name read before a later assignment in a
function is still that function's local, as in Python).

Python's scoping rules, as implemented:
- module, class, function, lambda and comprehension scopes;
- a class body is skipped by the scopes nested in it (methods, comprehensions,
  lambdas do not see class variables), but not by its own statements;
- decorators, default values, annotations, base classes and the first
  iterable of a comprehension are evaluated in the enclosing scope;
- `global` / `nonlocal` send the scope's bindings of that name to the module
  / the nearest enclosing function that binds it;
- a walrus in a comprehension binds in the nearest enclosing non-comprehension scope;
- names bound nowhere are builtins when `builtins` has them.

Not modelled: `from m import *` (names it may bind stay unresolved), `exec`,
`locals()` writes, class-scope annotations under PEP 649 / 563 semantics (all
annotations are treated as evaluated where they stand), `type` statements.
"""

from __future__ import annotations

import builtins
import enum
from collections.abc import Callable

import libcst as cst

from emberlint.tree import NODE_TYPES, syntax_fields


class ScopeKind(enum.Enum):
    MODULE = "module"
    CLASS = "class"
    FUNCTION = "function"
    LAMBDA = "lambda"
    COMPREHENSION = "comprehension"


class BindingKind(enum.Enum):
    IMPORT = "import"  # `import a.b as c`, `from a import b`
    ASSIGNMENT = "assignment"  # `x = ...`, `x: T = ...`, `x: T`, tuple and star targets
    AUGMENTED = "augmented"  # `x += ...`
    PARAMETER = "parameter"
    LOOP = "loop"  # `for x in ...`, comprehension targets
    WITH = "with"  # `with ... as x`
    EXCEPT = "except"  # `except E as x`
    WALRUS = "walrus"  # `(x := ...)`
    FUNCTION = "function"  # `def x`
    CLASS = "class"  # `class x`
    DELETION = "deletion"  # `del x`: makes x local, holds no value
    MATCH = "match"  # `case [x, *rest]`, `case {**rest}`, `case y as x`
    BUILTIN = "builtin"


class Binding:
    """One place that binds `name` in `scope`.

    `node` is the syntax node that binds it: the target `Name` of an assignment,
    loop, `with`, `except`, walrus, `del` or pattern; the `Param` of a parameter;
    the `ImportAlias` of an import; the `FunctionDef` / `ClassDef` of a definition.
    `imported` is the qualified name an import binds (`"mlx.core"` for
    `import mlx.core as mx`, `"mlx"` for `import mlx.core`).
    """

    __slots__ = ("imported", "kind", "name", "node", "scope")

    def __init__(
        self,
        name: str,
        kind: BindingKind,
        node: cst.CSTNode | None,
        scope: Scope | None,
        imported: str | None = None,
    ) -> None:
        self.name = name
        self.kind = kind
        self.node = node
        self.scope = scope
        self.imported = imported

    def __repr__(self) -> str:
        return f"Binding({self.name!r}, {self.kind.value})"


class Scope:
    """A namespace: its bindings by name, and the names it declares global / nonlocal."""

    __slots__ = ("bindings", "global_names", "kind", "node", "nonlocal_names", "parent", "qualified_prefix")

    def __init__(self, kind: ScopeKind, node: cst.CSTNode, parent: Scope | None, name: str = "") -> None:
        self.kind = kind
        self.node = node
        self.parent = parent
        self.bindings: dict[str, list[Binding]] = {}
        self.global_names: set[str] = set()
        self.nonlocal_names: set[str] = set()
        if parent is None:
            self.qualified_prefix = ""
        elif kind is ScopeKind.CLASS:
            self.qualified_prefix = f"{parent.qualified_prefix}{name}."
        elif kind is ScopeKind.FUNCTION:
            self.qualified_prefix = f"{parent.qualified_prefix}{name}.<locals>."
        elif kind is ScopeKind.LAMBDA:
            self.qualified_prefix = f"{parent.qualified_prefix}<locals>."
        else:
            self.qualified_prefix = f"{parent.qualified_prefix}<{kind.value}>."

    def __repr__(self) -> str:
        return f"Scope({self.kind.value}, {self.qualified_prefix!r})"

    @property
    def module(self) -> Scope:
        scope = self
        while scope.parent is not None:
            scope = scope.parent
        return scope

    def lookup(self, name: str) -> list[Binding]:
        """The bindings `name` refers to when read in this scope (Python's LEGB rule)."""
        scope: Scope | None = self
        nested = False
        while scope is not None:
            if nested and scope.kind is ScopeKind.CLASS:
                scope = scope.parent  # class variables are invisible to nested scopes
                continue
            if name in scope.global_names:
                return scope.module.bindings.get(name) or _builtin(name)
            if name not in scope.nonlocal_names:
                found = scope.bindings.get(name)
                if found:
                    return found
            scope = scope.parent
            nested = True
        return _builtin(name)


_BUILTINS: dict[str, list[Binding]] = {
    name: [Binding(name, BindingKind.BUILTIN, None, None, f"builtins.{name}")]
    for name in dir(builtins)
}


def _builtin(name: str) -> list[Binding]:
    return _BUILTINS.get(name, [])


def dotted(node: cst.CSTNode) -> str | None:
    """`a.b.c` for a Name or attribute chain, else None."""
    if isinstance(node, cst.Name):
        return node.value
    if isinstance(node, cst.Attribute):
        base = dotted(node.value)
        return None if base is None else f"{base}.{node.attr.value}"
    return None


class Walk:
    """The result of `build`: the nodes in visiting order, with their parents and scopes.

    Parents are kept as positions in `order` (`parent_positions`, -1 for the
    module): libcst nodes hash through a Python-level `__hash__`, so a dict keyed
    by node would cost a function call per node on the hot path.
    """

    __slots__ = ("attribute_targets", "bindings", "module_scope", "node_scopes", "order", "parent_positions")

    def __init__(self) -> None:
        self.order: list[cst.CSTNode] = []
        self.parent_positions: list[int] = []  # parallel to `order`
        self.node_scopes: list[Scope] = []  # parallel to `order`
        self.module_scope: Scope
        self.bindings: list[Binding] = []  # every binding, in visiting order
        # `<receiver>.<attr> = value` targets: (target, value or None, scope)
        self.attribute_targets: list[tuple[cst.Attribute, cst.BaseExpression | None, Scope]] = []

    @property
    def parents(self) -> dict[cst.CSTNode, cst.CSTNode]:
        """Each node's parent, keyed by node (built on demand)."""
        order = self.order
        return {node: order[parent] for node, parent in zip(order, self.parent_positions) if parent >= 0}


def build(module: cst.Module) -> Walk:
    """One walk over `module`: every syntax node with its parent and scope, and every binding."""
    result = Walk()
    module_scope = result.module_scope = Scope(ScopeKind.MODULE, module, None)
    binder = _Binder(result)
    order_append = result.order.append
    scopes_append = result.node_scopes.append
    parents_append = result.parent_positions.append
    binders = _BINDERS
    openers = _SCOPE_OPENERS
    fields_by_type: dict[type, tuple[str, ...]] = {}
    node_types = NODE_TYPES
    sequences = (list, tuple)
    stack: list[tuple[cst.CSTNode, Scope, int]] = [(module, module_scope, -1)]
    pop = stack.pop
    push = stack.append
    position = -1
    while stack:
        node, scope, parent = pop()
        position += 1
        order_append(node)
        scopes_append(scope)
        parents_append(parent)
        kind = type(node)
        bind = binders.get(kind)
        if bind is not None:
            bind(binder, node, scope)
        fields = fields_by_type.get(kind)
        if fields is None:
            fields = fields_by_type[kind] = syntax_fields(kind)
        children: list[cst.CSTNode] = []
        for name in fields:
            value = getattr(node, name)
            value_type = type(value)
            if value_type in node_types:
                children.append(value)
            elif value_type in sequences:
                children.extend([item for item in value if type(item) in node_types])
        if not children:
            continue
        opener = openers.get(kind)
        if opener is None:
            for child in reversed(children):
                push((child, scope, position))
        else:
            inner = opener(binder, node, scope)
            for child in reversed(children):
                push((child, inner.get(child, scope), position))
    binder.finish()
    return result


class _Binder:
    """Records bindings while `build` walks; `finish` applies `global` / `nonlocal`."""

    def __init__(self, result: Walk) -> None:
        self.result = result
        self.redirected: list[Binding] = []
        # comprehension -> the scope its first iterable is evaluated in
        self.outer_iterables: dict[cst.CSTNode, Scope] = {}

    def bind(self, name: str, kind: BindingKind, node: cst.CSTNode, scope: Scope, imported: str | None = None) -> None:
        binding = Binding(name, kind, node, scope, imported)
        scope.bindings.setdefault(name, []).append(binding)
        self.result.bindings.append(binding)
        if name in scope.global_names or name in scope.nonlocal_names:
            self.redirected.append(binding)

    def bind_target(self, target: cst.BaseExpression, kind: BindingKind, scope: Scope, value: cst.BaseExpression | None = None) -> None:
        """A name, tuple/list/starred target; attribute targets are kept for `self.x` facts."""
        if isinstance(target, cst.Name):
            self.bind(target.value, kind, target, scope)
        elif isinstance(target, (cst.Tuple, cst.List)):
            for element in target.elements:
                self.bind_target(element.value, kind, scope)
        elif isinstance(target, cst.StarredElement):
            self.bind_target(target.value, kind, scope)
        elif isinstance(target, cst.Attribute) and kind in (BindingKind.ASSIGNMENT, BindingKind.AUGMENTED):
            self.result.attribute_targets.append((target, value if kind is BindingKind.ASSIGNMENT else None, scope))

    def finish(self) -> None:
        for binding in self.redirected:
            scope = binding.scope
            if binding.name in scope.global_names:
                target = scope.module
            else:
                target = _enclosing_function_binding(scope, binding.name)
                if target is None:
                    continue
            scope.bindings[binding.name].remove(binding)
            if not scope.bindings[binding.name]:
                del scope.bindings[binding.name]
            binding.scope = target
            target.bindings.setdefault(binding.name, []).append(binding)


def _enclosing_function_binding(scope: Scope, name: str) -> Scope | None:
    """The scope a `nonlocal name` in `scope` refers to."""
    current = scope.parent
    while current is not None and current.kind is not ScopeKind.MODULE:
        if current.kind is not ScopeKind.CLASS and name in current.bindings and name not in current.nonlocal_names:
            return current
        current = current.parent
    return None


def _not_comprehension(scope: Scope) -> Scope:
    while scope.kind is ScopeKind.COMPREHENSION and scope.parent is not None:
        scope = scope.parent
    return scope


# -- binding forms ----------------------------------------------------------------


def _import(binder: _Binder, node: cst.Import, scope: Scope) -> None:
    for alias in node.names:
        full = dotted(alias.name) or ""
        if alias.asname is not None and isinstance(alias.asname.name, cst.Name):
            binder.bind(alias.asname.name.value, BindingKind.IMPORT, alias, scope, full)
        else:
            top = full.split(".", 1)[0]
            binder.bind(top, BindingKind.IMPORT, alias, scope, top)


def _import_from(binder: _Binder, node: cst.ImportFrom, scope: Scope) -> None:
    if isinstance(node.names, cst.ImportStar):
        return
    package = "." * len(node.relative) + (dotted(node.module) or "" if node.module is not None else "")
    for alias in node.names:
        name = dotted(alias.name) or ""
        full = f"{package}{name}" if package.endswith(".") else f"{package}.{name}"
        bound = alias.asname.name.value if alias.asname is not None and isinstance(alias.asname.name, cst.Name) else name
        binder.bind(bound, BindingKind.IMPORT, alias, scope, full)


def _assign(binder: _Binder, node: cst.Assign, scope: Scope) -> None:
    for target in node.targets:
        binder.bind_target(target.target, BindingKind.ASSIGNMENT, scope, node.value)


def _ann_assign(binder: _Binder, node: cst.AnnAssign, scope: Scope) -> None:
    binder.bind_target(node.target, BindingKind.ASSIGNMENT, scope, node.value)


def _aug_assign(binder: _Binder, node: cst.AugAssign, scope: Scope) -> None:
    binder.bind_target(node.target, BindingKind.AUGMENTED, scope)


def _for(binder: _Binder, node: cst.For, scope: Scope) -> None:
    binder.bind_target(node.target, BindingKind.LOOP, scope)


def _with(binder: _Binder, node: cst.With, scope: Scope) -> None:
    for item in node.items:
        if item.asname is not None:
            binder.bind_target(item.asname.name, BindingKind.WITH, scope)


def _except(binder: _Binder, node: cst.ExceptHandler | cst.ExceptStarHandler, scope: Scope) -> None:
    if node.name is not None:
        binder.bind_target(node.name.name, BindingKind.EXCEPT, scope)


def _walrus(binder: _Binder, node: cst.NamedExpr, scope: Scope) -> None:
    binder.bind_target(node.target, BindingKind.WALRUS, _not_comprehension(scope))


def _global(binder: _Binder, node: cst.Global, scope: Scope) -> None:
    scope.global_names.update(item.name.value for item in node.names)


def _nonlocal(binder: _Binder, node: cst.Nonlocal, scope: Scope) -> None:
    scope.nonlocal_names.update(item.name.value for item in node.names)


def _del(binder: _Binder, node: cst.Del, scope: Scope) -> None:
    binder.bind_target(node.target, BindingKind.DELETION, scope)


def _match_name(binder: _Binder, node: cst.MatchAs | cst.MatchStar, scope: Scope) -> None:
    if node.name is not None:
        binder.bind(node.name.value, BindingKind.MATCH, node.name, scope)


def _match_mapping(binder: _Binder, node: cst.MatchMapping, scope: Scope) -> None:
    if node.rest is not None:
        binder.bind(node.rest.value, BindingKind.MATCH, node.rest, scope)


_BINDERS: dict[type, Callable[[_Binder, cst.CSTNode, Scope], None]] = {
    cst.Import: _import,
    cst.ImportFrom: _import_from,
    cst.Assign: _assign,
    cst.AnnAssign: _ann_assign,
    cst.AugAssign: _aug_assign,
    cst.For: _for,
    cst.With: _with,
    cst.ExceptHandler: _except,
    cst.ExceptStarHandler: _except,
    cst.NamedExpr: _walrus,
    cst.Global: _global,
    cst.Nonlocal: _nonlocal,
    cst.Del: _del,
    cst.MatchAs: _match_name,
    cst.MatchStar: _match_name,
    cst.MatchMapping: _match_mapping,
}


# -- scope openers: which children are evaluated in the new scope -----------------


def _parameters(binder: _Binder, parameters: cst.Parameters, scope: Scope) -> None:
    for param in (
        *parameters.posonly_params,
        *parameters.params,
        *parameters.kwonly_params,
        *(star for star in (parameters.star_arg, parameters.star_kwarg) if isinstance(star, cst.Param)),
    ):
        binder.bind(param.name.value, BindingKind.PARAMETER, param, scope)


def _function(binder: _Binder, node: cst.FunctionDef, scope: Scope) -> dict[cst.CSTNode, Scope]:
    binder.bind(node.name.value, BindingKind.FUNCTION, node, scope)
    inner = Scope(ScopeKind.FUNCTION, node, scope, node.name.value)
    _parameters(binder, node.params, inner)
    return {node.body: inner}


def _lambda(binder: _Binder, node: cst.Lambda, scope: Scope) -> dict[cst.CSTNode, Scope]:
    inner = Scope(ScopeKind.LAMBDA, node, scope)
    _parameters(binder, node.params, inner)
    return {node.body: inner}


def _class(binder: _Binder, node: cst.ClassDef, scope: Scope) -> dict[cst.CSTNode, Scope]:
    binder.bind(node.name.value, BindingKind.CLASS, node, scope)
    return {node.body: Scope(ScopeKind.CLASS, node, scope, node.name.value)}


def _comprehension(binder: _Binder, node: cst.BaseComp, scope: Scope) -> dict[cst.CSTNode, Scope]:
    inner = Scope(ScopeKind.COMPREHENSION, node, scope)
    binder.outer_iterables[node.for_in] = scope
    children = {node.for_in: inner}
    for part in ("elt", "key", "value"):
        child = getattr(node, part, None)
        if child is not None:
            children[child] = inner
    return children


def _comp_for(binder: _Binder, node: cst.CompFor, scope: Scope) -> dict[cst.CSTNode, Scope]:
    binder.bind_target(node.target, BindingKind.LOOP, scope)
    outer = binder.outer_iterables.get(node)
    return {node.iter: outer} if outer is not None else {}


_SCOPE_OPENERS: dict[type, Callable[[_Binder, cst.CSTNode, Scope], dict[cst.CSTNode, Scope]]] = {
    cst.FunctionDef: _function,
    cst.Lambda: _lambda,
    cst.ClassDef: _class,
    cst.ListComp: _comprehension,
    cst.SetComp: _comprehension,
    cst.GeneratorExp: _comprehension,
    cst.DictComp: _comprehension,
    cst.CompFor: _comp_for,
}


def method_class(binding: Binding) -> cst.ClassDef | None:
    """The class of which `binding` is the first parameter (`self`) of a method."""
    scope = binding.scope
    if binding.kind is not BindingKind.PARAMETER or scope is None or scope.kind is not ScopeKind.FUNCTION:
        return None
    if scope.parent is None or scope.parent.kind is not ScopeKind.CLASS:
        return None
    params = scope.node.params
    first = (*params.posonly_params, *params.params)
    if not first or first[0] is not binding.node:
        return None
    return scope.parent.node
