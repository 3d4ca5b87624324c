"""Importing the departments' files into the registry.

Rows are validated one by one and written in batches, each batch in its own transaction: a bad
row goes to the rejects file and never costs a good one — a row the database refuses, for any
reason, is retried alone and rejected alone — and an interrupted import keeps what it had
written (importing the file again adds only the rest). Memory stays flat whatever the file
holds: rows, good or bad, travel in bounded batches and rejects are written as they come.

Each import is a job in ``import_jobs`` with the process running it (pid, host) and a heartbeat
that moves with every committed batch: a job whose process died (``kill -9``, a crash) is found
and marked ``interrupted`` by :func:`reap_interrupted`, with the rows it had committed. The child
process that reads a large file dies with its parent.
"""

from __future__ import annotations

import csv
import datetime as dt
import json
import os
import socket
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any

from sqlalchemy import Connection, Engine
from sqlalchemy.exc import DBAPIError

from jointcredit.access import OPERATOR, Principal
from jointcredit.clock import today as china_today
from jointcredit.clock import utc
from jointcredit.errors import InvalidInputError, JointCreditError
from jointcredit.importing.pipeline import ImportKind, make_validator
from jointcredit.importing.pipeline import Opened as _Opened
from jointcredit.importing.pipeline import from_worker as _from_worker
from jointcredit.importing.pipeline import produce as _produce
from jointcredit.importing.readers import RowProblem, Source
from jointcredit.importing.text import CONTROL
from jointcredit.importing.validate import FieldError
from jointcredit.jsontext import dumps
from jointcredit.record_drafts import RecordDraft
from jointcredit.security.digest import file_sha256
from jointcredit.services import audit, metrics
from jointcredit.services import departments as departments_service
from jointcredit.settings import get_settings
from jointcredit.spreadsheet import safe_cell
from jointcredit.store import import_jobs as jobs_store
from jointcredit.store import records, subjects
from jointcredit.store.db import write_transaction

Progress = Callable[[int, int], None]
"""Called with (units done, units in all): bytes for CSV and JSON Lines, rows for XLSX."""

Accept = Callable[[RecordDraft], tuple[str, str] | None]
"""Called with each valid row's draft before it is written: None writes it, (field, reason)
rejects the row like a validation error (the API's rule that a key submits only for its own
department)."""

Sink = Callable[[list[RecordDraft]], tuple[records.BatchResult, list[tuple[RecordDraft, str, str]]]]
"""Takes each batch's valid, accepted drafts instead of the registry (a department's upload of
list entries becomes proposals for review) and answers what the summary counts, and the rows it
refuses as (draft, field, reason)."""


@dataclass
class ImportSummary:
    kind: str
    file: str
    format: str
    encoding: str | None
    job_id: int
    rows: int = 0
    accepted: int = 0
    updated: int = 0
    duplicates: int = 0
    rejected_rows: int = 0
    rejected: list[dict[str, Any]] = field(default_factory=list)
    rejected_truncated: bool = False
    rejects_file: str | None = None
    warnings: list[str] = field(default_factory=list)
    seconds: float = 0.0
    #: Push messages written for the list entries this import changed (a direct import of
    #: list entries only; None otherwise).
    messages: int | None = None
    #: SHA-256 of the file, hex (the audit row names the file by it).
    sha256: str = ""
    #: Warnings beyond those listed (``warnings`` keeps a bounded number).
    warnings_unlisted: int = 0
    #: List entries in a national list's own format (importing.list_formats): its name; None
    #: for the generic format and for other kinds.
    list_format: str | None = None

    def warn(self, message: str, listed: int) -> None:
        if len(self.warnings) < listed:
            self.warnings.append(message)
        else:
            self.warnings_unlisted += 1

    def to_dict(self) -> dict[str, Any]:
        out = {
            "kind": self.kind,
            "file": self.file,
            "format": self.format,
            "encoding": self.encoding,
            "import_job": self.job_id,
            "rows": self.rows,
            "accepted": self.accepted,
            "updated": self.updated,
            "duplicates": self.duplicates,
            "rejected": self.rejected,
            "rejected_rows": self.rejected_rows,
            "rejected_truncated": self.rejected_truncated,
            "rejects_file": self.rejects_file,
            "warnings": self.warnings
            + ([f"… and {self.warnings_unlisted} more warnings"] if self.warnings_unlisted else []),
            "seconds": round(self.seconds, 3),
        } | ({"messages": self.messages} if self.messages is not None else {})
        if self.list_format is not None:
            out["list_format"] = self.list_format
        return out


