"""Business registration number (工商注册号, GS15-2006), the enterprise identifier before the USCC.

Fifteen digits:

* positions 1–6: code of the registering administration for industry and commerce, a division
  code (GB/T 2260), or 100000 for the national administration,
* positions 7–14: sequence number,
* position 15: ISO 7064 MOD 11,10 check digit.

Numbers issued before the 2006 rule were carried over without a valid check digit, and offices
keep division codes of divisions merged away since: both are warnings. Only the length and the
characters can make a number invalid.

>>> validate('110000000000009')
'110000000000009'
>>> number, warnings = validate_with_warnings('110000000000001')
>>> print(warnings[0])
check digit is '1', expected '9' (numbers issued before GS15-2006 may lack one)
>>> validate('11000000000000')
Traceback (most recent call last):
    ...
stdnum.exceptions.InvalidLength: a registration number has 15 digits, got 14
>>> validate('1100000000000A9')
Traceback (most recent call last):
    ...
stdnum.exceptions.InvalidFormat: character 'A' at position 14 is not a digit
"""

from __future__ import annotations

import re

from stdnum.exceptions import InvalidFormat, InvalidLength, ValidationError

from jointcredit.identifiers import divisions
from jointcredit.identifiers._common import bad_character
from jointcredit.identifiers._common import compact as _compact
from jointcredit.identifiers.checkchars import mod_11_10_check_digit
from jointcredit.messages.reasons import Reason

__all__ = ["compact", "format", "is_valid", "validate", "validate_with_warnings", "warnings_for"]

_PATTERN = re.compile(r"[0-9]{15}")
_DIGITS = frozenset("0123456789")
# Not a division: the code of the State Administration for Industry and Commerce.
_NATIONAL = "100000"


def compact(number: str) -> str:
    """Canonical form: full-width to half-width, separators dropped.

    >>> compact('110000 000000 009')
    '110000000000009'
    """
    return _compact(number)


def validate(number: str) -> str:
    """Return the canonical form of ``number`` or raise a :class:`ValidationError` subclass."""
    number = _compact(number)
    if _PATTERN.fullmatch(number) is None:
        if len(number) != 15:
            raise InvalidLength(Reason("regnum.length", got=len(number)))
        raise InvalidFormat(Reason("regnum.character", **bad_character(number, _DIGITS)))
    return number


def warnings_for(number: str) -> tuple[str, ...]:
    """Warnings about a number that :func:`validate` accepts.

    >>> warnings_for('100000000000006')
    ()
    >>> warnings_for('990000000000007')
    ('office 990000 (positions 1–6) is not a known division code',)
    """
    number = _compact(number)
    found: list[str] = []
    office = number[:6]
    if office != _NATIONAL and not divisions.is_known(office):
        found.append(Reason("regnum.unknown-office", office=office))
    expected = mod_11_10_check_digit(number[:14])
    if number[14] != expected:
        found.append(Reason("regnum.check-digit", got=number[14], expected=expected))
    return tuple(found)


def validate_with_warnings(number: str) -> tuple[str, tuple[str, ...]]:
    """:func:`validate`, then :func:`warnings_for`: the canonical form and its warnings."""
    number = validate(number)
    return number, warnings_for(number)


def is_valid(number: str) -> bool:
    """Whether ``number`` has the shape of a registration number (warnings do not count)."""
    try:
        validate(number)
    except ValidationError:
        return False
    return True


def format(number: str) -> str:
    """Presentation form: one block of 15 digits."""
    return _compact(number)
