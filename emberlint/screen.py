"""The token pre-screen: which selected rules can fire on a file, before any parse.

Each rule's catalog document lists its `triggers`; a rule can fire on a file only
if the file's lower-cased text contains one of them (see `emberlint.catalog`).
The linter runs only those rules, and the runner skips the libcst parse of a
file none of them can fire on, checking its syntax with CPython's own parser
instead (about a tenth of libcst's parse), so a file that does not parse is
still reported. The screen only ever drops a rule that could not have fired:
`tests/engine/test_prescreen.py` lints the real corpora with and without it.

Kept free of libcst, so that a run whose files all pass the screen never imports it.
"""

from __future__ import annotations

import warnings
from collections.abc import Sequence
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from emberlint.registry import RuleSpec


def can_fire(spec: RuleSpec, lowered: str) -> bool:
    """`lowered` (a file's text, lower-cased) holds one of the rule's triggers."""
    return any(trigger in lowered for trigger in spec.doc.triggers)


def rules_that_can_fire(rules: Sequence[RuleSpec], source: str) -> list[RuleSpec]:
    lowered = source.lower()
    return [spec for spec in rules if can_fire(spec, lowered)]


def syntax_error(source: str, path: str) -> str | None:
    """`:line:column: syntax error: message` when CPython's parser rejects `source`.

    Only the parser runs (an AST, no bytecode), so what the compiler alone
    rejects (`return` outside a function) passes, as it does through libcst.
    CPython's SyntaxWarnings about the user's code are not emberlint's to print.
    """
    import ast  # only a run that skips a parse needs it

    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            compile(source, path, "exec", ast.PyCF_ONLY_AST, dont_inherit=True)
    except SyntaxError as error:
        return f":{error.lineno or 1}:{error.offset or 1}: syntax error: {error.msg}"
    except ValueError as error:  # a NUL byte in the source
        return f":1:1: syntax error: {error}"
    return None
