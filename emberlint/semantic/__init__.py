"""emberlint's semantic model: scopes, bindings, references and value facts, in one walk.

`SemanticModel.for_module(module)` walks a libcst module once (`scopes.build`)
and returns the model with the module's syntax nodes in visiting order. Rules
receive it as `self.names`. Everything is answered lazily and cached; names are
resolved by Python's scoping rules (see `scopes`), never by matching text.

Structure
    parent(node), scope(node) -> Scope, module_scope, module_binds(name)
    descendants(node) -> list[CSTNode]        the subtree in visiting order (no layout nodes)
    bindings(name_node) -> list[Binding]      every binding the read may see (`Binding.kind`,
                                              `.node`, `.scope`, `.imported`)
    lookup(at_node, name), is_builtin(at_node, name)
    binding_of(binding_node) -> Binding | None, references(binding) -> list[Name]

Names
    qualified_names(node) -> set[str]         `mx.fast.rms_norm` -> {"mlx.core.fast.rms_norm"}
    qualified_name(node) -> str | None         the one name all bindings agree on
    resolves_to(node, *names) -> bool          every binding must agree (`mx = np` poisons `mx`)
    mlx_name(node), mlx_call_name(call), is_mlx_call(call, *names)

Values (`values` documents where these are not exact)
    constant(node) -> int | float | bool | str | None
    float_value(node) -> float | None          constant(node) when it is a float
    value_kind(node) -> ValueKind              ARRAY, MASK, SCALAR, DTYPE, MODULE, UNKNOWN
    is_array(node), is_mask(node)
    dtype_of(node) -> DtypeFact                kind: "float32" | "half" | "float32_by_construction"
                                               | "bool" | "integer" | "same_as" | "unknown";
                                               dtype: qualified name when explicit; source: for same_as
    is_float32(node)                           explicit or by construction, through promotion
    assigned_value(target), name_values(name), is_float_param(name), dtype_anchor(node)
    attribute_values(class_def, attribute)     what `self.<attribute>` is set to in the class

Across functions and modules (`project`)
    ProjectIndex(root), ProjectIndex.for_file(path)   a project's modules, parsed on demand
    attach(model, project, path)              give a model (the module at path) its place in a project
    may_hold(model, node, test)               some value that may reach `node` passes `test`
                                              (through names, parameters' call sites, returns)

Replacements
    core_reference(module), nn_reference(module), typed_scalar(module, value, anchor),
    finfo_attribute(module, dtype, attribute)
"""

from emberlint.semantic.model import (
    ARRAY_TYPE,
    FLOAT16_OVERFLOW,
    FLOAT16_UNDERFLOW,
    MLX_CORE,
    MLX_NN,
    SemanticModel,
)
from emberlint.semantic.project import ProjectIndex, attach, may_hold
from emberlint.semantic.scopes import Binding, BindingKind, Scope, ScopeKind, dotted
from emberlint.semantic.values import DtypeFact, ValueKind, mentions_name

__all__ = [
    "ARRAY_TYPE",
    "FLOAT16_OVERFLOW",
    "FLOAT16_UNDERFLOW",
    "MLX_CORE",
    "MLX_NN",
    "Binding",
    "BindingKind",
    "DtypeFact",
    "ProjectIndex",
    "Scope",
    "ScopeKind",
    "SemanticModel",
    "ValueKind",
    "attach",
    "dotted",
    "may_hold",
    "mentions_name",
]