def import_file(
    engine: Engine,
    kind: ImportKind,
    path: Path,
    *,
    encoding: str | None = None,
    rejects_path: Path | None = None,
    today: dt.date | None = None,
    progress: Progress | None = None,
    batch_size: int | None = None,
    actor: str = "cli",
    workers: int | None = None,
    accept: Accept | None = None,
    sink: Sink | None = None,
    announce: bool = False,
    list_format: str | None = None,
) -> ImportSummary:
    """Validate and import one file; see the module docstring for the guarantees.

    With ``workers`` (default: JOINTCREDIT_IMPORT_WORKERS, or 1 for files over 4 MiB) reading
    and validation run in a child process while this one writes. ``accept``, when given, is
    asked in this process about every valid row before it is written. ``sink``, when given,
    receives the valid rows instead of the registry. With ``announce``, every list entry
    written is announced to the departments concerned (push messages, ``entry.listed`` or
    ``entry.changed``) in the transaction that writes it, as an approval does: what the
    operator's ``jointcredit import list-entries`` does (:func:`import_file_audited`).

    A licensing or penalty record whose issuing authority's USCC is a current department's in
    the catalog belongs to that department (its ``department``; docs/regions.md).

    ``list_format``: list entries in a national list's own format (``court``, ``samr``,
    ``tax-violations``, ``tax-a-grade``; docs/list-entries.md); None or ``generic``: the
    generic format. Any other value is refused before anything is read or stored.
    """
    list_format = checked_list_format(kind, list_format)
    settings = get_settings()
    batch_size = batch_size or settings.import_batch_size
    today = today or china_today()
    started = time.perf_counter()
    source = Source(path, encoding=encoding)  # fails early on a missing or empty file
    if workers is None:
        workers = settings.import_workers
        if workers is None:
            workers = 1 if source.size > _PARALLEL_FROM_BYTES else 0
    reap_interrupted(engine)
    source_system = f"file:{path.name}"[:100]
    sha256 = file_sha256(path)
    job_id = _start_job(engine, kind, path, sha256)
    summary = ImportSummary(
        kind, str(path), source.format, None, job_id, sha256=sha256, list_format=list_format
    )
    listed = settings.import_rejects_listed
    rejects = _Rejects(
        rejects_path or path.with_name(path.stem + ".rejects.csv"),
        make_validator(kind, today, list_format=list_format).spec,
        listed,
        summary,
    )
    writer = _Writer(engine, job_id, actor, source_system, summary, rejects)
    if announce and kind == "list-entry" and sink is None:
        summary.messages = 0
        writer.announce = True
    # Looked up once per import, so that attributing a row costs one dict look-up.
    attribution = None if kind == "list-entry" else departments_service.by_uscc()
    # Plain values only: the reading child process gets them pickled.
    args = (path, kind, encoding, today, batch_size, attribution, list_format)
    try:
        for item in _from_worker(args) if workers else _produce(*args):
            if isinstance(item, _Opened):
                summary.encoding = item.encoding
                for warning in item.warnings:
                    summary.warn(warning, listed)
                continue
            summary.rows += item.rows
            for warning in item.warnings:
                summary.warn(warning, listed)
            for number, values, errors in item.rejects:
                rejects.add(number, values, errors)
            drafts = item.drafts if accept is None else _accepted(item.drafts, accept, rejects)
            if drafts and sink is not None:
                _sunk(drafts, sink, summary, rejects)
                writer.beat(force=True)
            elif drafts:
                writer.write(drafts)
            else:
                writer.beat()
            if progress:
                progress(item.done, item.total)
    except BaseException as exc:
        rejects.close()
        _finish_job(engine, job_id, summary, "failed", str(exc) or type(exc).__name__)
        metrics.record_import(kind, summary.format, "failed", _row_results(summary))
        raise
    rejects.close()
    summary.seconds = time.perf_counter() - started
    _finish_job(engine, job_id, summary, "finished", None)
    metrics.record_import(kind, summary.format, "finished", _row_results(summary))
    return summary


