"""Normalisation of identifiers as people type and departments export them."""

from __future__ import annotations

import unicodedata

# Characters that departments' exports put inside codes as separators or padding.
_DROP = frozenset(" \t\r\n-_.\u00a0\u3000\u2010\u2011\u2012\u2013\u2014\u2015\u2212\ufeff\u200b")


def normalize(raw: str) -> str:
    """Return ``raw`` in the canonical form of an identifier.

    Full-width characters become half-width (NFKC), separators and spaces go, letters are
    upper-cased.

    >>> normalize(' 9111-0000 1011 0123 4X ')
    '91110000101101234X'
    >>> normalize('９１１１００００ｘ')
    '91110000X'
    """
    text = unicodedata.normalize("NFKC", raw)
    return "".join(ch for ch in text if ch not in _DROP).upper()
