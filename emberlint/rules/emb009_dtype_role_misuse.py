"""EMB009: a dtype used in the wrong role (the xLSTM-7B port bug).

The xLSTM / transformers config names three dtypes with distinct jobs:
`torch_dtype` for weights and activations, `autocast_kernel_dtype` for the
mLSTM kernel's matmuls, `inference_state_dtype` for the recurrent state. This
rule recognises them by those names (and the `kernel_dtype` / `state_dtype`
attributes ports derive from them); it is a naming heuristic by design.
"""

from __future__ import annotations

import libcst as cst

from emberlint import patterns
from emberlint.rule import Rule

KERNEL, STATE, WEIGHTS = "kernel", "state", "weights"
ROLE_NAMES = {
    "autocast_kernel_dtype": KERNEL,
    "kernel_dtype": KERNEL,
    "inference_state_dtype": STATE,
    "state_dtype": STATE,
    "torch_dtype": WEIGHTS,
}
PARAMETER_NAMES = frozenset({"weight", "weights", "bias", "params", "parameters", "state_dict"})
WEIGHT_LOADERS = ("load", "sanitize", "from_pretrained", "convert", "quantize")
MAX_NAME_HOPS = 3


class DtypeRoleMisuse(Rule):
    code = "EMB009"

    def __init__(self, context) -> None:
        super().__init__(context)
        self._mentions_state: dict[cst.CSTNode, bool] = {}

    def visit_Call(self, node: cst.Call) -> None:
        if isinstance(node.func, cst.Attribute):
            method = node.func.attr.value
            if method == "set_dtype":
                self._check_weights_cast(node, node.func.value, always_weights=True)
                return
            if method == "astype":
                self._check_weights_cast(node, node.func.value, always_weights=False)
                self._check_state_cast(node, node.func.value)
                return
        callee = _last_name(node.func)
        if callee is None:
            return
        if any(word in callee for word in ("load_weights", "load_model", "from_pretrained")):
            role, name = self._argument_role(node, {KERNEL, STATE})
            if role is not None:
                self.report(node, f"weights loaded in the {role} dtype `{name}`; weights take `torch_dtype`")
        elif "state" in callee:
            role, name = self._argument_role(node, {KERNEL, WEIGHTS})
            if role is not None and self._state_dtype_in_reach(node):
                self.report(
                    node,
                    f"recurrent state created in the {role} dtype `{name}`; "
                    "the state takes `inference_state_dtype`",
                )

    def visit_FunctionDef(self, node: cst.FunctionDef) -> None:
        ignored = {param.name.value for param in self._unused_parameters(node)}
        if not ignored:
            return
        for read, key in _key_reads(self.names.descendants(node.body)):
            if self._is_written(read):
                continue
            parameter = next((name for name in ignored if _names_setting(key, name)), None)
            if parameter is not None:
                self.report(
                    read,
                    f"reads config key '{key}' but ignores the override parameter `{parameter}`",
                )

    # -- casts ------------------------------------------------------------

    def _check_weights_cast(self, node: cst.Call, receiver: cst.BaseExpression, always_weights: bool) -> None:
        dtype = patterns.argument(node, 0, "dtype")
        if dtype is None:
            return
        role, name = self._role(dtype.value)
        if role not in (KERNEL, STATE):
            return
        if always_weights or self._is_weights(node, receiver):
            self.report(
                node,
                f"weights cast to the {role} dtype `{name}`; weights and activations take `torch_dtype`",
            )

    def _check_state_cast(self, node: cst.Call, receiver: cst.BaseExpression) -> None:
        dtype = patterns.argument(node, 0, "dtype")
        if dtype is None or not self._is_state(receiver):
            return
        role, name = self._role(dtype.value)
        if role in (KERNEL, WEIGHTS) and self._state_dtype_in_reach(node):
            self.report(
                node,
                f"recurrent state cast to the {role} dtype `{name}`; the state takes `inference_state_dtype`",
            )

    def _argument_role(self, node: cst.Call, wrong: set[str]) -> tuple[str | None, str | None]:
        """The first wrong dtype role among the call's arguments."""
        for arg in node.args:
            role, name = self._role(arg.value)
            if role in wrong:
                return role, name
        return None, None

    # -- what a value is ------------------------------------------------------

    def _role(self, node: cst.BaseExpression, hops: int = 0) -> tuple[str | None, str | None]:
        """The dtype role a dtype expression names, and the name that says so."""
        for part in self.names.descendants(node):
            name = _role_word(part)
            if name is not None:
                return ROLE_NAMES[name], name
            if isinstance(part, cst.Name) and hops < MAX_NAME_HOPS:
                for value in patterns.assigned_values(self.names, part):
                    role = self._role(value, hops + 1)
                    if role[0] is not None:
                        return role
        return None, None

    def _is_weights(self, node: cst.Call, receiver: cst.BaseExpression) -> bool:
        """A parameter (`self.weight`), an element of a parameter tree, or anything cast
        inside a weight-loading function."""
        if _last_name(receiver) in PARAMETER_NAMES or self._assigned_to_parameter(node):
            return True
        for ancestor in patterns.ancestors(self.names, node):
            if (
                isinstance(ancestor, cst.Call)
                and _last_name(ancestor.func) in ("tree_map", "tree_map_with_path")
                and any(_mentions_parameters(arg.value) for arg in ancestor.args)
            ):
                return True
            if isinstance(ancestor, cst.FunctionDef):
                return any(word in ancestor.name.value for word in WEIGHT_LOADERS)
        return False

    def _assigned_to_parameter(self, node: cst.Call) -> bool:
        """`self.weight = <node>`."""
        statement = self.names.parent(node)
        return isinstance(statement, cst.Assign) and any(_last_name(target.target) in PARAMETER_NAMES for target in statement.targets)

    def _is_state(self, receiver: cst.BaseExpression) -> bool:
        """A name containing "state", or a comprehension variable iterating over one."""
        name = patterns.dotted(receiver)
        if name is None:
            return False
        if "state" in name.lower():
            return True
        for ancestor in patterns.ancestors(self.names, receiver):
            if isinstance(ancestor, (cst.GeneratorExp, cst.ListComp, cst.SetComp)):
                clause = ancestor.for_in
                if (
                    isinstance(clause.target, cst.Name)
                    and clause.target.value == name
                    and "state" in (patterns.dotted(clause.iter) or "").lower()
                ):
                    return True
        return False

    def _state_dtype_in_reach(self, node: cst.CSTNode) -> bool:
        """The enclosing class (else the module) mentions the state dtype."""
        region: cst.CSTNode = self.context.module
        for ancestor in patterns.ancestors(self.names, node):
            if isinstance(ancestor, cst.ClassDef):
                region = ancestor
                break
        if region not in self._mentions_state:
            self._mentions_state[region] = any(
                ROLE_NAMES.get(_role_word(part) or "") == STATE for part in self.names.descendants(region)
            )
        return self._mentions_state[region]

    def _is_written(self, node: cst.CSTNode) -> bool:
        parent = self.names.parent(node)
        return isinstance(parent, (cst.AssignTarget, cst.AugAssign, cst.Del)) or (
            isinstance(parent, cst.AnnAssign) and parent.target is node
        )

    def _unused_parameters(self, node: cst.FunctionDef) -> list[cst.Param]:
        params = [
            *node.params.params, *node.params.kwonly_params, *node.params.posonly_params,
        ]
        unused = []
        for param in params:
            if param.name.value in ("self", "cls") or param.default is None:
                continue
            binding = self.names.binding_of(param)
            if binding is not None and not self.names.references(binding):
                unused.append(param)
        return unused


