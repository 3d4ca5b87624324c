"""Reading subjects and their records as a caller may see them: the use cases of the API.

Two views (33号 §18–19, see :mod:`jointcredit.access`):

- *public* (no key): only subjects with at least one record inside its publication window, only
  such records (status ``active``, ``publish_from`` ≤ today ≤ ``publish_until``, an open end
  counting as open), and every personal identifier and person's name masked; of a record's
  payload only what the portal shows (:func:`jointcredit.services.public.public_details`); a
  record named by its opaque public reference (``ref``), not its row id, which is a sequence
  anyone could walk — the public finds a record by its reference only; and the whole answer
  passed through :func:`~jointcredit.identifiers.mask.mask_deep`, so a resident identity number
  in free text is masked wherever it stands;
- *shared* (a department's key): every record with its status and, for a single record, its
  history; persons' identifiers other than those of the subject asked about are masked (the
  department has no need for them). Every such read is recorded in the audit log. A repaired
  record (信用修复, NDRC Order No. 36) is no longer shared: departments' keys no longer see it,
  while the operator, supervisors and admins still do, to audit what was shared before.

A subject the public may not see is answered exactly like one the registry does not know.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable, Mapping
from typing import Any

from sqlalchemy import Connection, Engine, RowMapping

from jointcredit.access import OVERSEERS, Principal, allowed, require
from jointcredit.clock import today as china_today
from jointcredit.errors import NotFoundError
from jointcredit.identifiers.mask import mask_deep, mask_identifier, mask_name, mask_resident_id
from jointcredit.identifiers.normalize import normalize
from jointcredit.jsontext import iso
from jointcredit.security.digest import digest_of
from jointcredit.services import audit
from jointcredit.services.public import organisation_codes, public_details
from jointcredit.services.references import record_id_of, reference_of
from jointcredit.store import records, subjects

#: Longest identifier the registry holds (``subjects.identifier``).
_IDENTIFIER_MAX = 64

_NOT_FOUND = "no subject with this identifier"

#: What no identifier holds and no database can be asked about (U+0000, lone surrogates).
_UNSTORABLE = re.compile("[\x00\ud800-\udfff]")


def _shared(by: Principal) -> bool:
    """Whether ``by`` gets the shared view; otherwise it must be allowed the public one."""
    if allowed(by, "read-shared"):
        return True
    require(by, "read-public")
    return False


def _unshared_hidden(by: Principal) -> bool:
    """Whether ``by`` no longer sees records whose sharing stopped (repaired ones): every
    department's key but the overseers', who keep the view for audit."""
    return by.role not in OVERSEERS


def _code(identifier: str) -> str:
    """The identifier as the registry holds it; what cannot be one is simply not found."""
    code = normalize(identifier)
    if not code or len(code) > _IDENTIFIER_MAX or _UNSTORABLE.search(code):
        raise NotFoundError(_NOT_FOUND)
    return code


_text = iso


def _plain(row: Mapping[Any, Any]) -> dict[str, Any]:
    return {key: _text(value) for key, value in row.items()}


# -- masking -------------------------------------------------------------------------------------

_PERSON_NUMBER_FIELDS = frozenset(f"{p}_{f}" for p in ("XK", "CF") for f in ("FR_ZJHM", "XDR_ZJHM"))


def _masked_number(value: str, keep: frozenset[str]) -> str:
    return value if normalize(value) in keep else mask_resident_id(value)


def mask_other_persons(payload: Any, keep: Iterable[str]) -> Any:
    """``payload`` with persons' identity numbers masked, except the values in ``keep`` (the
    identifiers of the subject the caller asked about). Names stay: a department may need them
    to recognise a record it holds itself.

    >>> mask_other_persons({'CF_FR_ZJHM': '110101198001010010', 'CF_WSH': 'A1'}, [])
    {'CF_FR_ZJHM': '110101********0010', 'CF_WSH': 'A1'}
    >>> mask_other_persons({'persons': [{'id_number': '110101198001010010'}]},
    ...                    ['110101198001010010'])
    {'persons': [{'id_number': '110101198001010010'}]}
    """
    if not isinstance(payload, dict):
        return payload
    kept = frozenset(keep)
    out: dict[str, Any] = {}
    for key, value in payload.items():
        if key in _PERSON_NUMBER_FIELDS and isinstance(value, str):
            out[key] = _masked_number(value, kept)
        elif key == "subject" and isinstance(value, dict) and "id_number" in value:
            out[key] = value | {"id_number": _masked_number(str(value["id_number"]), kept)}
        elif key == "persons" and isinstance(value, list):
            out[key] = [
                p | {"id_number": _masked_number(str(p["id_number"]), kept)}
                if isinstance(p, dict) and "id_number" in p
                else p
                for p in value
            ]
        else:
            out[key] = value
    return out


def _subject_out(row: Mapping[Any, Any], *, public: bool) -> dict[str, Any]:
    natural = row["kind"] == "natural-person"
    return {
        "identifier": mask_identifier(row["identifier"], row["identifier_type"])
        if public
        else row["identifier"],
        "identifier_type": row["identifier_type"],
        "kind": row["kind"],
        "name": mask_name(row["name"]) if public and natural else row["name"],
    }


def _relation_out(row: Mapping[Any, Any], subject_id: int, *, public: bool) -> dict[str, Any]:
    person = row["other_kind"] == "natural-person"
    identifier = row["other_identifier"]
    if person:
        identifier = mask_identifier(identifier, "resident-id")
    elif public:
        # An organisation's code is public unless it is a person's number (an individual
        # business registered under its owner's).
        identifier = mask_identifier(identifier, row["other_identifier_type"])
    return {
        "role": row["role"],
        "subject_is": "organisation" if row["organization_id"] == subject_id else "person",
        "other": {
            "identifier": identifier,
            "kind": row["other_kind"],
            "name": mask_name(row["other_name"]) if public and person else row["other_name"],
        },
        "valid_from": _text(row["valid_from"]),
        "valid_until": _text(row["valid_until"]),
    }


def _record_out(row: Mapping[Any, Any], keep: frozenset[str], *, public: bool) -> dict[str, Any]:
    out = _plain(row)
    out.pop("subject_id", None)
    out["ref"] = reference_of(row["id"])
    payload = row["payload"]
    if public:
        out["id"] = None
        out["payload"] = public_details(row["kind"], payload)
    else:
        out["payload"] = mask_other_persons(payload, keep)
    return out


def _shown_codes(subject: Mapping[Any, Any], ids: Iterable[Mapping[str, Any]]) -> frozenset[str]:
    """The subject's identifiers a public answer shows whole (an organisation's)."""
    return organisation_codes((subject["kind"], i["value"], i["type"]) for i in ids)


def record_for_subject(row: Mapping[Any, Any], keep: frozenset[str]) -> dict[str, Any]:
    """A record as its own subject sees it (self-service): whole, other persons' numbers
    masked."""
    return _record_out(row, keep, public=False)


# -- use cases -----------------------------------------------------------------------------------


def _find(conn: Connection, code: str) -> RowMapping:
    subject = subjects.find_subject(conn, code)
    if subject is None:
        raise NotFoundError(_NOT_FOUND)
    return subject


def _identifiers_of(conn: Connection, subject_id: int) -> list[dict[str, Any]]:
    return [dict(r) for r in subjects.subject_identifiers_of(conn, subject_id)]


def _record_read(
    engine: Engine,
    recorder: audit.Recorder | None,
    by: Principal,
    action: str,
    subject: str,
    result: Any,
    **detail: Any,
) -> None:
    algorithm = audit.chain_algorithm()
    record = recorder or audit.direct(engine)
    record(
        by,
        [
            audit.Event(
                action,
                subject=subject,
                record_id=detail.pop("record_id", None),
                result_digest=digest_of(result, algorithm),
                detail=detail or None,
            )
        ],
    )


def subject_view(
    engine: Engine,
    identifier: str,
    *,
    by: Principal,
    today: dt.date | None = None,
    recorder: audit.Recorder | None = None,
) -> dict[str, Any]:
    """The subject with ``identifier`` (any of its identifiers), its identifiers and relations,
    as ``by`` may see them; a department's read is audited (``read-subject``)."""
    shared = _shared(by)
    code = _code(identifier)
    day = today or china_today()
    with engine.connect() as conn:
        subject = _find(conn, code)
        if not shared and not records.has_published_record(conn, subject["id"], day):
            raise NotFoundError(_NOT_FOUND)
        ids = _identifiers_of(conn, subject["id"])
        rels = subjects.relations_of(conn, subject["id"])
    public = not shared
    out = {
        "view": "shared" if shared else "public",
        "subject": _subject_out(subject, public=public),
        "identifiers": [
            {
                "type": i["type"],
                "value": mask_identifier(i["value"], i["type"]) if public else i["value"],
            }
            for i in ids
        ],
        "relations": [_relation_out(r, subject["id"], public=public) for r in rels],
    }
    if shared:
        _record_read(engine, recorder, by, "read-subject", subject["identifier"], out)
        return out
    shown = _shown_codes(subject, ids) | organisation_codes(
        (r["other_kind"], r["other_identifier"], r["other_identifier_type"]) for r in rels
    )
    return mask_deep(out, shown)


