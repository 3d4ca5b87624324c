"""Opaque public references of credit records: the row id encrypted under a platform secret.

Row ids are a sequence: published, anyone could walk them and collect the registry. A public
reference is AES-256 of one 16-byte block — the id (8 bytes, big-endian) and 8 zero bytes —
written in lowercase base32 without padding (26 characters, letters and the digits 2–7). A
single block needs no mode and no nonce (each id has one reference, so links stay stable), and
the zero half makes a forged or altered reference fail: a random block decrypts to eight zero
bytes once in 2^64 tries. Without the key, a reference says nothing about its id or its
neighbours'.

>>> refs = ReferenceKey(bytes(32))
>>> ref = refs.encode(42)
>>> len(ref), refs.decode(ref), refs.decode(ref.upper())
(26, 42, 42)
>>> refs.decode(ref[:-1] + ("a" if ref[-1] != "a" else "b")) is None
True
>>> refs.decode("not-a-reference") is None
True
"""

from __future__ import annotations

import base64
import binascii
import re
from pathlib import Path

from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes

from jointcredit.errors import ConfigurationError
from jointcredit.security.keyfiles import symmetric_key

#: A reference as it appears in a URL: 26 base32 characters (either case).
PATTERN = r"[A-Za-z2-7]{26}"
_REFERENCE = re.compile(PATTERN)
_ID_MAX = 2**63 - 1
_TAIL = bytes(8)


class ReferenceKey:
    def __init__(self, key: bytes):
        if len(key) != 32:
            raise ConfigurationError("the record reference key must be 32 bytes (AES-256)")
        # ECB on exactly one block is the block cipher itself: a keyed permutation of ids.
        self._cipher = Cipher(algorithms.AES(key), modes.ECB())

    @classmethod
    def from_file(cls, path: Path) -> ReferenceKey:
        return cls(symmetric_key(path))

    def encode(self, record_id: int) -> str:
        """The public reference of the record with row id ``record_id``."""
        if not 0 < record_id <= _ID_MAX:
            raise ValueError(f"not a row id: {record_id}")
        enc = self._cipher.encryptor()
        block = enc.update(record_id.to_bytes(8, "big") + _TAIL) + enc.finalize()
        return base64.b32encode(block).decode().rstrip("=").lower()

    def decode(self, reference: str) -> int | None:
        """The row id ``reference`` stands for, or None when it is not one of ours."""
        if not _REFERENCE.fullmatch(reference):
            return None
        try:
            block = base64.b32decode(reference.upper() + "======")
        except binascii.Error:
            return None
        # The last character carries two unused bits: four spellings would decode alike. Only
        # the one we write is a reference, so a reference is one string.
        if base64.b32encode(block).decode().rstrip("=").lower() != reference.lower():
            return None
        dec = self._cipher.decryptor()
        plain = dec.update(block) + dec.finalize()
        if plain[8:] != _TAIL:
            return None
        record_id = int.from_bytes(plain[:8], "big")
        return record_id if 0 < record_id <= _ID_MAX else None


__all__ = ["PATTERN", "ReferenceKey"]
