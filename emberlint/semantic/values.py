"""Value facts: the constant an expression holds, its kind, what is known of its dtype.

Answered per expression and through names. Where the answers are not exact:
- Flow-insensitive: a name's facts are those every binding in its scope agrees
  on (a name rebound from itself, `x = x * s`, is neutral for arrays and
  dtypes); the order of assignments and the branches they sit in are ignored.
- Parameters count with their default value (`def f(eps=1e-6)` holds 1e-6),
  and a field of a same-module class annotated on a parameter
  (`args: ModelArgs` → `args.rms_norm_eps`) holds its default: callers and
  config files may pass something else.
- `self.x` holds what every `self.x = ...` in the class's methods (and a
  class-level `x = ...`) agrees on; subclasses, `setattr` and assignments
  from outside the class are not seen.
- Dtypes follow MLX 0.32's promotion as measured: a Python scalar is weakly
  typed (`x * 2.0` keeps x's dtype), float32 wins over half, bfloat16 with
  float16 gives float32. Not modelled: integer arrays turned float by `/`,
  `mean` or a Python float (reported as "same as x"), dtypes of arrays
  coming from other modules, `mx.random` keys, and `**kwargs` dtypes.
- Array inference covers `mlx.core` / `mlx.nn` calls, methods, arithmetic,
  subscripts and comparisons of arrays, names bound to them, and parameters
  annotated `mx.array`; not attributes (`self.weight`) or containers.
"""

from __future__ import annotations

import enum
import math
from dataclasses import dataclass

import libcst as cst

from emberlint.semantic.scopes import (
    BindingKind,
    Scope,
    dotted,
    method_class,
)
from emberlint.tree import children

MLX_CORE = "mlx.core"

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
) | frozenset(f"mlx.nn.{name}" for name in ("value_and_grad", "quantize", "average_gradients"))

# Array methods that do not return an array.
NON_ARRAY_METHODS = frozenset({"item", "tolist", "__len__"})

# Module constants by qualified name.
NAMED_CONSTANTS = {
    **dict.fromkeys(
        ("math.inf", "numpy.inf", "numpy.Inf", "numpy.Infinity", "numpy.PINF", "mlx.core.inf", "torch.inf"),
        math.inf,
    ),
    "numpy.NINF": -math.inf,
    **dict.fromkeys(("math.nan", "numpy.nan", "numpy.NaN", "mlx.core.nan", "torch.nan"), math.nan),
    **dict.fromkeys(("math.pi", "numpy.pi", "mlx.core.pi", "torch.pi"), math.pi),
    **dict.fromkeys(("math.e", "numpy.e", "mlx.core.e", "torch.e"), math.e),
    "math.tau": math.tau,
}

HALF = frozenset({"bfloat16", "float16"})
INTEGER = frozenset({"int8", "int16", "int32", "int64", "uint8", "uint16", "uint32", "uint64"})
DTYPE_NAMES = HALF | INTEGER | {"float32", "float64", "bool_", "complex64"}
DTYPES = frozenset(f"{MLX_CORE}.{name}" for name in DTYPE_NAMES) | frozenset(
    f"{package}.{name}"
    for package in ("numpy", "torch")
    for name in (*DTYPE_NAMES, "bool", "half", "float", "double", "complex128")
)

KNOWN_MODULES = frozenset(
    {
        "mlx", "mlx.core", "mlx.nn", "mlx.optimizers", "mlx.utils", "mlx.core.fast",
        "mlx.core.random", "mlx.core.linalg", "mlx.core.fft", "mlx.core.metal",
        "mlx.core.distributed", "mlx.nn.init", "mlx.nn.losses", "mlx.nn.layers",
        "numpy", "numpy.linalg", "numpy.random", "numpy.fft", "math", "torch",
        "torch.nn", "torch.nn.functional", "functools", "typing",
    }
)