def _row_results(summary: ImportSummary) -> dict[str, int]:
    """What the metrics count of an import's rows (jointcredit_import_rows_total)."""
    return {
        "accepted": summary.accepted,
        "updated": summary.updated,
        "duplicate": summary.duplicates,
        "rejected": summary.rejected_rows,
    }


def import_file_audited(
    engine: Engine,
    kind: ImportKind,
    path: Path,
    *,
    by: Principal = OPERATOR,
    **options: Any,
) -> ImportSummary:
    """:func:`import_file` for the operator's command line, recorded in the audit log like a
    department's upload (``submit-file``: the file's SHA-256, the import job and its counts;
    a file that could not be read, with the reason). List entries it loads take effect at once
    and are pushed like approved ones (``announce``)."""
    try:
        summary = import_file(engine, kind, path, actor=by.actor, announce=True, **options)
    except JointCreditError as exc:
        digest = file_sha256(path) if path.is_file() else None
        audit.record(engine, by, [submitted_file(kind, path.name, digest, error=exc)])
        raise
    extra: dict[str, Any] = {"messages": summary.messages} if summary.messages is not None else {}
    if summary.list_format is not None:
        extra["list_format"] = summary.list_format
    event = submitted_file(kind, path.name, summary.sha256, summary, extra=extra)
    audit.record(engine, by, [event])
    return summary


def submitted_file(
    kind: str,
    file: str,
    sha256: str | None,
    summary: ImportSummary | None = None,
    *,
    error: Exception | None = None,
    extra: Mapping[str, Any] | None = None,
) -> audit.Event:
    """The audit event of a file import, from any door (``submit-file``): the file by name and
    SHA-256, and the import job with its counts — or why the file could not be read."""
    detail: dict[str, Any] = {"kind": kind, "file": file}
    if error is not None:
        detail["error"] = str(error)[:500]
    if summary is not None:
        detail |= {
            "import_job": summary.job_id,
            "rows": summary.rows,
            "accepted": summary.accepted,
            "updated": summary.updated,
            "duplicates": summary.duplicates,
            "rejected_rows": summary.rejected_rows,
        }
    return audit.Event(
        "submit-file",
        result_digest=f"sha256:{sha256}" if sha256 else None,
        detail=detail | dict(extra or {}),
    )


_PARALLEL_FROM_BYTES = 4 << 20


def checked_list_format(kind: str, list_format: str | None) -> str | None:
    """``list_format`` checked: the name of a national list format for a file of list
    entries, None for the generic format (and for every other kind). Raises
    :class:`InvalidInputError` naming the accepted values."""
    from jointcredit.importing.list_formats import GENERIC, choice

    if list_format is None or list_format == GENERIC:
        return None
    if kind != "list-entry":
        raise InvalidInputError(
            f"format: {kind} files have one format; a list format applies to list entries"
        )
    try:
        return choice(list_format)
    except ValueError as exc:
        raise InvalidInputError(f"format: {exc}") from None


def _accepted(drafts: list[RecordDraft], accept: Accept, rejects: _Rejects) -> list[RecordDraft]:
    kept: list[RecordDraft] = []
    for draft in drafts:
        verdict = accept(draft)
        if verdict is None:
            kept.append(draft)
        else:
            _reject(draft, *verdict, rejects)
    return kept


def _reject(draft: RecordDraft, field_name: str, reason: str, rejects: _Rejects) -> None:
    rejects.add(draft.row, _cells_of(draft), [FieldError(draft.row, field_name, reason)])


