"""The summary tables of the statistics (issue 7): what department tracking counts, kept per
month (per day for messages) so that a quarter over fifty million records reads thousands of
rows, not millions.

Each summary reads its source tables forward from a high-water mark (``stats_sources``):

- ``stats_records`` from ``stats_deltas``, which the transaction that writes records fills
  (:func:`record_deltas`: a new record +1 in its bucket, a correction -1 as it was and +1 as it
  is): the deltas are added and deleted. Months in ``stats_stale`` (changed without a delta:
  the publication deadlines filled in for old records) are counted again whole.
- ``stats_checks`` from ``audit_log``, which is append-only: checks are added.
- ``stats_pushes`` from ``messages`` and ``feedback``: the days of new messages, and of the
  messages new feedback answers, are counted again.

Months and days are China's (UTC+8, no summer time since 1991). The caller runs everything in
one consistent snapshot that no other refresh shares (:func:`exclusive`), so a row is added
once: PostgreSQL draws ids before commit, and ids not yet visible are kept as gaps and looked at
again (as grading does).
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from functools import lru_cache
from typing import Any

from sqlalchemy import (
    Connection,
    Engine,
    Integer,
    and_,
    case,
    delete,
    func,
    literal,
    literal_column,
    or_,
    select,
    text,
)
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.sql import ColumnElement

from jointcredit.clock import china_day, day_start
from jointcredit.store.db import between, write_transaction
from jointcredit.store.feedback import answers_message
from jointcredit.store.tables import (
    audit_log,
    credit_records,
    feedback,
    messages,
    record_history,
    stats_checks,
    stats_deltas,
    stats_pushes,
    stats_records,
    stats_sources,
    stats_stale,
)
from jointcredit.store.tracking import in_department_region

#: The source tables, by the name their mark is kept under.
SOURCES = {
    "stats_deltas": stats_deltas,
    "audit_log": audit_log,
    "messages": messages,
    "feedback": feedback,
}
#: Ids of the audit log counted in one statement by a full count.
_WINDOW = 1_000_000
_LOCK = 0x6A63_7374  # "jcst": the PostgreSQL advisory lock of a refresh

Ranges = Sequence[tuple[int, int]]


@contextmanager
def exclusive(engine: Engine) -> Iterator[Connection]:
    """A transaction no other refresh runs beside, reading one snapshot throughout.

    SQLite: the write lock (BEGIN IMMEDIATE). PostgreSQL: a session advisory lock taken before
    the transaction begins (taken inside it, a REPEATABLE READ snapshot would predate the
    previous holder's commit), then a REPEATABLE READ transaction."""
    if engine.dialect.name != "postgresql":
        with write_transaction(engine) as conn:
            yield conn
        return
    with engine.connect() as conn:
        conn.execute(text("SELECT pg_advisory_lock(:k)"), {"k": _LOCK})
        conn.commit()
        try:
            conn.execution_options(isolation_level="REPEATABLE READ")
            with conn.begin():
                yield conn
        finally:
            conn.rollback()
            conn.execution_options(isolation_level="READ COMMITTED")
            conn.execute(text("SELECT pg_advisory_unlock(:k)"), {"k": _LOCK})
            conn.commit()


# -- China months and days ---------------------------------------------------------------------


def month_of(conn: Connection, column: Any) -> ColumnElement[str]:
    """``YYYY-MM`` of a UTC timestamp column, in China."""
    if conn.dialect.name == "postgresql":
        return func.to_char(func.timezone("UTC", column) + text("INTERVAL '8 hours'"), "YYYY-MM")
    return func.strftime("%Y-%m", column, "+8 hours")


def day_of(conn: Connection, column: Any) -> ColumnElement[Any]:
    """The China day of a UTC timestamp column (a date on PostgreSQL, ``YYYY-MM-DD`` text on
    SQLite, as SQLAlchemy keeps dates there)."""
    if conn.dialect.name == "postgresql":
        return func.date(func.timezone("UTC", column) + text("INTERVAL '8 hours'"))
    return func.date(column, "+8 hours")


def _days_between(conn: Connection, later: Any, earlier: Any) -> ColumnElement[int]:
    if conn.dialect.name == "postgresql":
        return day_of(conn, later) - day_of(conn, earlier)
    return func.cast(
        func.julianday(day_of(conn, later)) - func.julianday(day_of(conn, earlier)), Integer()
    )


def _month_start(month: str) -> dt.date:
    year, mon = (int(x) for x in month.split("-"))
    return dt.date(year, mon, 1)


def _next_month(month: str) -> str:
    year, mon = (int(x) for x in month.split("-"))
    return f"{year + mon // 12:04d}-{mon % 12 + 1:02d}"


def runs(items: Iterable[Any], following: Any) -> list[tuple[Any, Any]]:
    """Sorted runs of consecutive items: ``following(x)`` is the item after ``x``.

    >>> runs(["2026-01", "2026-02", "2026-05"], _next_month)
    [('2026-01', '2026-02'), ('2026-05', '2026-05')]
    """
    out: list[tuple[Any, Any]] = []
    for item in sorted(set(items)):
        if out and following(out[-1][1]) == item:
            out[-1] = (out[-1][0], item)
        else:
            out.append((item, item))
    return out


def _upsert(
    conn: Connection, table: Any, query: Any, columns: Sequence[str], adds: Sequence[str]
) -> None:
    """INSERT the rows of ``query`` into ``table``, adding ``adds`` to a row already there."""
    stmt = (pg_insert if conn.dialect.name == "postgresql" else sqlite_insert)(table)
    ins = stmt.from_select(list(columns), query)
    keys = [c.name for c in table.primary_key.columns]
    conn.execute(
        ins.on_conflict_do_update(
            index_elements=keys,
            set_={name: table.c[name] + ins.excluded[name] for name in adds},
        )
    )


# -- marks --------------------------------------------------------------------------------------


def marks(conn: Connection) -> dict[str, dict[str, Any]]:
    """The mark and gaps of every source read before."""
    return {
        row.source: {
            "mark": int(row.mark),
            "gaps": list(row.gaps or []),
            "refreshed_at": row.refreshed_at,
        }
        for row in conn.execute(select(stats_sources))
    }


def save_mark(
    conn: Connection, source: str, mark: int, gaps: list[list[Any]], now: dt.datetime
) -> None:
    conn.execute(delete(stats_sources).where(stats_sources.c.source == source))
    conn.execute(
        stats_sources.insert().values(source=source, mark=mark, gaps=gaps, refreshed_at=now)
    )


def top(conn: Connection, source: str) -> int:
    """The highest id visible in a source table (0 when empty)."""
    table = SOURCES[source]
    return int(conn.execute(select(func.max(table.c.id))).scalar() or 0)


def invisible(conn: Connection, source: str, first: int, last: int) -> list[tuple[int, int]]:
    """Ranges of ids in [``first``, ``last``] with no visible row, found in SQL (LAG)."""
    if first > last:
        return []
    table = SOURCES[source]
    inner = (
        select(
            table.c.id,
            func.lag(table.c.id, 1, first - 1).over(order_by=table.c.id).label("prev"),
        )
        .where(table.c.id >= first, table.c.id <= last)
        .subquery()
    )
    found = [
        (int(prev) + 1, int(id_) - 1)
        for id_, prev in conn.execute(
            select(inner.c.id, inner.c.prev).where(inner.c.id - inner.c.prev > 1)
        )
    ]
    highest = conn.execute(
        select(func.max(table.c.id)).where(table.c.id >= first, table.c.id <= last)
    ).scalar()
    if highest is None:
        return [(first, last)]
    if int(highest) < last:
        found.append((int(highest) + 1, last))
    return found


def visible_ids(conn: Connection, source: str, ranges: Ranges) -> list[int]:
    """The ids with a visible row in ``ranges``, sorted (one query for every range)."""
    if not ranges:
        return []
    table = SOURCES[source]
    query = select(table.c.id).where(_within(table.c.id, ranges)).order_by(table.c.id)
    return [int(i) for (i,) in conn.execute(query)]


def _within(column: Any, ranges: Ranges) -> ColumnElement[bool]:
    # Gaps are mostly single ids (a rolled-back insert): one IN list for them plans and runs
    # far faster than hundreds of ORs.
    singles = [a for a, b in ranges if a == b]
    spans = [and_(column >= a, column <= b) for a, b in ranges if a != b]
    return or_(*spans, *([column.in_(singles)] if singles else []))


# -- records ------------------------------------------------------------------------------------


def _fields(conn: Connection) -> ColumnElement[Any]:
    # Fields the department sent: keys starting with "_" are the platform's own notes (a status
    # change's reason), not fields of the record.
    if conn.dialect.name == "postgresql":
        return literal_column(
            "(SELECT count(*) FROM jsonb_object_keys(record_history.payload) AS k "
            "WHERE k NOT LIKE '\\_%')"
        )
    return literal_column(
        "(SELECT count(*) FROM json_each(record_history.payload) "
        "WHERE json_each.key NOT LIKE '\\_%' ESCAPE '\\')"
    )


def _record_rows(conn: Connection, where: Sequence[ColumnElement[bool]]) -> Any:
    """The summary rows of the records matching ``where`` (their current version)."""
    c = credit_records.c
    month = month_of(conn, c.recorded_at)
    department = func.coalesce(c.department, c.source_department)
    division = func.coalesce(func.substr(c.issuing_authority_code, 3, 6), "")
    return (
        select(
            month.label("month"),
            department.label("department"),
            c.kind,
            division.label("division"),
            func.count().label("records"),
            func.sum(case((c.publication_due.is_not(None), 1), else_=0)).label("with_due"),
            func.sum(
                case(
                    (and_(c.publication_due.is_not(None), c.published_on > c.publication_due), 1),
                    else_=0,
                )
            ).label("missed"),
            func.coalesce(func.sum(_fields(conn)), 0).label("fields_filled"),
        )
        .select_from(
            credit_records.join(
                record_history,
                and_(record_history.c.record_id == c.id, record_history.c.version == c.version),
            )
        )
        .where(department.is_not(None), *where)
        .group_by(month, department, c.kind, division)
    )


#: The bucket (four columns), then the counts.
_RECORD_COLUMNS = tuple(column.name for column in stats_records.c)


def _months(first: str, last: str) -> list[str]:
    """The months ``first`` to ``last``.

    >>> _months("2025-11", "2026-02")
    ['2025-11', '2025-12', '2026-01', '2026-02']
    """
    out = [first]
    while out[-1] < last:
        out.append(_next_month(out[-1]))
    return out


def _span(conn: Connection, column: Any) -> list[str]:
    """Every China month from the first to the last value of a timestamp column (its ends read
    from the column's index, not its month worked out for every row)."""
    low, high = conn.execute(select(func.min(column), func.max(column))).one()
    return [] if low is None else _months(_china_month(low), _china_month(high))


def recount_record_months(conn: Connection, months: Iterable[str] | None) -> int:
    """Count the records of ``months`` (None: every month) again, a month at a time (a sort
    of one month's records, not of fifty million); the months counted."""
    if months is None:
        conn.execute(delete(stats_records))
        months = _span(conn, credit_records.c.recorded_at)
    wanted = sorted(set(months))
    for month in wanted:
        conn.execute(delete(stats_records).where(stats_records.c.month == month))
        start, end = day_start(_month_start(month)), day_start(_month_start(_next_month(month)))
        rows = _record_rows(conn, [between(conn, credit_records.c.recorded_at, start, end)])
        _upsert(conn, stats_records, rows, _RECORD_COLUMNS, _RECORD_COLUMNS[4:])
    return len(wanted)


@lru_cache(maxsize=4096)  # a batch of records shares one moment
def _china_month(moment: dt.datetime) -> str:
    return china_day(moment).strftime("%Y-%m")


def fields_of(payload: Any) -> int:
    """Fields the department sent: the payload's keys but the platform's notes (``_…``).
    ``payload``: the stored object, a draft's JSON text, or the count itself.

    >>> fields_of('{"CF_WSH": "x", "CF_JDRQ": "2026-08-07"}'), fields_of({"a": 1, "_note": 2})
    (2, 1)
    """
    if isinstance(payload, int):  # counted already (RecordDraft.fields)
        return payload
    if isinstance(payload, str | bytes):
        payload = json.loads(payload)
    if not isinstance(payload, Mapping):
        return 0
    return sum(1 for key in payload if not str(key).startswith("_"))


def contribution(
    row: Any, payload: Any
) -> tuple[tuple[str, str, str, str], tuple[int, ...]] | None:
    """A record's bucket in ``stats_records`` and what it counts there (records, with_due,
    missed, fields_filled), as :func:`recount_record_months` counts it in SQL; None when it
    names no department. ``row``: its ``recorded_at``, ``kind``, ``department``,
    ``source_department``, ``issuing_authority_code``, ``publication_due``, ``published_on``."""
    department = row["department"] if row["department"] is not None else row["source_department"]
    if department is None:
        return None
    code = row["issuing_authority_code"]
    due, published = row["publication_due"], row["published_on"]
    missed = due is not None and published is not None and published > due
    key = (_china_month(row["recorded_at"]), department, row["kind"], (code or "")[2:8])
    return key, (1, int(due is not None), int(missed), fields_of(payload))


def record_deltas(conn: Connection, changes: Iterable[tuple[int, Any, Any]]) -> None:
    """Write the changes (sign, row, payload) of a transaction that writes records, summed per
    bucket: +1 for a record as it now is, -1 for it as it was."""
    sums: dict[tuple[str, str, str, str], list[int]] = {}
    for sign, row, payload in changes:
        found = contribution(row, payload)
        if found is None:
            continue
        key, counts = found
        total = sums.setdefault(key, [0, 0, 0, 0])
        for k, n in enumerate(counts):
            total[k] += sign * n
    rows = [
        dict(zip(_RECORD_COLUMNS, (*key, *counts), strict=True))
        for key, counts in sums.items()
        if any(counts)
    ]
    if rows:
        conn.execute(stats_deltas.insert(), rows)


def fold_deltas(conn: Connection, ranges: Ranges) -> None:
    """Add the deltas with ids in ``ranges`` to ``stats_records`` and delete them; buckets left
    with no record go (a full recount would not have them)."""
    if not ranges:
        return
    d = stats_deltas.c
    where = _within(d.id, ranges)
    query = (
        select(
            d.month,
            d.department,
            d.kind,
            d.division,
            *(func.sum(d[name]).label(name) for name in _RECORD_COLUMNS[4:]),
        )
        .where(where)
        .group_by(d.month, d.department, d.kind, d.division)
    )
    _upsert(conn, stats_records, query, _RECORD_COLUMNS, _RECORD_COLUMNS[4:])
    conn.execute(delete(stats_deltas).where(where))
    conn.execute(delete(stats_records).where(stats_records.c.records == 0))


def forget_deltas(conn: Connection, upto: int) -> None:
    """Delete the deltas a full recount has counted (those visible, up to ``upto``)."""
    conn.execute(delete(stats_deltas).where(stats_deltas.c.id <= upto))


def mark_stale(conn: Connection, record_ids: Sequence[int]) -> None:
    """Note the months of ``record_ids``, changed without a history row, for the next refresh."""
    if not record_ids:
        return
    month = month_of(conn, credit_records.c.recorded_at)
    rows = conn.execute(
        select(func.distinct(month)).where(credit_records.c.id.in_(list(record_ids)))
    ).all()
    if rows:
        conn.execute(stats_stale.insert(), [{"month": m} for (m,) in rows])


def stale_months(conn: Connection) -> tuple[list[int], set[str]]:
    """The ids and months of ``stats_stale``."""
    rows = conn.execute(select(stats_stale.c.id, stats_stale.c.month)).all()
    return [int(i) for i, _ in rows], {m for _, m in rows}


def forget_stale(conn: Connection, ids: Sequence[int]) -> None:
    if ids:
        conn.execute(delete(stats_stale).where(stats_stale.c.id.in_(list(ids))))


# -- checks -------------------------------------------------------------------------------------


def add_checks(conn: Connection, ranges: Ranges | None) -> None:
    """Add the checks among the audit rows with ids in ``ranges`` (None: count every check
    again)."""
    a = audit_log.c
    if ranges is None:
        conn.execute(delete(stats_checks))
        low, high = conn.execute(select(func.min(a.id), func.max(a.id))).one()
        if low is None:
            return
        # A window of ids at a time: a sort of a million rows, not of the whole log.
        ranges = [(n, min(n + _WINDOW - 1, high)) for n in range(low, high + 1, _WINDOW)]
        for window in ranges:
            add_checks(conn, [window])
        return
    if not ranges:
        return
    month = month_of(conn, a.at)
    matter = func.coalesce(a.matter, "")
    query = (
        select(
            month.label("month"), a.department, matter.label("matter"), func.count().label("checks")
        )
        .where(
            a.action == "check",
            a.department.is_not(None),
            _within(a.id, ranges),
        )
        .group_by(month, a.department, matter)
    )
    _upsert(conn, stats_checks, query, ("month", "department", "matter", "checks"), ("checks",))


# -- pushes -------------------------------------------------------------------------------------


def days_of_messages(conn: Connection, ranges: Ranges) -> set[dt.date]:
    """China days of the messages with ids in ``ranges``."""
    if not ranges:
        return set()
    query = select(func.distinct(day_of(conn, messages.c.created_at))).where(
        _within(messages.c.id, ranges)
    )
    return {_date(d) for (d,) in conn.execute(query)}


def days_answered(conn: Connection, ranges: Ranges) -> set[dt.date]:
    """China days of the messages the feedback rows with ids in ``ranges`` may answer first:
    the message named, or the department's earlier messages on the record."""
    if not ranges:
        return set()
    f = feedback.c
    named = (
        select(day_of(conn, messages.c.created_at))
        .select_from(feedback.join(messages, messages.c.id == f.message_id))
        .where(_within(f.id, ranges))
    )
    on_record = (
        select(day_of(conn, messages.c.created_at))
        .select_from(
            feedback.join(
                messages,
                and_(
                    messages.c.record_id == f.record_id,
                    messages.c.department == f.department,
                    messages.c.created_at < f.created_at,
                ),
            )
        )
        .where(_within(f.id, ranges))
    )
    return {_date(d) for (d,) in conn.execute(named.union(on_record))}


def _date(value: Any) -> dt.date:
    return value if isinstance(value, dt.date) else dt.date.fromisoformat(str(value))


def recount_push_days(
    conn: Connection, days: Iterable[dt.date] | None, events: Sequence[str]
) -> int:
    """Count the messages of ``days`` (None: every day) again; the days counted. ``events``:
    those whose first feedback is looked for (the others have lag -1)."""
    answered = select(func.min(feedback.c.created_at)).where(answers_message()).scalar_subquery()
    lag = case(
        (
            messages.c.event.in_(list(events)),
            func.coalesce(_days_between(conn, answered, messages.c.created_at), -1),
        ),
        else_=literal(-1),
    )

    def rows(where: list[ColumnElement[bool]]) -> Any:
        inner = (
            select(
                day_of(conn, messages.c.created_at).label("day"),
                messages.c.department,
                messages.c.event,
                lag.label("lag"),
            )
            .where(*where)
            .subquery()
        )
        return select(
            inner.c.day,
            inner.c.department,
            inner.c.event,
            inner.c.lag,
            func.count().label("messages"),
        ).group_by(inner.c.day, inner.c.department, inner.c.event, inner.c.lag)

    columns = ("day", "department", "event", "lag", "messages")
    spans: list[tuple[dt.date, dt.date]]
    if days is None:
        # Every day, a month at a time.
        conn.execute(delete(stats_pushes))
        spans = [
            (_month_start(m), _month_start(_next_month(m)) - dt.timedelta(days=1))
            for m in _span(conn, messages.c.created_at)
        ]
    else:
        spans = runs(days, lambda d: d + dt.timedelta(days=1))
    for first, last in spans:
        conn.execute(delete(stats_pushes).where(stats_pushes.c.day.between(first, last)))
        end = day_start(last + dt.timedelta(days=1))
        where = [between(conn, messages.c.created_at, day_start(first), end)]
        _upsert(conn, stats_pushes, rows(where), columns, ("messages",))
    return sum((last - first).days + 1 for first, last in spans)


# -- reading ------------------------------------------------------------------------------------


def record_counts(
    conn: Connection, first: str, last: str, region: str | None
) -> list[dict[str, Any]]:
    """Per department and kind, over the months ``first`` to ``last``: records, with_due,
    missed, fields_filled. ``region``: a prefix of the issuing authority's division."""
    s = stats_records.c
    query = (
        select(
            s.department,
            s.kind,
            func.sum(s.records).label("records"),
            func.sum(s.with_due).label("with_due"),
            func.sum(s.missed).label("missed"),
            func.sum(s.fields_filled).label("fields_filled"),
        )
        .where(s.month >= first, s.month <= last)
        .group_by(s.department, s.kind)
        .order_by(s.department, s.kind)
    )
    if region is not None:
        query = query.where(func.substr(s.division, 1, len(region)) == region)
    return [dict(r) for r in conn.execute(query).mappings()]


def check_counts(
    conn: Connection, first: str, last: str, region: str | None
) -> list[dict[str, Any]]:
    """Checks per department and matter (None when none was given) over the months."""
    s = stats_checks.c
    query = (
        select(s.department, s.matter, func.sum(s.checks).label("checks"))
        .where(s.month >= first, s.month <= last, *in_department_region(s.department, region))
        .group_by(s.department, s.matter)
    )
    return [
        {"department": r.department, "matter": r.matter or None, "checks": int(r.checks)}
        for r in conn.execute(query)
    ]


def push_counts(
    conn: Connection, first: dt.date, last: dt.date, region: str | None
) -> list[dict[str, Any]]:
    """Messages per day, department, event and lag, from day ``first`` to ``last``."""
    s = stats_pushes.c
    query = select(s.day, s.department, s.event, s.lag, s.messages).where(
        s.day >= first, s.day <= last, *in_department_region(s.department, region)
    )
    return [
        {
            "day": _date(r.day),
            "department": r.department,
            "event": r.event,
            "lag": int(r.lag),
            "messages": int(r.messages),
        }
        for r in conn.execute(query)
    ]


__all__ = [
    "SOURCES",
    "add_checks",
    "check_counts",
    "contribution",
    "day_of",
    "days_answered",
    "days_of_messages",
    "exclusive",
    "fields_of",
    "fold_deltas",
    "forget_deltas",
    "forget_stale",
    "invisible",
    "mark_stale",
    "marks",
    "month_of",
    "push_counts",
    "record_counts",
    "record_deltas",
    "recount_push_days",
    "recount_record_months",
    "runs",
    "save_mark",
    "stale_months",
    "top",
    "visible_ids",
]
