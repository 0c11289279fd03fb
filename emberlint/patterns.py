"""Expression shapes shared by the extended rules (EMB006+).

Small, composable questions about libcst expressions: "is this the number 1",
"is this `1 + <e>`", "is this `mx.exp(<e>)`", "is this a cast to float32".
MLX names are resolved through the `SemanticModel`, never by text.
"""

from __future__ import annotations

from collections.abc import Iterator

import libcst as cst

from emberlint import tree
from emberlint.semantic import (
    ARRAY_TYPE,
    MLX_CORE,
    BindingKind,
    SemanticModel,
    dotted,
    mentions_name,
)

# -- literals ---------------------------------------------------------------


def number_value(node: cst.BaseExpression) -> float | None:
    """The value of an int/float literal, optionally negated (`-1e-8`), else None."""
    if isinstance(node, cst.UnaryOperation) and isinstance(node.operator, (cst.Minus, cst.Plus)):
        inner = number_value(node.expression)
        if inner is None:
            return None
        return -inner if isinstance(node.operator, cst.Minus) else inner
    if isinstance(node, (cst.Integer, cst.Float)):
        return float(node.evaluated_value)
    return None


def is_number(node: cst.BaseExpression, value: float) -> bool:
    return number_value(node) == value


def is_float_literal(node: cst.BaseExpression) -> bool:
    """A Python float literal, possibly signed: `0.5`, `-1e9`."""
    while isinstance(node, cst.UnaryOperation) and isinstance(node.operator, (cst.Minus, cst.Plus)):
        node = node.expression
    return isinstance(node, cst.Float)


def is_python_float(names: SemanticModel, node: cst.BaseExpression) -> bool:
    """A float literal, or a name every binding of which is one: `cap = 30.0`,
    `def f(x, cap=30.0)` or a parameter annotated `float`."""
    if is_float_literal(node):
        return True
    if not isinstance(node, cst.Name):
        return False
    bindings = [binding for binding in names.bindings(node) if binding.kind is not BindingKind.DELETION]
    if not bindings:
        return False
    for binding in bindings:
        if binding.kind is BindingKind.BUILTIN:
            return False
        target = binding.node
        if isinstance(target, cst.Param):
            annotated = target.annotation is not None and _annotates_float(
                names, target.annotation.annotation
            )
            if not annotated and not (target.default is not None and is_float_literal(target.default)):
                return False
            continue
        value = names.assigned_value(target)
        if value is None or not is_float_literal(value):
            return False
    return True


def _annotates_float(names: SemanticModel, annotation: cst.BaseExpression) -> bool:
    """`float`, `float | None` or `Optional[float]`."""
    if isinstance(annotation, cst.BinaryOperation) and isinstance(annotation.operator, cst.BitOr):
        sides = (annotation.left, annotation.right)
        return any(_annotates_float(names, side) for side in sides) and all(
            _annotates_float(names, side) or (isinstance(side, cst.Name) and side.value == "None")
            for side in sides
        )
    if isinstance(annotation, cst.Subscript) and names.resolves_to(annotation.value, "typing.Optional"):
        return len(annotation.slice) == 1 and _annotates_float(names, annotation.slice[0].slice.value)
    return names.resolves_to(annotation, "builtins.float")


def is_float_list(node: cst.BaseExpression) -> bool:
    """A (possibly nested) list/tuple literal of numbers containing at least one float."""
    numbers = list(_list_numbers(node))
    return bool(numbers) and None not in numbers and any(map(is_float_literal, numbers))


def _list_numbers(node: cst.BaseExpression) -> Iterator[cst.BaseExpression | None]:
    if isinstance(node, (cst.List, cst.Tuple)):
        for element in node.elements:
            if isinstance(element, cst.StarredElement):
                yield None
            else:
                yield from _list_numbers(element.value)
    elif number_value(node) is not None:
        yield node
    else:
        yield None


# -- operators --------------------------------------------------------------


def negated(node: cst.BaseExpression) -> cst.BaseExpression | None:
    """`e` when `node` is `-e`."""
    if isinstance(node, cst.UnaryOperation) and isinstance(node.operator, cst.Minus):
        return node.expression
    return None


def one_plus(node: cst.BaseExpression) -> cst.BaseExpression | None:
    """`e` when `node` is `1 + e` or `e + 1` (1 or 1.0)."""
    if isinstance(node, cst.BinaryOperation) and isinstance(node.operator, cst.Add):
        if is_number(node.left, 1):
            return node.right
        if is_number(node.right, 1):
            return node.left
    return None


def squared_operand(node: cst.BaseExpression) -> cst.BaseExpression | None:
    """`x` when `node` is `x * x` (same simple name or attribute twice) or `x ** 2`."""
    if not isinstance(node, cst.BinaryOperation):
        return None
    if isinstance(node.operator, cst.Multiply):
        left, right = dotted(node.left), dotted(node.right)
        if left is not None and left == right:
            return node.left
    if isinstance(node.operator, cst.Power) and is_number(node.right, 2):
        return node.left
    return None


