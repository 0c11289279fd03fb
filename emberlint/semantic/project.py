"""Facts across functions and modules: where a value may come from.

A `SemanticModel` answers for one module, flow-insensitively, what an
expression is. Some facts are decided elsewhere: mlx-lm's attention layers add
a `mask` parameter whose value is built by `create_attention_mask` in another
module and handed down through two layers of `__call__`. This layer follows such
values backwards, across

- names: every value any binding gives them (a rebinding that transforms the
  name itself, `mask = mask.astype(dt) * -1e9`, stops the search: the name no
  longer holds what it was bound to);
- parameters: the default, and the argument every call site passes (a module
  function called by name, in its module or in another module of the project that
  imports it by name; a method called as `self.f(...)`; a class's `__call__`
  called through an instance held in `self.attr = C(...)`, or through the loop
  variable of `for layer in self.layers` / `zip(...)` / `enumerate(...)` over a
  list of instances `[C(...) for _ in ...]`);
- calls: every `return` of a function of the module, or of a module of the same
  project imported by a relative import or by the project's own package name.

`ProjectIndex` finds and parses those other modules on demand (one parse per file
per index), and tells which files a question consulted (`consulted()`), so that a
cache can keep findings only while those files are unchanged.
A question follows at most `MAX_HOPS` values and answers False past them.
What is not followed: methods called from other modules, calls through a module
attribute (`base.f(...)`), instances passed around or stored in containers other
than a list attribute, `*args` / `**kwargs`, decorators that change a function,
subclasses, and the order of statements (a value assigned after its use still
counts, as everywhere in the semantic model).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import libcst as cst

from emberlint.semantic.model import SemanticModel
from emberlint.semantic.scopes import Binding, BindingKind, ScopeKind, method_class
from emberlint.semantic.values import mentions_name
from emberlint.source import content_digest, project_root

MAX_HOPS = 64  # values followed per question, across names, parameters and returns

ValueTest = Callable[[SemanticModel, cst.BaseExpression], bool]


class ProjectIndex:
    """The Python modules of a project, found from their package roots and parsed on demand.

    `root` is the directory that holds the top-level packages (`mlx_lm/` for
    mlx-lm); a module is named by its path under it (`mlx_lm.models.base`).
    """

    def __init__(self, root: Path) -> None:
        self.root = root.resolve()
        self._models: dict[Path, SemanticModel | None] = {}
        self._files: list[Path] | None = None
        # every file whose content a question depended on since the last `consulted()`,
        # with the digest of what was read (a cache keys findings on them)
        self._consulted: dict[Path, str] = {}
        self._digests: dict[Path, str] = {}
        self._contents: dict[Path, tuple[tuple[int, int], bytes]] = {}  # (size, mtime), content

    def consulted(self) -> dict[Path, str]:
        """The files questions read since the last call, with their content digests; resets."""
        found, self._consulted = self._consulted, {}
        return found

    def _read(self, path: Path) -> bytes:
        """The file's content, read again only when its size or mtime changed; marks it consulted."""
        status = path.stat()
        stamp = (status.st_size, status.st_mtime_ns)
        cached = self._contents.get(path)
        if cached is None or cached[0] != stamp:
            data = path.read_bytes()
            cached = self._contents[path] = (stamp, data)
            self._digests[path] = content_digest(data)
            self._models.pop(path, None)  # parsed from an older content
        self._consulted[path] = self._digests[path]
        return cached[1]

    @classmethod
    def for_file(cls, path: Path) -> ProjectIndex | None:
        """The index of the package tree `path` sits in (None outside a package)."""
        root = project_root(path)
        return cls(root) if root is not None else None

    def place(self, path: Path) -> tuple[str | None, str | None]:
        """(module name, package its relative imports start from) of the file at `path`:
        (`mlx_lm.models.base`, `mlx_lm.models`); for `mlx_lm/models/__init__.py`,
        (`mlx_lm.models`, `mlx_lm.models`). A relative `path` is taken under the root
        when it does not exist from the working directory. (None, None) outside the project."""
        if not path.is_absolute() and not path.is_file() and (self.root / path).is_file():
            path = self.root / path
        try:
            relative = path.resolve().relative_to(self.root)
        except ValueError:
            return None, None
        package = ".".join(relative.parts[:-1]) or None
        stem = relative.with_suffix("").name
        if stem == "__init__":
            return package, package
        return (f"{package}.{stem}" if package else stem), package

    def files(self) -> list[Path]:
        """The project's Python files: those of the packages under the root (a folder
        without `__init__.py`, a virtual environment or `.git`, is not entered)."""
        if self._files is None:
            found: list[Path] = []
            folders = [self.root]
            while folders:
                folder = folders.pop()
                try:
                    entries = sorted(folder.iterdir())
                except OSError:
                    continue
                for entry in entries:
                    if entry.is_dir() and (entry / "__init__.py").is_file():
                        folders.append(entry)
                    elif folder is not self.root and entry.suffix == ".py" and entry.is_file():
                        found.append(entry)
            self._files = sorted(found)
        return self._files

    def modules_mentioning(self, word: str) -> Iterator[str]:
        """Names of the project's modules whose text contains `word` (a cheap first
        cut before parsing them to resolve their names)."""
        encoded = word.encode()
        for path in self.files():
            try:
                if encoded not in self._read(path):  # any file may add a call: all are consulted
                    continue
            except OSError:
                continue
            name, _ = self.place(path)
            if name is not None:
                yield name

    def module_file(self, name: str) -> Path | None:
        base = self.root.joinpath(*name.split("."))
        for candidate in (base.with_suffix(".py"), base / "__init__.py"):
            if candidate.is_file():
                return candidate
        return None

    def model(self, name: str) -> SemanticModel | None:
        """The semantic model of module `name` (None when it is not in the project or does not parse)."""
        path = self.module_file(name)
        if path is None:
            return None
        try:
            source = self._read(path)
        except OSError:
            return None
        if path not in self._models:
            self._models[path] = None  # a module importing itself finds nothing
            try:
                module = cst.parse_module(source)
            except cst.ParserSyntaxError:
                return None
            model, _ = SemanticModel.for_module(module)
            attach(model, self, path)
            self._models[path] = model
        return self._models[path]

    def resolve(self, package: str | None, imported: str) -> tuple[str, str] | None:
        """(module, name) for an imported qualified name, when the module is in the project:
        `.base.create_attention_mask` imported in package `mlx_lm.models` is
        (`mlx_lm.models.base`, `create_attention_mask`)."""
        absolute = imported
        if imported.startswith("."):
            if package is None:
                return None
            dots = len(imported) - len(imported.lstrip("."))
            parts = package.split(".")
            if dots - 1 >= len(parts):
                return None
            absolute = ".".join([*parts[: len(parts) - (dots - 1)], imported.lstrip(".")])
        module, _, name = absolute.rpartition(".")
        if not module or self.module_file(module) is None:
            return None
        return module, name


