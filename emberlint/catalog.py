"""The rule catalog: one Markdown document per rule, the source of truth for its text.

Each document starts with a TOML header between `+++` lines:

    +++
    code = "EMB002"
    name = "infinite-mask-sentinel"
    category = "correctness"      # correctness | precision | performance | style
    fix = "unsafe"                # safe | unsafe | none
    dtypes = ["float32", "bfloat16", "float16"]  # where the hazard can occur
    default = true                # enabled without --select
    summary = "One line for tables and listings"
    triggers = ["exp", "log"]     # text one of which every file the rule can fire on holds
    +++

followed by the sections `## What it does`, `## Why is this bad?`, `## Example`,
`## Use instead` and `## Fix safety`. The first ```python block under Example
and under Use instead are the bad and the fixed example; the tests run them.

`triggers` lets the linter skip a rule, and a file no selected rule can fire on
skip the parse altogether (`emberlint.screen`): a rule can fire on a file only
if the file's text, lower-cased, contains one of its triggers. A trigger is any
substring: a name the rule must resolve (`"exp"` for `mx.exp`, which any
import or alias of it also spells), an operator (`"**"`), or `"mlx"` for a rule
that needs no particular name (every file the linter parses mentions mlx).
"""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from emberlint.errors import CatalogError

CATEGORIES = ("correctness", "precision", "performance", "style")
# Where each rule's page is published: the catalog document in the repository.
RULE_PAGES = "https://github.com/emberlint/emberlint/blob/main/rules/"
FIX_KINDS = ("safe", "unsafe", "none")
# The floating dtypes a project's arrays may run in (`[tool.emberlint] dtypes`).
DTYPES = ("float32", "bfloat16", "float16")
_HEADER = re.compile(r"\A\+\+\+\n(.*?)\n\+\+\+\n", re.DOTALL)
_SECTION = re.compile(r"^## (.+)$", re.MULTILINE)
_PYTHON_BLOCK = re.compile(r"```python\n(.*?)```", re.DOTALL)


@dataclass(frozen=True)
class RuleDoc:
    code: str
    name: str
    category: str
    fix: str
    dtypes: tuple[str, ...]
    default: bool
    summary: str
    triggers: tuple[str, ...]
    body: str
    path: Path

    @property
    def url(self) -> str:
        return f"{RULE_PAGES}{self.code}.md"

    def section(self, title: str) -> str:
        """The text of `## title`, up to the next `## ` heading ('' if absent)."""
        matches = list(_SECTION.finditer(self.body))
        for index, match in enumerate(matches):
            if match.group(1).strip().lower() == title.lower():
                end = matches[index + 1].start() if index + 1 < len(matches) else len(self.body)
                return self.body[match.end() : end].strip()
        return ""

    def example(self, title: str) -> str | None:
        """The first ```python block of section `title`."""
        found = _PYTHON_BLOCK.search(self.section(title))
        return found.group(1) if found else None

    @property
    def bad_example(self) -> str | None:
        return self.example("Example")

    @property
    def fixed_example(self) -> str | None:
        return self.example("Use instead")


def catalog_dir() -> Path:
    """Installed wheels carry the catalog as `emberlint/catalog`; a checkout has `rules/`.
    (The package's own directory, not `importlib.resources`: its import is a tenth
    of a warm run, and emberlint is never run from a zip.)"""
    packaged = Path(__file__).resolve().parent / "catalog"
    if packaged.is_dir():
        return packaged
    return Path(__file__).resolve().parent.parent / "rules"


def parse_doc(path: Path) -> RuleDoc:
    text = path.read_text(encoding="utf-8")
    header = _HEADER.match(text)
    if header is None:
        raise CatalogError(f"{path}: missing the +++ TOML header")
    try:
        meta = tomllib.loads(header.group(1))
    except tomllib.TOMLDecodeError as error:
        raise CatalogError(f"{path}: invalid TOML header: {error}") from error
    for key in ("code", "name", "category", "fix", "dtypes", "default", "summary", "triggers"):
        if key not in meta:
            raise CatalogError(f"{path}: header lacks '{key}'")
    if meta["category"] not in CATEGORIES:
        raise CatalogError(f"{path}: category must be one of {', '.join(CATEGORIES)}")
    if meta["fix"] not in FIX_KINDS:
        raise CatalogError(f"{path}: fix must be one of {', '.join(FIX_KINDS)}")
    dtypes = meta["dtypes"]
    if not isinstance(dtypes, list) or not dtypes or not set(dtypes) <= set(DTYPES):
        raise CatalogError(f"{path}: dtypes must be a non-empty list of {', '.join(DTYPES)}")
    triggers = meta["triggers"]
    if (
        not isinstance(triggers, list)
        or not triggers
        or not all(isinstance(trigger, str) and trigger and trigger == trigger.lower() for trigger in triggers)
    ):
        raise CatalogError(f"{path}: triggers must be a non-empty list of non-empty lower-case strings")
    if path.stem != meta["code"]:
        raise CatalogError(f"{path}: file name must be the rule code {meta['code']}")
    return RuleDoc(
        code=meta["code"],
        name=meta["name"],
        category=meta["category"],
        fix=meta["fix"],
        dtypes=tuple(dtype for dtype in DTYPES if dtype in dtypes),
        default=bool(meta["default"]),
        summary=meta["summary"],
        triggers=tuple(triggers),
        body=text[header.end() :],
        path=path,
    )


@cache
def load_catalog() -> dict[str, RuleDoc]:
    """Every rule document, by code."""
    return {doc.code: doc for doc in map(parse_doc, sorted(catalog_dir().glob("EMB*.md")))}


def markdown_table(docs: dict[str, RuleDoc]) -> str:
    """The README's rule table, generated from the catalog (a test keeps them in sync)."""
    lines = [
        "| Code | Name | Category | Fix | Dtypes | Default | Summary |",
        "| --- | --- | --- | --- | --- | --- | --- |",
    ]
    for doc in docs.values():
        summary = doc.summary.replace("|", r"\|")
        default = "on" if doc.default else "off"
        dtypes = "all" if doc.dtypes == DTYPES else ", ".join(doc.dtypes)
        lines.append(
            f"| [{doc.code}](rules/{doc.code}.md) | {doc.name} | {doc.category} | {doc.fix} "
            f"| {dtypes} | {default} | {summary} |"
        )
    return "\n".join(lines)


if __name__ == "__main__":
    print(markdown_table(load_catalog()))