def subject_records(
    engine: Engine,
    identifier: str,
    *,
    by: Principal,
    limit: int,
    offset: int = 0,
    today: dt.date | None = None,
    recorder: audit.Recorder | None = None,
) -> list[dict[str, Any]]:
    """A page of the subject's records, newest decision first: for the public only those inside
    their publication window, masked; for a department all of them (audited, ``read-record``).

    Returns up to ``limit + 1`` records: the one after the page, when there is one, tells the
    caller that a next page exists; it is not part of the page and not audited as read."""
    shared = _shared(by)
    code = _code(identifier)
    day = today or china_today()
    with engine.connect() as conn:
        subject = _find(conn, code)
        ids = _identifiers_of(conn, subject["id"])
        keep = frozenset(i["value"] for i in ids)
        if shared and _unshared_hidden(by):
            rows = records.shared_records_page(conn, subject["id"], limit=limit + 1, offset=offset)
        else:
            rows = records.records_page(
                conn,
                subject["id"],
                limit=limit + 1,
                offset=offset,
                published_on=None if shared else day,
            )
        if not shared and not rows and not records.has_published_record(conn, subject["id"], day):
            raise NotFoundError(_NOT_FOUND)
    out = [_record_out(r, keep, public=not shared) for r in rows]
    if not shared:
        return mask_deep(out, _shown_codes(subject, ids))
    page = out[:limit]
    _record_read(
        engine,
        recorder,
        by,
        "read-record",
        subject["identifier"],
        page,
        records=[r["id"] for r in page],
        offset=offset,
    )
    return out


