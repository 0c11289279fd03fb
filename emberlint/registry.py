"""Rule discovery and selection.

Rules are the `Rule` subclasses in the modules of `emberlint.rules`, one rule per
module named after its code (`emb002_infinite_mask_sentinel.py`); each is joined
with its catalog document by code. A rule's module (and libcst with it) is
imported only when a file is linted with it. Selection follows ruff:
the default set is every rule whose document says `default = true`; `select`
replaces it, `extend_select` adds to it, `ignore` removes from it, and each entry
is a code, a code prefix (`EMB00`) or `ALL`. A rule whose hazard cannot occur
in any of the project's `dtypes` (its document's `dtypes`) is never run.
"""

from __future__ import annotations

import importlib
import pkgutil
from collections.abc import Iterable
from dataclasses import dataclass
from functools import cache
from typing import TYPE_CHECKING

from emberlint.catalog import RuleDoc, load_catalog
from emberlint.errors import CatalogError, ConfigError

if TYPE_CHECKING:
    from emberlint.rule import Rule

# Rules the engine itself implements, with a catalog document but no visitor module.
UNUSED_NOQA = "EMB100"
ENGINE_RULES = frozenset({UNUSED_NOQA})


@dataclass(frozen=True)
class RuleSpec:
    doc: RuleDoc
    module: str | None  # the module defining the rule's visitor; None for engine rules

    @property
    def code(self) -> str:
        return self.doc.code

    @property
    def visitor(self) -> type[Rule] | None:
        return None if self.module is None else load_visitor(self.module, self.code)


@cache
def all_rules() -> dict[str, RuleSpec]:
    catalog = load_catalog()
    modules = _rule_modules()
    for code in modules.keys() - catalog.keys():
        raise CatalogError(f"rule {code} has no catalog document rules/{code}.md")
    for code in catalog.keys() - modules.keys() - ENGINE_RULES:
        raise CatalogError(f"catalog document rules/{code}.md has no rule module")
    return {code: RuleSpec(doc, modules.get(code)) for code, doc in sorted(catalog.items())}


def _rule_modules() -> dict[str, str]:
    """Rule code -> module name, from the module file names alone (nothing is imported)."""
    import emberlint.rules as package

    modules: dict[str, str] = {}
    for info in pkgutil.iter_modules(package.__path__):
        code = info.name.split("_", 1)[0].upper()
        if code in modules:
            raise CatalogError(f"two rule modules for {code}: {modules[code]} and {info.name}")
        modules[code] = f"{package.__name__}.{info.name}"
    return modules


@cache
def load_visitor(module_name: str, code: str) -> type[Rule]:
    """The `Rule` subclass with this `code` that `module_name` defines."""
    from emberlint.rule import Rule

    module = importlib.import_module(module_name)
    for value in vars(module).values():
        if (
            isinstance(value, type)
            and issubclass(value, Rule)
            and value.__module__ == module.__name__
            and getattr(value, "code", None) == code
        ):
            return value
    raise CatalogError(f"{module_name} defines no rule with code {code}")


def matches(code: str, selector: str) -> bool:
    return selector == "ALL" or code.startswith(selector)


def validate_selectors(selectors: Iterable[str], option: str) -> None:
    codes = all_rules().keys()
    for selector in selectors:
        if not any(matches(code, selector) for code in codes):
            raise ConfigError(f"{option}: '{selector}' matches no rule code")


def select_rules(
    select: Iterable[str] | None = None,
    extend_select: Iterable[str] = (),
    ignore: Iterable[str] = (),
    dtypes: Iterable[str] | None = None,
) -> list[RuleSpec]:
    """The rules enabled by these selectors whose hazard can occur in one of
    `dtypes` (None: any dtype), in code order."""
    rules = all_rules()
    select = list(select) if select is not None else None
    extend_select, ignore = list(extend_select), list(ignore)
    validate_selectors(select or [], "select")
    validate_selectors(extend_select, "extend-select")
    validate_selectors(ignore, "ignore")
    chosen = []
    for code, spec in rules.items():
        if dtypes is not None and not set(spec.doc.dtypes) & set(dtypes):
            continue
        if select is None:
            enabled = spec.doc.default
        else:
            enabled = any(matches(code, selector) for selector in select)
        enabled = enabled or any(matches(code, selector) for selector in extend_select)
        # An exact code beats a prefix, as in ruff: `--ignore EMB --select EMB002` keeps EMB002.
        if any(matches(code, selector) for selector in ignore) and code not in extend_select and code not in (select or []):
            enabled = False
        if enabled:
            chosen.append(spec)
    return chosen
