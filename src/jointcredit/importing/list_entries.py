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

import datetime as dt
import json
from collections.abc import Mapping, Sequence
from typing import Any, Protocol

from stdnum.exceptions import ValidationError

from jointcredit.drafts import (
    RELATION_ROLES,
    SUBJECT_KINDS,
    PersonRef,
    RecordDraft,
    RecordKind,
    SubjectRef,
)
from jointcredit.identifiers import ric, uscc
from jointcredit.importing import values
from jointcredit.importing.text import control_problem, strip_invisible, visible
from jointcredit.importing.validate import FieldError, digest
from jointcredit.jsontext import dumps
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
}
#: Longest cell of an entry (the persons of one entry, as JSON, included).
_CELL_MAX = 20_000
_REQUIRED = ("list_type", "document_number", "decided_on", "department", "legal_basis")
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
        unknown = [name for name in fields if name not in FIELDS]
        return missing, unknown

    def validate(self, number: int, raw: Mapping[str, str]) -> RecordDraft | list[FieldError]:
        errors: list[FieldError] = []

        def fail(field: str, message: str) -> None:
            errors.append(FieldError(number, field, message))

        # Invisible characters go before anything reads the row (the import warns of them).
        cells = {k: t for k, v in strip_invisible(raw)[0].items() if v and (t := v.strip())}
        for name, value in cells.items():
            if len(value) > _CELL_MAX:
                fail(name, f"longer than {_CELL_MAX} characters")
            elif (problem := control_problem(value)) is not None:
                fail(name, problem)
        for name in _REQUIRED:
            if name not in cells:
                fail(name, "required field is empty")
        if len(cells.get("document_number", "")) > 200:
            fail("document_number", "longer than 200 characters")
        list_type = self.list_types.get(cells.get("list_type", ""))
        if "list_type" in cells and list_type is None:
            fail("list_type", f"{cells['list_type']!r} is not a list type of the catalog")
        department = cells.get("department", "")
        if department and department not in self.departments:
            fail("department", f"{department!r} is not a department of the catalog")
        subject = self._subject(cells, list_type, fail)
        persons = self._persons(cells, subject, fail)
        decided = self._date(cells, "decided_on", fail, past=True)
        valid_from = self._date(cells, "valid_from", fail) or decided
        valid_until = self._date(cells, "valid_until", fail)
        if valid_from and valid_until and valid_until < valid_from:
            fail("valid_until", f"{valid_until} is before valid_from {valid_from}")
        if valid_until is None and valid_from and list_type and list_type.default_period:
            # The last day in effect: the period counted from the first day, less one day.
            valid_until = add_duration(valid_from, list_type.default_period) - dt.timedelta(1)
        if errors or subject is None or decided is None or list_type is None:
            return errors or [FieldError(number, "-", "row could not be validated")]

        kind: RecordKind = "black-list" if list_type.kind == "black" else "red-list"
        payload = {
            "list_type": cells["list_type"],
            "subject": {
                "name": subject.name,
                "kind": subject.kind,
                ("uscc" if subject.identifier_type == "uscc" else "id_number"): subject.identifier,
            },
            "persons": [
                {"role": role, "name": p.name, "id_number": p.identifier} for role, p in persons
            ],
            "document_number": cells["document_number"],
            "decided_on": decided.isoformat(),
            "department": department,
            "legal_basis": cells["legal_basis"],
            "valid_from": valid_from.isoformat() if valid_from else None,
            "valid_until": valid_until.isoformat() if valid_until else None,
        }
        return RecordDraft(
            row=number,
            kind=kind,
            subject=subject,
            persons=tuple(persons),
            natural_key=digest(
                kind, cells["list_type"], department, cells["document_number"], subject.identifier
            ),
            content_hash=digest(dumps(payload)),
            issuing_authority=self.departments[department],
            issuing_authority_code=None,
            source_department=self.departments[department],
            source_department_code=None,
            document_number=cells["document_number"],
            decision_date=decided,
            legal_basis=cells["legal_basis"],
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
            payload=dumps(payload),
            fields=sum(1 for key in payload if not key.startswith("_")),
            list_type=cells["list_type"],
            department=department,
        )

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
            fail(field, str(exc))
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
                fail("subject", "expected an object with name, kind and uscc or id_number")
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
            fail("subject.name", "required field is empty")
            ok = False
        if kind not in SUBJECT_KINDS:
            fail("subject.kind", f"{kind!r} is not one of " + ", ".join(SUBJECT_KINDS))
            return None
        if list_type is not None and kind not in list_type.subject_types:
            fail(
                "subject.kind",
                f"list type {cells.get('list_type')} lists "
                + ", ".join(list_type.subject_types)
                + f", not {kind}",
            )
            ok = False
        try:
            if kind == "natural-person":
                if "subject.id_number" not in fields:
                    fail("subject.id_number", "a natural person needs a resident identity number")
                    return None
                code, id_type = ric.validate(fields["subject.id_number"], self.today), "resident-id"
            else:
                if "subject.uscc" not in fields:
                    fail("subject.uscc", "an organisation needs a unified social credit code")
                    return None
                code, id_type = uscc.validate(fields["subject.uscc"]), "uscc"
        except ValidationError as exc:
            field = "subject.id_number" if kind == "natural-person" else "subject.uscc"
            fail(field, str(exc))
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
            fail("persons", f"not valid JSON: {exc.msg}")
            return []
        if not isinstance(items, list):
            fail("persons", "expected a JSON array of objects with role, name and id_number")
            return []
        if items and subject is not None and subject.kind not in _ORGANISATIONS:
            fail("persons", "only an organisation's entry names persons reached through it")
            return []
        persons: list[tuple[str, PersonRef]] = []
        for index, item in enumerate(items):
            where = f"persons[{index}]"
            if not isinstance(item, dict):
                fail(where, "expected an object with role, name and id_number")
                continue
            role = str(item.get("role") or "")
            if role not in RELATION_ROLES:
                fail(f"{where}.role", f"{role!r} is not one of " + ", ".join(RELATION_ROLES))
                continue
            name = visible(str(item.get("name") or "")).strip()
            if not name:
                fail(f"{where}.name", "required field is empty")
                continue
            if (problem := control_problem(name)) is not None:
                fail(f"{where}.name", problem)
                continue
            try:
                code = ric.validate(str(item.get("id_number") or ""), self.today)
            except ValidationError as exc:
                fail(f"{where}.id_number", str(exc))
                continue
            persons.append((role, PersonRef(name[:200], code, "resident-id")))
        return persons
