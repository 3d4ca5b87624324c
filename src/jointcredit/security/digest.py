"""Canonical JSON and the digests taken of it (audit chain, receipts).

SM3 (GB/T 32905-2016) is the national hash standard; Python's hashlib offers it when the
platform's OpenSSL does. Every digest names its algorithm, so a verifier never guesses.

>>> canonical({"b": 1, "a": "测试"})
b'{"a":"\\xe6\\xb5\\x8b\\xe8\\xaf\\x95","b":1}'
>>> hexdigest(b"abc", "sha256")[:16]
'ba7816bf8f01cfea'
"""

from __future__ import annotations

import hashlib
import json
from functools import cache
from pathlib import Path
from typing import Any

ALGORITHMS = ("sm3", "sha256")


def canonical(value: Any) -> bytes:
    """One byte string per JSON value: keys sorted, no spaces, UTF-8 (no escapes)."""
    return json.dumps(value, ensure_ascii=False, sort_keys=True, separators=(",", ":")).encode()


@cache
def sm3_available() -> bool:
    try:
        hashlib.new("sm3")
    except ValueError:
        return False
    return True


def default_algorithm() -> str:
    return "sm3" if sm3_available() else "sha256"


def hexdigest(data: bytes, algorithm: str) -> str:
    if algorithm not in ALGORITHMS:
        raise ValueError(f"unknown digest algorithm {algorithm!r}; known: {', '.join(ALGORITHMS)}")
    return hashlib.new(algorithm, data).hexdigest()


def digest_of(value: Any, algorithm: str) -> str:
    """``algorithm:hex`` of the canonical JSON of ``value``."""
    return f"{algorithm}:{hexdigest(canonical(value), algorithm)}"


def check_digest(value: Any, labelled: str) -> bool:
    """Whether ``labelled`` (``algorithm:hex``) is the digest of ``value``."""
    algorithm, _, _hex = labelled.partition(":")
    if algorithm not in ALGORITHMS:
        return False
    return digest_of(value, algorithm) == labelled


def file_sha256(path: Path) -> str:
    """SHA-256 of a file's bytes, read a MiB at a time: how imports and exports name a file."""
    digest = hashlib.sha256()
    with path.open("rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()
