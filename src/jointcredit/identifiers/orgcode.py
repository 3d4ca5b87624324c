"""Organisation code (组织机构代码, GB 11714-1997).

Nine characters: an eight-character body of digits and upper-case letters, then a check
character, a digit or X. It is usually written with a hyphen before the check character
(``60003734-1``). Since 2015 it lives on as positions 9–17 of the USCC.

>>> validate('60003734-1')
'600037341'
>>> validate('６０００３７３４－１')
'600037341'
>>> validate('60003734-2')
Traceback (most recent call last):
    ...
stdnum.exceptions.InvalidChecksum: check character is '2', expected '1'
>>> validate('6000373#-1')
Traceback (most recent call last):
    ...
stdnum.exceptions.InvalidFormat: character '#' at position 8 is not a digit or upper-case letter
>>> format('600037341')
'60003734-1'
"""

from __future__ import annotations

import re

from stdnum.exceptions import InvalidChecksum, InvalidFormat, InvalidLength, ValidationError

from jointcredit.identifiers._common import bad_character
from jointcredit.identifiers._common import compact as _compact
from jointcredit.identifiers.checkchars import ORG_ALPHABET, org_check_char
from jointcredit.messages.reasons import Reason

__all__ = ["compact", "format", "is_valid", "validate"]

_PATTERN = re.compile(r"[0-9A-Z]{8}[0-9X]")
_BODY = frozenset(ORG_ALPHABET)


def compact(number: str) -> str:
    """Canonical form: full-width to half-width, hyphen and spaces dropped, upper case.

    >>> compact('60003734-1')
    '600037341'
    """
    return _compact(number)


def validate(number: str) -> str:
    """Return the canonical form of ``number`` or raise a :class:`ValidationError` subclass."""
    number = _compact(number)
    if _PATTERN.fullmatch(number) is None:
        if len(number) != 9:
            raise InvalidLength(Reason("orgcode.length", got=len(number)))
        if number[8] not in "0123456789X":
            raise InvalidFormat(Reason("orgcode.check-character", char=number[8]))
        raise InvalidFormat(Reason("orgcode.character", **bad_character(number, _BODY)))
    expected = org_check_char(number[:8])
    if number[8] != expected:
        raise InvalidChecksum(Reason("orgcode.checksum", got=number[8], expected=expected))
    return number


def is_valid(number: str) -> bool:
    """Whether ``number`` is a valid organisation code.

    >>> is_valid('MA0000001'), is_valid('600037341')
    (False, True)
    """
    try:
        validate(number)
    except ValidationError:
        return False
    return True


def format(number: str) -> str:
    """Presentation form, with a hyphen before the check character."""
    number = _compact(number)
    return f"{number[:8]}-{number[8:]}"
