"""Hypothesis strategies for random valid programs that contain MLX numerical hazards.

A program is a tree of statements rendered with one random indentation unit. The
hazard patterns the rules target are placed at random depths (inside functions,
methods, loops, `with`, `try`, conditionals) between unrelated code, comments and
strings that merely *mention* the hazards, in one of the import styles a module
can use to reach `mlx.core`.
"""

from __future__ import annotations

from dataclasses import dataclass

from hypothesis import strategies as st

CORE_FUNCTIONS = ("where", "log", "exp", "mean", "array", "ones", "sqrt", "softmax", "sum")


@dataclass(frozen=True)
class ImportStyle:
    header: str
    prefix: str  # what precedes a core function name at a call site

    def ref(self, name: str) -> str:
        return f"{self.prefix}{name}"

    @property
    def array_type(self) -> str:
        return self.ref("array")


IMPORT_STYLES = (
    ImportStyle("import mlx.core as mx", "mx."),
    ImportStyle("import mlx.core", "mlx.core."),
    ImportStyle("from mlx import core", "core."),
    ImportStyle(f"from mlx.core import {', '.join(CORE_FUNCTIONS)}", ""),
)

ARRAY_NAMES = ("x", "scores", "den", "num", "hidden", "q")
MASK_NAMES = ("mask", "keep")

# Hazard expressions; `{a}`/`{b}` are array names, `{m}` a mask, `{ref:fn}` a core function.
HAZARDS = (
    "{ref:where}({m}, {a}, -float('inf'))",
    "{ref:where}({m}, {a}, float('-inf'))",
    "{ref:where}({m}, {a}, -3.4028235e38)",
    "{ref:where}({m}, {a}, -1e9)",
    "{a} ** -0.5",
    "({a} + 1.0) ** (-0.5)",
    "{ref:mean}({a} * {a}, axis=-1, keepdims=True) ** -0.5",
    "{a} / ({b} + 1e-8)",
    "{a} / ({ref:sqrt}({b}) + 1e-6)",
    "{ref:log}(1.0 + {ref:exp}(-{a}))",
    "-{ref:log}(1.0 + {ref:exp}(-{a}))",
    "{ref:mean}({a} * {a}, axis=-1)",
    "{ref:array}(2.0) * {a}",
    "{a} * {ref:array}(0.5)",
    "{a} * 2.0 + 1",
    "{ref:softmax}({ref:where}({m}, {a}, -float('inf')), axis=-1)",
    "{ref:sum}({a} ** -0.5)",
)

# Code that is not a hazard but looks like one to a text matcher.
DECOYS = (
    "label = 'mx.where(mask, x, -float(\"inf\"))'",
    "# x ** -0.5 and num / (den + 1e-8) in a comment",
    "size = 64 ** -0.5",
    "ratio = 3.0 / (7 + 1e-8)",
    "import math",
    "value = math.log(1.0 + math.exp(-2.0))",
    'doc = """mx.array(2.0) * x\n  spans lines\n"""',
    "pair = {'a': [1, 2], 'b': (3,)}",
    "total = sum(i * i for i in range(4))",
    "flag = not (1 < 2 <= 3)",
    "name = f'{1 + 1:>4}'",
    "pass",
    "del pair",
    "print(1.0 * 2.0, end='')",
)

comments = st.sampled_from(
    ("# noqa", "# noqa: EMB003", "# a comment", "# mx.where(m, s, -float('inf'))", "#")
)


@dataclass(frozen=True)
class Line:
    text: str


@dataclass(frozen=True)
class Compound:
    header: str
    body: tuple
    footer: tuple[tuple[str, tuple], ...] = ()  # (`else:` / `except ...:`, block)


def render(block: tuple, indent: str, depth: int = 0) -> list[str]:
    lines: list[str] = []
    for statement in block:
        if isinstance(statement, Line):
            lines.extend(indent * depth + part for part in statement.text.split("\n"))
        else:
            lines.extend(indent * depth + part for part in statement.header.split("\n"))
            lines.extend(render(statement.body, indent, depth + 1))
            for header, body in statement.footer:
                lines.append(indent * depth + header)
                lines.extend(render(body, indent, depth + 1))
    return lines


