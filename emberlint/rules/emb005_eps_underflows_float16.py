"""EMB005: an eps that rounds to 0 in float16, guarding a denominator or sqrt/rsqrt/log.

Always reported: whether the code runs in float16 is rarely knowable statically,
and the fix leaves float32 and bfloat16 results bit-identical.
"""

from __future__ import annotations

import libcst as cst

from emberlint.semantic import FLOAT16_UNDERFLOW
from emberlint.rules.emb004_bare_eps import EpsSite, EpsSiteRule, first_anchor


class EpsUnderflowsFloat16(EpsSiteRule):
    code = "EMB005"

    def check_site(self, site: EpsSite) -> None:
        value = self.names.float_value(site.term)
        if value is None or not 0 < abs(value) <= FLOAT16_UNDERFLOW:
            return
        if any(self.names.is_float32(term) for term in site.other_terms):
            return  # the guarded sum is float32 (or wider): 1e-8 does not round to 0 there
        anchor = first_anchor(self.names, (*site.other_terms, site.numerator))
        if anchor is None and not site.in_mlx_operation:
            return
        self._flag(site.term, value, anchor)

    def _max_is_builtin(self, node: cst.CSTNode) -> bool:
        """The fix calls `max`; a module that rebinds it (`from numpy import max`) gets no fix."""
        return self.names.is_builtin(node, "max")

    def _flag(self, term: cst.BaseExpression, value: float, anchor: cst.BaseExpression | None) -> None:
        message = f"eps {value:g} rounds to 0 in float16, so the guard does nothing there"
        if anchor is None or not self._max_is_builtin(term):
            self.report(term, message)
            return
        smallest_normal, imports = self.names.finfo_attribute(
            self.context.module, cst.Attribute(anchor, cst.Name("dtype")), "smallest_normal"
        )
        replacement = cst.Call(
            func=cst.Name("max"),
            args=[
                cst.Arg(
                    term.with_changes(lpar=[], rpar=[]).deep_clone(),
                    comma=cst.Comma(whitespace_after=cst.SimpleWhitespace(" ")),
                ),
                cst.Arg(smallest_normal),
            ],
            lpar=term.lpar,
            rpar=term.rpar,
        )
        self.report(term, message, replacement=replacement, imports=imports)
