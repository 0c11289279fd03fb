"""Source ranges of the few nodes rules report, from one lightweight codegen pass.

libcst's `PositionProvider` records a range for every node of the module (a
generator-based context manager per expression plus a regex per token: about
twice the parse). The findings of a file need the ranges of a handful of nodes,
so this codegen state records only those (and what lies inside them, which
statements hoist their range from), and turns token indices into lines and
columns once at the end. The ranges are `PositionProvider`'s: syntactic where
libcst records one, whitespace-inclusive otherwise. The pass stops as soon as the
last wanted node has its range: the rest of the module cannot move it.
"""

from __future__ import annotations

import bisect
import itertools
import re
from collections.abc import Collection

import libcst as cst
from libcst._nodes.internal import CodegenState
from libcst.metadata import CodePosition, CodeRange

_NEWLINE = re.compile(r"\r\n?|\n")


class _Unrecorded:
    """The context of a node outside every wanted node: records nothing."""

    __slots__ = ()

    def __enter__(self) -> None:
        return None

    def __exit__(self, *exc_info: object) -> bool:
        return False


_UNRECORDED = _Unrecorded()


class _AllRecorded(Exception):
    """Every wanted node has its range: the codegen pass can stop."""


class _Recorded:
    __slots__ = ("end_node", "node", "start", "start_node", "state")

    def __init__(self, state: _RecordingState, node: cst.CSTNode, start_node, end_node) -> None:
        self.state, self.node, self.start_node, self.end_node = state, node, start_node, end_node

    def __enter__(self) -> None:
        self.state.depth += 1
        self.start = len(self.state.tokens)

    def __exit__(self, *exc_info: object) -> bool:
        state = self.state
        state.depth -= 1
        marks = state.marks
        start = marks[self.start_node][0] if self.start_node in marks else self.start
        end = marks[self.end_node][1] if self.end_node in marks else len(state.tokens)
        state.mark(self.node, start, end)
        return False


class _RecordingState(CodegenState):
    def __init__(self, module: cst.Module, wanted: Collection[cst.CSTNode]) -> None:
        super().__init__(default_indent=module.default_indent, default_newline=module.default_newline)
        self.wanted = wanted
        self.depth = 0  # > 0 while generating a wanted node: record every node inside
        self.marks: dict[cst.CSTNode, tuple[int, int]] = {}
        self.starts: list[int] = []
        self.unmarked = len(wanted)

    def mark(self, node: cst.CSTNode, start: int, end: int) -> None:
        """A node's range: its first one is final (a syntactic range is recorded
        inside the node's codegen, before the whitespace-inclusive one)."""
        if node in self.marks:
            return
        self.marks[node] = (start, end)
        if node in self.wanted:
            self.unmarked -= 1
            if not self.unmarked:
                raise _AllRecorded

    def record_syntactic_position(self, node, *, start_node=None, end_node=None):
        if self.depth or node in self.wanted:
            return _Recorded(self, node, start_node, end_node)
        return _UNRECORDED

    def before_codegen(self, node: cst.CSTNode) -> None:
        if self.depth or node in self.wanted:
            self.starts.append(len(self.tokens))
            self.depth += 1

    def after_codegen(self, node: cst.CSTNode) -> None:
        if self.depth and (self.depth > 1 or node in self.wanted) and self.starts:
            start = self.starts.pop()
            self.depth -= 1
            self.mark(node, start, len(self.tokens))


def node_ranges(module: cst.Module, nodes: Collection[cst.CSTNode]) -> dict[cst.CSTNode, CodeRange]:
    """The `PositionProvider` range of each of `nodes` (nodes of `module`)."""
    wanted = set(nodes)
    state = _RecordingState(module, wanted)
    try:
        module._codegen(state)
    except _AllRecorded:
        pass
    offsets = [0, *itertools.accumulate(map(len, state.tokens))]
    code = "".join(state.tokens)
    line_starts = [0, *(match.end() for match in _NEWLINE.finditer(code))]

    def position(token_index: int) -> CodePosition:
        offset = offsets[token_index]
        line = bisect.bisect_right(line_starts, offset) - 1
        return CodePosition(line + 1, offset - line_starts[line])

    return {
        node: CodeRange(position(start), position(end))
        for node, (start, end) in state.marks.items()
        if node in wanted
    }