# `mlx.core` functions whose result is float32 without a dtype argument.
FLOAT32_CONSTRUCTORS = frozenset({"ones", "zeros", "eye", "identity", "tri", "linspace"})
# `mlx.core` functions whose result is boolean.
BOOLEAN_FUNCTIONS = frozenset(
    {
        "equal", "not_equal", "greater", "greater_equal", "less", "less_equal",
        "logical_and", "logical_or", "logical_not", "logical_xor", "isnan", "isinf",
        "isposinf", "isneginf", "isfinite", "isclose", "allclose", "array_equal", "any", "all",
    }
)
INTEGER_FUNCTIONS = frozenset({"argmax", "argmin", "argsort", "argpartition"})
# Functions and methods whose result has the dtype of their (first) array operand.
DTYPE_FOLLOWING = frozenset(
    {
        "exp", "expm1", "log", "log1p", "log2", "log10", "sqrt", "rsqrt", "square", "abs",
        "negative", "sin", "cos", "tan", "tanh", "sinh", "cosh", "arcsin", "arccos", "arctan",
        "sigmoid", "erf", "erfinv", "reciprocal", "sign", "floor", "ceil", "round", "clip",
        "softmax", "logsumexp", "sum", "mean", "max", "min", "prod", "var", "std", "cumsum",
        "cumprod", "cummax", "cummin", "reshape", "transpose", "swapaxes", "moveaxis",
        "flatten", "squeeze", "expand_dims", "broadcast_to", "tril", "triu", "stop_gradient",
        "repeat", "tile", "pad", "take", "take_along_axis", "sort", "partition", "topk",
        "flip", "roll", "diag", "diagonal", "split", "copy", "contiguous", "conj", "real", "imag",
    }
)
# Functions whose array arguments promote to one dtype.
PROMOTING = frozenset(
    {
        "add", "subtract", "multiply", "divide", "maximum", "minimum", "power", "matmul",
        "logaddexp", "where", "addmm", "inner", "outer", "tensordot", "einsum", "concatenate",
        "stack", "remainder", "floor_divide",
    }
)
# Functions of a Python number that give a float32 array (`mx.sqrt(2.0)`).
FLOAT_RESULT = DTYPE_FOLLOWING - {"sum", "max", "min", "prod", "reshape", "transpose", "abs"}
ARITHMETIC = (
    cst.Add, cst.Subtract, cst.Multiply, cst.Divide, cst.FloorDivide, cst.Modulo, cst.Power,
    cst.MatrixMultiply,
)
LOGICAL = (cst.BitAnd, cst.BitOr, cst.BitXor)
# Positional index of `dtype` in the `mlx.core` calls that take it positionally.
DTYPE_POSITION = {"array": 1, "asarray": 1, "astype": 1, "full": 2, "ones": 1, "zeros": 1, "view": 1}
MAX_DEPTH = 12


class ValueKind(enum.Enum):
    ARRAY = "array"  # an MLX array
    MASK = "mask"  # a boolean MLX array (also an ARRAY for `is_array`)
    SCALAR = "scalar"  # a Python number or bool
    DTYPE = "dtype"
    MODULE = "module"
    UNKNOWN = "unknown"


@dataclass(frozen=True)
class DtypeFact:
    """What is known of an array's dtype.

    kind: "float32" (explicit), "half" (explicit bfloat16/float16),
    "float32_by_construction" (`mx.array(0.5)`, `mx.ones(n)`, promotion with one),
    "bool", "integer", "same_as" (the dtype of `source`), or "unknown".
    dtype: the qualified dtype name when it is written out (`"mlx.core.bfloat16"`).
    """

    kind: str
    dtype: str | None = None
    source: cst.BaseExpression | None = None


UNKNOWN = DtypeFact("unknown")
BY_CONSTRUCTION = DtypeFact("float32_by_construction")
BOOL = DtypeFact("bool")
INTEGER_FACT = DtypeFact("integer")


def _fact_of_dtype(qualified: str) -> DtypeFact:
    short = qualified.rsplit(".", 1)[-1]
    if short == "float32":
        return DtypeFact("float32", qualified)
    if short in HALF:
        return DtypeFact("half", qualified)
    if short in ("bool_", "bool"):
        return DtypeFact("bool", qualified)
    if short in INTEGER:
        return DtypeFact("integer", qualified)
    return DtypeFact("unknown", qualified)


