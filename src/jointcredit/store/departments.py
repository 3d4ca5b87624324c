"""The catalog's departments as a table: what SQL needs of them (region, USCC) to count by
region and to find the department a record's issuing authority is.

The catalog files are the truth; :func:`sync` makes the table say the same, and reads before it
writes, so that a registry opened on an unchanged catalog writes nothing.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import Any

from sqlalchemy import Connection, delete, select, update

from jointcredit.store.tables import departments

#: The columns the catalog decides, in the order of :func:`sync`'s tuples.
COLUMNS = ("name_zh", "name_en", "level", "region", "uscc")


def current(conn: Connection) -> dict[str, tuple[Any, ...]]:
    """Code → (name_zh, name_en, level, region, uscc) as the table holds them."""
    query = select(departments.c.code, *(departments.c[c] for c in COLUMNS))
    return {row[0]: tuple(row[1:]) for row in conn.execute(query)}


def sync(conn: Connection, wanted: Mapping[str, tuple[Any, ...]], now: dt.datetime) -> int:
    """Make the table hold exactly ``wanted`` (code → the :data:`COLUMNS` values); returns the
    number of rows written. Call it in a write transaction."""
    have = current(conn)
    changed = [code for code, values in wanted.items() if code in have and have[code] != values]
    gone = [code for code in have if code not in wanted]
    new = [code for code in wanted if code not in have]
    if gone:
        conn.execute(delete(departments).where(departments.c.code.in_(gone)))
    if changed:
        # A USCC moved from one department to another would trip the unique constraint midway.
        conn.execute(update(departments).where(departments.c.code.in_(changed)).values(uscc=None))
        for code in changed:
            conn.execute(
                update(departments)
                .where(departments.c.code == code)
                .values(dict(zip(COLUMNS, wanted[code], strict=True)))
            )
    if new:
        conn.execute(
            departments.insert(),
            [
                {"code": code, "created_at": now, **dict(zip(COLUMNS, wanted[code], strict=True))}
                for code in new
            ],
        )
    return len(gone) + len(changed) + len(new)


def by_uscc(conn: Connection) -> dict[str, str]:
    """USCC → department code, for the departments that have one."""
    query = select(departments.c.uscc, departments.c.code).where(departments.c.uscc.is_not(None))
    return {uscc: code for uscc, code in conn.execute(query)}