def bare(node: cst.BaseExpression) -> cst.BaseExpression:
    """`node` without its own parentheses (for use as a call argument)."""
    if (node.lpar or node.rpar) and not isinstance(node, cst.GeneratorExp):
        return node.with_changes(lpar=[], rpar=[])
    return node


def negate(node: cst.BaseExpression) -> cst.BaseExpression:
    """`-node`, parenthesising `node` unless it binds tighter than unary minus."""
    inner = negated(bare(node))
    if inner is not None:  # --e is e
        return bare(inner)
    operand = bare(node)
    if not isinstance(operand, _ATOMS):
        operand = operand.with_changes(lpar=[cst.LeftParen()], rpar=[cst.RightParen()])
    return cst.UnaryOperation(operator=cst.Minus(), expression=operand)


_ATOMS = (
    cst.Name, cst.Attribute, cst.Call, cst.Subscript, cst.Integer, cst.Float,
    cst.Imaginary, cst.SimpleString, cst.List, cst.Tuple, cst.Dict, cst.Set,
)


# -- calls ------------------------------------------------------------------


def core_call(names: SemanticModel, node: cst.BaseExpression, *functions: str) -> cst.Call | None:
    """`node` when it is a call of one of the `mlx.core` `functions`."""
    if isinstance(node, cst.Call) and names.is_mlx_call(
        node, *(f"{MLX_CORE}.{function}" for function in functions)
    ):
        return node
    return None


def sole_argument(call: cst.Call) -> cst.BaseExpression | None:
    """The argument of a call with exactly one positional argument and no others."""
    if len(call.args) == 1 and call.args[0].keyword is None and not call.args[0].star:
        return call.args[0].value
    return None


def argument(call: cst.Call, position: int, keyword: str) -> cst.Arg | None:
    """The argument bound to parameter `keyword`, passed by keyword or at `position`."""
    for arg in call.args:
        if arg.keyword is not None and arg.keyword.value == keyword:
            return arg
    positional = [arg for arg in call.args if arg.keyword is None and not arg.star]
    if position < len(positional):
        return positional[position]
    return None


def has_star_args(call: cst.Call) -> bool:
    return any(arg.star for arg in call.args)


def exp_argument(names: SemanticModel, node: cst.BaseExpression) -> cst.BaseExpression | None:
    """`e` when `node` is `mx.exp(e)`."""
    call = core_call(names, node, "exp")
    return sole_argument(call) if call is not None else None


def log1p_exp_argument(names: SemanticModel, node: cst.BaseExpression) -> cst.BaseExpression | None:
    """`e` when `node` is `mx.log(1 + mx.exp(e))` or `mx.log1p(mx.exp(e))`."""
    log = core_call(names, node, "log")
    if log is not None:
        inside = sole_argument(log)
        summand = one_plus(inside) if inside is not None else None
        return exp_argument(names, summand) if summand is not None else None
    log1p = core_call(names, node, "log1p")
    if log1p is not None:
        inside = sole_argument(log1p)
        return exp_argument(names, inside) if inside is not None else None
    return None


# Functions whose result, subtracted before `exp`, makes the stable (max-shifted) form.
SHIFT_FUNCTIONS = frozenset({"max", "amax", "logsumexp", "stop_gradient"})


def is_shift_call(node: cst.CSTNode) -> bool:
    """`x.max(...)`, `mx.max(...)`, `mx.stop_gradient(...)`: a call whose last name is a shift."""
    if not isinstance(node, cst.Call):
        return False
    func = node.func
    name = func.attr.value if isinstance(func, cst.Attribute) else func.value if isinstance(func, cst.Name) else None
    return name in SHIFT_FUNCTIONS


def method_call(node: cst.BaseExpression, method: str) -> cst.Call | None:
    """`node` when it is a call `<receiver>.method(...)`."""
    if (
        isinstance(node, cst.Call)
        and isinstance(node.func, cst.Attribute)
        and node.func.attr.value == method
    ):
        return node
    return None


# -- arrays -----------------------------------------------------------------


def is_array(names: SemanticModel, node: cst.BaseExpression) -> bool:
    """`SemanticModel.is_array`, also accepting a name rebound from itself.

    `SemanticModel` gives up on `x = x * scale` (the cycle guard makes the update
    unknown, so `x` is no array). Here an update that mentions the name itself
    is neutral, and the name is an array when its other bindings all are.
    """
    if names.is_array(node):
        return True
    if not isinstance(node, cst.Name):
        return False
    found = False
    for binding in names.bindings(node):
        if binding.kind is BindingKind.DELETION:
            continue
        if binding.kind is BindingKind.BUILTIN:
            return False
        target = binding.node
        if isinstance(target, cst.Param):
            annotation = target.annotation
            if annotation is None or not names.resolves_to(annotation.annotation, ARRAY_TYPE):
                return False
            found = True
            continue
        value = names.assigned_value(target)
        if value is None:
            return False
        if mentions_name(value, node.value):
            continue
        if not names.is_array(value):
            return False
        found = True
    return found


