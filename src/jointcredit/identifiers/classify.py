"""Recognise and check an identifier of unknown type, as a department's export holds them.

:func:`check` normalises the input (:func:`jointcredit.identifiers.normalize.normalize`), tells
the type by its shape and validates it as that type:

* 9 characters: organisation code (GB 11714);
* 15 digits: business registration number (GS15-2006);
* 18 characters: resident identity number (GB 11643) or USCC (GB 32100), see below;
* anything else, characters that no identifier uses, or nothing at all: type None, invalid.

Eighteen characters that are not 17 digits followed by a digit or X can only be a USCC. Those
that are can be either, and a few pass both checks. The rule:

1. Exactly one of the two validations passes (the resident identity number's with its birth
   date): that type.
2. Both pass: resident identity number when its division code (positions 1–6) is known and its
   birth date is on or after 1900-01-01, USCC otherwise; a warning names the other reading.
3. Neither passes: each reading scores one point per part that makes sense — for the resident
   identity number a birth date that is a real, past date on or after 1850-01-01 and a known
   division code; for the USCC a known department and category and a known region. The higher
   score wins, a tie goes to the resident identity number (an 18-digit string in an export is
   more often a person's number), and the result carries that type's error.

Positions in messages count characters of the normalised form, from 1.

Synthetic examples:

>>> check('91110000600037341L').valid
True
>>> r = check('11010519491231002x')
>>> r.type, r.normalized, r.valid
(<IdentifierType.RESIDENT_ID: 'resident-id'>, '11010519491231002X', True)
>>> check('11010520991301002X').error
'birth date 20991301 (positions 7–14) is not a date'
>>> check(' - ').to_dict()  # doctest: +NORMALIZE_WHITESPACE
{'input': ' - ', 'normalized': '', 'type': None, 'valid': False, 'error': 'empty input',
 'warnings': []}
>>> check('12345').error  # doctest: +ELLIPSIS
'5 characters: expected 9 (organisation code), 15 (registration number) or 18 (USCC or ...)'
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from enum import StrEnum
from typing import TypedDict

from stdnum.exceptions import ValidationError

from jointcredit.identifiers import divisions, orgcode, regnum, ric, uscc
from jointcredit.identifiers._common import bad_character, compact
from jointcredit.messages.reasons import Reason, reason_of

__all__ = [
    "IdentifierResult",
    "IdentifierResultDict",
    "IdentifierType",
    "check",
    "validate_resident_id",
    "validate_uscc",
]


class IdentifierType(StrEnum):
    """The identifier types :func:`check` recognises; values are the JSON spelling."""

    USCC = "uscc"
    RESIDENT_ID = "resident-id"
    ORG_CODE = "org-code"
    REGISTRATION_NUMBER = "registration-number"


class IdentifierResultDict(TypedDict):
    """JSON form of :class:`IdentifierResult`."""

    input: str
    normalized: str
    type: str | None
    valid: bool
    error: str | None
    warnings: list[str]


@dataclass(frozen=True, slots=True)
class IdentifierResult:
    """Outcome of :func:`check`. ``type`` is set whenever the shape pointed to a type, even when
    the identifier is invalid; ``error`` is set exactly when ``valid`` is False.

    ``error`` and ``warnings`` are English text; where a validator gave them they are
    :class:`~jointcredit.messages.Reason`\\ s, which :func:`~jointcredit.messages.render`
    writes in Chinese."""

    input: str
    normalized: str
    type: IdentifierType | None
    valid: bool
    error: str | None
    warnings: tuple[str, ...]

    def to_dict(self) -> IdentifierResultDict:
        """JSON-ready dict with the six fields, ``type`` as its string and ``warnings`` a list."""
        return {
            "input": self.input,
            "normalized": self.normalized,
            "type": None if self.type is None else self.type.value,
            "valid": self.valid,
            "error": self.error,
            "warnings": list(self.warnings),
        }


_ANY_IDENTIFIER = frozenset("0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ")
_IDENTIFIER_CHARS = re.compile(r"[0-9A-Z]*")
_DIGITS = re.compile(r"[0-9]*")
_RIC_SHAPE = re.compile(r"[0-9]{17}[0-9X]")
# Birth dates from here on count as plausible when an 18-character string is both a valid USCC
# and a valid resident identity number; earlier ones are far more likely an accident of digits.
_PLAUSIBLE_BIRTH = date(1900, 1, 1)


def validate_uscc(code: str) -> str:
    """Normalised USCC, or a :class:`stdnum.exceptions.ValidationError` saying what is wrong.

    >>> validate_uscc('9111 0000 6000 3734 1L')
    '91110000600037341L'
    """
    return uscc.validate(code)


def validate_resident_id(code: str, today: date | None = None) -> str:
    """Normalised resident identity number, or a ValidationError saying what is wrong.

    >>> validate_resident_id('11010519491231002x')
    '11010519491231002X'
    """
    return ric.validate(code, today)


def _result(
    raw: str,
    normalized: str,
    kind: IdentifierType | None,
    error: str | None = None,
    warnings: tuple[str, ...] = (),
) -> IdentifierResult:
    return IdentifierResult(raw, normalized, kind, error is None, error, warnings)


def _ric_date_ok(number: str, today: date) -> bool:
    try:
        born = ric.birth_date(number)
    except ValidationError:
        return False
    return ric.EARLIEST_BIRTH_DATE <= born <= today


def _eighteen(raw: str, number: str, today: date) -> IdentifierResult:
    if _RIC_SHAPE.fullmatch(number) is None:
        try:
            uscc.validate(number)
        except ValidationError as exc:
            return _result(raw, number, IdentifierType.USCC, reason_of(exc))
        return _result(raw, number, IdentifierType.USCC, None, uscc.warnings_for(number))

    ric_error = uscc_error = None
    try:
        ric.validate(number, today)
    except ValidationError as exc:
        ric_error = reason_of(exc)
    try:
        uscc.validate(number)
    except ValidationError as exc:
        uscc_error = reason_of(exc)

    person_division_known = divisions.is_known(number[:6])
    if ric_error is None and uscc_error is None:
        if person_division_known and ric.birth_date(number) >= _PLAUSIBLE_BIRTH:
            also = Reason("id.also-uscc")
            return _result(
                raw, number, IdentifierType.RESIDENT_ID, None, (*ric.warnings_for(number), also)
            )
        also = Reason("id.also-ric")
        return _result(raw, number, IdentifierType.USCC, None, (*uscc.warnings_for(number), also))
    if ric_error is None:
        return _result(raw, number, IdentifierType.RESIDENT_ID, None, ric.warnings_for(number))
    if uscc_error is None:
        return _result(raw, number, IdentifierType.USCC, None, uscc.warnings_for(number))

    person = int(_ric_date_ok(number, today)) + int(person_division_known)
    organisation = int(number[:2] in uscc.CATEGORIES) + int(divisions.is_known(number[2:8]))
    if person >= organisation:
        return _result(raw, number, IdentifierType.RESIDENT_ID, ric_error)
    return _result(raw, number, IdentifierType.USCC, uscc_error)


def check(raw: str, *, today: date | None = None) -> IdentifierResult:
    """Recognise ``raw`` and validate it; see the module documentation for the rules.

    ``today`` bounds birth dates of resident identity numbers (default: the current date).

    >>> check('60003734-1').type
    <IdentifierType.ORG_CODE: 'org-code'>
    >>> check('110000000000001').warnings
    ("check digit is '1', expected '9' (numbers issued before GS15-2006 may lack one)",)
    >>> check('  ').error
    'empty input'
    >>> check('统一社会信用代码').error
    "character '统' at position 1 is not used by any identifier"
    """
    normalized = compact(raw)
    if not normalized:
        return _result(raw, normalized, None, Reason("id.empty"))
    if _IDENTIFIER_CHARS.fullmatch(normalized) is None:
        where = bad_character(normalized, _ANY_IDENTIFIER)
        return _result(raw, normalized, None, Reason("id.character", **where))

    length = len(normalized)
    if length == 18:
        return _eighteen(raw, normalized, date.today() if today is None else today)
    if length == 9:
        try:
            return _result(raw, orgcode.validate(normalized), IdentifierType.ORG_CODE)
        except ValidationError as exc:
            return _result(raw, normalized, IdentifierType.ORG_CODE, reason_of(exc))
    if length == 15:
        if _DIGITS.fullmatch(normalized) is None:
            where = bad_character(normalized, "0123456789")
            return _result(raw, normalized, None, Reason("id.fifteen-not-digits", **where))
        warnings = regnum.warnings_for(normalized)
        return _result(raw, normalized, IdentifierType.REGISTRATION_NUMBER, None, warnings)
    return _result(raw, normalized, None, Reason("id.length", got=length))
