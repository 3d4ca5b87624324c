"""Importing the departments' double-publicity files into the registry.

Rows are validated one by one and written in batches, each batch in its own transaction: a bad
row goes to the rejects file and never costs a good one, and an interrupted import keeps what it
had written (importing the file again adds only the rest).
"""

from __future__ import annotations

import csv
import datetime as dt
import hashlib
import itertools
import json
import multiprocessing
import time
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from queue import Empty
from typing import IO, Any, Literal, Protocol

from sqlalchemy import Engine, insert, update
from sqlalchemy.exc import DataError, IntegrityError

from jointcredit.drafts import RecordDraft
from jointcredit.errors import InputFileError
from jointcredit.importing.readers import RowProblem, Source
from jointcredit.importing.validate import FieldError, RowValidator
from jointcredit.jsontext import dumps
from jointcredit.settings import get_settings
from jointcredit.store import records
from jointcredit.store.db import write_transaction
from jointcredit.store.tables import import_jobs

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

    def to_dict(self) -> dict[str, Any]:
        return {
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
            "warnings": self.warnings,
            "seconds": round(self.seconds, 3),
        }


ImportKind = Literal["licensing", "penalty", "list-entry"]


class Validator(Protocol):
    """Turns one row into a record draft or the problems found in it."""

    @property
    def spec(self) -> Mapping[str, str]: ...

    def check_header(self, fields: list[str]) -> tuple[list[str], list[str]]: ...

    def validate(self, number: int, raw: Mapping[str, str]) -> RecordDraft | list[FieldError]: ...


def make_validator(kind: ImportKind, today: dt.date) -> Validator:
    """The validator of one import kind; list entries are checked against the catalog."""
    if kind == "list-entry":
        from jointcredit.catalog import load_catalog
        from jointcredit.importing.list_entries import ListEntryValidator

        catalog = load_catalog()
        return ListEntryValidator(
            catalog.list_types,
            {code: d.name_zh for code, d in catalog.departments.items()},
            today=today,
        )
    return RowValidator(kind, today=today)


@dataclass(slots=True)
class _Batch:
    """What the reading side hands to the writing side: validated drafts and rejected rows."""

    drafts: list[RecordDraft]
    rejects: list[tuple[int, Mapping[str, str] | RowProblem, list[FieldError]]]
    rows: int
    done: int
    total: int


@dataclass(slots=True)
class _Opened:
    """Sent once the header has been checked."""

    encoding: str | None
    warnings: list[str]


def _produce(
    path: Path, kind: ImportKind, encoding: str | None, today: dt.date, batch_size: int
) -> Iterator[_Opened | _Batch]:
    """Read and validate ``path``: first an :class:`_Opened`, then batches of rows."""
    source = Source(path, encoding=encoding)
    validator = make_validator(kind, today)
    warnings: list[str] = []
    rows = _checked_header(source.rows(), source, validator, warnings, kind)
    first = next(rows, None)
    yield _Opened(source.encoding if source.format != "xlsx" else None, warnings)
    if first is None:
        return
    batch = _Batch([], [], 0, 0, 0)
    for number, values in itertools.chain((first,), rows):
        batch.rows += 1
        if isinstance(values, RowProblem):
            batch.rejects.append((number, values, [FieldError(number, values.field, values.error)]))
        else:
            result = validator.validate(number, values)
            if isinstance(result, list):
                batch.rejects.append((number, values, result))
            else:
                batch.drafts.append(result)
                if len(batch.drafts) >= batch_size:
                    batch.done, batch.total = source.bytes_read, _total(source)
                    yield batch
                    batch = _Batch([], [], 0, 0, 0)
    batch.done = batch.total = _total(source)
    yield batch


def _produce_into(queue: Any, *args: Any) -> None:
    """Worker process: run :func:`_produce` and pass everything, errors included, to ``queue``."""
    try:
        for item in _produce(*args):
            queue.put(item)
    except BaseException as exc:  # handed to the parent, which raises it
        queue.put(exc)
    queue.put(None)


