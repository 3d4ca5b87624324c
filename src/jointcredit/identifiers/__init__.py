"""Chinese identifiers: USCC, resident identity number, organisation code, registration number.

One module per identifier (:mod:`.uscc`, :mod:`.ric`, :mod:`.orgcode`, :mod:`.regnum`) in the
style of python-stdnum — ``compact``, ``validate``, ``is_valid``, ``format`` — raising
python-stdnum's exceptions, plus ``warnings_for`` for parts that are unknown but do not make the
identifier invalid. :func:`check` recognises an identifier of unknown type; :mod:`.mask` hides
personal ones.
"""

from __future__ import annotations

from jointcredit.identifiers.classify import (
    IdentifierResult,
    IdentifierResultDict,
    IdentifierType,
    check,
    validate_resident_id,
    validate_uscc,
)
from jointcredit.identifiers.mask import mask_identifier, mask_name, mask_resident_id

__all__ = [
    "IdentifierResult",
    "IdentifierResultDict",
    "IdentifierType",
    "check",
    "mask_identifier",
    "mask_name",
    "mask_resident_id",
    "validate_resident_id",
    "validate_uscc",
]
