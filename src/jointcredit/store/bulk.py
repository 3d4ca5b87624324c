"""Fast executemany of many rows into one table, for imports.

SQLAlchemy's generic parameter handling costs more per row than the database's own insert.
Here the statement goes to the driver's executemany as plain tuples, with only the columns that
need it converted the way SQLAlchemy would: dates and timestamps for SQLite (ISO text), JSON
(text, passed through when already serialised, cast to JSONB on PostgreSQL).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Sequence
from operator import itemgetter
from typing import Any

from sqlalchemy import JSON, Connection, Date, DateTime, Table

from jointcredit.jsontext import dumps


def _json(value: Any) -> str:
    return value if isinstance(value, str) else dumps(value)


def insert_rows(conn: Connection, table: Table, rows: Sequence[dict[str, Any]]) -> None:
    """INSERT ``rows`` (dicts with the same keys) into ``table`` with one executemany."""
    if not rows:
        return
    dialect = conn.dialect
    sqlite = dialect.name == "sqlite"
    columns = list(rows[0])
    marks: list[str] = []
    converters: list[tuple[int, Callable[[Any], Any]]] = []
    for index, name in enumerate(columns):
        column_type = table.c[name].type
        mark = "?" if dialect.paramstyle == "qmark" else "%s"
        if isinstance(column_type, JSON):
            converters.append((index, _json))
            if not sqlite:
                mark = f"CAST({mark} AS JSONB)"
        elif sqlite and isinstance(column_type, DateTime):
            processor = column_type.dialect_impl(dialect).bind_processor(dialect)
            if processor is not None:
                converters.append((index, _memoised(processor)))
        elif sqlite and isinstance(column_type, Date):
            converters.append((index, dt.date.isoformat))
        marks.append(mark)
    sql = f"INSERT INTO {table.name} ({', '.join(columns)}) VALUES ({', '.join(marks)})"
    get = itemgetter(*columns)
    if len(columns) == 1:
        params: list[Any] = [(get(row),) for row in rows]
    else:
        params = [get(row) for row in rows]
    if converters:
        for position, row_values in enumerate(params):
            values = list(row_values)
            for index, convert in converters:
                value = values[index]
                if value is not None:
                    values[index] = convert(value)
            params[position] = tuple(values)
    conn.exec_driver_sql(sql, params)


def _memoised(processor: Callable[[Any], Any]) -> Callable[[Any], Any]:
    """Timestamps repeat (one ``now`` per batch): convert each distinct one once."""
    cache: dict[Any, Any] = {}

    def convert(value: Any) -> Any:
        try:
            return cache[value]
        except KeyError:
            result = cache[value] = processor(value)
            return result

    return convert