def _from_worker(args: tuple[Any, ...]) -> Iterator[_Opened | _Batch]:
    """Run :func:`_produce` in a child process so that validation overlaps database writes."""
    # spawn, not fork: the parent may hold database connections and threads (the web service).
    context = multiprocessing.get_context("spawn")
    queue = context.Queue(maxsize=4)
    worker = context.Process(target=_produce_into, args=(queue, *args), daemon=True)
    worker.start()
    try:
        while True:
            try:
                item = queue.get(timeout=1.0)
            except Empty:
                if worker.is_alive():
                    continue
                raise InputFileError(
                    f"the process reading the file stopped unexpectedly (exit code "
                    f"{worker.exitcode})"
                ) from None
            if item is None:
                break
            if isinstance(item, BaseException):
                raise item
            yield item
    finally:
        if worker.is_alive():
            worker.terminate()
        worker.join()


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
) -> ImportSummary:
    """Validate and import one file; see the module docstring for the guarantees.

    With ``workers`` (default: JOINTCREDIT_IMPORT_WORKERS, or 1 for files over 4 MiB) reading
    and validation run in a child process while this one writes. ``accept``, when given, is
    asked in this process about every valid row before it is written. ``sink``, when given,
    receives the valid rows instead of the registry.
    """
    settings = get_settings()
    batch_size = batch_size or settings.import_batch_size
    today = today or dt.date.today()
    started = time.perf_counter()
    source = Source(path, encoding=encoding)  # fails early on a missing or empty file
    if workers is None:
        workers = settings.import_workers
        if workers is None:
            workers = 1 if source.size > _PARALLEL_FROM_BYTES else 0
    source_system = f"file:{path.name}"[:100]
    job_id = _start_job(engine, kind, path)
    summary = ImportSummary(kind, str(path), source.format, None, job_id)
    rejects = _Rejects(
        rejects_path or path.with_name(path.stem + ".rejects.csv"),
        make_validator(kind, today).spec,
        settings.import_rejects_listed,
        summary,
    )
    args = (path, kind, encoding, today, batch_size)
    subject_cache = records.SubjectCache()
    try:
        for item in _from_worker(args) if workers else _produce(*args):
            if isinstance(item, _Opened):
                summary.encoding = item.encoding
                summary.warnings.extend(item.warnings)
                continue
            summary.rows += item.rows
            for number, values, errors in item.rejects:
                rejects.add(number, values, errors)
            drafts = item.drafts if accept is None else _accepted(item.drafts, accept, rejects)
            if drafts and sink is not None:
                _sunk(drafts, sink, summary, rejects)
            elif drafts:
                _write(
                    engine,
                    drafts,
                    job_id,
                    actor,
                    source_system,
                    summary,
                    subject_cache,
                    rejects,
                )
            if progress:
                progress(item.done, item.total)
    except BaseException as exc:
        rejects.close()
        _finish_job(engine, job_id, summary, "failed", str(exc) or type(exc).__name__)
        raise
    rejects.close()
    summary.seconds = time.perf_counter() - started
    _finish_job(engine, job_id, summary, "finished", None)
    return summary


_PARALLEL_FROM_BYTES = 4 << 20


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
    cells = {k: v if isinstance(v, str) else dumps(v) for k, v in json.loads(draft.payload).items()}
    rejects.add(draft.row, cells, [FieldError(draft.row, field_name, reason)])


def _sunk(drafts: list[RecordDraft], sink: Sink, summary: ImportSummary, rejects: _Rejects) -> None:
    result, refused = sink(drafts)
    summary.accepted += result.accepted
    summary.updated += result.updated
    summary.duplicates += result.duplicates
    for draft, field_name, reason in refused:
        _reject(draft, field_name, reason, rejects)


def _total(source: Source) -> int:
    return source.size if source.format != "xlsx" else max(source.bytes_read, 1)


def _checked_header(
    rows: Iterator[tuple[int, Mapping[str, str] | RowProblem]],
    source: Source,
    validator: Validator,
    warnings: list[str],
    kind: str,
) -> Iterator[tuple[int, Mapping[str, str] | RowProblem]]:
    """Check the columns once the reader has seen the header; accept Chinese labels too."""
    first = next(rows, None)
    if source.format == "jsonl":
        # JSON objects may leave empty fields out: only unknown keys are worth a warning.
        rename: dict[str, str] = {}
    else:
        rename = _label_map(source.fields, validator.spec)
        fields = [rename.get(name, name) for name in source.fields]
        missing, unknown = validator.check_header(fields)
        duplicated = sorted({name for name in fields if fields.count(name) > 1})
        if duplicated:
            raise InputFileError(
                f"{source.path.name}: columns appear twice: {', '.join(duplicated)}"
            )
        if missing:
            raise InputFileError(
                f"{source.path.name}: the header lacks {len(missing)} required "
                f"column{'s' if len(missing) > 1 else ''} of the {kind} format: "
                + ", ".join(missing)
            )
        if unknown:
            warnings.append("columns not in the format, ignored: " + ", ".join(unknown))
    if first is None:
        return
    yield _renamed(first, rename)
    if rename:
        for row in rows:
            yield _renamed(row, rename)
    else:
        yield from rows