@st.composite
def hazard_line(draw, style: ImportStyle) -> Line:
    template = draw(st.sampled_from(HAZARDS))
    array_a, array_b = draw(st.permutations(ARRAY_NAMES))[:2]
    text = template
    for name in CORE_FUNCTIONS:
        text = text.replace(f"{{ref:{name}}}", style.ref(name))
    text = text.replace("{a}", array_a).replace("{b}", array_b)
    text = text.replace("{m}", draw(st.sampled_from(MASK_NAMES)))
    target = draw(st.sampled_from(("out", "scores", "y", "x")))
    form = draw(st.sampled_from(("assign", "return", "augment", "argument", "expression")))
    if form == "assign":
        text = f"{target} = {text}"
    elif form == "augment":
        text = f"{target} += {text}"
    elif form == "argument":
        text = f"results.append(({text}, 1))"
    elif form == "return":
        text = f"return {text}"
    if draw(st.booleans()):
        text += "  " + draw(comments)
    return Line(text)


def array_setup(style: ImportStyle) -> tuple[Line, ...]:
    lines = [Line(f"{name} = {style.ref('ones')}((4, 8))") for name in ARRAY_NAMES]
    lines += [Line(f"{name} = {style.ref('ones')}((4, 8)) > 0") for name in MASK_NAMES]
    return tuple(lines)


@st.composite
def block(draw, style: ImportStyle, depth: int, in_function: bool) -> tuple:
    """One or more statements; compound statements nest up to depth 2."""
    size = draw(st.integers(1, 3))
    statements = []
    for _ in range(size):
        kinds = ["hazard", "decoy", "comment"]
        if depth < 2:
            kinds += ["if", "for", "while", "with", "try", "def", "class"]
        kind = draw(st.sampled_from(kinds))
        if kind == "hazard":
            line = draw(hazard_line(style))
            if line.text.startswith("return") and not in_function:
                line = Line(line.text.replace("return ", "out = ", 1))
            statements.append(line)
        elif kind == "decoy":
            statements.append(Line(draw(st.sampled_from(DECOYS))))
        elif kind == "comment":
            statements.append(Line(draw(comments)))
        elif kind == "def":
            statements.append(draw(function(style, depth)))
        elif kind == "class":
            method = draw(function(style, depth + 1, method=True))
            statements.append(Compound("class Model:", (Line("scale = 0.5"), method)))
        else:
            body = draw(block(style, depth + 1, in_function))
            statements.append(_compound(kind, body, draw(block(style, depth + 1, in_function))))
    if all(isinstance(s, Line) and s.text.startswith("#") for s in statements):
        statements.append(Line("pass"))  # a block of comments alone is not valid Python
    return tuple(statements)


def _compound(kind: str, body: tuple, other: tuple) -> Compound:
    if kind == "if":
        return Compound("if flag:", body, (("else:", other),))
    if kind == "for":
        return Compound("for step in range(2):", body)
    if kind == "while":
        return Compound("while flag:", body + (Line("break"),))
    if kind == "with":
        return Compound("with context():", body)
    return Compound("try:", body, (("except (ValueError, TypeError):", other),))


@st.composite
def function(draw, style: ImportStyle, depth: int, method: bool = False) -> Compound:
    annotated = draw(st.booleans())
    params = []
    for name in ARRAY_NAMES + MASK_NAMES:
        params.append(f"{name}: {style.array_type}" if annotated else name)
    if method:
        params.insert(0, "self")
    signature = ", ".join(params)
    decorator = draw(st.sampled_from(("", "@decorate\n", "@functools.cache\n")))
    body = draw(block(style, depth + 1, in_function=True))
    if not annotated:
        body = array_setup(style)[: draw(st.integers(0, 3))] + body
    return Compound(f"{decorator}def compute({signature}):", body)


@st.composite
def programs(draw) -> str:
    """A random valid module that imports `mlx.core` and contains hazard patterns."""
    style = draw(st.sampled_from(IMPORT_STYLES))
    head: list = []
    if draw(st.booleans()):
        head.append(Line('"""Module docstring."""'))
    if draw(st.booleans()):
        head.append(Line("from __future__ import annotations"))
    head.append(Line(style.header))
    if draw(st.booleans()):
        head.append(Line("import numpy as np"))
    head += [Line("flag = True"), Line("results = []"), Line("")]
    head += array_setup(style)
    body = draw(block(style, 0, in_function=False))
    indent = draw(st.sampled_from(("    ", "  ", "\t")))
    newline = draw(st.sampled_from(("\n", "\n", "\r\n")))
    lines = render(tuple(head) + body, indent)
    return newline.join(lines) + newline
