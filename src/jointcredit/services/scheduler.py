"""The scheduler (``jointcredit worker``): rounds of idempotent jobs, safe in several processes.

Each round:

1. **deliver** the due webhook messages (``services.delivery``: leases, so two workers never
   hold one message at once);
2. **end expired list entries**: an ``active`` entry whose ``valid_until`` has passed (in
   China) becomes ``expired`` (a new version with its history row, by ``worker``), whether or
   not any department was told of it, so that whoever reads the registry directly reads that
   it has ended; every department told of it before gets an ``entry.ended`` message (reason
   ``expired``), unless one was sent for its current version already. A ``disputed`` entry
   keeps its status (the objection decides it: rejected, the entry is ``active`` again and
   expires in the next round) but its told departments get the end message all the same.
   One transaction per entry, which reads the entry under a lock (SQLite: the write lock)
   before it decides, so of two workers ending one entry at once the second finds it ended;
   the messages' idempotency keys are unique besides, so a duplicate insert fails and is
   undone (a savepoint), the entry announced once;
3. **flag overdue cases**: proposals awaiting review, objections awaiting verification,
   repairs awaiting acceptance or decision and reports not yet closed (every kind of case,
   ``workflows/kinds.py``) whose due day has passed are marked once
   (a conditional UPDATE: another worker marks none of them again), each with a workflow event
   ``overdue`` by ``worker``;
4. **bring the statistics' summary tables up to date**
   (:mod:`jointcredit.services.stats_summaries`), so that a statistics read finds little left
   to do; once they were counted the first time (``jointcredit stats refresh``, or the first
   read): a first count of a large registry is an operator's step, not a worker's.

A round that found work is followed at once by the next; an idle one by a pause of
JOINTCREDIT_WORKER_INTERVAL_SECONDS. :meth:`Scheduler.run` stops after the current round when
its ``stop`` event is set (SIGTERM, SIGINT).
"""

from __future__ import annotations

import datetime as dt
import logging
from dataclasses import dataclass, field
from threading import Event
from typing import Any

from sqlalchemy import Connection, Engine, Table, and_, exists, or_, select
from sqlalchemy.exc import DBAPIError, IntegrityError

from jointcredit.access import Principal
from jointcredit.clock import china_day
from jointcredit.clock import now as clock_now
from jointcredit.services import audit, metrics, push, stats_summaries
from jointcredit.services.delivery import Deliverer, Stats
from jointcredit.settings import Settings, get_settings
from jointcredit.store import cases, records, workflows
from jointcredit.store.db import write_transaction
from jointcredit.store.tables import credit_records, messages
from jointcredit.workflows.kinds import KINDS

log = logging.getLogger("jointcredit.worker")

#: How the scheduler appears in the audit log (a local process, like the CLI's operator).
WORKER = Principal("operator", name="worker")
WORKER_ACTOR = "worker"
#: Entries ended per round at most: a backlog is worked off over several rounds.
EXPIRE_BATCH = 500

#: (kind of case, its table, statuses in which it waits for someone within a due day).
OVERDUE: tuple[tuple[str, Table, tuple[str, ...]], ...] = tuple(
    (kind.name, cases.TABLES[kind.name], kind.open_statuses) for kind in KINDS.values()
)