def _label_map(fields: list[str], spec: Mapping[str, str]) -> dict[str, str]:
    by_label = {label: name for name, label in spec.items()}
    return {f: by_label[f] for f in fields if f not in spec and f in by_label}


def _renamed(
    row: tuple[int, Mapping[str, str] | RowProblem], rename: dict[str, str]
) -> tuple[int, Mapping[str, str] | RowProblem]:
    number, values = row
    if not rename or isinstance(values, RowProblem):
        return row
    return number, {rename.get(k, k): v for k, v in values.items()}


def _write(
    engine: Engine,
    batch: list[RecordDraft],
    job_id: int,
    actor: str,
    source_system: str,
    summary: ImportSummary,
    subject_cache: records.SubjectCache,
    rejects: _Rejects,
) -> None:
    while batch:
        try:
            result = _write_batch(engine, batch, job_id, actor, source_system, subject_cache)
        except (IntegrityError, DataError):
            # Validation should have caught whatever the database refuses; if it did not, the
            # batch is written row by row so that only the offending rows are lost to the
            # rejects file, with the database's reason, and every other row is kept.
            subject_cache.ids.clear()  # ids remembered in the rolled-back batch are void
            result = records.BatchResult()
            for draft in batch:
                try:
                    one = _write_batch(engine, [draft], job_id, actor, source_system, subject_cache)
                except (IntegrityError, DataError) as exc:
                    subject_cache.ids.clear()
                    reason = str(exc.orig).splitlines()[0] if exc.orig else str(exc)
                    error = FieldError(draft.row, "-", f"refused by the database: {reason}")
                    rejects.add(draft.row, json.loads(draft.payload), [error])
                    continue
                result.accepted += one.accepted
                result.updated += one.updated
                result.duplicates += one.duplicates
                result.deferred.extend(one.deferred)
        summary.accepted += result.accepted
        summary.updated += result.updated
        summary.duplicates += result.duplicates
        batch = result.deferred


def _write_batch(
    engine: Engine,
    batch: list[RecordDraft],
    job_id: int,
    actor: str,
    source_system: str,
    subject_cache: records.SubjectCache,
) -> records.BatchResult:
    with write_transaction(engine) as conn:
        return records.write_records(
            conn,
            batch,
            job_id=job_id,
            actor=actor,
            source_system=source_system,
            now=dt.datetime.now(dt.UTC),
            subject_cache=subject_cache,
        )


def _start_job(engine: Engine, kind: str, path: Path) -> int:
    digest = hashlib.sha256()
    with path.open("rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            digest.update(block)
    with engine.begin() as conn:
        job_id: int = conn.execute(
            insert(import_jobs).returning(import_jobs.c.id),
            {
                "kind": kind,
                "source_name": str(path)[-500:],
                "source_sha256": digest.hexdigest(),
                "started_at": dt.datetime.now(dt.UTC),
                "rows_read": 0,
                "accepted": 0,
                "updated": 0,
                "duplicates": 0,
                "rejected": 0,
                "status": "running",
            },
        ).scalar_one()
    return job_id


def _finish_job(
    engine: Engine, job_id: int, summary: ImportSummary, status: str, message: str | None
) -> None:
    with engine.begin() as conn:
        conn.execute(
            update(import_jobs)
            .where(import_jobs.c.id == job_id)
            .values(
                finished_at=dt.datetime.now(dt.UTC),
                rows_read=summary.rows,
                accepted=summary.accepted,
                updated=summary.updated,
                duplicates=summary.duplicates,
                rejected=summary.rejected_rows,
                status=status,
                message=message[:2000] if message else None,
            )
        )


class _Rejects:
    """The rejects file: each rejected row as read, with its row number, fields and reasons.

    UTF-8 with BOM so that it opens in spreadsheet programs; created only when a row is rejected.
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
                self.summary.rejected.append(error.to_dict())
            else:
                self.summary.rejected_truncated = True
        if self._writer is None:
            self._file = self.path.open("w", encoding="utf-8-sig", newline="")
            self._writer = csv.DictWriter(self._file, self.columns, extrasaction="ignore")
            self._writer.writeheader()
            self.summary.rejects_file = str(self.path)
        cells = {} if isinstance(values, RowProblem) else dict(values)
        self._writer.writerow(
            cells
            | {
                "row": number,
                "field": "; ".join(dict.fromkeys(e.field for e in errors)),
                "error": "; ".join(f"{e.field}: {e.error}" for e in errors),
            }
        )

    def close(self) -> None:
        if self._file is not None:
            self._file.close()
            self._file = None


__all__ = ["Accept", "ImportKind", "ImportSummary", "Sink", "import_file", "make_validator"]