def _sunk(drafts: list[RecordDraft], sink: Sink, summary: ImportSummary, rejects: _Rejects) -> None:
    result, refused = sink(drafts)
    summary.accepted += result.accepted
    summary.updated += result.updated
    summary.duplicates += result.duplicates
    for draft, field_name, reason in refused:
        _reject(draft, field_name, reason, rejects)


class _Writer:
    """Writes batches of valid rows, each with the job's counts in the same transaction."""

    def __init__(
        self,
        engine: Engine,
        job_id: int | None,
        actor: str,
        source_system: str,
        summary: ImportSummary,
        rejects: _Rejects,
    ):
        self.engine = engine
        self.job_id = job_id
        self.actor = actor
        self.source_system = source_system
        self.summary = summary
        self.rejects = rejects
        self.cache = subjects.SubjectCache()
        self.announce = False
        self.beaten = time.monotonic()

    def write(self, batch: list[RecordDraft]) -> None:
        while batch:
            try:
                result = self._transaction(batch)
            except Exception as exc:
                if _database_gone(exc):
                    raise
                # Validation should have caught whatever cannot be written; if it did not,
                # whatever the error, the batch is written row by row so that only the
                # offending rows are lost to the rejects file, with the reason, and every
                # other row is kept.
                self.cache.ids.clear()  # ids remembered in the rolled-back batch are void
                result = records.BatchResult()
                for draft in batch:
                    try:
                        one = self._transaction([draft])
                    except Exception as exc:
                        if _database_gone(exc):
                            raise
                        self.cache.ids.clear()
                        self._refused(draft, exc)
                        continue
                    result.deferred.extend(one.deferred)
            batch = result.deferred

    def _transaction(self, batch: list[RecordDraft]) -> records.BatchResult:
        now = dt.datetime.now(dt.UTC)
        with write_transaction(self.engine) as conn:
            result = records.write_records(
                conn,
                batch,
                job_id=self.job_id,
                actor=self.actor,
                source_system=self.source_system,
                now=now,
                subject_cache=self.cache,
            )
            messages = self._announced(conn, result, now) if self.announce else 0
            s = self.summary
            counts = _counts(s) | {
                "accepted": s.accepted + result.accepted,
                "updated": s.updated + result.updated,
                "duplicates": s.duplicates + result.duplicates,
            }
            jobs_store.progress(conn, self.job_id, counts, now)
        # Counted only once committed: a batch rolled back (and retried row by row) counts
        # nothing twice.
        s.accepted += result.accepted
        s.updated += result.updated
        s.duplicates += result.duplicates
        if s.messages is not None:
            s.messages += messages
        self.beaten = time.monotonic()
        return result

    def _announced(self, conn: Connection, result: records.BatchResult, now: dt.datetime) -> int:
        """Push messages for the list entries the batch wrote, as an approval writes them
        (services.proposals): an entry loaded by the operator binds departments as much as
        one approved by a reviewer, and reaches them only through the outbox."""
        from jointcredit.services import push

        sent = 0
        for record_id, how in result.written:
            event = "entry.listed" if how == "created" else "entry.changed"
            sent += len(push.emit(conn, record_id, event, now=now))
        return sent

    def _refused(self, draft: RecordDraft, exc: Exception) -> None:
        orig = getattr(exc, "orig", None)
        reason = str(orig or exc).strip().splitlines()
        text = reason[0] if reason else type(exc).__name__
        error = FieldError(draft.row, "-", f"refused by the database: {text[:300]}")
        self.rejects.add(draft.row, _cells_of(draft), [error])

    def beat(self, *, force: bool = False) -> None:
        """A sign of life and the counts so far while no batch commits (a file of bad rows)."""
        if not force and time.monotonic() - self.beaten < _BEAT_SECONDS:
            return
        with write_transaction(self.engine) as conn:
            jobs_store.progress(conn, self.job_id, _counts(self.summary), dt.datetime.now(dt.UTC))
        self.beaten = time.monotonic()


#: Seconds between two heartbeats of a job that commits no batch.
_BEAT_SECONDS = 5.0