def attach(model: SemanticModel, project: ProjectIndex, path: Path) -> None:
    """Give `model`, the module at `path`, its place in `project`, so that its
    questions may cross modules."""
    model.project = project
    model.module_name, model.package = project.place(path)


def may_hold(model: SemanticModel, node: cst.BaseExpression, test: ValueTest) -> bool:
    """True when some value that may reach `node` passes `test` (asked of the model it sits in)."""
    return _Search(test).expression(model, node)


class _Search:
    """One backwards search; `seen` keeps it finite across recursion between modules."""

    def __init__(self, test: ValueTest) -> None:
        self.test = test
        self.seen: set[tuple[int, int]] = set()
        self.hops = 0

    def _visit(self, model: SemanticModel, node: cst.CSTNode) -> bool:
        key = (id(model), id(node))
        if key in self.seen or self.hops >= MAX_HOPS:
            return False
        self.seen.add(key)
        self.hops += 1
        return True

    def expression(self, model: SemanticModel, node: cst.BaseExpression) -> bool:
        if not self._visit(model, node):
            return False
        if self.test(model, node):
            return True
        if isinstance(node, cst.Name):
            return self._name(model, node)
        if isinstance(node, cst.IfExp):
            return self.expression(model, node.body) or self.expression(model, node.orelse)
        if isinstance(node, cst.BooleanOperation):
            return self.expression(model, node.left) or self.expression(model, node.right)
        if isinstance(node, cst.Call):
            return any(
                self.expression(where, value) for where, value in _returned_values(model, node)
            )
        return False

    def _name(self, model: SemanticModel, node: cst.Name) -> bool:
        bindings = [binding for binding in model.bindings(node) if binding.kind is not BindingKind.DELETION]
        assigned: list[cst.BaseExpression] = []
        parameters: list[Binding] = []
        for binding in bindings:
            if binding.kind is BindingKind.PARAMETER:
                parameters.append(binding)
            elif binding.kind in (BindingKind.ASSIGNMENT, BindingKind.WALRUS):
                value = model.assigned_value(binding.node)
                if value is None:
                    continue
                if _transforms(value, node.value):
                    return False  # the name is rebound to something made from itself
                assigned.append(value)
            elif binding.kind is BindingKind.AUGMENTED:
                return False
        if any(self.expression(model, value) for value in assigned):
            return True
        for binding in parameters:
            default = binding.node.default
            if default is not None and self.expression(model, default):
                return True
            # call sites are found lazily: those in other modules are parsed one by one
            for where, value in _arguments(model, binding):
                if self.hops >= MAX_HOPS:
                    return False
                if self.expression(where, value):
                    return True
        return False


