"""Resident identity number (公民身份号码, GB 11643-1999).

Eighteen characters:

* positions 1–6: division code of the household registration office that issued the number,
* positions 7–14: birth date, YYYYMMDD,
* positions 15–17: sequence number; the 17th digit is odd for men, even for women,
* position 18: check character, a digit or X (a lower-case x is the same).

A number is rejected for its length, its characters, a birth date that is not a date, lies in the
future or before 1850, or a wrong check character. The division code is not the birthplace: it
need not have existed in the birth year, so unlike ``stdnum.cn.ric`` this module does not tie the
two, and a code unknown to the tables at hand is a warning.

The examples are synthetic numbers, not anyone's.

>>> validate('11010519491231002x')
'11010519491231002X'
>>> validate('110105 19491231 002X')
'11010519491231002X'
>>> validate('110105194912310021')
Traceback (most recent call last):
    ...
stdnum.exceptions.InvalidChecksum: check character is '1', expected 'X'
>>> validate('110105209913010021')
Traceback (most recent call last):
    ...
stdnum.exceptions.InvalidComponent: birth date 20991301 (positions 7–14) is not a date
>>> validate('110105204001010024', today=date(2025, 1, 1))  # doctest: +ELLIPSIS
Traceback (most recent call last):
    ...
stdnum.exceptions.InvalidComponent: birth date 20400101 (positions 7–14) is in the future (...)
>>> validate_with_warnings('990105194912310023')
('990105194912310023', ('division 990105 (positions 1–6) is not a known division code',))
>>> birth_date('11010519491231002X'), gender('11010519491231002X')
(datetime.date(1949, 12, 31), 'female')
"""

from __future__ import annotations

import re
from datetime import date
from typing import Literal

from stdnum.exceptions import (
    InvalidChecksum,
    InvalidComponent,
    InvalidFormat,
    InvalidLength,
    ValidationError,
)

from jointcredit.identifiers import divisions
from jointcredit.identifiers._common import bad_character
from jointcredit.identifiers._common import compact as _compact
from jointcredit.identifiers.checkchars import ric_check_char
from jointcredit.messages.reasons import Reason

__all__ = [
    "EARLIEST_BIRTH_DATE",
    "birth_date",
    "compact",
    "division",
    "format",
    "gender",
    "is_valid",
    "validate",
    "validate_with_warnings",
    "warnings_for",
]

#: Birth dates before this are taken for typing errors, not for people.
EARLIEST_BIRTH_DATE = date(1850, 1, 1)

_PATTERN = re.compile(r"[0-9]{17}[0-9X]")
_DIGITS = frozenset("0123456789")


def compact(number: str) -> str:
    """Canonical form: full-width to half-width, separators dropped, x upper-cased.

    >>> compact('１１０１０５－１９４９１２３１００２ｘ')
    '11010519491231002X'
    """
    return _compact(number)


def _birth_date(number: str) -> date:
    try:
        return date(int(number[6:10]), int(number[10:12]), int(number[12:14]))
    except ValueError:
        raise InvalidComponent(Reason("ric.birth-date", date=number[6:14])) from None


def validate(number: str, today: date | None = None) -> str:
    """Return the canonical form of ``number`` or raise a :class:`ValidationError` subclass.

    ``today`` bounds the birth date (default: the current date), so that old records can be
    checked as of the day they were made.
    """
    number = _compact(number)
    if _PATTERN.fullmatch(number) is None:
        if len(number) != 18:
            raise InvalidLength(Reason("ric.length", got=len(number)))
        if number[17] not in _DIGITS and number[17] != "X":
            raise InvalidFormat(Reason("ric.check-character", char=number[17]))
        raise InvalidFormat(Reason("ric.character", **bad_character(number, _DIGITS)))
    born = _birth_date(number)
    if today is None:
        today = date.today()
    if born > today:
        raise InvalidComponent(
            Reason("ric.birth-future", date=number[6:14], today=today.isoformat())
        )
    if born < EARLIEST_BIRTH_DATE:
        raise InvalidComponent(
            Reason("ric.birth-early", date=number[6:14], earliest=EARLIEST_BIRTH_DATE.isoformat())
        )
    expected = ric_check_char(number[:17])
    if number[17] != expected:
        raise InvalidChecksum(Reason("ric.checksum", got=number[17], expected=expected))
    return number


def warnings_for(number: str) -> tuple[str, ...]:
    """Warnings about a number that :func:`validate` accepts: an unknown division code.

    >>> warnings_for('110103201501010022')  # 崇文区, abolished in 2010: still a known code
    ()
    """
    code = _compact(number)[:6]
    if divisions.is_known(code):
        return ()
    return (Reason("ric.unknown-division", division=code),)


def validate_with_warnings(number: str, today: date | None = None) -> tuple[str, tuple[str, ...]]:
    """:func:`validate`, then :func:`warnings_for`: the canonical form and its warnings."""
    number = validate(number, today)
    return number, warnings_for(number)


def is_valid(number: str, today: date | None = None) -> bool:
    """Whether ``number`` is a valid resident identity number (warnings do not count)."""
    try:
        validate(number, today)
    except ValidationError:
        return False
    return True


def format(number: str) -> str:
    """Presentation form: one block of 18 characters."""
    return _compact(number)


def birth_date(number: str) -> date:
    """Birth date (positions 7–14); raises InvalidComponent when they are not a date."""
    return _birth_date(_compact(number))


def gender(number: str) -> Literal["male", "female"]:
    """Gender recorded in the sequence number: odd 17th digit male, even female.

    >>> gender('110105194912310011')
    'male'
    """
    return "male" if int(_compact(number)[16]) % 2 else "female"


def division(number: str) -> str:
    """Division code of the issuing office (positions 1–6).

    >>> division('11010519491231002X')
    '110105'
    """
    return _compact(number)[:6]
