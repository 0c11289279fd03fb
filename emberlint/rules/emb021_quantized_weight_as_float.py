"""EMB021: the weight (or scales) of a layer that may be quantized used as float data.

A quantized layer's `weight` is packed `uint32`, and in the microscaling modes
(`mxfp4`, `mxfp8`, `nvfp4`) its `scales` are `uint8`. A layer "may be
quantized" when the module itself says so: it tests the layer with
`isinstance(layer, <Quantized...>)` or `hasattr(layer, "scales")`, or reads its
`scales`. Layers are matched by their attribute name (`linear` in
`self.linear`, `linear`, `lora.linear`), since one class hands its layer from
one method to another through `self`.
"""

from __future__ import annotations

import libcst as cst

from emberlint import patterns
from emberlint.rule import Rule
from emberlint.semantic import MLX_CORE

QUANTIZATION_API = frozenset(
    f"{MLX_CORE}.{name}"
    for name in ("dequantize", "quantize", "quantized_matmul", "gather_qmm", "view", "array_equal")
)
FLOAT_METHODS = frozenset(
    {"sum", "mean", "max", "min", "var", "std", "prod", "square", "sqrt", "abs", "exp", "log"}
)
ARITHMETIC = (cst.Add, cst.Subtract, cst.Multiply, cst.Divide, cst.MatrixMultiply, cst.Power)
PACKED_FIELDS = ("weight", "scales")


