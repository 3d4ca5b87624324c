"""Helpers shared by the repository modules."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any, TypeVar

from sqlalchemy import Connection, select

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


def ids_by(conn: Connection, column: Any, values: Sequence[str]) -> dict[str, int]:
    """Map each value of the unique ``column`` to its row's id."""
    found: dict[str, int] = {}
    for chunk in chunks(values):
        found.update(
            (value, row_id)
            for row_id, value in conn.execute(
                select(column.table.c.id, column).where(column.in_(chunk))
            )
        )
    return found


__all__ = ["CHUNK", "chunks", "ids_by"]
