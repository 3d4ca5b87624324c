"""The catalog's departments as a table: what SQL needs of them (region, USCC) to count by
region and to find the department a record's issuing authority is.

The catalog files are the truth; :func:`sync` makes the table say the same, and reads before it
writes, so that a registry opened on an unchanged catalog writes nothing.

:func:`authorities` and :func:`attribute` look at every licensing and penalty record that
belongs to no department: no index helps a question about all of them, so each reads the
records once (a sequential scan), in one statement.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import Any

from sqlalchemy import Connection, case, delete, func, select, update

from jointcredit.store.stats_summaries import month_of
from jointcredit.store.tables import credit_records, departments, stats_stale

#: The records an issuing authority's USCC attributes: list entries name their department.
ATTRIBUTED_KINDS = ("licensing", "penalty")

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


def authorities(conn: Connection) -> list[dict[str, Any]]:
    """The issuing authorities of the licensing and penalty records that belong to no
    department, most records first: ``code`` (their USCC; None for those named only),
    ``name``, ``department`` (the department whose USCC it is, when one is: records from
    before the department was added), ``records`` and ``last_decided`` (latest decision date).

    One GROUP BY over the records: by code, and by name where there is no code (many
    authorities without a code are not one authority)."""
    c, d = credit_records.c, departments.c
    uncoded = case((c.issuing_authority_code.is_(None), c.issuing_authority), else_=None)
    records = func.count().label("records")
    query = (
        select(
            c.issuing_authority_code.label("code"),
            func.max(c.issuing_authority).label("name"),
            d.code.label("department"),
            records,
            func.max(c.decision_date).label("last_decided"),
        )
        .select_from(credit_records.outerjoin(departments, d.uscc == c.issuing_authority_code))
        .where(c.department.is_(None), c.kind.in_(ATTRIBUTED_KINDS))
        .group_by(c.issuing_authority_code, d.code, uncoded)
        .order_by(records.desc(), c.issuing_authority_code, func.max(c.issuing_authority))
    )
    return [dict(row) for row in conn.execute(query).mappings()]


def attribute(conn: Connection, now: dt.datetime) -> dict[str, int]:
    """Give the licensing and penalty records that belong to no department the department
    whose USCC their issuing authority's is; department code → records attributed. Call it in
    a write transaction.

    No history row tells the statistics' summary of the change: the months of the records
    attributed go to ``stats_stale``, counted again whole by the next refresh (the change
    moves records from one bucket to another, which a month's recount gets right)."""
    c, d = credit_records.c, departments.c
    owned = (c.department.is_(None), c.kind.in_(ATTRIBUTED_KINDS))
    month = month_of(conn, c.recorded_at)
    found = conn.execute(
        select(d.code, month.label("month"), func.count())
        .select_from(credit_records.join(departments, d.uscc == c.issuing_authority_code))
        .where(*owned)
        .group_by(d.code, month)
    ).all()
    if not found:
        return {}
    counts: dict[str, int] = {}
    for code, _, n in found:
        counts[code] = counts.get(code, 0) + int(n)
    conn.execute(stats_stale.insert(), [{"month": m} for m in sorted({m for _, m, _ in found})])
    owner = select(d.code).where(d.uscc == c.issuing_authority_code).scalar_subquery()
    known = select(d.uscc).where(d.uscc.is_not(None))
    conn.execute(
        update(credit_records)
        .where(*owned, c.issuing_authority_code.in_(known))
        .values(department=owner, updated_at=now)
    )
    return dict(sorted(counts.items()))
