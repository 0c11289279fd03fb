"""EMB005: an eps that rounds to 0 in float16, guarding a denominator or sqrt/rsqrt/log.

Reported unless the guarded sum is known to be float32, where the eps survives.
Two fixes, by what the sum is made of:
- Terms that are plain names or attributes of a known MLX array (`den + 1e-8`,
  `ms + self.eps`): the sum is kept and only an exact zero is replaced,
  `mx.where(den + 1e-8 == 0, mx.finfo(mx.float16).smallest_normal, den + 1e-8)`.
  Every non-zero sum is untouched, so where the sum is a denominator or the
  argument of rsqrt/log (a zero gives inf or NaN there) results are
  bit-identical wherever they were finite: a safe fix. Under `sqrt`, whose
  `sqrt(0) = 0` is finite, it is safe only when the sqrt is itself a denominator.
- Anything else (a reduction that repeating would compute twice): the eps is
  raised to the dtype's smallest normal number, `max(eps,
  mx.finfo(den.dtype).smallest_normal)`, which moves small float16 denominators
  too: unsafe.
"""

from __future__ import annotations

import libcst as cst

from emberlint.rules.emb004_bare_eps import EpsSite, EpsSiteRule, first_anchor
from emberlint.semantic import FLOAT16_UNDERFLOW
from emberlint.semantic.scopes import dotted

# Where a zero sum gives inf or NaN, so replacing only the zero changes no finite result.
_ZERO_IS_NOT_FINITE = ("mlx.core.rsqrt", "mlx.core.log", "mlx.core.log2", "mlx.core.log10")


class EpsUnderflowsFloat16(EpsSiteRule):
    code = "EMB005"

    def check_site(self, site: EpsSite) -> None:
        value = self.names.float_value(site.term)
        if value is None or not 0 < abs(value) <= FLOAT16_UNDERFLOW:
            return
        if any(self.names.is_float32(term) for term in site.other_terms):
            return  # the guarded sum is float32 (or wider): the eps does not round to 0 there
        message = f"eps {value:g} rounds to 0 in float16, so the guard does nothing there"
        if self._sum_is_cheap_array(site):
            self._replace_zero(site, message)
            return
        anchor = first_anchor(self.names, (*site.other_terms, site.numerator))
        if anchor is None and not site.in_mlx_operation:
            return
        self._raise_eps(site.term, message, anchor)

    def _sum_is_cheap_array(self, site: EpsSite) -> bool:
        """Plain names and attributes (cheap to write twice), one of them a known MLX array."""
        return all(
            isinstance(term, (cst.Name, cst.Attribute)) and dotted(term) for term in site.other_terms
        ) and any(self.names.is_array(term) for term in site.other_terms)

    def _zero_is_not_finite(self, site: EpsSite) -> bool:
        operation = site.operation
        if isinstance(operation, cst.BinaryOperation) or self.names.is_mlx_call(operation, "mlx.core.divide"):
            return True
        if self.names.is_mlx_call(operation, *_ZERO_IS_NOT_FINITE):
            return True
        # `x / mx.sqrt(s)`: sqrt(0) = 0 only ever divides.
        parent = self.names.parent(operation)
        if isinstance(parent, cst.Arg):
            call = self.names.parent(parent)
            return (
                isinstance(call, cst.Call)
                and self.names.is_mlx_call(call, "mlx.core.divide")
                and len(call.args) == 2
                and call.args[1] is parent
            )
        return (
            isinstance(parent, cst.BinaryOperation)
            and isinstance(parent.operator, cst.Divide)
            and parent.right is operation
        )

    def _replace_zero(self, site: EpsSite, message: str) -> None:
        core, imports = self.names.core_reference(self.context.module)
        fallback, _ = self.names.finfo_attribute(
            self.context.module, cst.Attribute(core, cst.Name("float16")), "smallest_normal"
        )
        bare = site.guarded.with_changes(lpar=[], rpar=[])
        comma = cst.Comma(whitespace_after=cst.SimpleWhitespace(" "))
        replacement = cst.Call(
            func=cst.Attribute(core.deep_clone(), cst.Name("where")),
            args=[
                cst.Arg(
                    cst.Comparison(
                        bare.deep_clone(),
                        [
                            cst.ComparisonTarget(
                                cst.Equal(
                                    whitespace_before=cst.SimpleWhitespace(" "),
                                    whitespace_after=cst.SimpleWhitespace(" "),
                                ),
                                cst.Integer("0"),
                            )
                        ],
                    ),
                    comma=comma,
                ),
                cst.Arg(fallback, comma=comma),
                cst.Arg(bare.deep_clone()),
            ],
        )
        self.report(
            site.guarded,
            message,
            replacement=replacement,
            imports=imports,
            fix_safety="safe" if self._zero_is_not_finite(site) else None,
        )

    def _raise_eps(self, term: cst.BaseExpression, message: str, anchor: cst.BaseExpression | None) -> None:
        if anchor is None or not self.names.is_builtin(term, "max"):
            self.report(term, message)  # no array in reach, or `max` is not the builtin
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