#: The one answer the public gets for every record it may not see, whatever the reason: an
#: unknown reference, a forged one, a row id, a record outside its publication window.
_NO_RECORD = "no credit record with this reference"


def _record_id(record: int | str, shared: bool) -> int:
    """The row id of ``record``: a public reference, or — for departments only — a row id.

    Row ids are a sequence: the public could walk them. A row id from the public is answered
    exactly like a reference that names nothing."""
    # A reference has 26 characters; a row id at most 19 digits (2^63 - 1).
    if isinstance(record, str) and (len(record) == 26 or not record.isdigit()):
        found = record_id_of(record)
        if found is None:
            raise NotFoundError(_NO_RECORD)
        return found
    if not shared:
        raise NotFoundError(_NO_RECORD)
    return int(record)


def record_view(
    engine: Engine,
    record: int | str,
    *,
    by: Principal,
    today: dt.date | None = None,
    recorder: audit.Recorder | None = None,
) -> dict[str, Any]:
    """One record with its subject, named by its public reference (``ref``) or, for a
    department, by its row id; for a department also every version of its history (audited,
    ``read-record``); for the public only a published record, masked."""
    shared = _shared(by)
    record_id = _record_id(record, shared)
    day = today or china_today()
    with engine.connect() as conn:
        row = records.record_shown(conn, record_id, published_on=None if shared else day)
        if row is None:
            raise NotFoundError(f"no credit record {record_id}" if shared else _NO_RECORD)
        if row["status"] in records.UNSHARED_STATUSES and _unshared_hidden(by):
            raise NotFoundError(
                f"credit record {record_id} was repaired (信用修复): it is no longer shared"
            )
        subject = subjects.subject_by_id(conn, row["subject_id"])
        assert subject is not None, "a record without its subject"
        ids = _identifiers_of(conn, subject["id"])
        keep = frozenset(i["value"] for i in ids)
        history = records.record_history_of(conn, record_id) if shared else None
    out = _record_out(row, keep, public=not shared)
    out["subject"] = _subject_out(subject, public=not shared)
    out["history"] = (
        None
        if history is None
        else [
            {
                "version": h["version"],
                "event": h["event"],
                "status": h["status"],
                "payload": mask_other_persons(h["payload"], keep),
                "import_job": h["import_job_id"],
                "actor": h["actor"],
                "recorded_at": _text(h["recorded_at"]),
            }
            for h in history
        ]
    )
    if not shared:
        return mask_deep(out, _shown_codes(subject, ids))
    _record_read(
        engine, recorder, by, "read-record", subject["identifier"], out, record_id=record_id
    )
    return out


__all__ = ["mask_other_persons", "record_view", "subject_records", "subject_view"]
