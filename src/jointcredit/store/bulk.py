"""Fast executemany of many rows into one table, for imports.

SQLAlchemy's generic parameter handling costs more per row than SQLite's own insert. Here each
column's bind processor (dates for SQLite, JSON) is looked up once and the statement goes to the
driver's executemany as plain tuples: the same values the ORM layer would send, with less work.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from sqlalchemy import Connection, Table


def insert_rows(conn: Connection, table: Table, rows: Sequence[dict[str, Any]]) -> None:
    if not rows:
        return
    dialect = conn.dialect
    columns = list(rows[0])
    processors: list[Callable[[Any], Any] | None] = [
        table.c[name].type._cached_bind_processor(dialect)
        for name in columns
    ]
    mark = "?" if dialect.paramstyle == "qmark" else "%s"
    sql = (
        f"INSERT INTO {table.name} ({', '.join(columns)}) "
        f"VALUES ({', '.join(mark for _ in columns)})"
    )
    converters = [_converter(p) for p in processors]
    pairs = list(zip(columns, converters, strict=True))
    params = [tuple(row[name] if c is None else c(row[name]) for name, c in pairs) for row in rows]
    conn.exec_driver_sql(sql, params)


def _converter(processor: Callable[[Any], Any] | None) -> Callable[[Any], Any] | None:
    """The bind processor, memoised: dates, timestamps and shared payloads repeat across rows."""
    if processor is None:
        return None
    cache: dict[Any, Any] = {}

    def convert(value: Any) -> Any:
        if value is None:
            return None
        key = id(value) if isinstance(value, dict) else value
        try:
            return cache[key]
        except KeyError:
            result = cache[key] = processor(value)
            if isinstance(value, dict):
                # id() is only stable while the object lives; keep it alive with its result.
                cache[("keep", key)] = value
            return result

    return convert
