"""The platform's signing key: Ed25519 signatures over canonical JSON.

>>> key = SigningKey.generate()
>>> sig = key.sign({"a": 1})
>>> key.public.verify({"a": 1}, sig)
True
>>> key.public.verify({"a": 2}, sig)
False
"""

from __future__ import annotations

import base64
import hashlib
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path
from typing import Any

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

from jointcredit.errors import ConfigurationError
from jointcredit.security.digest import canonical
from jointcredit.security.keyfiles import read_or_create

ALGORITHM = "Ed25519"


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode()


@dataclass(frozen=True)
class PublicKey:
    key: Ed25519PublicKey

    @property
    def raw(self) -> bytes:
        return self.key.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)

    @cached_property
    def key_id(self) -> str:
        """First 16 hex digits of the SHA-256 of the raw public key."""
        return hashlib.sha256(self.raw).hexdigest()[:16]

    @property
    def pem(self) -> str:
        return self.key.public_bytes(
            serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
        ).decode()

    def verify(self, value: Any, signature: str) -> bool:
        try:
            self.key.verify(base64.b64decode(signature, validate=True), canonical(value))
        except (InvalidSignature, ValueError):
            return False
        return True

    @classmethod
    def from_pem(cls, data: bytes) -> PublicKey:
        try:
            key = serialization.load_pem_public_key(data)
        except ValueError as exc:
            raise ConfigurationError(f"not a PEM public key: {exc}") from exc
        if not isinstance(key, Ed25519PublicKey):
            raise ConfigurationError("the public key is not an Ed25519 key")
        return cls(key)

    def to_dict(self) -> dict[str, str]:
        return {
            "algorithm": ALGORITHM,
            "key_id": self.key_id,
            "public_key_pem": self.pem,
            "public_key": _b64(self.raw),
        }


@dataclass(frozen=True)
class SigningKey:
    key: Ed25519PrivateKey

    @classmethod
    def generate(cls) -> SigningKey:
        return cls(Ed25519PrivateKey.generate())

    @classmethod
    def from_file(cls, path: Path) -> SigningKey:
        """The key in ``path`` (PEM, PKCS#8), generated there if the file does not exist."""

        def make() -> bytes:
            return Ed25519PrivateKey.generate().private_bytes(
                serialization.Encoding.PEM,
                serialization.PrivateFormat.PKCS8,
                serialization.NoEncryption(),
            )

        data = read_or_create(path, make)
        try:
            key = serialization.load_pem_private_key(data, password=None)
        except (ValueError, TypeError) as exc:
            raise ConfigurationError(f"{path}: not an unencrypted PEM private key: {exc}") from exc
        if not isinstance(key, Ed25519PrivateKey):
            raise ConfigurationError(f"{path}: the receipt signing key must be an Ed25519 key")
        return cls(key)

    @cached_property
    def public(self) -> PublicKey:
        return PublicKey(self.key.public_key())

    def sign(self, value: Any) -> str:
        return _b64(self.key.sign(canonical(value)))
