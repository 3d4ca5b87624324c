"""A record or list entry sent as JSON, validated as an import validates a row.

Shared by the direct submissions (:mod:`jointcredit.services.submissions`) and by list-entry
proposals (:mod:`jointcredit.services.proposals`): a bad entry is refused when it is proposed,
not when it is approved, by the same judge as an uploaded file's rows.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Mapping
from typing import Any

from jointcredit.access import Principal
from jointcredit.catalog import load_catalog
from jointcredit.errors import InvalidInputError, PermissionDeniedError
from jointcredit.jsontext import dumps
from jointcredit.record_drafts import RecordDraft
from jointcredit.services import departments
from jointcredit.services.imports import Accept, ImportKind, make_validator

#: The field naming a double-publicity record's data source department, per format.
SOURCE_FIELD: dict[str, str] = {"licensing": "XK_LYDW", "penalty": "CF_SJLY"}


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


__all__ = ["SOURCE_FIELD", "own_department", "validated"]
