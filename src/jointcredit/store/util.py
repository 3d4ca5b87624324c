"""Helpers shared by the repository modules."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import TypeVar

T = TypeVar("T")

#: Keeps IN lists under SQLite's bound-parameter limit and PostgreSQL's planner comfortable.
CHUNK = 2000


def chunks(values: Sequence[T], size: int = CHUNK) -> Iterable[Sequence[T]]:
    """``values`` in slices of at most ``size``.

    >>> [list(c) for c in chunks([1, 2, 3], 2)]
    [[1, 2], [3]]
    """
    for start in range(0, len(values), size):
        yield values[start : start + size]


__all__ = ["CHUNK", "chunks"]