def _names_setting(key: str, parameter: str) -> bool:
    """The config key a parameter overrides: the same name, or for a dtype the
    schema's longer name (`state_dtype` for `inference_state_dtype`)."""
    return key == parameter or (
        "dtype" in parameter and key.endswith("_" + parameter) and key in ROLE_NAMES
    )


def _role_word(node: cst.CSTNode) -> str | None:
    """The role name a Name, attribute or string literal spells, if any."""
    if isinstance(node, cst.Name) and node.value in ROLE_NAMES:
        return node.value
    if isinstance(node, cst.SimpleString):
        value = node.evaluated_value
        if isinstance(value, str) and value in ROLE_NAMES:
            return value
    return None


def _last_name(node: cst.BaseExpression) -> str | None:
    if isinstance(node, cst.Name):
        return node.value
    if isinstance(node, cst.Attribute):
        return node.attr.value
    return None


def _mentions_parameters(node: cst.BaseExpression) -> bool:
    call = patterns.method_call(node, "parameters") or patterns.method_call(node, "trainable_parameters")
    return call is not None or _last_name(node) in PARAMETER_NAMES


def _key_reads(parts: list[cst.CSTNode]):
    """(node, key) for every `x["key"]` and `x.get("key", ...)` with a literal key among `parts`."""
    for part in parts:
        if isinstance(part, cst.Subscript) and len(part.slice) == 1:
            index = part.slice[0].slice
            if isinstance(index, cst.Index) and isinstance(index.value, cst.SimpleString):
                key = index.value.evaluated_value
                if isinstance(key, str):
                    yield part, key
        method = patterns.method_call(part, "get") if isinstance(part, cst.Call) else None
        if method is not None and method.args and isinstance(method.args[0].value, cst.SimpleString):
            key = method.args[0].value.evaluated_value
            if isinstance(key, str):
                yield part, key
