"""A department's own key pair for reporters' identities: sealed to its public key, opened only
with its private key, which exists only encrypted under a passphrase the department holds.

Sealing is hybrid encryption in the manner of ECIES/HPKE: a fresh X25519 key pair per sealed
value, its shared secret with the department's public key through HKDF-SHA256 to an AES-256-GCM
key; the caller's context (the report row) is the associated data, as with the platform key
(:mod:`jointcredit.security.sealing`). The private key is stored as the JSON of an scrypt
salt and parameters and the AES-256-GCM encryption of its raw bytes, bound to the department
and the key id: pasted into another department's row it does not open.

>>> pair = generate("CAAC", "correct horse battery staple 2026")
>>> sealed = seal(pair.public_key, {"name": "张三"}, b"report:1")
>>> private = unlock(pair.private_sealed, "correct horse battery staple 2026",
...                  department="CAAC", key_id=pair.key_id)
>>> open_sealed(private, sealed, b"report:1")
{'name': '张三'}
>>> unlock(pair.private_sealed, "wrong horse battery staple 2026",
...        department="CAAC", key_id=pair.key_id)
Traceback (most recent call last):
...
jointcredit.security.department_keys.WrongPassphrase: the passphrase does not open this key
"""

from __future__ import annotations

import base64
import hashlib
import json
import os
from dataclasses import dataclass
from typing import Any

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey, X25519PublicKey
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from cryptography.hazmat.primitives.kdf.scrypt import Scrypt
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

from jointcredit.errors import IntegrityFailure, InvalidInputError

ALGORITHM = "X25519-HKDF-SHA256-AES-256-GCM"
#: Marks a value sealed to a department key (the platform key's values are plain base64).
PREFIX = "x25519:"
PASSPHRASE_MIN = 20
PASSPHRASE_MAX = 1024
PASSPHRASE_DISTINCT = 8
#: scrypt cost: 2**15 × 8 × 128 bytes = 32 MiB and some 0.1 s per unlock, stored with each key
#: so that a later, higher cost leaves older keys readable.
SCRYPT_N = 2**15
SCRYPT_R = 8
SCRYPT_P = 1


class WrongPassphrase(Exception):
    """The passphrase (or the sealed private key) does not open: never says which, never the
    passphrase."""


@dataclass(frozen=True, slots=True)
class KeyPair:
    key_id: str
    public_key: str  # raw 32 bytes, base64
    private_sealed: str  # JSON: scrypt parameters, salt, nonce, ciphertext


def check_passphrase(passphrase: str, *, department: str) -> None:
    """Refuse a passphrase that is short, repetitive or the department's code.

    >>> check_passphrase("caac-2026", department="CAAC")
    Traceback (most recent call last):
    jointcredit.errors.InvalidInputError: passphrase: at least 20 characters (this one has 9)
    """
    if len(passphrase) < PASSPHRASE_MIN:
        raise InvalidInputError(
            f"passphrase: at least {PASSPHRASE_MIN} characters (this one has {len(passphrase)})"
        )
    if len(passphrase) > PASSPHRASE_MAX:
        raise InvalidInputError(f"passphrase: at most {PASSPHRASE_MAX} characters")
    if len(set(passphrase)) < PASSPHRASE_DISTINCT:
        raise InvalidInputError(
            f"passphrase: uses fewer than {PASSPHRASE_DISTINCT} different characters"
        )
    if department.casefold() in passphrase.casefold() and len(passphrase) < 2 * PASSPHRASE_MIN:
        raise InvalidInputError(
            "passphrase: must not be built on the department's code (or make it at least "
            f"{2 * PASSPHRASE_MIN} characters)"
        )


def key_id_of(public_raw: bytes) -> str:
    return hashlib.sha256(b"jointcredit-department-key" + public_raw).hexdigest()[:16]


def _raw_public(key: X25519PublicKey) -> bytes:
    return key.public_bytes(Encoding.Raw, PublicFormat.Raw)


def _binding(department: str, key_id: str) -> bytes:
    return f"department-key|{department}|{key_id}".encode()


