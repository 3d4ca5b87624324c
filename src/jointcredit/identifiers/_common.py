"""Helpers shared by the identifier modules: canonical form and where a code goes wrong."""

from __future__ import annotations

import re

from jointcredit.identifiers.normalize import normalize

# Most values in an import are already canonical; matching them saves the NFKC pass.
_CANONICAL = re.compile(r"[0-9A-Z]+")


def compact(number: str) -> str:
    """Canonical form of ``number``: :func:`normalize`, skipped when it cannot change anything.

    >>> compact('91110000600037341L')
    '91110000600037341L'
    >>> compact(' 1101-0519 4912 3100 2x')
    '11010519491231002X'
    """
    if _CANONICAL.fullmatch(number):
        return number
    return normalize(number)


def bad_character(
    number: str, allowed: str | frozenset[str], *, start: int = 0
) -> dict[str, object]:
    """The first character of ``number`` (from index ``start``) not in ``allowed``, as a
    reason's parameters: its ``position`` (from 1) and the ``char``.

    >>> bad_character('9111I000', '0123456789')
    {'position': 5, 'char': 'I'}
    """
    for index in range(start, len(number)):
        if number[index] not in allowed:
            return {"position": index + 1, "char": number[index]}
    raise ValueError("no bad character")  # callers only ask after a failed pattern match
