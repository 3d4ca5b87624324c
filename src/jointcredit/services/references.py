"""Public references of credit records (see :mod:`jointcredit.security.references`): what public
answers carry instead of row ids, and the row id a reference stands for."""

from __future__ import annotations

from functools import cache
from pathlib import Path

from jointcredit.security.references import ReferenceKey
from jointcredit.settings import get_settings


def key_path() -> Path:
    settings = get_settings()
    return settings.record_reference_key_file or settings.keys_dir() / "record-reference.key"


@cache
def _key(path: Path) -> ReferenceKey:
    return ReferenceKey.from_file(path)


def reference_of(record_id: int) -> str:
    """The opaque public reference of the record with row id ``record_id``."""
    return _key(key_path()).encode(record_id)


def record_id_of(reference: str) -> int | None:
    """The row id ``reference`` stands for; None for anything that is not a reference made
    with this platform's key (forged, altered, or made elsewhere)."""
    return _key(key_path()).decode(reference)


__all__ = ["key_path", "record_id_of", "reference_of"]