def _scrypt(passphrase: str, salt: bytes, n: int, r: int, p: int) -> bytes:
    return Scrypt(salt=salt, length=32, n=n, r=r, p=p).derive(passphrase.encode())


def generate(department: str, passphrase: str) -> KeyPair:
    """A new key pair whose private key is sealed under ``passphrase`` (checked first)."""
    check_passphrase(passphrase, department=department)
    private = X25519PrivateKey.generate()
    public_raw = _raw_public(private.public_key())
    key_id = key_id_of(public_raw)
    salt, nonce = os.urandom(16), os.urandom(12)
    wrapping = _scrypt(passphrase, salt, SCRYPT_N, SCRYPT_R, SCRYPT_P)
    private_raw = private.private_bytes_raw()
    sealed = AESGCM(wrapping).encrypt(nonce, private_raw, _binding(department, key_id))
    document = {
        "kdf": "scrypt",
        "n": SCRYPT_N,
        "r": SCRYPT_R,
        "p": SCRYPT_P,
        "salt": base64.b64encode(salt).decode(),
        "cipher": "AES-256-GCM",
        "nonce": base64.b64encode(nonce).decode(),
        "ciphertext": base64.b64encode(sealed).decode(),
    }
    return KeyPair(key_id, base64.b64encode(public_raw).decode(), json.dumps(document))


def unlock(
    private_sealed: str, passphrase: str, *, department: str, key_id: str
) -> X25519PrivateKey:
    """The private key, or :class:`WrongPassphrase`."""
    try:
        document = json.loads(private_sealed)
        wrapping = _scrypt(
            passphrase,
            base64.b64decode(document["salt"], validate=True),
            int(document["n"]),
            int(document["r"]),
            int(document["p"]),
        )
        raw = AESGCM(wrapping).decrypt(
            base64.b64decode(document["nonce"], validate=True),
            base64.b64decode(document["ciphertext"], validate=True),
            _binding(department, key_id),
        )
        private = X25519PrivateKey.from_private_bytes(raw)
    except (InvalidTag, ValueError, KeyError, TypeError):
        # ``from None``: the passphrase must not ride along in a chained traceback.
        raise WrongPassphrase("the passphrase does not open this key") from None
    if key_id_of(_raw_public(private.public_key())) != key_id:
        raise WrongPassphrase("the passphrase does not open this key")
    return private


def _aead(shared: bytes, ephemeral: bytes, recipient: bytes) -> AESGCM:
    # Both public keys in the info, as HPKE does: a key derived for one pair serves no other.
    info = b"jointcredit-reporter|" + ephemeral + recipient
    key = HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=info).derive(shared)
    return AESGCM(key)


def seal(public_key: str, value: Any, context: bytes) -> str:
    """``value`` (JSON) sealed to the department's public key (base64 of its raw 32 bytes)."""
    recipient = base64.b64decode(public_key, validate=True)
    ephemeral = X25519PrivateKey.generate()
    ephemeral_raw = _raw_public(ephemeral.public_key())
    shared = ephemeral.exchange(X25519PublicKey.from_public_bytes(recipient))
    nonce = os.urandom(12)
    plain = json.dumps(value, ensure_ascii=False).encode()
    sealed = _aead(shared, ephemeral_raw, recipient).encrypt(nonce, plain, context)
    return PREFIX + base64.b64encode(ephemeral_raw + nonce + sealed).decode()


def open_sealed(private: X25519PrivateKey, sealed: str, context: bytes) -> Any:
    try:
        if not sealed.startswith(PREFIX):
            raise ValueError("not sealed to a department key")
        raw = base64.b64decode(sealed.removeprefix(PREFIX), validate=True)
        ephemeral_raw, nonce, body = raw[:32], raw[32:44], raw[44:]
        shared = private.exchange(X25519PublicKey.from_public_bytes(ephemeral_raw))
        recipient = _raw_public(private.public_key())
        plain = _aead(shared, ephemeral_raw, recipient).decrypt(nonce, body, context)
    except (InvalidTag, ValueError) as exc:
        raise IntegrityFailure("the sealed data does not open with this key and context") from exc
    return json.loads(plain)
