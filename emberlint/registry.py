"""Rule discovery and selection.

Rules are the `Rule` subclasses in the modules of `emberlint.rules`, one rule per
module; each is joined with its catalog document by code. Selection follows ruff:
the default set is every rule whose document says `default = true`; `select`
replaces it, `extend_select` adds to it, `ignore` removes from it, and each entry
is a code, a code prefix (`EMB00`) or `ALL`.
"""

from __future__ import annotations

import importlib
import pkgutil
from collections.abc import Iterable
from dataclasses import dataclass
from functools import cache

from emberlint.catalog import RuleDoc, load_catalog
from emberlint.errors import CatalogError, ConfigError
from emberlint.rule import Rule

# Rules the engine itself implements, with a catalog document but no visitor module.
UNUSED_NOQA = "EMB100"
ENGINE_RULES = frozenset({UNUSED_NOQA})


@dataclass(frozen=True)
class RuleSpec:
    doc: RuleDoc
    visitor: type[Rule] | None

    @property
    def code(self) -> str:
        return self.doc.code


@cache
def all_rules() -> dict[str, RuleSpec]:
    catalog = load_catalog()
    visitors = dict(_discover_visitors())
    for code in visitors.keys() - catalog.keys():
        raise CatalogError(f"rule {code} has no catalog document rules/{code}.md")
    for code in catalog.keys() - visitors.keys() - ENGINE_RULES:
        raise CatalogError(f"catalog document rules/{code}.md has no rule module")
    return {code: RuleSpec(doc, visitors.get(code)) for code, doc in sorted(catalog.items())}


def _discover_visitors() -> Iterable[tuple[str, type[Rule]]]:
    import emberlint.rules as package

    for info in pkgutil.iter_modules(package.__path__):
        module = importlib.import_module(f"{package.__name__}.{info.name}")
        for value in vars(module).values():
            if (
                isinstance(value, type)
                and issubclass(value, Rule)
                and value is not Rule
                and value.__module__ == module.__name__
                and getattr(value, "code", None)  # shared bases such as EpsSiteRule have none
            ):
                yield value.code, value


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
) -> list[RuleSpec]:
    """The rules enabled by these selectors, in code order."""
    rules = all_rules()
    select = list(select) if select is not None else None
    extend_select, ignore = list(extend_select), list(ignore)
    validate_selectors(select or [], "select")
    validate_selectors(extend_select, "extend-select")
    validate_selectors(ignore, "ignore")
    chosen = []
    for code, spec in rules.items():
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