def _database_gone(exc: Exception) -> bool:
    """Whether ``exc`` says the database cannot be reached, rather than refusing a row: then
    every row would fail alike, and the import stops (as failed) instead of rejecting all."""
    return isinstance(exc, DBAPIError) and exc.connection_invalidated


def _cells_of(draft: RecordDraft) -> dict[str, str]:
    return {k: v if isinstance(v, str) else dumps(v) for k, v in json.loads(draft.payload).items()}


def _counts(summary: ImportSummary) -> dict[str, int]:
    return {
        "rows_read": summary.rows,
        "accepted": summary.accepted,
        "updated": summary.updated,
        "duplicates": summary.duplicates,
        "rejected": summary.rejected_rows,
    }


def _start_job(engine: Engine, kind: str, path: Path, sha256: str) -> int:
    with write_transaction(engine) as conn:
        return jobs_store.start(
            conn,
            kind=kind,
            source_name=str(path),
            sha256=sha256,
            now=dt.datetime.now(dt.UTC),
            pid=os.getpid(),
            host=socket.gethostname(),
        )


def _finish_job(
    engine: Engine, job_id: int, summary: ImportSummary, status: str, message: str | None
) -> None:
    with write_transaction(engine) as conn:
        jobs_store.finish(
            conn,
            job_id,
            _counts(summary),
            status=status,
            message=message,
            now=dt.datetime.now(dt.UTC),
        )


# -- interrupted jobs ----------------------------------------------------------------------------


def _process_started(pid: int) -> tuple[float, str] | None:
    """When the process ``pid`` started (seconds since the epoch) and its state, from /proc;
    None where there is no /proc."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
        boot = next(
            float(line.split()[1])
            for line in Path("/proc/stat").read_text().splitlines()
            if line.startswith("btime ")
        )
    except (OSError, StopIteration, ValueError):
        return None
    fields = stat.rpartition(")")[2].split()
    return boot + int(fields[19]) / os.sysconf("SC_CLK_TCK"), fields[0]


def _process_alive(pid: int, started_at: dt.datetime) -> bool:
    """Whether the process that started the job at ``started_at`` still runs on this host: the
    pid exists, is not a zombie, and is not a later process that reuses the number."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # another user's process: it exists
        pass
    found = _process_started(pid)
    if found is None:
        return True
    began, state = found
    if state in ("Z", "X"):
        return False
    started: dt.datetime = utc(started_at)
    return began <= started.timestamp() + 2


def reap_interrupted(engine: Engine, *, now: dt.datetime | None = None) -> list[int]:
    """Mark ``interrupted`` every running import whose process is gone, and return their ids.

    On this host a job's pid is looked up (gone, a zombie, or a newer process with the same
    number: gone); of another host only the heartbeat is known, and a job silent for longer
    than JOINTCREDIT_IMPORT_STALE_SECONDS is taken for dead. Called when the service, the
    worker or an import starts, and when jobs are listed. The rows the job committed stay
    (counted on the job): importing the file again adds only the rest.
    """
    now = now or dt.datetime.now(dt.UTC)
    stale = dt.timedelta(seconds=get_settings().import_stale_seconds)
    host = socket.gethostname()
    with engine.connect() as conn:
        running = jobs_store.running(conn)
    dead: list[tuple[int, dt.datetime | None, str]] = []
    for job in running:
        beat = job["heartbeat_at"]
        last = utc(beat or job["started_at"])
        if job["host"] == host and job["pid"]:
            if not _process_alive(job["pid"], job["started_at"]):
                why = f"its process {job['pid']} on {host} ended without finishing the import"
                dead.append((job["id"], beat, why))
        elif now - last > stale:
            where = f"on {job['host']}" if job["host"] else "of an earlier version"
            why = f"no sign of life from its process {where} since {last.isoformat()}"
            dead.append((job["id"], beat, why))
    reaped: list[int] = []
    if dead:
        with write_transaction(engine) as conn:
            for job_id, beat, why in dead:
                message = f"interrupted: {why}; the rows it had committed stay"
                if jobs_store.interrupt(conn, job_id, beat, message, now):
                    reaped.append(job_id)
    return reaped