# -- float32 casts ----------------------------------------------------------


def is_float32_cast(names: SemanticModel, node: cst.BaseExpression) -> bool:
    """`e.astype(mx.float32)`, `mx.astype(e, mx.float32)`, `mx.array(e, dtype=mx.float32)`
    or any other `mlx.core` call given `dtype=mx.float32` (`mx.arange(n, dtype=mx.float32)`),
    the dtype also through a name bound to it."""
    return isinstance(node, cst.Call) and names.dtype_of(node).kind == "float32"


def is_float32_operand(names: SemanticModel, node: cst.BaseExpression, hops: int = 0) -> bool:
    """Known to be float32: a float32 cast, arithmetic with one (float32 wins the
    promotion), a dtype-preserving method or subscript of one, or a name assigned
    from one anywhere in its scope."""
    if hops > 4:
        return False
    if is_float32_cast(names, node):
        return True
    if isinstance(node, cst.BinaryOperation):
        return is_float32_operand(names, node.left, hops + 1) or is_float32_operand(
            names, node.right, hops + 1
        )
    if isinstance(node, cst.UnaryOperation):
        return is_float32_operand(names, node.expression, hops + 1)
    if isinstance(node, cst.Subscript):
        return is_float32_operand(names, node.value, hops + 1)
    if (
        isinstance(node, cst.Call)
        and isinstance(node.func, cst.Attribute)
        and node.func.attr.value in DTYPE_PRESERVING_METHODS
    ):
        return is_float32_operand(names, node.func.value, hops + 1)
    if isinstance(node, cst.Name):
        return any(
            is_float32_operand(names, value, hops + 1) for value in assigned_values(names, node)
        )
    return False


DTYPE_PRESERVING_METHODS = frozenset(
    {"reshape", "transpose", "swapaxes", "moveaxis", "flatten", "squeeze", "expand_dims"}
)


def assigned_values(names: SemanticModel, node: cst.Name) -> list[cst.BaseExpression]:
    """Every plain value assigned to this name in its scope (parameters are skipped)."""
    values = []
    for binding in names.bindings(node):
        if binding.kind in (BindingKind.ASSIGNMENT, BindingKind.AUGMENTED, BindingKind.WALRUS):
            value = names.assigned_value(binding.node)
            if value is not None:
                values.append(value)
    return values


def ancestors(names: SemanticModel, node: cst.CSTNode) -> Iterator[cst.CSTNode]:
    current = names.parent(node)
    while current is not None:
        yield current
        current = names.parent(current)


def enclosing_function(names: SemanticModel, node: cst.CSTNode) -> cst.FunctionDef | None:
    for ancestor in ancestors(names, node):
        if isinstance(ancestor, cst.FunctionDef):
            return ancestor
    return None


def nn_function(
    names: SemanticModel, module: cst.Module, function: str
) -> tuple[cst.BaseExpression, tuple[str, ...]] | None:
    """`nn.<function>` with the import it needs, or None when adding `import mlx.nn as nn`
    would shadow another module-level `nn` (e.g. `from torch import nn`)."""
    reference, imports = names.nn_reference(module)
    if imports and names.module_binds(dotted(reference) or ""):
        return None
    return cst.Attribute(value=reference, attr=cst.Name(function)), imports


def core_reference(
    names: SemanticModel, module: cst.Module
) -> tuple[cst.BaseExpression, tuple[str, ...]] | None:
    """`SemanticModel.core_reference`, or None when adding `import mlx.core as mx` would
    shadow another module-level `mx`."""
    reference, imports = names.core_reference(module)
    if imports and names.module_binds(dotted(reference) or ""):
        return None
    return reference, imports


def core_function(
    names: SemanticModel, module: cst.Module, function: str
) -> tuple[cst.BaseExpression, tuple[str, ...]] | None:
    """`mx.<function>` with the import it needs (None as for `core_reference`)."""
    found = core_reference(names, module)
    if found is None:
        return None
    reference, imports = found
    return cst.Attribute(value=reference, attr=cst.Name(function)), imports


def call(function: cst.BaseExpression, *args: cst.BaseExpression) -> cst.Call:
    """`function(*args)`. A call is an atom, so it needs none of the parentheses the
    expression it replaces may have had."""
    return cst.Call(func=function, args=[cst.Arg(bare(arg)) for arg in args])


def execution_order(root: cst.CSTNode) -> list[cst.CSTNode]:
    """`root`'s syntax nodes (no layout) in the order Python evaluates them, near
    enough: preorder, with an assignment's value before its targets."""
    order: list[cst.CSTNode] = []
    stack: list[cst.CSTNode] = [root]
    while stack:
        node = stack.pop()
        order.append(node)
        children = tree.children(node)
        if isinstance(node, cst.Assign):
            children = [node.value, *node.targets]
        stack.extend(reversed(children))
    return order
