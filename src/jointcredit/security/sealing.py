"""Sealing small secrets (a reporter's identity and contact) with AES-256-GCM.

The associated data binds a ciphertext to its row: pasted into another report it fails to open.

>>> box = SealingKey(bytes(32))
>>> sealed = box.seal({"name": "张三"}, b"report:1")
>>> box.open(sealed, b"report:1")
{'name': '张三'}
>>> box.open(sealed, b"report:2")
Traceback (most recent call last):
...
jointcredit.errors.IntegrityFailure: the sealed data does not open with this key and context
"""

from __future__ import annotations

import base64
import hashlib
import json
import os
from pathlib import Path
from typing import Any

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from jointcredit.errors import ConfigurationError, IntegrityFailure
from jointcredit.security.keyfiles import symmetric_key

ALGORITHM = "AES-256-GCM"


class SealingKey:
    def __init__(self, key: bytes):
        if len(key) != 32:
            raise ConfigurationError("the report encryption key must be 32 bytes (AES-256)")
        self._aead = AESGCM(key)
        self.key_id = hashlib.sha256(b"jointcredit-report-key" + key).hexdigest()[:16]

    @classmethod
    def from_file(cls, path: Path) -> SealingKey:
        return cls(symmetric_key(path))

    def seal(self, value: Any, context: bytes) -> str:
        nonce = os.urandom(12)
        plain = json.dumps(value, ensure_ascii=False).encode()
        return base64.b64encode(nonce + self._aead.encrypt(nonce, plain, context)).decode()

    def open(self, sealed: str, context: bytes) -> Any:
        try:
            raw = base64.b64decode(sealed, validate=True)
            plain = self._aead.decrypt(raw[:12], raw[12:], context)
        except (InvalidTag, ValueError) as exc:
            raise IntegrityFailure(
                "the sealed data does not open with this key and context"
            ) from exc
        return json.loads(plain)
