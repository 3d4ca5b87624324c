"""Departments submitting records and list entries: one at a time or a whole file.

The same validation as ``jointcredit import`` (:class:`~jointcredit.importing.validate.
RowValidator`, :class:`~jointcredit.importing.list_entries.ListEntryValidator`), plus the rule
of the API that a key submits only for its own department (33号: nobody submits in another
department's name):

- a list entry's ``department`` must be the key's department (empty: the key's is taken);
- a double-publicity record's data source department (数据来源单位, ``XK_LYDW`` / ``CF_SJLY``)
  must be the key's department as the catalog names it (``name_zh``); empty, it is filled in.

A single submission that breaks the rule is refused (403); in a file, the row is rejected like
an invalid one. Every submission is recorded in the audit log in the transaction that writes it
(``submit-record``); a file, which is written batch by batch, once it is done (``submit-file``).

List entries are not written here: a department's entry, alone or in a file, becomes a
proposal that takes effect when a reviewer of the department approves it
(:mod:`jointcredit.services.proposals`, docs/review.md). The operator's ``jointcredit import
list-entries`` still writes directly: it loads lists decided elsewhere.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import re
import tempfile
from collections.abc import Mapping
from pathlib import Path
from typing import IO, Any, Literal

from sqlalchemy import Engine
from sqlalchemy.exc import DataError, IntegrityError

from jointcredit.access import Principal, require
from jointcredit.clock import today as china_today
from jointcredit.errors import (
    ConflictError,
    InvalidInputError,
    JointCreditError,
)
from jointcredit.importing.readers import detect_format
from jointcredit.record_drafts import RecordDraft
from jointcredit.security.digest import digest_of
from jointcredit.services import audit, proposals
from jointcredit.services.imports import (
    ImportKind,
    Sink,
    checked_list_format,
    import_file,
    submitted_file,
)
from jointcredit.services.validation import own_department, validated
from jointcredit.store import records
from jointcredit.store.db import write_transaction

RecordFormat = Literal["licensing", "penalty"]

Outcome = Literal["accepted", "updated", "duplicate"]


# -- one record --------------------------------------------------------------------------------


def _submit(
    engine: Engine,
    kind: RecordFormat,
    fields: Mapping[str, Any],
    *,
    by: Principal,
    today: dt.date | None,
) -> dict[str, Any]:
    require(by, "submit", by.department)
    result = validated(kind, fields, by=by, today=today or china_today())
    try:
        return _write(engine, result, by)
    except IntegrityError:
        # The same record submitted twice at once: the loser finds it written by the winner.
        try:
            return _write(engine, result, by)
        except IntegrityError as exc:
            raise ConflictError(f"the record could not be written: {exc.orig}") from None
    except DataError as exc:
        reason = str(exc.orig).splitlines()[0] if exc.orig else str(exc)
        raise InvalidInputError(f"the database refuses the record: {reason}") from None


def _write(engine: Engine, draft: RecordDraft, by: Principal) -> dict[str, Any]:
    with write_transaction(engine) as conn:
        written = records.write_records(
            conn,
            [draft],
            job_id=None,
            actor=by.actor,
            source_system="api",
            now=dt.datetime.now(dt.UTC),
        )
        found = records.record_by_natural_key(conn, draft.natural_key)
        assert found is not None, "a record written or known is there"
        outcome: Outcome = (
            "accepted" if written.accepted else "updated" if written.updated else "duplicate"
        )
        out: dict[str, Any] = {
            "record": found["id"],
            "version": found["version"],
            "outcome": outcome,
            "kind": draft.kind,
            "subject": draft.subject.identifier,
        }
        out["audit_entry"] = audit.append(
            conn,
            by,
            "submit-record",
            subject=draft.subject.identifier,
            record_id=found["id"],
            result_digest=digest_of(
                {"record": found["id"], "version": found["version"], "content": draft.content_hash},
                audit.chain_algorithm(),
            ),
            detail={"kind": draft.kind, "outcome": outcome, "version": found["version"]},
        )
    return out


def submit_record(
    engine: Engine,
    kind: RecordFormat,
    fields: Mapping[str, str | None],
    *,
    by: Principal,
    today: dt.date | None = None,
) -> dict[str, Any]:
    """Validate and write one licensing or penalty record (national format's fields).

    Returns ``record`` (id), ``version``, ``outcome`` (accepted: new; updated: a new version;
    duplicate: nothing changed), ``kind``, ``subject`` and ``audit_entry``. Raises
    :class:`InvalidInputError` with every field's problem in ``problems``, or
    :class:`PermissionDeniedError` for another department's record.
    """
    return _submit(engine, kind, fields, by=by, today=today)


def submit_list_entry(
    engine: Engine, entry: Mapping[str, Any], *, by: Principal, now: dt.datetime | None = None
) -> dict[str, Any]:
    """Validate one red- or black-list entry (the JSON Lines object of docs/list-entries.md)
    and propose it for review: a list entry takes effect only once a second person of the
    department approves it (docs/review.md). Returns the proposal (status ``submitted``)."""
    return proposals.submit(engine, proposals.Request("create", entry=entry), by=by, now=now)


# -- a file ------------------------------------------------------------------------------------

_SAFE_NAME = re.compile(r"[^\w.\-]+")


def _safe_name(filename: str | None) -> str:
    """The upload's file name reduced to a harmless base name (its suffix decides the format)."""
    base = (filename or "").replace("\\", "/").rsplit("/", 1)[-1]
    base = _SAFE_NAME.sub("_", base).strip("._")[-100:]
    return base or "upload"


def import_upload(
    engine: Engine,
    kind: ImportKind,
    data: IO[bytes],
    filename: str | None,
    *,
    by: Principal,
    today: dt.date | None = None,
    list_format: str | None = None,
) -> dict[str, Any]:
    """Import an uploaded file like ``jointcredit import KIND FILE --json``, every row checked
    against the key's department too. The summary names the file as uploaded and lists the
    rejected rows (``rejected``) instead of pointing at a rejects file on the server.
    ``list_format``: list entries in a national list's own format (``--format``)."""
    require(by, "submit", by.department)
    list_format = checked_list_format(kind, list_format)
    rule = own_department(by)
    sink, proposed = _proposing(engine, by) if kind == "list-entry" else (None, [])
    name = shown = _safe_name(filename)
    detect_format(Path(name))  # an unknown suffix is refused before anything is stored
    digest = hashlib.sha256()
    with tempfile.TemporaryDirectory(prefix="jointcredit-upload-") as tmp:
        path = Path(tmp) / name
        with path.open("wb") as out:
            for block in iter(lambda: data.read(1 << 20), b""):
                digest.update(block)
                out.write(block)
        try:
            summary = import_file(
                engine,
                kind,
                path,
                rejects_path=Path(tmp) / "rejects.csv",
                today=today,
                actor=by.actor,
                accept=rule,
                sink=sink,
                list_format=list_format,
            )
        except JointCreditError as exc:
            event = submitted_file(kind, shown, digest.hexdigest(), error=exc)
            audit.record(engine, by, [event])
            raise
    result = summary.to_dict()
    result["file"] = shown
    del result["rejects_file"]
    detail_extra: dict[str, Any] = {}
    if kind == "list-entry":
        result["proposals"] = proposed
        detail_extra["proposals"] = len(proposed)
    if list_format is not None:
        detail_extra["list_format"] = list_format
    event = submitted_file(kind, shown, digest.hexdigest(), summary, extra=detail_extra)
    audit.record(engine, by, [event])
    return result


def _proposing(engine: Engine, by: Principal) -> tuple[Sink, list[int]]:
    """A sink that turns an upload's valid list entries into proposals, and the list of
    their ids it fills: a department's entries take effect only when reviewed. ``accepted``
    counts new entries proposed, ``updated`` proposed new versions of entries the registry
    holds, ``duplicates`` rows the registry or an open proposal already holds as they are."""
    ids: list[int] = []

    def sink(
        drafts: list[RecordDraft],
    ) -> tuple[records.BatchResult, list[tuple[RecordDraft, str, str]]]:
        done = proposals.propose_drafts(engine, drafts, by=by)
        ids.extend(done.ids)
        counts = records.BatchResult(
            accepted=len(done.ids) - done.updates,
            updated=done.updates,
            duplicates=len(done.skipped),
        )
        return counts, done.refused

    return sink, ids


__all__ = [
    "import_upload",
    "submit_list_entry",
    "submit_record",
]