@dataclass(slots=True)
class RoundReport:
    delivery: Stats = field(default_factory=Stats)
    ended: list[int] = field(default_factory=list)
    overdue: dict[str, list[int]] = field(default_factory=dict)
    #: Seconds the summary refresh took (None: the summaries were never counted).
    summarised: float | None = None
    errors: list[str] = field(default_factory=list)

    @property
    def busy(self) -> bool:
        """Whether the round found work (the next one then starts at once)."""
        d = self.delivery
        return bool(d.claimed or self.ended or any(self.overdue.values()))

    def summary(self) -> str:
        d = self.delivery
        flagged = ", ".join(f"{len(v)} {k}s" for k, v in self.overdue.items() if v) or "none"
        text = (
            f"delivered {d.delivered}, retry later {d.retried}, failed {d.failed}, "
            f"to feed {d.to_feed}, lost lease {d.lost}; ended {len(self.ended)} expired "
            f"entries; flagged overdue: {flagged}"
        )
        if self.summarised is not None:
            text += f"; summaries refreshed in {self.summarised:.3f} s"
        if self.errors:
            text += f"; errors: {'; '.join(self.errors)}"
        return text

    def to_dict(self) -> dict[str, Any]:
        return {
            "delivery": self.delivery.to_dict(),
            "ended": self.ended,
            "overdue": self.overdue,
            "summarised": self.summarised,
            "errors": self.errors,
        }


def _ended_now() -> Any:
    """An end message exists for the entry's current version."""
    return exists().where(
        messages.c.record_id == credit_records.c.id,
        messages.c.record_version == credit_records.c.version,
        messages.c.event.in_(sorted(push.END_EVENTS)),
    )


def _expired(today: dt.date) -> Any:
    """Entries past their last day with something left to do: ``active`` ones to end, and
    ``disputed`` ones that some department was told of and has not heard the end of."""
    told_any = exists().where(messages.c.record_id == credit_records.c.id)
    return select(credit_records.c.id).where(
        credit_records.c.kind.in_(push.LIST_KINDS),
        credit_records.c.valid_until < today,
        or_(
            credit_records.c.status == "active",
            and_(credit_records.c.status == "disputed", told_any, ~_ended_now()),
        ),
    )


def end_expired(
    engine: Engine, *, now: dt.datetime | None = None, limit: int = EXPIRE_BATCH
) -> list[int]:
    """End every list entry past its ``valid_until``: ``active`` ones become ``expired``, and
    every department told of an expired entry hears of its end; returns the ids of the
    entries this call ended or announced (another worker's call finds none of them)."""
    now = now or clock_now()
    today = china_day(now)
    with engine.connect() as conn:
        candidates = [
            int(i)
            for i in conn.execute(
                _expired(today).order_by(credit_records.c.id).limit(limit)
            ).scalars()
        ]
    ended = []
    for record_id in candidates:
        with write_transaction(engine) as conn:
            if _end_one(conn, record_id, today, now):
                ended.append(record_id)
    return ended


def _end_one(conn: Connection, record_id: int, today: dt.date, now: dt.datetime) -> bool:
    # Read again, locked, inside the write transaction: another worker may have ended it since
    # the candidates were listed, or a department changed it.
    row = conn.execute(
        select(
            credit_records.c.kind,
            credit_records.c.status,
            credit_records.c.valid_until,
            _ended_now().label("announced"),
        )
        .where(credit_records.c.id == record_id)
        .with_for_update(of=credit_records)
    ).first()
    if (
        row is None
        or row.kind not in push.LIST_KINDS
        or row.valid_until is None
        or row.valid_until >= today
        or row.status not in ("active", "disputed")
    ):
        return False
    # An entry whose end was announced at this version (by a worker before entries expired)
    # is ended without telling anyone twice.
    announced = bool(row.announced)
    if row.status == "active":
        records.set_status(
            conn,
            record_id,
            "expired",
            actor=WORKER_ACTOR,
            now=now,
            reason=f"valid until {row.valid_until.isoformat()}",
        )
    elif announced:
        return False
    receivers = push.told(conn, record_id)
    written: list[int] = []
    if receivers and not announced:
        try:
            with conn.begin_nested():
                written = push.emit(
                    conn, record_id, "entry.ended", reason="expired", now=now, only=receivers
                )
        except IntegrityError:
            # Another worker wrote the same idempotency keys first: the entry is announced.
            if row.status != "active":
                return False
    if row.status != "active" and not written:
        return False
    audit.append(
        conn,
        WORKER,
        "end-expired",
        record_id=record_id,
        detail={
            "valid_until": row.valid_until.isoformat(),
            "status": "expired" if row.status == "active" else row.status,
            "messages": len(written),
            "departments": sorted(receivers) if written else [],
        },
    )
    return True


