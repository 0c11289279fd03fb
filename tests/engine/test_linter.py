"""The linter's per-class cache of libcst visitor methods must find exactly
what libcst's own `inspect.getmembers` scan finds."""

from __future__ import annotations

import inspect

import pytest
from libcst.metadata import (
    ExpressionContextProvider,
    ParentNodeProvider,
    QualifiedNameProvider,
    ScopeProvider,
)

import emberlint.linter  # noqa: F401  (installs the cache)
from emberlint.registry import all_rules


def libcst_visitor_names(visitor) -> set[str]:
    """What `BatchableCSTVisitor.get_visitors` returned before the cache."""
    return {
        name
        for name, _ in inspect.getmembers(
            visitor,
            lambda member: inspect.ismethod(member)
            and member.__name__.startswith(("visit_", "leave_"))
            and not getattr(member, "_is_no_op", False),
        )
    }


VISITOR_CLASSES = [spec.visitor for spec in all_rules().values() if spec.visitor] + [
    ScopeProvider,
    QualifiedNameProvider,
    ExpressionContextProvider,
    ParentNodeProvider,
]


@pytest.mark.parametrize("visitor_class", VISITOR_CLASSES, ids=lambda cls: cls.__name__)
def test_cached_visitor_methods_match_libcst(visitor_class):
    visitor = visitor_class.__new__(visitor_class)
    methods = visitor.get_visitors()
    assert set(methods) == libcst_visitor_names(visitor)
    assert all(method.__self__ is visitor for method in methods.values())