def _promote(left: DtypeFact, right: DtypeFact) -> DtypeFact:
    """The dtype of an operation on two arrays, as MLX promotes them."""
    kinds = {left.kind, right.kind}
    if "float32" in kinds:
        return left if left.kind == "float32" else right
    if "float32_by_construction" in kinds:
        return BY_CONSTRUCTION
    if kinds == {"half"}:
        return left if left.dtype == right.dtype else BY_CONSTRUCTION  # bfloat16 + float16
    if "half" in kinds and kinds <= {"half", "integer", "bool"}:
        return left if left.kind == "half" else right
    if kinds <= {"integer", "bool"}:
        return INTEGER_FACT if "integer" in kinds else BOOL
    if left.kind == right.kind == "same_as":
        return left if _same_value(left.source, right.source) else UNKNOWN
    if "same_as" in kinds and kinds <= {"same_as", "integer", "bool"}:
        return left if left.kind == "same_as" else right
    return UNKNOWN


def _same_value(left: cst.CSTNode | None, right: cst.CSTNode | None) -> bool:
    """The same node, or the same name / attribute chain (read in one expression)."""
    if left is right:
        return True
    name = dotted(left) if left is not None else None
    return name is not None and name == (dotted(right) if right is not None else None)


class ValueFacts:
    """The value questions of `SemanticModel`; it provides names, bindings and parents."""

    def __init__(self) -> None:
        self._array_cache: dict[cst.CSTNode, bool] = {}
        self._resolving: set[tuple[Scope, str]] = set()
        self._dtype_cache: dict[cst.CSTNode, DtypeFact] = {}
        self._evaluating: set[cst.CSTNode] = set()  # constants being evaluated
        self._typing: set[cst.CSTNode] = set()  # dtypes being inferred
        self._attribute_index: dict[tuple[cst.CSTNode, str], list[cst.BaseExpression | None]] | None = None

    # -- arrays ---------------------------------------------------------------------

    def is_array(self, node: cst.CSTNode) -> bool:
        """True when `node` is known to evaluate to an MLX array (a mask included)."""
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
                return node.func.attr.value not in NON_ARRAY_METHODS and self.is_array(node.func.value)
            return False
        if isinstance(node, cst.BinaryOperation):
            return self.is_array(node.left) or self.is_array(node.right)
        if isinstance(node, cst.UnaryOperation):
            return not isinstance(node.operator, cst.Not) and self.is_array(node.expression)
        if isinstance(node, cst.Comparison):
            return self._compares_arrays(node)
        if isinstance(node, cst.Subscript):
            return self.is_array(node.value)
        if isinstance(node, cst.Attribute) and node.attr.value in ("T", "real", "imag"):
            return self.is_array(node.value)
        if isinstance(node, cst.IfExp):
            return self.is_array(node.body) and self.is_array(node.orelse)
        if isinstance(node, cst.Name):
            return self._name_is_array(node)
        return False

    def _compares_arrays(self, node: cst.Comparison) -> bool:
        """`x > 0`, `a == b` on an array; `is` / `in` comparisons are Python's."""
        if any(isinstance(target.operator, (cst.Is, cst.IsNot, cst.In, cst.NotIn)) for target in node.comparisons):
            return False
        return self.is_array(node.left) or any(self.is_array(target.comparator) for target in node.comparisons)

    def _name_is_array(self, node: cst.Name) -> bool:
        bindings = [binding for binding in self.bindings(node) if binding.kind is not BindingKind.DELETION]
        if not bindings:
            return False
        key = (self.scope(node), node.value)
        if key in self._resolving:
            # A rebinding from itself (`x = x * scale`): it is an array exactly
            # when the name's other bindings are, which the outer call decides.
            return True
        self._resolving.add(key)
        try:
            return all(self._binding_is_array(binding) for binding in bindings)
        finally:
            self._resolving.discard(key)

    def _binding_is_array(self, binding) -> bool:
        target = binding.node
        if binding.kind is BindingKind.PARAMETER:
            annotation = target.annotation
            return annotation is not None and self.resolves_to(annotation.annotation, "mlx.core.array")
        if binding.kind not in (BindingKind.ASSIGNMENT, BindingKind.AUGMENTED, BindingKind.WALRUS):
            return False
        value = self.assigned_value(target)
        return value is not None and self.is_array(value)

    def is_mask(self, node: cst.CSTNode) -> bool:
        """A boolean MLX array: a comparison of arrays, `~` / `&` / `|` of masks,
        `mx.logical_*`, `astype(mx.bool_)`, a constructor given `dtype=mx.bool_`."""
        return self.is_array(node) and self.dtype_of(node).kind == "bool"

    def value_kind(self, node: cst.CSTNode) -> ValueKind:
        if self.is_array(node):
            return ValueKind.MASK if self.dtype_of(node).kind == "bool" else ValueKind.ARRAY
        if self._dtype_name(node) is not None or (
            isinstance(node, cst.Attribute) and node.attr.value == "dtype" and self.is_array(node.value)
        ):
            return ValueKind.DTYPE
        if self._is_module(node):
            return ValueKind.MODULE
        if self._is_scalar(node):
            return ValueKind.SCALAR
        return ValueKind.UNKNOWN

    def _is_module(self, node: cst.CSTNode) -> bool:
        if not isinstance(node, (cst.Name, cst.Attribute)):
            return False
        qualified = self._qualified_frozen(node)
        if qualified and qualified <= KNOWN_MODULES:
            return True
        if isinstance(node, cst.Name):
            found = self.bindings(node)
            return bool(found) and all(
                binding.kind is BindingKind.IMPORT and isinstance(self.parent(binding.node), cst.Import)
                for binding in found
            )
        return False

    def _is_scalar(self, node: cst.CSTNode, depth: int = 0) -> bool:
        """A Python number or bool: a constant, builtin number conversions and
        `len`, arithmetic of scalars, a parameter annotated float/int/bool."""
        if depth > MAX_DEPTH:
            return False
        value = self.constant(node)
        if value is not None:
            return isinstance(value, (int, float))
        if isinstance(node, cst.Call):
            return self.resolves_to(node.func, "builtins.float", "builtins.int", "builtins.bool", "builtins.len", "builtins.round", "builtins.abs")
        if isinstance(node, cst.BinaryOperation):
            return self._is_scalar(node.left, depth + 1) and self._is_scalar(node.right, depth + 1)
        if isinstance(node, cst.UnaryOperation):
            return self._is_scalar(node.expression, depth + 1)
        if isinstance(node, cst.Name):
            found = self.bindings(node)
            if found and all(
                binding.kind is BindingKind.PARAMETER
                and binding.node.annotation is not None
                and self.resolves_to(binding.node.annotation.annotation, "builtins.float", "builtins.int", "builtins.bool")
                for binding in found
            ):
                return True
            values = self.name_values(node)
            return bool(values) and all(self._is_scalar(value, depth + 1) for value in values)
        return False

    # -- constants ------------------------------------------------------------------

    def float_value(self, node: cst.CSTNode) -> float | None:
        """`constant(node)` when it is a float (ints and bools are not floats here)."""
        value = self.constant(node)
        return value if isinstance(value, float) else None

    def constant(self, node: cst.CSTNode) -> int | float | bool | str | None:
        """The Python constant `node` holds, else None.

        Literals, `+`/`-`/`not`/`~` and arithmetic on constants, `float("-inf")`,
        `math.inf` / `np.inf` / `mx.inf` / `math.pi`, names every binding of which
        holds the same constant (module and function constants, parameter
        defaults), `self.x` set in the class's methods, a parameter's
        same-module config class field default, and through `mx.array(c, ...)`,
        `x.astype(...)`, `mx.astype(c, ...)` and `mx.full(shape, c, ...)`.
        """
        if node in self._evaluating:
            return None
        self._evaluating.add(node)
        try:
            return self._constant(node)
        finally:
            self._evaluating.discard(node)

    def _constant(self, node: cst.CSTNode) -> int | float | bool | str | None:
        if isinstance(node, (cst.Integer, cst.Float)):
            return node.evaluated_value
        if isinstance(node, (cst.SimpleString, cst.ConcatenatedString)):
            value = node.evaluated_value
            return value if isinstance(value, str) else None
        if isinstance(node, cst.UnaryOperation):
            return _unary(node.operator, self.constant(node.expression))
        if isinstance(node, cst.BinaryOperation):
            return _binary(node.operator, self.constant(node.left), self.constant(node.right))
        if isinstance(node, cst.Call):
            return self._call_constant(node)
        if isinstance(node, (cst.Name, cst.Attribute)):
            if isinstance(node, cst.Name) and node.value in ("True", "False"):
                return node.value == "True"
            qualified = self._qualified_frozen(node)
            if qualified and all(name in NAMED_CONSTANTS for name in qualified):
                values = {NAMED_CONSTANTS[name] for name in qualified}
                if len(values) == 1:
                    return values.pop()
            if isinstance(node, cst.Name):
                return _agreed(self.constant(value) for value in self.name_values(node))
            return self._attribute_constant(node)
        return None

    def _call_constant(self, node: cst.Call) -> int | float | bool | str | None:
        positional = [arg.value for arg in node.args if arg.keyword is None and not arg.star]
        if any(arg.star for arg in node.args):
            return None
        if self.resolves_to(node.func, "builtins.float", "builtins.int"):
            if len(node.args) != 1 or len(positional) != 1:
                return None
            value = self.constant(positional[0])
            convert = float if self.resolves_to(node.func, "builtins.float") else int
            if isinstance(value, bool) or value is None:
                return None
            try:
                return convert(value)
            except (TypeError, ValueError, OverflowError):
                return None
        name = self.mlx_call_name(node)
        if name in ("mlx.core.array", "mlx.core.asarray", "mlx.core.astype") and positional:
            value = self.constant(positional[0])
            return value if not isinstance(value, str) else None
        if name == "mlx.core.full":
            fill = _argument(node, 1, "vals")
            return self.constant(fill) if fill is not None else None
        if isinstance(node.func, cst.Attribute) and node.func.attr.value == "astype":
            value = self.constant(node.func.value)
            return value if not isinstance(value, str) else None
        return None

    def _attribute_constant(self, node: cst.Attribute) -> int | float | bool | str | None:
        """`self.eps` (set in the class) or `args.eps` (a parameter annotated with a
        class of this module whose field has a default)."""
        receiver = node.value
        if not isinstance(receiver, cst.Name):
            return None
        found = self.bindings(receiver)
        if len(found) != 1 or found[0].kind is not BindingKind.PARAMETER:
            return None
        binding = found[0]
        owner = method_class(binding)
        if owner is not None:
            values = self._attribute_values(owner, node.attr.value)
            if not values or None in values:
                return None
            return _agreed(self.constant(value) for value in values)
        annotation = binding.node.annotation
        if annotation is None:
            return None
        return self._field_default(annotation.annotation, node.attr.value)

    def _field_default(self, annotation: cst.BaseExpression, field: str) -> int | float | bool | str | None:
        if not isinstance(annotation, cst.Name):
            return None
        classes = self.bindings(annotation)
        if len(classes) != 1 or classes[0].kind is not BindingKind.CLASS:
            return None
        class_scope = self.scope(classes[0].node.body)
        if class_scope is None:
            return None
        values = [
            self.assigned_value(binding.node) if binding.kind is BindingKind.ASSIGNMENT else None
            for binding in class_scope.bindings.get(field, ())
        ]
        if not values or None in values:
            return None
        return _agreed(self.constant(value) for value in values)

    def attribute_values(self, owner: cst.ClassDef, attribute: str) -> list[cst.BaseExpression | None]:
        """What `self.<attribute>` is set to in `owner`'s methods and class body
        (None for a binding that holds no plain value: an augmented or tuple assignment)."""
        return self._attribute_values(owner, attribute)

    def _attribute_values(self, owner: cst.ClassDef, attribute: str) -> list[cst.BaseExpression | None]:
        """What `self.<attribute>` is set to in `owner`'s methods and class body."""
        if self._attribute_index is None:
            index: dict[tuple[cst.CSTNode, str], list[cst.BaseExpression | None]] = {}
            for target, value, scope in self._walk.attribute_targets:
                if not isinstance(target.value, cst.Name):
                    continue
                for binding in scope.lookup(target.value.value):
                    cls = method_class(binding)
                    if cls is not None:
                        index.setdefault((cls, target.attr.value), []).append(value)
            self._attribute_index = index
        values = list(self._attribute_index.get((owner, attribute), ()))
        class_scope = self.scope(owner.body)
        if class_scope is not None:
            for binding in class_scope.bindings.get(attribute, ()):
                values.append(self.assigned_value(binding.node) if binding.kind is BindingKind.ASSIGNMENT else None)
        return values

    # -- dtypes ---------------------------------------------------------------------

    def dtype_of(self, node: cst.CSTNode) -> DtypeFact:
        """What is known of the dtype of the array `node` evaluates to."""
        cached = self._dtype_cache.get(node)
        if cached is None:
            if node in self._typing:
                return UNKNOWN
            self._typing.add(node)
            try:
                cached = self._dtype(node)
            finally:
                self._typing.discard(node)
            self._dtype_cache[node] = cached
        return cached

    def is_float32(self, node: cst.CSTNode) -> bool:
        """Known to be float32: cast or created so, or promoted by a float32 operand."""
        return self.dtype_of(node).kind in ("float32", "float32_by_construction")

    def _follow(self, node: cst.CSTNode) -> DtypeFact:
        """The dtype of `node` for an expression whose dtype is `node`'s."""
        fact = self.dtype_of(node)
        if fact.kind == "unknown" and fact.dtype is None and self.is_array(node):
            return DtypeFact("same_as", None, node)
        return fact

    def _operand(self, node: cst.CSTNode) -> DtypeFact | None:
        """The dtype an operand brings to a promotion; None for a weak Python scalar."""
        if self.is_array(node):
            return self._follow(node)
        return None

    def _promote_all(self, operands) -> DtypeFact:
        facts = [fact for fact in map(self._operand, operands) if fact is not None]
        if not facts:
            return UNKNOWN
        result = facts[0]
        for fact in facts[1:]:
            result = _promote(result, fact)
        return result

    def _dtype(self, node: cst.CSTNode) -> DtypeFact:
        if isinstance(node, cst.Call):
            return self._call_dtype(node)
        if isinstance(node, cst.BinaryOperation):
            if isinstance(node.operator, LOGICAL) and self.is_mask(node.left) and self.is_mask(node.right):
                return BOOL
            if isinstance(node.operator, (*ARITHMETIC, *LOGICAL)):
                return self._promote_all((node.left, node.right))
            return UNKNOWN
        if isinstance(node, cst.UnaryOperation):
            if isinstance(node.operator, cst.Not):
                return UNKNOWN
            return self._follow(node.expression) if self.is_array(node.expression) else UNKNOWN
        if isinstance(node, cst.Comparison):
            return BOOL if self._compares_arrays(node) else UNKNOWN
        if isinstance(node, cst.Subscript) or (isinstance(node, cst.Attribute) and node.attr.value == "T"):
            return self._follow(node.value) if self.is_array(node.value) else UNKNOWN
        if isinstance(node, cst.IfExp):
            body, orelse = self.dtype_of(node.body), self.dtype_of(node.orelse)
            return body if body == orelse else UNKNOWN
        if isinstance(node, cst.Name):
            return self._name_dtype(node)
        return UNKNOWN

    def _name_dtype(self, node: cst.Name) -> DtypeFact:
        """The fact every value of the name agrees on; rebindings from itself are neutral."""
        values = [value for value in self.name_values(node) if not mentions_name(value, node.value)]
        facts = {self._follow(value) if self.is_array(value) else self.dtype_of(value) for value in values}
        return facts.pop() if len(facts) == 1 else UNKNOWN

    def _call_dtype(self, node: cst.Call) -> DtypeFact:
        name = self.mlx_call_name(node)
        func = node.func
        if name is None:
            if not isinstance(func, cst.Attribute):
                return UNKNOWN
            method = func.attr.value
            if method in ("astype", "view"):
                # a cast to an MLX dtype is an MLX array's, whatever the receiver is known as
                dtype = _argument(node, 0, "dtype")
                fact = self._explicit(dtype) if dtype is not None else UNKNOWN
                if fact.dtype is not None and fact.dtype.startswith(MLX_CORE + "."):
                    return fact
                return fact if self.is_array(func.value) else UNKNOWN
            if not self.is_array(func.value):
                return UNKNOWN
            if method in ("any", "all"):
                return BOOL
            if method in ("argmax", "argmin", "argsort"):
                return INTEGER_FACT
            if method in DTYPE_FOLLOWING:
                return self._follow(func.value)
            return UNKNOWN
        if not name.startswith(MLX_CORE + "."):
            return UNKNOWN
        short = name[len(MLX_CORE) + 1 :]
        dtype = _keyword(node, "dtype")
        if dtype is None and short in DTYPE_POSITION:
            dtype = _argument(node, DTYPE_POSITION[short], "dtype")
        if dtype is not None:
            return self._explicit(dtype)
        positional = [arg.value for arg in node.args if arg.keyword is None and not arg.star]
        if short in ("array", "asarray"):
            return self._constructed(positional[0]) if positional else UNKNOWN
        if short in FLOAT32_CONSTRUCTORS or short.startswith(("random.normal", "random.uniform", "random.truncated_normal")):
            return BY_CONSTRUCTION
        if short == "full":
            fill = _argument(node, 1, "vals")
            return self._constructed(fill) if fill is not None else UNKNOWN
        if short == "arange":
            values = [self.constant(value) for value in positional]
            if any(isinstance(value, float) for value in values):
                return BY_CONSTRUCTION
            if values and all(isinstance(value, int) for value in values):
                return INTEGER_FACT
            return UNKNOWN
        if short in BOOLEAN_FUNCTIONS:
            return BOOL
        if short in INTEGER_FUNCTIONS:
            return INTEGER_FACT
        if short in DTYPE_FOLLOWING:
            first = _argument(node, 0, "a")
            if first is None:
                return UNKNOWN
            if self.is_array(first):
                return self._follow(first)
            if short in FLOAT_RESULT and isinstance(self.constant(first), (int, float)):
                return BY_CONSTRUCTION
            return UNKNOWN
        if short in PROMOTING:
            operands = positional[1:] if short == "where" else positional
            if short in ("concatenate", "stack") and operands and isinstance(operands[0], (cst.List, cst.Tuple)):
                operands = [element.value for element in operands[0].elements]
            return self._promote_all(operands)
        return UNKNOWN

    def _constructed(self, value: cst.BaseExpression) -> DtypeFact:
        """The dtype MLX gives an array made from `value` without a dtype argument."""
        if self.is_array(value):
            return self._follow(value)
        constant = self.constant(value)
        if isinstance(constant, bool):
            return BOOL
        if isinstance(constant, int):
            return INTEGER_FACT
        if isinstance(constant, float):
            return BY_CONSTRUCTION
        kinds = {type(item) for item in _list_constants(self, value)}
        if float in kinds:
            return BY_CONSTRUCTION
        if kinds == {int} or kinds == {int, bool}:
            return INTEGER_FACT
        if kinds == {bool}:
            return BOOL
        return UNKNOWN

    def _explicit(self, dtype: cst.BaseExpression) -> DtypeFact:
        """The fact a dtype argument gives: a dtype name, or `x.dtype` (same as x)."""
        if isinstance(dtype, cst.Attribute) and dtype.attr.value == "dtype" and self.is_array(dtype.value):
            return self._follow(dtype.value)
        qualified = self._dtype_name(dtype)
        return _fact_of_dtype(qualified) if qualified is not None else UNKNOWN

    def _dtype_name(self, node: cst.CSTNode, depth: int = 0) -> str | None:
        """The qualified dtype a dtype expression names (`mx.float16`, a name bound to one)."""
        if not isinstance(node, (cst.Name, cst.Attribute)) or depth > MAX_DEPTH:
            return None
        qualified = self.qualified_name(node)
        if qualified in DTYPES:
            return qualified
        if isinstance(node, cst.Name):
            values = self.name_values(node)
            names = {self._dtype_name(value, depth + 1) for value in values}
            if len(names) == 1:
                return names.pop()
        return None


