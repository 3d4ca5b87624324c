"""Validation of red- and black-list entries (JSON Lines, or CSV with the same columns).

One object per entry::

    {"list_type": "judgment-defaulters",
     "subject": {"name": "…", "kind": "legal-person", "uscc": "91…"},
     "persons": [{"role": "legal-representative", "name": "…", "id_number": "…"}],
     "document_number": "(2024)京0101执1234号", "decided_on": "2024-03-05",
     "department": "SPC", "legal_basis": "…", "valid_from": "2024-03-05", "valid_until": null}

In CSV the subject's fields are columns ``subject.name``, ``subject.kind``, ``subject.uscc``,
``subject.id_number`` and ``persons`` holds the JSON array. The list type and the department
are catalog codes; without ``valid_until`` the list type's default period applies.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import json
import re
from collections.abc import Mapping, Sequence
from typing import Any, Protocol

from stdnum.exceptions import ValidationError

from jointcredit.identifiers import orgcode, ric, uscc
from jointcredit.importing import values
from jointcredit.importing.list_formats import (
    FORMAT_KEY,
    FORMATS,
    ListFormat,
    is_masked,
    person_text,
    stored_value,
)
from jointcredit.importing.text import control_problem, strip_invisible, visible
from jointcredit.importing.validate import FieldError, digest
from jointcredit.jsontext import dumps
from jointcredit.messages.reasons import Reason, reason_of
from jointcredit.record_drafts import (
    RELATION_ROLES,
    SUBJECT_KINDS,
    PersonRef,
    RecordDraft,
    RecordKind,
    SubjectRef,
)
from jointcredit.rules.periods import add_duration


class ListTypeInfo(Protocol):
    """What validation needs to know of a list type (the catalog's ListType has it)."""

    @property
    def kind(self) -> str: ...  # "red" or "black"
    @property
    def subject_types(self) -> Sequence[str]: ...
    @property
    def default_period(self) -> str | None: ...


#: Columns of the format, and the CSV spelling of the nested subject.
FIELDS: dict[str, str] = {
    "list_type": "list type (catalog code)",
    "subject": "the listed subject (JSON object)",
    "subject.name": "subject name",
    "subject.kind": "legal-person / other-organization / individual-business / natural-person",
    "subject.uscc": "unified social credit code",
    "subject.id_number": "resident identity number",
    "persons": "persons reached through the organisation (JSON array of role, name, id_number)",
    "document_number": "document number of the listing decision",
    "decided_on": "date of the decision",
    "department": "listing department (catalog code)",
    "legal_basis": "legal basis of the listing",
    "valid_from": "first day in effect (default: decided_on)",
    "valid_until": "last day in effect (default: the list type's period)",
    FORMAT_KEY: "national list format whose own columns the entry carries beside these "
    "(court, samr, tax-violations, tax-a-grade; empty: none)",
}
#: Longest cell of an entry (the persons of one entry, as JSON, included).
_CELL_MAX = 20_000
_REQUIRED = ("list_type", "document_number", "decided_on", "department", "legal_basis")
#: Columns every generic row fills (the schema says so too: importing.schemas).
REQUIRED_COLUMNS = _REQUIRED
_ORGANISATIONS = frozenset(k for k in SUBJECT_KINDS if k != "natural-person")


class ListEntryValidator:
    """Validates list entries against the catalog's list types and departments."""

    kind = "list-entry"
    spec = FIELDS

    def __init__(
        self,
        list_types: Mapping[str, ListTypeInfo],
        departments: Mapping[str, str],
        *,
        today: dt.date,
    ):
        self.list_types = list_types
        self.departments = departments
        self.today = today

    def check_header(self, fields: list[str]) -> tuple[list[str], list[str]]:
        present = set(fields)
        missing = [name for name in _REQUIRED if name not in present]
        if "subject" not in present:
            missing += [f"subject.{n}" for n in ("name", "kind") if f"subject.{n}" not in present]
            if not {"subject.uscc", "subject.id_number"} & present:
                missing.append("subject.uscc or subject.id_number")
        # An entry of a national list may carry that list's own columns beside these.
        known = _WITH_OWN_COLUMNS if FORMAT_KEY in present else FIELDS
        unknown = [name for name in fields if name not in known]
        return missing, unknown

    def validate(self, number: int, raw: Mapping[str, str]) -> RecordDraft | list[FieldError]:
        errors: list[FieldError] = []

        def fail(field: str, message: str) -> None:
            errors.append(FieldError(number, field, message))

        # Invisible characters go before anything reads the row (the import warns of them).
        cells = {k: t for k, v in strip_invisible(raw)[0].items() if v and (t := v.strip())}
        for name, value in cells.items():
            if len(value) > _CELL_MAX:
                fail(name, Reason("row.too-long", limit=_CELL_MAX))
            elif (problem := control_problem(value)) is not None:
                fail(name, problem)
        for name in _REQUIRED:
            if name not in cells:
                fail(name, Reason("row.required"))
        if len(cells.get("document_number", "")) > 200:
            fail("document_number", Reason("row.too-long", limit=200))
        list_type = self.list_types.get(cells.get("list_type", ""))
        if "list_type" in cells and list_type is None:
            fail("list_type", Reason("list.not-list-type", value=cells["list_type"]))
        department = cells.get("department", "")
        if department and department not in self.departments:
            fail("department", Reason("list.not-department", value=department))
        subject = self._subject(cells, list_type, fail)
        persons = self._persons(cells, subject, fail)
        decided = self._date(cells, "decided_on", fail, past=True)
        valid_from = self._date(cells, "valid_from", fail) or decided
        valid_until = self._date(cells, "valid_until", fail)
        if valid_from and valid_until and valid_until < valid_from:
            fail(
                "valid_until", Reason("list.until-before-from", until=valid_until, start=valid_from)
            )
        if valid_until is None and valid_from and list_type:
            valid_until = default_until(valid_from, list_type)
        own = None
        if FORMAT_KEY in cells:
            own = self._own_columns(cells, subject, fail)
        if errors or subject is None or decided is None or list_type is None:
            return errors or [FieldError(number, "-", Reason("row.unvalidated"))]
        return entry_draft(
            number,
            list_type_code=cells["list_type"],
            list_type=list_type,
            department=department,
            department_name=self.departments[department],
            subject=subject,
            persons=persons,
            document_number=cells["document_number"],
            decided=decided,
            legal_basis=cells["legal_basis"],
            valid_from=valid_from,
            valid_until=valid_until,
            own=own,
        )

    def _own_columns(
        self, cells: Mapping[str, str], subject: SubjectRef | None, fail: Any
    ) -> tuple[ListFormat, dict[str, str]] | None:
        """The national list's own columns an entry carries (``format`` names the list): an
        entry imported in that format, as stored, validates here as it did there."""
        fmt = FORMATS.get(cells[FORMAT_KEY])
        if fmt is None:
            fail(
                FORMAT_KEY,
                Reason("code.not-accepted", value=cells[FORMAT_KEY], accepted=", ".join(FORMATS)),
            )
            return None
        if fmt.list_type != cells.get("list_type"):
            fail(
                FORMAT_KEY,
                Reason("list.format-of-other-type", name=fmt.name, list_type=fmt.list_type),
            )
            return None
        own = {label: cells[label] for label in fmt.columns if label in cells}
        check_cells(fmt, own, fail, self.today)
        natural = subject is not None and subject.kind == "natural-person"
        return fmt, {k: stored_value(fmt, k, v, natural=natural) for k, v in own.items()}

    def _date(
        self, cells: Mapping[str, str], field: str, fail: Any, *, past: bool = False
    ) -> dt.date | None:
        text = cells.get(field)
        if not text or text.lower() == "null":
            return None
        try:
            if past:
                return values.parse_date(text, self.today)
            return values.parse_any_date(text)
        except ValueError as exc:
            fail(field, reason_of(exc))
            return None

    def _subject(
        self, cells: Mapping[str, str], list_type: ListTypeInfo | None, fail: Any
    ) -> SubjectRef | None:
        if "subject" in cells:
            try:
                obj = json.loads(cells["subject"])
            except json.JSONDecodeError:
                obj = None
            if not isinstance(obj, dict):
                fail("subject", Reason("list.subject-object"))
                return None
            # Decoded JSON may hold what its text escaped (\\u0000, \\u200b): checked again.
            fields = {f"subject.{k}": visible(str(v)).strip() for k, v in obj.items() if v}
            for key, value in fields.items():
                if (problem := control_problem(value)) is not None:
                    fail(key, problem)
                    return None
        else:
            fields = {k: v for k, v in cells.items() if k.startswith("subject.")}
        name = fields.get("subject.name", "")
        kind = fields.get("subject.kind", "")
        ok = True
        if not name:
            fail("subject.name", Reason("row.required"))
            ok = False
        if kind not in SUBJECT_KINDS:
            fail(
                "subject.kind",
                Reason("code.not-accepted", value=kind, accepted=", ".join(SUBJECT_KINDS)),
            )
            return None
        if list_type is not None and kind not in list_type.subject_types:
            fail(
                "subject.kind",
                Reason(
                    "list.kind-not-listed",
                    list_type=cells.get("list_type"),
                    kinds=", ".join(list_type.subject_types),
                    kind=kind,
                ),
            )
            ok = False
        try:
            if kind == "natural-person":
                if "subject.id_number" not in fields:
                    fail("subject.id_number", Reason("list.person-needs-id"))
                    return None
                code, id_type = ric.validate(fields["subject.id_number"], self.today), "resident-id"
            else:
                if "subject.uscc" not in fields:
                    fail("subject.uscc", Reason("list.organisation-needs-uscc"))
                    return None
                code, id_type = uscc.validate(fields["subject.uscc"]), "uscc"
        except ValidationError as exc:
            field = "subject.id_number" if kind == "natural-person" else "subject.uscc"
            fail(field, reason_of(exc))
            return None
        if not ok:
            return None
        return SubjectRef(kind, name[:200], code, id_type, [(id_type, code)])

    def _persons(
        self, cells: Mapping[str, str], subject: SubjectRef | None, fail: Any
    ) -> list[tuple[str, PersonRef]]:
        text = cells.get("persons")
        if not text:
            return []
        try:
            items = json.loads(text)
        except json.JSONDecodeError as exc:
            fail("persons", Reason("list.persons-json", detail=exc.msg))
            return []
        if not isinstance(items, list):
            fail("persons", Reason("list.persons-array"))
            return []
        if items and subject is not None and subject.kind not in _ORGANISATIONS:
            fail("persons", Reason("list.persons-of-organisation"))
            return []
        persons: list[tuple[str, PersonRef]] = []
        for index, item in enumerate(items):
            where = f"persons[{index}]"
            if not isinstance(item, dict):
                fail(where, Reason("list.person-object"))
                continue
            role = str(item.get("role") or "")
            if role not in RELATION_ROLES:
                fail(
                    f"{where}.role",
                    Reason("code.not-accepted", value=role, accepted=", ".join(RELATION_ROLES)),
                )
                continue
            name = visible(str(item.get("name") or "")).strip()
            if not name:
                fail(f"{where}.name", Reason("row.required"))
                continue
            if (problem := control_problem(name)) is not None:
                fail(f"{where}.name", problem)
                continue
            try:
                code = ric.validate(str(item.get("id_number") or ""), self.today)
            except ValidationError as exc:
                fail(f"{where}.id_number", reason_of(exc))
                continue
            persons.append((role, PersonRef(name[:200], code, "resident-id")))
        return persons


#: Header names a generic file may carry beside its own columns when it names a ``format``.
_WITH_OWN_COLUMNS = frozenset(FIELDS).union(*(f.columns for f in FORMATS.values()))


def default_until(valid_from: dt.date, list_type: ListTypeInfo) -> dt.date | None:
    """The last day in effect by the list type's period counted from the first day (less one
    day); None where the list type has no fixed period."""
    if not list_type.default_period:
        return None
    return add_duration(valid_from, list_type.default_period) - dt.timedelta(1)


def entry_draft(
    number: int,
    *,
    list_type_code: str,
    list_type: ListTypeInfo,
    department: str,
    department_name: str,
    subject: SubjectRef,
    persons: Sequence[tuple[str, PersonRef]],
    document_number: str,
    decided: dt.date,
    legal_basis: str,
    valid_from: dt.date | None,
    valid_until: dt.date | None,
    own: tuple[ListFormat, Mapping[str, str]] | None = None,
) -> RecordDraft:
    """The record draft of a validated list entry, whatever format it came in. ``own``: the
    national format and the own columns it keeps (stored beside the generic keys, with
    ``format`` naming the format)."""
    kind: RecordKind = "black-list" if list_type.kind == "black" else "red-list"
    payload: dict[str, Any] = {
        "list_type": list_type_code,
        "subject": {
            "name": subject.name,
            "kind": subject.kind,
            ("uscc" if subject.identifier_type == "uscc" else "id_number"): subject.identifier,
        },
        "persons": [
            {"role": role, "name": p.name, "id_number": p.identifier} for role, p in persons
        ],
        "document_number": document_number,
        "decided_on": decided.isoformat(),
        "department": department,
        "legal_basis": legal_basis,
        "valid_from": valid_from.isoformat() if valid_from else None,
        "valid_until": valid_until.isoformat() if valid_until else None,
    }
    if own is not None:
        fmt, columns = own
        payload[FORMAT_KEY] = fmt.name
        # In the format's order, whatever order they came in (PostgreSQL's JSONB keeps none).
        payload.update((label, columns[label]) for label in fmt.columns if label in columns)
    text = dumps(payload)
    return RecordDraft(
        row=number,
        kind=kind,
        subject=subject,
        persons=tuple(persons),
        natural_key=digest(kind, list_type_code, department, document_number, subject.identifier),
        content_hash=digest(text),
        issuing_authority=department_name,
        issuing_authority_code=None,
        source_department=department_name,
        source_department_code=None,
        document_number=document_number,
        decision_date=decided,
        legal_basis=legal_basis,
        category=None,
        # Every black list here is a list of gravely trust-breaking subjects (33号 §9–§10).
        severity="severe" if kind == "black-list" else None,
        fine_fen=None,
        confiscated_fen=None,
        valid_from=valid_from,
        valid_until=valid_until,
        publish_from=valid_from,
        publish_until=valid_until,
        status="active",
        payload=text,
        fields=sum(1 for key in payload if not key.startswith("_")),
        list_type=list_type_code,
        department=department,
    )


# -- the national lists' own formats (importing.list_formats) -------------------------------------

#: Longest name and document number of a national list's row; longest other cell.
_NAME_MAX = 200
_DOCUMENT_MAX = 200
_TEXT_MAX = 4000
#: Years a taxpayer's credit can have been evaluated in (the grades since 2003).
_FIRST_YEAR = 2003
_YEAR = re.compile(r"(\d{4})\s*年?度?")


class NationalListType(ListTypeInfo, Protocol):
    @property
    def legal_basis(self) -> str: ...


def check_cells(fmt: ListFormat, cells: Mapping[str, str], fail: Any, today: dt.date) -> None:
    """Check the values of a national list's own columns: length, coded values, numbers,
    dates (as the lists write them: 2024-03-05, 2024年03月05日, 20240305; not in the future)
    and years."""
    for label, value in cells.items():
        limit = _NAME_MAX if label == fmt.name_column else _TEXT_MAX
        if label == fmt.document_column:
            limit = _DOCUMENT_MAX
        if len(value) > limit:
            fail(label, Reason("row.too-long", limit=limit))
    for label, accepted in fmt.value_sets.items():
        if label in cells and cells[label] not in accepted:
            fail(
                label, Reason("code.not-accepted", value=cells[label], accepted=", ".join(accepted))
            )
    for label in fmt.numbers:
        if label in cells and not (cells[label].isascii() and cells[label].isdigit()):
            fail(label, Reason("list.not-whole-number", value=cells[label]))
    for label in fmt.date_columns:
        if label in cells:
            try:
                values.parse_date(cells[label], today)
            except ValueError as exc:
                fail(label, reason_of(exc))
    if fmt.year_column is not None and fmt.year_column in cells:
        year_of(fmt, cells[fmt.year_column], fail, today)


def year_of(fmt: ListFormat, text: str, fail: Any, today: dt.date) -> int | None:
    """The year of a year column (2023, 2023年, 2023年度), not one whose results are not yet
    published (the decision date, the given day of the following year, after ``today``)."""
    assert fmt.year_column is not None
    match = _YEAR.fullmatch(text.strip())
    if match is None:
        fail(fmt.year_column, Reason("list.not-year", value=text))
        return None
    year = int(match.group(1))
    if year < _FIRST_YEAR:
        fail(fmt.year_column, Reason("list.year-too-early", year=year, first=_FIRST_YEAR))
        return None
    if decided_in(fmt, year) > today:
        fail(
            fmt.year_column,
            Reason(
                "list.year-unpublished", year=year, published=decided_in(fmt, year), today=today
            ),
        )
        return None
    return year


def decided_in(fmt: ListFormat, year: int) -> dt.date:
    """The decision date of a year's evaluation: the format's day of the following year."""
    month, day = fmt.year_decided.split("-")
    return dt.date(year + 1, int(month), int(day))


def identify(text: str, today: dt.date) -> tuple[str, str, str]:
    """The subject an identifier column names: (kind, identifier type, identifier).

    A valid resident identity number is a natural person's; a valid USCC an organisation's
    (category 92: an individual business). Raises ValueError with the reason otherwise: a
    masked number (as the lists publish persons' numbers) identifies nobody, and the registry
    keeps listed organisations by their USCC.
    """
    if is_masked(text):
        raise ValueError(Reason("list.id-masked"))
    try:
        return "natural-person", "resident-id", ric.validate(text, today)
    except ValidationError:
        pass
    try:
        code = uscc.validate(text)
    except ValidationError as exc:
        if orgcode.is_valid(text):
            raise ValueError(Reason("list.orgcode-alone")) from None
        raise ValueError(Reason("list.not-identifier", detail=reason_of(exc))) from None
    return ("individual-business" if code[1] == "2" else "legal-person"), "uscc", code


class NationalListValidator:
    """Validates the rows of one national list's own format (:mod:`list_formats`) into list
    entries like those of the generic format: the same list type, department, natural key,
    period and record, and the list's own columns kept in the payload."""

    kind = "list-entry"

    def __init__(
        self,
        fmt: ListFormat,
        list_types: Mapping[str, NationalListType],
        departments: Mapping[str, str],
        *,
        today: dt.date,
    ):
        self.fmt = fmt
        self.spec: Mapping[str, str] = fmt.columns
        self.list_type = list_types[fmt.list_type]
        self.department_name = departments[fmt.department]
        self.today = today

    def check_header(self, fields: list[str]) -> tuple[list[str], list[str]]:
        fmt = self.fmt
        present = {fmt.aliases.get(f, f) for f in fields if f in fmt.columns or f in fmt.aliases}
        missing = [label for label in fmt.required if label not in present]
        unknown = [
            f
            for f in fields
            if f not in fmt.columns and (f not in fmt.aliases or fmt.aliases[f] in fields)
        ]
        return missing, unknown

    def validate(self, number: int, raw: Mapping[str, str]) -> RecordDraft | list[FieldError]:
        fmt = self.fmt
        errors: list[FieldError] = []

        def fail(field: str, message: str) -> None:
            errors.append(FieldError(number, field, message))

        raw = strip_invisible(raw)[0]
        if fmt.aliases and not fmt.aliases.keys().isdisjoint(raw):
            raw = {
                (fmt.aliases[k] if k in fmt.aliases and fmt.aliases[k] not in raw else k): v
                for k, v in raw.items()
            }
        cells = {k: t for k in fmt.columns if (v := raw.get(k)) and (t := v.strip())}
        for label, value in cells.items():
            if (problem := control_problem(value)) is not None:
                fail(label, problem)
        for label in fmt.required:
            if label not in cells:
                fail(label, Reason("row.required"))
        check_cells(fmt, cells, fail, self.today)
        subject = self._subject(cells, fail)
        persons = self._persons(cells, subject, fail)
        decided: dt.date | None = None
        year: int | None = None
        if fmt.date_column is not None and fmt.date_column in cells:
            with contextlib.suppress(ValueError):  # reported by check_cells
                decided = values.parse_date(cells[fmt.date_column], self.today)
        elif fmt.year_column is not None and fmt.year_column in cells:
            year = year_of(fmt, cells[fmt.year_column], lambda *_: None, self.today)
            decided = decided_in(fmt, year) if year is not None else None
        if errors or subject is None or decided is None:
            return errors or [FieldError(number, "-", Reason("row.unvalidated"))]
        if fmt.document_column is not None:
            document = cells[fmt.document_column]
        else:
            assert fmt.document is not None
            document = fmt.document.format(date=decided.isoformat(), year=year)
        natural = subject.kind == "natural-person"
        return entry_draft(
            number,
            list_type_code=fmt.list_type,
            list_type=self.list_type,
            department=fmt.department,
            department_name=self.department_name,
            subject=subject,
            persons=persons,
            document_number=document,
            decided=decided,
            # The listing rests on the list's own rules, as the catalog transcribes them.
            legal_basis=self.list_type.legal_basis,
            valid_from=decided,
            valid_until=default_until(decided, self.list_type),
            own=(fmt, {k: stored_value(fmt, k, v, natural=natural) for k, v in cells.items()}),
        )

    def _subject(self, cells: Mapping[str, str], fail: Any) -> SubjectRef | None:
        fmt = self.fmt
        name = cells.get(fmt.name_column)
        column = next((c for c in fmt.identifier_columns if c in cells), None)
        if column is None:
            if fmt.identifier_columns[-1] not in fmt.required:
                fail(fmt.identifier_columns[-1], Reason("row.required"))
            return None
        try:
            kind, id_type, code = identify(cells[column], self.today)
        except ValueError as exc:
            fail(column, reason_of(exc))
            return None
        if kind not in self.list_type.subject_types:
            fail(
                column,
                Reason(
                    "list.kind-not-listed",
                    list_type=fmt.list_type,
                    kinds=", ".join(self.list_type.subject_types),
                    kind=kind,
                ),
            )
            return None
        if not name or len(name) > _NAME_MAX:
            return None  # reported
        return SubjectRef(kind, name, code, id_type, [(id_type, code)])

    def _persons(
        self, cells: Mapping[str, str], subject: SubjectRef | None, fail: Any
    ) -> list[tuple[str, PersonRef]]:
        """Persons reached through an organisation: those named with a full resident identity
        number (a masked one, or another document, leaves the person a column only)."""
        if subject is None or subject.kind not in _ORGANISATIONS:
            return []
        persons: list[tuple[str, PersonRef]] = []
        for column, role in self.fmt.persons.items():
            if column not in cells:
                continue
            person = person_text(cells[column])
            if person.number is None or is_masked(person.number):
                continue
            if person.document and "身份证" not in person.document:
                continue
            if not person.name:
                fail(column, Reason("list.person-needs-name"))
                continue
            try:
                code = ric.validate(person.number, self.today)
            except ValidationError as exc:
                fail(column, Reason("list.person-id-invalid", detail=reason_of(exc)))
                continue
            persons.append((role, PersonRef(person.name[:_NAME_MAX], code, "resident-id")))
        return persons
