"""The ``import_jobs`` table: one row per import, its counts kept as its batches commit."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping

from sqlalchemy import Connection, RowMapping, insert, select, update

from jointcredit.store.tables import import_jobs

#: The counts of a job, as the summary of an import names them.
COUNTS = ("rows_read", "accepted", "updated", "duplicates", "rejected")


def start(
    conn: Connection,
    *,
    kind: str,
    source_name: str,
    sha256: str,
    now: dt.datetime,
    pid: int,
    host: str,
) -> int:
    job_id: int = conn.execute(
        insert(import_jobs).returning(import_jobs.c.id),
        {
            "kind": kind,
            "source_name": source_name[-500:],
            "source_sha256": sha256,
            "started_at": now,
            **dict.fromkeys(COUNTS, 0),
            "status": "running",
            "pid": pid,
            "host": host[:255],
            "heartbeat_at": now,
        },
    ).scalar_one()
    return job_id


def progress(
    conn: Connection, job_id: int | None, counts: Mapping[str, int], now: dt.datetime
) -> None:
    """The job's counts so far and a sign of life, in the transaction of the batch they count:
    after a crash the job shows exactly what was committed."""
    conn.execute(
        update(import_jobs)
        .where(import_jobs.c.id == job_id, import_jobs.c.status == "running")
        .values(**counts, heartbeat_at=now)
    )


def finish(
    conn: Connection,
    job_id: int,
    counts: Mapping[str, int],
    *,
    status: str,
    message: str | None,
    now: dt.datetime,
) -> None:
    conn.execute(
        update(import_jobs)
        .where(import_jobs.c.id == job_id)
        .values(
            **counts,
            finished_at=now,
            heartbeat_at=now,
            status=status,
            message=message[:2000] if message else None,
        )
    )


def running(conn: Connection) -> list[RowMapping]:
    return list(
        conn.execute(
            select(
                import_jobs.c.id,
                import_jobs.c.pid,
                import_jobs.c.host,
                import_jobs.c.started_at,
                import_jobs.c.heartbeat_at,
            ).where(import_jobs.c.status == "running")
        ).mappings()
    )


def interrupt(
    conn: Connection, job_id: int, seen: dt.datetime | None, message: str, now: dt.datetime
) -> bool:
    """Mark a running job interrupted, unless it showed life since ``seen`` (its heartbeat when
    it was found dead): a job that is merely slow is never marked."""
    alive = import_jobs.c.heartbeat_at
    stmt = (
        update(import_jobs)
        .where(
            import_jobs.c.id == job_id,
            import_jobs.c.status == "running",
            alive.is_(None) if seen is None else alive == seen,
        )
        .values(status="interrupted", finished_at=now, message=message)
    )
    return conn.execute(stmt).rowcount == 1


def listed(conn: Connection, *, limit: int, status: str | None = None) -> list[RowMapping]:
    stmt = select(import_jobs).order_by(import_jobs.c.id.desc()).limit(limit)
    if status is not None:
        stmt = stmt.where(import_jobs.c.status == status)
    return list(conn.execute(stmt).mappings())


def get(conn: Connection, job_id: int) -> RowMapping | None:
    return conn.execute(select(import_jobs).where(import_jobs.c.id == job_id)).mappings().first()


__all__ = ["COUNTS", "finish", "get", "interrupt", "listed", "progress", "running", "start"]
