"""What the public inquiry portal shows: a subject's page and the red and black lists.

Public data only (33号 §18–19, the *public* class of :mod:`jointcredit.access`):

- a record is shown while it is ``active`` and today lies inside its publication window — the
  API's public view uses the same test. So a penalty past its window, a minor penalty (not
  published by default, NDRC Order No. 36), an expired or ended list entry, a repaired
  (信用修复), withdrawn, revoked or cancelled record is never shown;
- a record under objection (``disputed``) is not shown either while the objection is open: the
  API's public view and the search already treat it so, and the portal must not tell what
  they deny. It returns if the objection is rejected (the record is ``active`` again);
- a natural person's identity number is always masked (division code and last four kept) and
  a person's name shows the surname only, as everywhere the public reads; organisations'
  identifiers and names are public. Beyond the fields known to hold them, every string of a
  page's data passes through :func:`~jointcredit.identifiers.mask.mask_deep` at the end, so a
  resident identity number typed into free text (a licence number, a penalty's content, a
  note) is masked too;
- of a record's payload only :data:`PAYLOAD_SHOWN` is shown — by the portal and by the API's
  public view alike (:func:`public_details`), and of a list entry in a national list's own
  format that list's own columns, persons masked; a record is named by its opaque public
  reference (:mod:`jointcredit.services.references`), never by its row id, which anyone
  could count through;
- a subject without any published record is "not found", exactly like an unknown one.

Reading public data is not audited, like the API's public view: the audit log records reads of
non-public data. Nothing here knows about HTTP; the web layer renders what it returns.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import Engine

from jointcredit.clock import today as china_today
from jointcredit.errors import InvalidInputError, NotFoundError
from jointcredit.identifiers import divisions
from jointcredit.identifiers.mask import mask_deep, mask_identifier, mask_name
from jointcredit.identifiers.normalize import normalize
from jointcredit.importing.list_formats import public_columns
from jointcredit.services.references import reference_of
from jointcredit.services.registry import mask_payload
from jointcredit.spreadsheet import safe_cell
from jointcredit.store import public as store
from jointcredit.store import subjects
from jointcredit.store.tables import RECORD_KINDS

#: Most records one subject page shows of each kind; more are counted, not listed.
RECORDS_SHOWN = 100
#: Rows of a list page: the default and the most a caller may ask for.
PAGE_SIZE = 20
PAGE_SIZE_MAX = 100
#: The furthest offset a list page accepts: deeper pages cost a scan and help nobody.
OFFSET_MAX = 100_000

_IDENTIFIER_MAX = 64
_UNSTORABLE = re.compile("[\x00\ud800-\udfff]")
_REGION = re.compile(r"[0-9]{2}(?:[0-9]{2}){0,2}")
_DEPARTMENT = re.compile(r"[A-Za-z0-9_-]{1,64}")
_NOT_FOUND = "no subject with this identifier"

#: Payload fields the public sees, per record kind — on the portal and in the API's public view:
#: what was decided, never free text about persons (a penalty's facts, CF_SY, may name people
#: who are not its subject).
PAYLOAD_SHOWN: Mapping[str, tuple[str, ...]] = {
    "penalty": ("CF_WFXW", "CF_CFLB", "CF_NR"),
    "licensing": ("XK_XKWS", "XK_XKZS", "XK_XKBH", "XK_NR", "XK_YXQZ", "XK_YXQZI"),
}


_LIST_KINDS = frozenset({"red-list", "black-list"})


def _is_person(kind: str) -> bool:
    return kind == "natural-person"


def public_details(kind: str, payload: Any) -> dict[str, str]:
    """The fields of ``PAYLOAD_SHOWN[kind]`` that ``payload`` fills, persons masked; of a list
    entry in a national list's own format, that list's own columns under their Chinese labels,
    persons masked and personal columns left out (:func:`~jointcredit.importing.list_formats.
    public_columns`)."""
    if kind in _LIST_KINDS:
        return public_columns(payload)
    masked = mask_payload(payload) if isinstance(payload, dict) else {}
    return {
        key: masked[key]
        for key in PAYLOAD_SHOWN.get(kind, ())
        if isinstance(masked.get(key), str) and masked[key]
    }


def organisation_codes(identifiers: Iterable[tuple[str, str, str]]) -> frozenset[str]:
    """Of subjects' ``(kind, value, type)`` identifiers, those a public answer shows whole: an
    organisation's of a public type. :func:`mask_deep` keeps them as they are (a 15-digit
    registration number can look like an old identity number to it)."""
    return frozenset(
        v for kind, v, t in identifiers if not _is_person(kind) and mask_identifier(v, t) == v
    )


def region_of(identifier: str, identifier_type: str) -> str | None:
    """The six-digit division code an identifier carries, or None."""
    if identifier_type == "uscc" and len(identifier) == 18:
        return identifier[2:8]
    if identifier_type == "resident-id" and len(identifier) in (15, 18):
        return identifier[:6]
    return None


#: City-level rows of GB/T 2260 that name no city ("districts of the municipality").
_PLACEHOLDERS = frozenset({"市辖区", "县", "省直辖县级行政区划", "自治区直辖县级行政区划"})


def _region(identifier: str, identifier_type: str) -> dict[str, str] | None:
    """The division code an identifier carries and its name, province to county."""
    code = region_of(identifier, identifier_type)
    if code is None or not code.isdigit():
        return None
    names = []
    for level in (code[:2] + "0000", code[:4] + "00", code):
        found = divisions.name(level)
        if found and found not in _PLACEHOLDERS and found not in names:
            names.append(found)
    return {"code": code, "name": "".join(names)}


def _subject_out(row: Mapping[Any, Any]) -> dict[str, Any]:
    person = _is_person(row["kind"])
    return {
        "kind": row["kind"],
        "name": mask_name(row["name"]) if person else row["name"],
        "identifier": mask_identifier(row["identifier"], row["identifier_type"]),
        "identifier_type": row["identifier_type"],
        "region": _region(row["identifier"], row["identifier_type"]),
        "person": person,
    }


def _record_out(row: Mapping[Any, Any]) -> dict[str, Any]:
    return {
        "ref": reference_of(row["id"]),
        "kind": row["kind"],
        "issuing_authority": row["issuing_authority"],
        "department": row["department"],
        "list_type": row["list_type"],
        "document_number": row["document_number"],
        "decision_date": row["decision_date"],
        "legal_basis": row["legal_basis"],
        "category": row["category"],
        "severity": row["severity"],
        "fine_fen": row["fine_fen"],
        "confiscated_fen": row["confiscated_fen"],
        "valid_from": row["valid_from"],
        "valid_until": row["valid_until"],
        "publish_until": row["publish_until"],
        "details": public_details(row["kind"], row["payload"]),
    }


@dataclass(frozen=True, slots=True)
class SubjectPage:
    subject: dict[str, Any]
    #: Published records by kind (licensing, penalty, red-list, black-list, commitment).
    records: dict[str, list[dict[str, Any]]]
    #: More published records exist than the page lists.
    truncated: bool
    today: dt.date


def _code(identifier: str) -> str:
    code = normalize(identifier)
    if not code or len(code) > _IDENTIFIER_MAX or _UNSTORABLE.search(code):
        raise NotFoundError(_NOT_FOUND)
    return code


def subject_page(engine: Engine, identifier: str, *, today: dt.date | None = None) -> SubjectPage:
    """The public page of the subject holding ``identifier`` (any of its identifiers)."""
    code = _code(identifier)
    day = today or china_today()
    grouped: dict[str, list[dict[str, Any]]] = {}
    truncated = False
    with engine.connect() as conn:
        subject = subjects.find_subject(conn, code)
        if subject is None:
            raise NotFoundError(_NOT_FOUND)
        for kind in RECORD_KINDS:
            rows = store.published_records(conn, subject["id"], kind, day, limit=RECORDS_SHOWN + 1)
            truncated = truncated or len(rows) > RECORDS_SHOWN
            if rows:
                grouped[kind] = [_record_out(r) for r in rows[:RECORDS_SHOWN]]
    if not grouped:
        raise NotFoundError(_NOT_FOUND)
    keep = organisation_codes(
        [(subject["kind"], subject["identifier"], subject["identifier_type"])]
    )
    return SubjectPage(
        mask_deep(_subject_out(subject), keep), mask_deep(grouped, keep), truncated, day
    )


# -- the lists -----------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class ListPage:
    query: store.ListQuery
    items: list[dict[str, Any]]
    total: int
    limit: int
    offset: int
    today: dt.date
    departments: list[str] = field(default_factory=list)

    @property
    def next_offset(self) -> int | None:
        return self.offset + self.limit if self.offset + self.limit < self.total else None

    @property
    def previous_offset(self) -> int | None:
        return max(self.offset - self.limit, 0) if self.offset > 0 else None


def _date(value: str | None, name: str) -> dt.date | None:
    if not value:
        return None
    try:
        return dt.date.fromisoformat(value.strip())
    except ValueError:
        raise InvalidInputError(f"{name}: a date as YYYY-MM-DD") from None


def list_query(
    kind: str,
    *,
    list_type: str | None = None,
    region: str | None = None,
    department: str | None = None,
    decided_from: str | None = None,
    decided_to: str | None = None,
    list_types: Sequence[str] | None = None,
) -> store.ListQuery:
    """The filters as typed into the form, checked; empty fields mean "any".

    ``region`` is a division code: 2, 4 or 6 digits, trailing ``00`` pairs meaning the whole
    province or city (``110000`` = ``11``). ``list_types``: the list types of this kind the
    catalog knows; another is refused."""
    if kind not in store.LIST_KINDS:
        raise NotFoundError(f"no list {kind!r}")
    list_type = (list_type or "").strip() or None
    if list_type is not None and list_types is not None and list_type not in list_types:
        raise InvalidInputError("list_type: not a list type of this list")
    region = (region or "").strip() or None
    if region is not None:
        while len(region) > 2 and region.endswith("00"):
            region = region[:-2]
        if not _REGION.fullmatch(region):
            raise InvalidInputError("region: a division code of 2, 4 or 6 digits")
    department = (department or "").strip() or None
    if department is not None and not _DEPARTMENT.fullmatch(department):
        raise InvalidInputError("department: a department code")
    start, end = _date(decided_from, "from"), _date(decided_to, "to")
    if start and end and start > end:
        raise InvalidInputError("from: after to")
    return store.ListQuery(kind, list_type, region, department, start, end)


def _entry_out(row: Mapping[Any, Any]) -> dict[str, Any]:
    person = _is_person(row["subject_kind"])
    identifier = row["subject_identifier"]
    id_type = row["subject_identifier_type"]
    entry = {
        "ref": reference_of(row["id"]),
        "subject": {
            "kind": row["subject_kind"],
            "name": mask_name(row["subject_name"]) if person else row["subject_name"],
            "identifier": mask_identifier(identifier, id_type),
            "person": person,
            # Persons are reached by their full number only (never a link that carries it).
            "link": None if person else identifier,
            "region": _region(identifier, id_type),
        },
        "list_type": row["list_type"],
        "department": row["department"],
        "issuing_authority": row["issuing_authority"],
        "document_number": row["document_number"],
        "decision_date": row["decision_date"],
        "legal_basis": row["legal_basis"],
        "valid_from": row["valid_from"],
        "valid_until": row["valid_until"],
    }
    return mask_deep(entry, organisation_codes([(row["subject_kind"], identifier, id_type)]))


def list_page(
    engine: Engine,
    query: store.ListQuery,
    *,
    limit: int = PAGE_SIZE,
    offset: int = 0,
    today: dt.date | None = None,
    with_departments: bool = True,
) -> ListPage:
    """One page of the public red or black list with the filters of ``query``."""
    if not 1 <= limit <= PAGE_SIZE_MAX:
        raise InvalidInputError(f"limit: from 1 to {PAGE_SIZE_MAX}")
    if not 0 <= offset <= OFFSET_MAX:
        raise InvalidInputError(f"offset: from 0 to {OFFSET_MAX}")
    day = today or china_today()
    with engine.connect() as conn:
        rows = store.list_entries(conn, query, day, limit=limit, offset=offset)
        total = store.count_entries(conn, query, day)
        departments = store.list_departments(conn, query.kind, day) if with_departments else []
    return ListPage(query, [_entry_out(r) for r in rows], total, limit, offset, day, departments)


def csv_text(header: Sequence[str], rows: Sequence[Sequence[Any]]) -> str:
    """CSV as spreadsheet programs open it: UTF-8 with a byte order mark (Excel on Chinese
    Windows reads a file without one as GBK), CRLF line ends, every value as text."""
    out = io.StringIO()
    out.write("\ufeff")
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(header)
    for row in rows:
        writer.writerow(["" if v is None else _cell(v) for v in row])
    return out.getvalue()


def _cell(value: Any) -> str:
    return safe_cell(value.isoformat() if isinstance(value, dt.date) else str(value))


__all__ = [
    "OFFSET_MAX",
    "PAGE_SIZE",
    "PAGE_SIZE_MAX",
    "PAYLOAD_SHOWN",
    "ListPage",
    "SubjectPage",
    "csv_text",
    "list_page",
    "list_query",
    "organisation_codes",
    "public_details",
    "region_of",
    "subject_page",
]