def _returns_array(qualified_name: str) -> bool:
    if qualified_name in NON_ARRAY_FUNCTIONS:
        return False
    last = qualified_name.rsplit(".", 1)[-1]
    if not last or last[0].isupper():  # classes: nn.Linear, mx.Dtype, ...
        return False
    submodule = qualified_name.split(".")[2] if qualified_name.count(".") >= 3 else ""
    return submodule not in ("metal", "cuda", "distributed", "init", "losses_utils")


def _agreed(values) -> int | float | bool | str | None:
    """The one value all of `values` are (None if any is None or they differ)."""
    result = None
    seen = False
    for value in values:
        if value is None:
            return None
        both_nan = isinstance(value, float) and isinstance(result, float) and math.isnan(value) and math.isnan(result)
        if seen and (value != result or type(value) is not type(result)) and not both_nan:
            return None
        result, seen = value, True
    return result


def _unary(operator: cst.BaseUnaryOp, value):
    if value is None or isinstance(value, str):
        return None
    if isinstance(operator, cst.Minus):
        return -value
    if isinstance(operator, cst.Plus):
        return +value
    if isinstance(operator, cst.Not):
        return not value
    if isinstance(operator, cst.BitInvert) and isinstance(value, int):
        return ~value
    return None


_BINARY = {
    cst.Add: lambda a, b: a + b,
    cst.Subtract: lambda a, b: a - b,
    cst.Multiply: lambda a, b: a * b,
    cst.Divide: lambda a, b: a / b,
    cst.FloorDivide: lambda a, b: a // b,
    cst.Modulo: lambda a, b: a % b,
}


