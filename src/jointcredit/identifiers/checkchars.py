"""Check characters of the Chinese identifier standards, as pure functions.

Kept apart from validation so that the synthetic data generator and the validators share one
implementation of each algorithm.
"""

from __future__ import annotations

from operator import mul

from stdnum.iso7064 import mod_11_10

#: GB 32100-2015 code characters: digits and upper-case letters without I, O, Z, S, V.
USCC_ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
_USCC_VALUE = {ch: i for i, ch in enumerate(USCC_ALPHABET)}
_USCC_WEIGHTS = tuple(pow(3, i, 31) for i in range(17))

#: GB 11714-1997 organisation code characters: digits and upper-case Latin letters.
ORG_ALPHABET = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ"
_ORG_WEIGHTS = (3, 7, 9, 10, 5, 8, 4, 2)

_RIC_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
_RIC_CHECK = "10X98765432"


def uscc_check_char(first17: str) -> str:
    """Check character of a Unified Social Credit Code (GB 32100-2015, clause 5).

    >>> uscc_check_char('91110000600037341')
    'L'
    """
    if len(first17) != 17:
        raise ValueError("a USCC check character needs 17 characters")
    # map() keeps this inner loop in C: it runs for every code of every imported row.
    total = sum(map(mul, map(_USCC_VALUE.__getitem__, first17), _USCC_WEIGHTS))
    return USCC_ALPHABET[(31 - total % 31) % 31]


def org_check_char(first8: str) -> str:
    """Check character of an organisation code (GB 11714-1997).

    >>> org_check_char('60003734')
    '1'
    """
    total = sum(ORG_ALPHABET.index(ch) * w for ch, w in zip(first8, _ORG_WEIGHTS, strict=True))
    value = 11 - total % 11
    return {10: "X", 11: "0"}.get(value, str(value))


def ric_check_char(first17: str) -> str:
    """Check character of a resident identity number (GB 11643-1999).

    >>> ric_check_char('11010519491231002')
    'X'
    """
    if len(first17) != 17:
        raise ValueError("a resident identity number check character needs 17 digits")
    total = sum(map(mul, map(int, first17), _RIC_WEIGHTS))
    return _RIC_CHECK[total % 11]


def mod_11_10_check_digit(digits: str) -> str:
    """ISO 7064 MOD 11,10 check digit, used by 15-digit business registration numbers (GS15-2006).

    >>> mod_11_10_check_digit('11000000000000')
    '9'
    """
    return str(mod_11_10.calc_check_digit(digits))