def _transforms(value: cst.BaseExpression, name: str) -> bool:
    """`value` reads `name` other than by passing it on unchanged (`x if c else y`)."""
    if isinstance(value, cst.Name):
        return False
    if isinstance(value, cst.IfExp):
        return _transforms(value.body, name) or _transforms(value.orelse, name)
    return mentions_name(value, name)


# -- calls and their targets ----------------------------------------------------------------


def _returned_values(model: SemanticModel, call: cst.Call) -> Iterator[tuple[SemanticModel, cst.BaseExpression]]:
    """Every value a function called by `call` may return, with the model it sits in."""
    for where, function in _callees(model, call):
        for node in where.descendants(function):
            if isinstance(node, cst.Return) and node.value is not None and _owner(where, node) is function:
                yield where, node.value


def _callees(model: SemanticModel, call: cst.Call) -> list[tuple[SemanticModel, cst.FunctionDef]]:
    func = call.func
    if isinstance(func, cst.Name):
        found = []
        for binding in model.bindings(func):
            if binding.kind is BindingKind.FUNCTION:
                found.append((model, binding.node))
            elif binding.kind is BindingKind.IMPORT and binding.imported is not None:
                target = _imported_function(model, binding.imported)
                if target is not None:
                    found.append(target)
        return found
    if isinstance(func, cst.Attribute) and isinstance(func.value, cst.Name):
        owner = _self_class(model, func.value)
        if owner is not None:
            method = _method(owner, func.attr.value)
            return [(model, method)] if method is not None else []
    return []


def _imported_function(model: SemanticModel, imported: str) -> tuple[SemanticModel, cst.FunctionDef] | None:
    project: ProjectIndex | None = model.project
    if project is None:
        return None
    resolved = project.resolve(model.package, imported)
    if resolved is None:
        return None
    module, name = resolved
    other = project.model(module)
    if other is None:
        return None
    for binding in other.module_scope.bindings.get(name, ()):
        if binding.kind is BindingKind.FUNCTION:
            return other, binding.node
    return None


def _owner(model: SemanticModel, node: cst.CSTNode) -> cst.CSTNode | None:
    """The function whose body `node` is in (not a nested function, lambda or class)."""
    scope = model.scope(node)
    while scope is not None and scope.kind is ScopeKind.COMPREHENSION:
        scope = scope.parent
    return scope.node if scope is not None and scope.kind is ScopeKind.FUNCTION else None


def _self_class(model: SemanticModel, name: cst.Name) -> cst.ClassDef | None:
    """The class of which `name` is the `self` parameter of a method."""
    found = model.bindings(name)
    if len(found) != 1:
        return None
    return method_class(found[0])


def _method(owner: cst.ClassDef, name: str) -> cst.FunctionDef | None:
    for statement in owner.body.body:
        if isinstance(statement, cst.FunctionDef) and statement.name.value == name:
            return statement
    return None


# -- parameters and their arguments ---------------------------------------------------------


def _arguments(model: SemanticModel, binding: Binding) -> Iterator[tuple[SemanticModel, cst.BaseExpression]]:
    """The argument each call site of the module passes to the parameter `binding`."""
    scope = binding.scope
    if scope is None or scope.kind is not ScopeKind.FUNCTION:
        return
    function: cst.FunctionDef = scope.node
    positional = [*function.params.posonly_params, *function.params.params]
    owner = scope.parent.node if scope.parent is not None and scope.parent.kind is ScopeKind.CLASS else None
    if owner is not None:
        positional = positional[1:]  # `self`
    param: cst.Param = binding.node
    index = positional.index(param) if param in positional else None
    keyword = param.name.value if param not in function.params.posonly_params else None
    for where, call in _call_sites(model, function, owner):
        value = _bound_argument(call, index, keyword)
        if value is not None:
            yield where, value


def _bound_argument(call: cst.Call, index: int | None, keyword: str | None) -> cst.BaseExpression | None:
    position = 0
    for arg in call.args:
        if arg.star:
            return None
        if arg.keyword is None:
            if position == index:
                return arg.value
            position += 1
        elif keyword is not None and arg.keyword.value == keyword:
            return arg.value
    return None


