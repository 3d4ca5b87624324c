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

from jointcredit.catalog import load_catalog
from jointcredit.clock import today as china_today
from jointcredit.drafts import RecordDraft
from jointcredit.errors import (
    ConflictError,
    InvalidInputError,
    JointCreditError,
    PermissionDeniedError,
)
from jointcredit.importing.readers import detect_format
from jointcredit.jsontext import dumps
from jointcredit.security.digest import digest_of
from jointcredit.services import audit, departments
from jointcredit.services.access import Principal, require
from jointcredit.services.imports import (
    Accept,
    ImportKind,
    Sink,
    checked_list_format,
    import_file,
    make_validator,
    submitted_file,
)
from jointcredit.store import records
from jointcredit.store.db import write_transaction

RecordFormat = Literal["licensing", "penalty"]

#: The field naming a double-publicity record's data source department, per format.
SOURCE_FIELD: dict[str, str] = {"licensing": "XK_LYDW", "penalty": "CF_SJLY"}

Outcome = Literal["accepted", "updated", "duplicate"]


def _department_name(by: Principal) -> str | None:
    """The catalog's name of the key's department; None for the local operator."""
    if by.department is None:
        return None
    department = load_catalog().departments.get(by.department)
    if department is None:
        raise PermissionDeniedError(
            f"this key's department {by.department!r} is not in the catalog: it cannot submit"
        )
    return department.name_zh


def own_department(by: Principal) -> Accept | None:
    """The rule that ``by`` submits only for its own department, as a check of a valid row's
    draft: None (accept) or (field, reason). None for the local operator, who may import any
    department's file."""
    name = _department_name(by)
    if name is None:
        return None

    def accept(draft: RecordDraft) -> tuple[str, str] | None:
        if draft.kind in ("red-list", "black-list"):
            if draft.department != by.department:
                return (
                    "department",
                    f"this key submits for department {by.department}, not {draft.department}",
                )
            return None
        field = SOURCE_FIELD["licensing" if draft.kind == "licensing" else "penalty"]
        if draft.source_department != name:
            return (
                field,
                f"the data source department {draft.source_department!r} is not this key's "
                f"department {name!r} ({by.department}); a key submits only its own "
                "department's records",
            )
        return None

    return accept


# -- one record --------------------------------------------------------------------------------

#: Characters no text field may hold: U+0000 (PostgreSQL refuses it) and lone surrogates.
_UNSTORABLE = re.compile("[\x00\ud800-\udfff]")


def _unstorable(value: Any, where: str) -> list[tuple[str, str]]:
    """(field, reason) for every text inside ``value`` that no database can store."""
    if isinstance(value, str):
        if _UNSTORABLE.search(value):
            return [(where, "contains U+0000 or an unpaired surrogate, which cannot be stored")]
        return []
    if isinstance(value, Mapping):
        return [p for k, v in value.items() for p in _unstorable(v, f"{where}.{k}")]
    if isinstance(value, list):
        return [p for i, v in enumerate(value) for p in _unstorable(v, f"{where}[{i}]")]
    return []


def _cell(value: Any) -> str:
    """A JSON value as the JSON Lines reader hands it to validation: text as is, null empty,
    objects and arrays as JSON text."""
    if value is None:
        return ""
    if isinstance(value, str):
        return value
    return dumps(value)


def _invalid(problems: list[tuple[str, str]]) -> InvalidInputError:
    listed = "; ".join(f"{field}: {reason}" for field, reason in problems)
    return InvalidInputError(
        f"the record is invalid: {listed}",
        problems=[{"field": field, "error": reason} for field, reason in problems],
    )


#: Longest identifier the registry holds (``subjects.identifier``).
_IDENTIFIER_MAX = 64


def _overlong_identifiers(draft: RecordDraft) -> list[tuple[str, str]]:
    """Identity document numbers too long for the registry (other documents than resident
    identity numbers are not validated otherwise): refused on every database alike."""
    prefix = "XK_" if draft.kind == "licensing" else "CF_"
    found = [(prefix + "XDR_ZJHM", v) for _, v in draft.subject.identifiers]
    found += [(prefix + "FR_ZJHM", p.identifier) for _, p in draft.persons]
    return [
        (field, f"longer than {_IDENTIFIER_MAX} characters as an identifier")
        for field, value in found
        if len(value) > _IDENTIFIER_MAX
    ]


def validated(
    kind: ImportKind, fields: Mapping[str, Any], *, by: Principal, today: dt.date
) -> RecordDraft:
    """One record or list entry validated as an import validates a row, plus the API's rules
    (no unstorable text, the key's own department, filled in where left empty).

    Raises :class:`InvalidInputError` with every field's problem in ``problems``, or
    :class:`PermissionDeniedError` for another department's record. Shared by the direct
    submissions and by list-entry proposals (:mod:`jointcredit.services.proposals`), so that
    a bad entry is refused when it is proposed, not when it is approved.
    """
    problems = [p for name, value in fields.items() for p in _unstorable(value, name)]
    if problems:
        raise _invalid(problems)
    cells = {name: _cell(value) for name, value in fields.items()}
    name = _department_name(by)
    if kind == "list-entry":
        if by.department is not None and not cells.get("department", "").strip():
            cells["department"] = by.department
    elif name is not None and not cells.get(SOURCE_FIELD[kind], "").strip():
        cells[SOURCE_FIELD[kind]] = name
    # As an uploaded file's: a record belongs to the department its issuing authority is.
    result = make_validator(kind, today, departments.by_uscc()).validate(1, cells)
    if isinstance(result, list):
        raise _invalid([(e.field, e.error) for e in result])
    too_long = _overlong_identifiers(result)
    if too_long:
        raise _invalid(too_long)
    rule = own_department(by)
    verdict = rule(result) if rule is not None else None
    if verdict is not None:
        raise PermissionDeniedError(f"{verdict[0]}: {verdict[1]}")
    return result


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
    from jointcredit.services import proposals

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
    from jointcredit.services import proposals

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
    "SOURCE_FIELD",
    "import_upload",
    "own_department",
    "submit_list_entry",
    "submit_record",
    "validated",
]