class QuantizedWeightAsFloat(Rule):
    code = "EMB021"

    def __init__(self, context) -> None:
        super().__init__(context)
        self._quantizable: set[str] | None = None

    def visit_Attribute(self, node: cst.Attribute) -> None:
        if node.attr.value == "dtype":
            self._check_dtype_read(node)
        elif node.attr.value == "weight":
            self._check_weight_use(node)

    # -- which layers may be quantized ----------------------------------------------

    def _layer_key(self, node: cst.BaseExpression) -> str | None:
        """The layer's attribute name when `node` is `<layer>.<field>` of a layer
        the module treats as possibly quantized."""
        if not isinstance(node, cst.Attribute):
            return None
        layer = node.value
        key = layer.attr.value if isinstance(layer, cst.Attribute) else layer.value if isinstance(layer, cst.Name) else None
        if key is None or key in ("self", "cls"):
            return None
        return key if key in self._quantizable_layers() else None

    def _quantizable_layers(self) -> set[str]:
        if self._quantizable is None:
            found: set[str] = set()
            for node in self.names.descendants(self.context.module):
                layer = self._tested_layer(node)
                if layer is None and isinstance(node, cst.Attribute) and node.attr.value == "scales":
                    layer = node.value
                name = _last_name(layer) if layer is not None else None
                if name is not None and name not in ("self", "cls"):
                    found.add(name)
            self._quantizable = found
        return self._quantizable

    def _tested_layer(self, node: cst.CSTNode) -> cst.BaseExpression | None:
        """`layer` in `isinstance(layer, nn.QuantizedLinear)` / `hasattr(layer, "scales")`."""
        if not isinstance(node, cst.Call) or len(node.args) != 2 or not isinstance(node.func, cst.Name):
            return None
        layer, kind = node.args[0].value, node.args[1].value
        if self.names.is_builtin(node, "isinstance") and node.func.value == "isinstance":
            classes = [element.value for element in kind.elements] if isinstance(kind, cst.Tuple) else [kind]
            if any("Quantized" in (_last_name(cls) or "") for cls in classes):
                return layer
        if self.names.is_builtin(node, "hasattr") and node.func.value == "hasattr":
            if isinstance(kind, cst.SimpleString) and kind.evaluated_value == "scales":
                return layer
        return None

    # -- casts to a packed dtype ----------------------------------------------------

    def _check_dtype_read(self, node: cst.Attribute) -> None:
        """`x.astype(layer.scales.dtype)`, or `dtype = layer.weight.dtype` used as a cast."""
        field = node.value
        if not isinstance(field, cst.Attribute) or field.attr.value not in PACKED_FIELDS:
            return
        if self._layer_key(field) is None or self._guarded(node, field.value):
            return
        if not (self._is_cast_dtype(node) or self._bound_to_cast_dtype(node)):
            return
        kind = "packed uint32" if field.attr.value == "weight" else "uint8 in the mxfp4/mxfp8/nvfp4 modes"
        self.report(
            node,
            f"cast to the dtype of `{self.context.module.code_for_node(field)}`, which is {kind} "
            "when the layer is quantized; cast to the activations' (or the dequantized weight's) dtype",
        )

    def _is_cast_dtype(self, node: cst.CSTNode) -> bool:
        arg = self.names.parent(node)
        if not isinstance(arg, cst.Arg):
            return False
        call = self.names.parent(arg)
        if not isinstance(call, cst.Call):
            return False
        if arg.keyword is not None:
            return arg.keyword.value == "dtype"
        if isinstance(call.func, cst.Attribute) and call.func.attr.value == "astype":
            return True
        return self.names.mlx_call_name(call) == f"{MLX_CORE}.astype" and call.args.index(arg) == 1

    def _bound_to_cast_dtype(self, node: cst.CSTNode) -> bool:
        parent = self.names.parent(node)
        if not isinstance(parent, cst.Assign) or len(parent.targets) != 1:
            return False
        target = parent.targets[0].target
        binding = self.names.binding_of(target) if isinstance(target, cst.Name) else None
        return binding is not None and any(self._is_cast_dtype(read) for read in self.names.references(binding))

    # -- packed weights in float arithmetic -----------------------------------------

    def _check_weight_use(self, node: cst.Attribute) -> None:
        if self._layer_key(node) is None or self._is_binding_target(node):
            return
        use = self._float_use(node)
        if use is None:
            for reference in self._aliases(node):
                use = self._float_use(reference)
                if use is not None:
                    break
        if use is None or self._guarded(use, node.value):
            return
        self.report(
            use,
            f"`{self.context.module.code_for_node(node)}` is packed uint32 when the layer is quantized: "
            "this treats its bits as numbers; dequantize it first (`mx.dequantize(...)`)",
        )

    def _aliases(self, node: cst.Attribute) -> list[cst.Name]:
        """The reads of a name every value of which is `node`'s expression (`w = layer.weight`)."""
        parent = self.names.parent(node)
        if not isinstance(parent, cst.Assign) or len(parent.targets) != 1 or not isinstance(parent.targets[0].target, cst.Name):
            return []
        target = parent.targets[0].target
        binding = self.names.binding_of(target)
        if binding is None or len(binding.scope.bindings.get(target.value, ())) != 1:
            return []
        return self.names.references(binding)

    def _float_use(self, node: cst.BaseExpression) -> cst.CSTNode | None:
        """The expression that uses `node`'s value as numbers: arithmetic, an MLX
        operation other than the quantization API, a reduction method."""
        current = node
        while True:
            parent = self.names.parent(current)
            if isinstance(parent, cst.Attribute) and parent.value is current and parent.attr.value == "T":
                current = parent
                continue
            if isinstance(parent, cst.Subscript) and parent.value is current:
                current = parent
                continue
            break
        parent = self.names.parent(current)
        if isinstance(parent, cst.BinaryOperation) and isinstance(parent.operator, ARITHMETIC):
            return parent
        if isinstance(parent, cst.Attribute) and parent.value is current and parent.attr.value in FLOAT_METHODS:
            call = self.names.parent(parent)
            return call if isinstance(call, cst.Call) and call.func is parent else None
        if isinstance(parent, cst.Arg):
            call = self.names.parent(parent)
            name = self.names.mlx_call_name(call) if isinstance(call, cst.Call) else None
            if name is not None and name.startswith(MLX_CORE + ".") and name not in QUANTIZATION_API:
                return call
        return None

    def _is_binding_target(self, node: cst.CSTNode) -> bool:
        parent = self.names.parent(node)
        return isinstance(parent, (cst.AssignTarget, cst.AugAssign)) or (
            isinstance(parent, cst.AnnAssign) and parent.target is node
        )

    def _guarded(self, node: cst.CSTNode, layer: cst.BaseExpression) -> bool:
        """In code the module has ruled the layer's quantization out of: a branch
        (`if not isinstance(layer, Quantized...)`, the `else` of `if isinstance(layer,
        Quantized...)`, `if isinstance(layer, nn.Linear)`) or after an early exit
        (`if not isinstance(layer, nn.Linear): return ...`)."""
        key = _last_name(layer)
        child = node
        for ancestor in patterns.ancestors(self.names, node):
            if isinstance(ancestor, (cst.If, cst.IfExp)) and child is not ancestor.test:
                quantized = self._tests_layer(ancestor.test, key)
                if quantized is not None and quantized != (child is ancestor.body):
                    return True
            if isinstance(ancestor, cst.IndentedBlock) and self._exited_before(ancestor, child, key):
                return True
            if isinstance(ancestor, (cst.FunctionDef, cst.ClassDef)):
                return False
            child = ancestor
        return False

    def _exited_before(self, block: cst.IndentedBlock, statement: cst.CSTNode, key: str | None) -> bool:
        """A statement before `statement` in `block` leaves when the layer is quantized."""
        for earlier in block.body:
            if earlier is statement:
                return False
            if (
                isinstance(earlier, cst.If)
                and earlier.orelse is None
                and self._tests_layer(earlier.test, key) is True
                and _exits(earlier.body)
            ):
                return True
        return False

    def _tests_layer(self, test: cst.BaseExpression, key: str | None) -> bool | None:
        """What `test` being true says of the layer: True "quantized", False "not
        quantized" (or "a plain float layer"), None nothing."""
        if isinstance(test, cst.UnaryOperation) and isinstance(test.operator, cst.Not):
            inner = self._tests_layer(test.expression, key)
            return None if inner is None else not inner
        if isinstance(test, cst.Name):
            values = self.names.name_values(test)
            return self._tests_layer(values[0], key) if len(values) == 1 else None
        layer = self._tested_layer(test)
        if layer is not None:
            return True if _last_name(layer) == key else None
        if (
            isinstance(test, cst.Call)
            and isinstance(test.func, cst.Name)
            and test.func.value == "isinstance"
            and self.names.is_builtin(test, "isinstance")
            and len(test.args) == 2
            and _last_name(test.args[0].value) == key
        ):
            return False  # isinstance(layer, nn.Linear): a float layer
        return None


def _exits(body: cst.BaseSuite) -> bool:
    statements = body.body if isinstance(body, cst.IndentedBlock) else [body]
    last = statements[-1] if statements else None
    if isinstance(last, cst.SimpleStatementLine):
        return any(isinstance(small, (cst.Return, cst.Raise, cst.Continue)) for small in last.body)
    return False


def _last_name(node: cst.CSTNode | None) -> str | None:
    if isinstance(node, cst.Name):
        return node.value
    if isinstance(node, cst.Attribute):
        return node.attr.value
    return None
