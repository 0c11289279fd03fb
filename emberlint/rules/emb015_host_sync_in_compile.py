"""EMB015: `.item()`, `.tolist()`, `float(x)` ... inside an `mx.compile`d function."""

from __future__ import annotations

import libcst as cst

from emberlint import patterns
from emberlint.rule import Rule
from emberlint.semantic import MLX_CORE

COMPILE = f"{MLX_CORE}.compile"
SYNCING_METHODS = frozenset({"item", "tolist"})
CONVERSIONS = frozenset({"builtins.float", "builtins.int", "builtins.bool", "builtins.complex"})


class HostSyncInCompile(Rule):
    code = "EMB015"

    def visit_Call(self, node: cst.Call) -> None:
        if isinstance(node.func, cst.Attribute) and node.func.attr.value in SYNCING_METHODS:
            if node.args:
                return
            conversion = f".{node.func.attr.value}()"
        elif (
            self.names.resolves_to(node.func, *CONVERSIONS)
            and (argument := patterns.sole_argument(node)) is not None
            and self.names.is_array(argument)
        ):
            conversion = f"{node.func.value}(...)" if isinstance(node.func, cst.Name) else "conversion"
        else:
            return
        compiled = self._compiled_function(node)
        if compiled is not None:
            self.report(
                node,
                f"`{conversion}` evaluates an array inside `{compiled}`, compiled with `mx.compile`: "
                "MLX raises 'Attempting to eval an array during function transformations'",
            )

    def _compiled_function(self, node: cst.CSTNode) -> str | None:
        """The name of the enclosing function decorated with `mx.compile`, if any."""
        for ancestor in patterns.ancestors(self.names, node):
            if isinstance(ancestor, cst.FunctionDef) and any(
                self._is_compile(decorator.decorator) for decorator in ancestor.decorators
            ):
                return ancestor.name.value
        return None

    def _is_compile(self, decorator: cst.BaseExpression) -> bool:
        """`@mx.compile`, `@mx.compile(...)` or `@partial(mx.compile, ...)`."""
        if self.names.resolves_to(decorator, COMPILE):
            return True
        if isinstance(decorator, cst.Call):
            if self.names.resolves_to(decorator.func, COMPILE):
                return True
            if self.names.resolves_to(decorator.func, "functools.partial") and decorator.args:
                return self.names.resolves_to(decorator.args[0].value, COMPILE)
        return False
