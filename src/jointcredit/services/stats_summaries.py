"""Keeping the statistics' summary tables up to date (docs/tracking.md, "How the statistics stay
fast").

:func:`refresh` reads each source table forward from where the previous refresh stopped
(:mod:`jointcredit.store.stats_summaries`): the records' changes their transactions noted are added,
stale months are counted again, checks are added, and the days of new messages and
of the messages new feedback answers are counted again. The statistics call it before every
read, so they are always as of that moment; ``jointcredit stats refresh`` (a timer, or after a
large import) leaves the reads little to do. The first refresh, or ``full``, counts everything.
"""

from __future__ import annotations

import datetime as dt
import time
from bisect import bisect_left, bisect_right
from typing import Any

from sqlalchemy import Engine

from jointcredit.clock import now as clock_now
from jointcredit.rules import feedback as feedback_rules
from jointcredit.store import stats_summaries as store
from jointcredit.store.grading import missing

#: Ids not yet visible (PostgreSQL draws ids before commit) are looked for again by later
#: refreshes for this long, then given up: a rolled-back insert leaves a gap never filled.
GAP_SECONDS = 3600
#: Ranges of such ids kept per source at most, the highest: ids still to come belong to
#: transactions in flight, near the top; holes a rolled-back insert or a deleted row left
#: further down would otherwise be looked at again, thousands of them, for an hour.
MAX_GAPS = 1000


def keep_up(engine: Engine) -> dict[str, Any] | None:
    """:func:`refresh`, for the worker: summaries never counted are left so (None), since the
    first count of a large registry is an operator's step (``jointcredit stats refresh``)."""
    with engine.connect() as conn:
        if not store.marks(conn):
            return None
    return refresh(engine)


def refresh(
    engine: Engine, *, full: bool = False, now: dt.datetime | None = None
) -> dict[str, Any]:
    """Bring the summary tables up to date; what was done, and how long it took."""
    started = time.perf_counter()
    now = now or clock_now()
    stamp = now.isoformat()
    with store.exclusive(engine) as conn:
        postgres = conn.dialect.name == "postgresql"
        before = store.marks(conn)
        ranges: dict[str, list[tuple[int, int]] | None] = {}
        saved: dict[str, tuple[int, list[list[Any]]]] = {}
        for source in store.SOURCES:
            high = store.top(conn, source)
            previous = before.get(source) or {"mark": 0, "gaps": []}
            # Gaps are worked out from the previous marks even for a full count: below a mark,
            # only the ids remembered as gaps may still appear (folded deltas are deleted, and
            # their ids must not be taken for ids still to come).
            wanted: list[tuple[int, int]] = []
            gaps: list[list[Any]] = []
            kept = [
                (int(first), int(last), seen)
                for first, last, seen in previous["gaps"]
                if (now - dt.datetime.fromisoformat(str(seen))).total_seconds() < GAP_SECONDS
            ]
            present = store.visible_ids(conn, source, [(a, b) for a, b, _ in kept])
            for first, last, seen in kept:
                wanted.append((first, last))
                inside = present[bisect_left(present, first) : bisect_right(present, last)]
                gaps.extend([a, b, seen] for a, b in missing(first - 1, last, inside))
            mark = int(previous["mark"])
            if high > mark:
                wanted.append((mark + 1, high))
                if postgres:
                    gaps.extend(
                        [a, b, stamp] for a, b in store.invisible(conn, source, mark + 1, high)
                    )
            gaps = sorted(gaps, key=lambda gap: -int(gap[0]))[:MAX_GAPS]
            ranges[source] = None if full or source not in before else wanted
            saved[source] = (max(high, mark), gaps)

        stale_ids, stale = store.stale_months(conn)
        deltas = ranges["stats_deltas"]
        if deltas is None:
            months = store.recount_record_months(conn, None)
            store.forget_deltas(conn, saved["stats_deltas"][0])
        else:
            # Deltas first: a month counted again after them holds them already.
            store.fold_deltas(conn, deltas)
            months = store.recount_record_months(conn, stale)
        store.forget_stale(conn, stale_ids)

        store.add_checks(conn, ranges["audit_log"])

        sent, answers = ranges["messages"], ranges["feedback"]
        if sent is None or answers is None:
            days = store.recount_push_days(conn, None, feedback_rules.DUE_EVENTS)
        else:
            wanted_days = store.days_of_messages(conn, sent) | store.days_answered(conn, answers)
            days = store.recount_push_days(conn, wanted_days, feedback_rules.DUE_EVENTS)

        for source, (mark, gaps) in saved.items():
            store.save_mark(conn, source, mark, gaps, now)
    return {
        "full": all(r is None for r in ranges.values()),
        "months_counted": months,
        "days_counted": days,
        "ids_read": {
            source: (None if r is None else sum(b - a + 1 for a, b in r))
            for source, r in ranges.items()
        },
        "marks": {source: mark for source, (mark, _) in saved.items()},
        "gaps": sum(len(g) for _, g in saved.values()),
        "seconds": round(time.perf_counter() - started, 3),
    }


__all__ = ["GAP_SECONDS", "MAX_GAPS", "keep_up", "refresh"]
