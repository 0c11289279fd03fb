"""The ranges `emberlint.positions` gives the reported nodes are libcst's
`PositionProvider` ranges, node for node, whether asked for all nodes or one."""

from __future__ import annotations

from pathlib import Path

import libcst as cst
import pytest
from libcst.metadata import MetadataWrapper, PositionProvider

from emberlint.positions import node_ranges
from emberlint.tree import walk

from .test_tree import TRICKY

ROOT = Path(__file__).resolve().parents[2]
SOURCES = [
    pytest.param(TRICKY, id="tricky"),
    pytest.param(TRICKY.replace("\n", "\r\n"), id="tricky-crlf"),
    pytest.param("x = (  # why\n    a  +  b\n)\ny = 'é' * 2; z = [\n\t1,\n]\n", id="parens-comments-tabs"),
] + [
    pytest.param(path.read_text(encoding="utf-8"), id=path.relative_to(ROOT).as_posix())
    for path in sorted((ROOT / "xlstm_model").rglob("*.py"))[:6]
]


@pytest.mark.parametrize("source", SOURCES)
def test_ranges_match_position_provider(source):
    module = cst.parse_module(source)
    order, _ = walk(module)
    expected = MetadataWrapper(module, unsafe_skip_copy=True).resolve(PositionProvider)
    assert node_ranges(module, order) == {node: expected[node] for node in order}
    for node in order[:: max(1, len(order) // 40)]:  # one node at a time, as for a file with one finding
        assert node_ranges(module, [node]) == {node: expected[node]}