def _binary(operator: cst.BaseBinaryOp, left, right):
    """Arithmetic on two numeric constants (no strings; powers only with small exponents)."""
    if not isinstance(left, (int, float)) or not isinstance(right, (int, float)):
        return None
    try:
        if isinstance(operator, cst.Power):
            return left**right if abs(right) <= 64 and abs(left) < 2**64 else None
        operation = _BINARY.get(type(operator))
        return operation(left, right) if operation is not None else None
    except (ArithmeticError, ValueError):
        return None


def _argument(call: cst.Call, position: int, keyword: str) -> cst.BaseExpression | None:
    """The value bound to parameter `keyword`, passed by keyword or at `position`."""
    found = _keyword(call, keyword)
    if found is not None:
        return found
    positional = [arg.value for arg in call.args if arg.keyword is None and not arg.star]
    return positional[position] if position < len(positional) else None


def _keyword(call: cst.Call, keyword: str) -> cst.BaseExpression | None:
    for arg in call.args:
        if arg.keyword is not None and arg.keyword.value == keyword:
            return arg.value
    return None


def _list_constants(model: ValueFacts, node: cst.BaseExpression):
    """The constants of a (nested) list/tuple literal; a non-constant gives None."""
    if isinstance(node, (cst.List, cst.Tuple)):
        for element in node.elements:
            if isinstance(element, cst.StarredElement):
                yield None
            else:
                yield from _list_constants(model, element.value)
    else:
        yield model.constant(node)


def mentions_name(node: cst.CSTNode, name: str) -> bool:
    """`name` is read somewhere in `node` (a rebinding from itself: `x = x * scale`)."""
    stack = [node]
    while stack:
        current = stack.pop()
        if isinstance(current, cst.Name) and current.value == name:
            return True
        if isinstance(current, cst.Attribute):
            stack.append(current.value)  # `.name` after a dot is an attribute, not the name
            continue
        stack.extend(children(current))
    return False


__all__ = ["DtypeFact", "ValueFacts", "ValueKind", "dotted", "mentions_name"]