def job_view(row: Mapping[Any, Any]) -> dict[str, Any]:
    """An import job as ``jointcredit import jobs --json`` shows it."""

    def stamp(value: dt.datetime | None) -> str | None:
        return utc(value).isoformat() if value is not None else None

    return {
        "id": row["id"],
        "kind": row["kind"],
        "source": row["source_name"],
        "sha256": row["source_sha256"],
        "status": row["status"],
        "started_at": stamp(row["started_at"]),
        "finished_at": stamp(row["finished_at"]),
        "heartbeat_at": stamp(row["heartbeat_at"]),
        "pid": row["pid"],
        "host": row["host"],
        "rows": row["rows_read"],
        # Rows whose outcome is in the registry: new records, new versions, known ones.
        "committed": row["accepted"] + row["updated"] + row["duplicates"],
        "accepted": row["accepted"],
        "updated": row["updated"],
        "duplicates": row["duplicates"],
        "rejected": row["rejected"],
        "message": row["message"],
    }


def list_jobs(
    engine: Engine, *, limit: int = 50, status: str | None = None
) -> list[dict[str, Any]]:
    """The latest import jobs, newest first, after marking the dead ones interrupted."""
    reap_interrupted(engine)
    with engine.connect() as conn:
        return [job_view(r) for r in jobs_store.listed(conn, limit=limit, status=status)]


def _shown(text: str) -> str:
    """A cell of the rejects file: control characters spelled out (an unpaired surrogate
    cannot even be written as UTF-8), and nothing a spreadsheet would run as a formula."""
    if CONTROL.search(text):
        text = CONTROL.sub(lambda m: f"\\u{ord(m.group()):04x}", text)
    return safe_cell(text)


class _Rejects:
    """The rejects file: each rejected row as read, with its row number, fields and reasons,
    written as it comes (memory stays flat however many rows are rejected).

    UTF-8 with BOM so that it opens in spreadsheet programs, every cell escaped so that none
    runs as a formula there; created only when a row is rejected.
    """

    def __init__(self, path: Path, spec: Mapping[str, str], listed: int, summary: ImportSummary):
        self.path = path
        self.columns = ["row", "field", "error", *spec]
        self.listed = listed
        self.summary = summary
        self._file: IO[str] | None = None
        self._writer: Any = None
        # A rejects file left by an earlier run of the same file would be mistaken for this one's.
        path.unlink(missing_ok=True)

    def add(
        self, number: int, values: Mapping[str, str] | RowProblem, errors: list[FieldError]
    ) -> None:
        self.summary.rejected_rows += 1
        for error in errors:
            if len(self.summary.rejected) < self.listed:
                # A reason stays a Reason (the console writes it in the page's language).
                if CONTROL.search(error.error):
                    error = error._replace(error=CONTROL.sub("\ufffd", error.error))
                self.summary.rejected.append(error.to_dict())
            else:
                self.summary.rejected_truncated = True
        if self._writer is None:
            self._file = self.path.open("w", encoding="utf-8-sig", newline="")
            self._writer = csv.writer(self._file)
            self._writer.writerow(self.columns)
            self.summary.rejects_file = str(self.path)
        cells = {} if isinstance(values, RowProblem) else values
        line = {
            "row": str(number),
            "field": "; ".join(dict.fromkeys(e.field for e in errors)),
            # In the language chosen for the process (JOINTCREDIT_LANG, --lang): people read it.
            "error": "; ".join(f"{e.field}: {e.text()}" for e in errors),
        }
        self._writer.writerow(
            [_shown(line[c] if c in line else cells.get(c) or "") for c in self.columns]
        )

    def close(self) -> None:
        if self._file is not None:
            self._file.close()
            self._file = None


__all__ = [
    "Accept",
    "ImportKind",
    "ImportSummary",
    "Sink",
    "checked_list_format",
    "import_file",
    "import_file_audited",
    "job_view",
    "list_jobs",
    "make_validator",
    "reap_interrupted",
]