def flag_overdue(engine: Engine, *, now: dt.datetime | None = None) -> dict[str, list[int]]:
    """Mark the overdue cases of every kind, each once, with an ``overdue``
    workflow event; returns the ids marked by this call per workflow."""
    now = now or clock_now()
    today = china_day(now)
    found: dict[str, list[int]] = {}
    for workflow, table, open_statuses in OVERDUE:
        with write_transaction(engine) as conn:
            marked = workflows.flag_overdue(conn, table, open_statuses, today, now)
            found[workflow] = marked
            if not marked:
                continue
            rows = conn.execute(
                select(table.c.id, table.c.status, table.c.department, table.c.due)
                .where(table.c.id.in_(marked))
                .order_by(table.c.id)
            )
            for row in rows:
                workflows.record_event(
                    conn,
                    workflow,
                    row.id,
                    "overdue",
                    from_status=row.status,
                    to_status=row.status,
                    actor=WORKER_ACTOR,
                    department=row.department,
                    role=None,
                    note=f"due {row.due.isoformat()} passed",
                    at=now,
                )
            audit.append(
                conn,
                WORKER,
                "flag-overdue",
                detail={"workflow": workflow, "items": sorted(marked)},
            )
    return found


class Scheduler:
    """The jobs of one worker process, on one registry."""

    def __init__(self, engine: Engine, *, settings: Settings | None = None) -> None:
        self.engine = engine
        self.settings = settings or get_settings()
        self.deliverer = Deliverer(engine, settings=self.settings)

    def close(self) -> None:
        self.deliverer.close()

    def __enter__(self) -> Scheduler:
        return self

    def __exit__(self, *_: object) -> None:
        self.close()

    def round(self, stop: Event | None = None) -> RoundReport:
        """Run every job once; a job that fails is logged and the others still run."""
        report = RoundReport()
        try:
            report.delivery = self.deliverer.deliver_due(stop)
        except DBAPIError as exc:
            report.errors.append(_failed("deliver", exc))
        try:
            report.ended = end_expired(self.engine)
        except DBAPIError as exc:
            report.errors.append(_failed("end expired entries", exc))
        try:
            report.overdue = flag_overdue(self.engine)
        except DBAPIError as exc:
            report.errors.append(_failed("flag overdue items", exc))
        try:
            done = stats_summaries.keep_up(self.engine)
            report.summarised = None if done is None else done["seconds"]
        except DBAPIError as exc:
            report.errors.append(_failed("refresh the statistics' summaries", exc))
        return report

    def run(self, stop: Event, *, once: bool = False, interval: float | None = None) -> int:
        """Rounds until ``stop`` is set (or one with ``once``); returns the rounds run."""
        pause = interval if interval is not None else self.settings.worker_interval_seconds
        rounds = 0
        log.info("worker %s started", self.deliverer.owner)
        while True:
            rounds += 1
            try:
                report = self.round(stop)
            except Exception:  # a bug in one round is logged; the worker goes on
                log.exception("round %d failed", rounds)
                report = RoundReport(errors=["unexpected error"])
            metrics.record_round(failed=bool(report.errors))
            if report.busy or report.errors:
                log.info("round %d: %s", rounds, report.summary())
            if once or stop.is_set():
                break
            if not report.busy and stop.wait(pause):
                break
        log.info("worker %s stopped after %d rounds", self.deliverer.owner, rounds)
        return rounds


def _failed(job: str, exc: BaseException) -> str:
    # Database trouble (a deadlock, a lost connection) ends this job's round, not the worker.
    first = str(exc.orig if isinstance(exc, DBAPIError) and exc.orig else exc).splitlines()[0]
    log.error("%s: %s: %s", job, type(exc).__name__, first)
    return f"{job}: {first}"
