"""Queries of the upward files (归集): what a node reports to the national platform.

"Publishable" is the public portal's rule, not a copy of it: :func:`jointcredit.store.records.
_published_on` (status ``active``, the day inside the publication window), the test the API's
public view and the portal share. Beside the publishable records, an export reads the records
of its kinds that left publication for good (revoked, cancelled, withdrawn, repaired) after
their publication had begun: the national platform holds a copy of them that it must take
down (``services.exports`` decides how each is reported).

Records are read in batches of ascending id (keyset, never an offset), each batch one query on
the primary key, so that an export of millions of records holds one batch at a time. No index
is added for it: every index costs the importer on each row it writes, and an export is one
pass over the table.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from dataclasses import dataclass

from sqlalchemy import Connection, RowMapping, and_, or_, select

from jointcredit.store import records
from jointcredit.store.db import moment
from jointcredit.store.tables import credit_records, record_history, subjects

#: Statuses of a record that left publication for good; ``disputed`` (an objection open) is
#: a suspension, and ``expired`` a list entry whose period, which the national platform has,
#: ran out.
ENDED_STATUSES = frozenset({"revoked", "cancelled", "withdrawn", "repaired"})

#: Records read per query.
BATCH = 1000


@dataclass(frozen=True, slots=True)
class ExportQuery:
    """What one export reads (already checked: see ``services.exports``)."""

    #: Record kinds: ("licensing",), ("penalty",) or the two lists.
    kinds: tuple[str, ...]
    #: Records whose current version was recorded at or after this moment (UTC)…
    since: dt.datetime
    #: …or whose publication began on or after this day (a window that opened later than the
    #: version was written: a list entry valid from a later day).
    since_day: dt.date
    #: The day publication is judged on (today in China).
    day: dt.date


_COLUMNS = (
    credit_records.c.id,
    credit_records.c.kind,
    credit_records.c.status,
    credit_records.c.document_number,
    credit_records.c.decision_date,
    credit_records.c.issuing_authority,
    credit_records.c.list_type,
    credit_records.c.department,
    record_history.c.payload,
    record_history.c.recorded_at.label("changed_at"),
    subjects.c.kind.label("subject_kind"),
    subjects.c.identifier.label("subject_identifier"),
    subjects.c.identifier_type.label("subject_identifier_type"),
)


def _batch(conn: Connection, query: ExportQuery, after_id: int, limit: int) -> list[RowMapping]:
    c = credit_records.c
    changed = record_history.c.recorded_at >= moment(conn, query.since)
    published = and_(
        records._published_on(query.day), or_(changed, c.publish_from >= query.since_day)
    )
    ended = and_(
        c.status.in_(sorted(ENDED_STATUSES)),
        c.publish_from.is_not(None),
        c.publish_from <= query.day,
        changed,
    )
    stmt = (
        select(*_COLUMNS)
        .join(
            record_history,
            and_(record_history.c.record_id == c.id, record_history.c.version == c.version),
        )
        .join(subjects, subjects.c.id == c.subject_id)
        # The kind through an expression, so that no index on it is used: the planner would
        # otherwise read every record of the kind and sort them for each batch; the primary
        # key's order reads each batch where the last one stopped.
        .where(c.id > after_id, (c.kind + "").in_(query.kinds), or_(published, ended))
        .order_by(c.id)
        .limit(limit)
    )
    return list(conn.execute(stmt).mappings())


def exported_records(
    conn: Connection, query: ExportQuery, *, batch: int = BATCH
) -> Iterator[RowMapping]:
    """The records of ``query`` in ascending id, with their current payload, the moment their
    current version was recorded (``changed_at``) and their subject's identifier: those
    publishable on ``query.day``, and those that left publication for good (:data:`ENDED_STATUSES`)
    after it had begun. Read ``batch`` at a time."""
    after = 0
    while True:
        rows = _batch(conn, query, after, batch)
        yield from rows
        if len(rows) < batch:
            return
        after = int(rows[-1]["id"])


__all__ = ["BATCH", "ENDED_STATUSES", "ExportQuery", "exported_records"]