def _call_sites(
    model: SemanticModel, function: cst.FunctionDef, owner: cst.ClassDef | None
) -> Iterator[tuple[SemanticModel, cst.Call]]:
    index = _calls(model)
    if owner is None:
        for call in index:
            if isinstance(call.func, cst.Name) and any(
                binding.node is function for binding in model.bindings(call.func)
            ):
                yield model, call
        if model.scope(function) is model.module_scope:
            yield from _calls_from_other_modules(model, function.name.value)
        return
    is_call = function.name.value == "__call__"
    for call in index:
        func = call.func
        if isinstance(func, cst.Attribute) and isinstance(func.value, cst.Name):
            holder = _self_class(model, func.value)
            if holder is None:
                continue
            if holder is owner and func.attr.value == function.name.value:
                yield model, call  # self.method(...)
            elif is_call and _holds_instance(model, holder, func.attr.value, owner):
                yield model, call  # self.layer(...), self.layer = Owner(...)
        elif is_call and isinstance(func, cst.Name) and _loops_over_instances(model, func, owner):
            yield model, call  # for layer in self.layers: layer(...)


def _calls_from_other_modules(model: SemanticModel, name: str) -> Iterator[tuple[SemanticModel, cst.Call]]:
    """Calls of the module function `name` from the project's other modules, through
    a name they import it as (`from .base import name`, `from .base import name as alias`)."""
    project = model.project
    if project is None or model.module_name is None:
        return
    for other_name in project.modules_mentioning(name):
        if other_name == model.module_name:
            continue
        other = project.model(other_name)
        if other is None:
            continue
        for call in _calls(other):
            if isinstance(call.func, cst.Name) and any(
                binding.kind is BindingKind.IMPORT
                and binding.imported is not None
                and project.resolve(other.package, binding.imported) == (model.module_name, name)
                for binding in other.bindings(call.func)
            ):
                yield other, call


def _calls(model: SemanticModel) -> list[cst.Call]:
    if model.calls is None:
        model.calls = [node for node in model.nodes if type(node) is cst.Call]
    return model.calls


def _instantiates(model: SemanticModel, value: cst.BaseExpression | None, owner: cst.ClassDef) -> bool:
    """`value` is `Owner(...)` (Owner named in this module)."""
    if not isinstance(value, cst.Call) or not isinstance(value.func, cst.Name):
        return False
    return any(binding.node is owner for binding in model.bindings(value.func))


def _holds_instance(model: SemanticModel, holder: cst.ClassDef, attribute: str, owner: cst.ClassDef) -> bool:
    return any(_instantiates(model, value, owner) for value in model.attribute_values(holder, attribute))


def _holds_instances(model: SemanticModel, iterable: cst.BaseExpression, owner: cst.ClassDef) -> bool:
    """`iterable` is `self.attr` holding a list of `Owner(...)` (literal or comprehension)."""
    if isinstance(iterable, cst.Subscript):
        iterable = iterable.value  # self.layers[start:end]
    if not (isinstance(iterable, cst.Attribute) and isinstance(iterable.value, cst.Name)):
        return False
    holder = _self_class(model, iterable.value)
    if holder is None:
        return False
    for value in model.attribute_values(holder, iterable.attr.value):
        if isinstance(value, cst.ListComp) and _instantiates(model, value.elt, owner):
            return True
        if isinstance(value, cst.List) and any(_instantiates(model, element.value, owner) for element in value.elements):
            return True
    return False


def _loops_over_instances(model: SemanticModel, name: cst.Name, owner: cst.ClassDef) -> bool:
    """`name` is the loop variable of a `for` over instances of `owner` (directly, or as
    one element of `zip(...)` / the second of `enumerate(...)`)."""
    for binding in model.bindings(name):
        if binding.kind is not BindingKind.LOOP:
            continue
        target = binding.node
        parent = model.parent(target)
        iterable: cst.BaseExpression | None = None
        if isinstance(parent, cst.For) and parent.target is target:
            iterable = parent.iter
        elif isinstance(parent, cst.Element):
            sequence = model.parent(parent)
            loop = model.parent(sequence) if sequence is not None else None
            if isinstance(loop, cst.For) and loop.target is sequence and isinstance(loop.iter, cst.Call):
                position = sequence.elements.index(parent)
                source = loop.iter
                if model.resolves_to(source.func, "builtins.zip"):
                    iterable = source.args[position].value if position < len(source.args) else None
                elif model.resolves_to(source.func, "builtins.enumerate") and position == 1:
                    iterable = source.args[0].value if source.args else None
        if iterable is not None and _holds_instances(model, iterable, owner):
            return True
    return False
