"""Staff passwords: argon2id hashes (RFC 9106) through argon2-cffi, and the rules a new password
must meet.

The hash string carries its own parameters and salt, so the parameters can be raised later and
old hashes still verify (:func:`needs_rehash` says when to store a fresh one).

>>> stored = hash_password("correct horse battery staple")
>>> stored.startswith("$argon2id$")
True
>>> verify_password(stored, "correct horse battery staple")
True
>>> verify_password(stored, "Correct horse battery staple")
False
"""

from __future__ import annotations

from functools import cache

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError

from jointcredit.errors import InvalidInputError

MIN_LENGTH = 12
MAX_LENGTH = 256

# argon2-cffi's defaults follow RFC 9106's second recommended option (64 MiB, 3 passes).
_HASHER = PasswordHasher()


def check_policy(password: str, *, username: str | None = None) -> None:
    """Refuse a password that is too short, too long, or the username itself.

    >>> check_policy("short")
    Traceback (most recent call last):
    jointcredit.errors.InvalidInputError: password: at least 12 characters (this one has 5)
    """
    if len(password) < MIN_LENGTH:
        raise InvalidInputError(
            f"password: at least {MIN_LENGTH} characters (this one has {len(password)})"
        )
    if len(password) > MAX_LENGTH:
        raise InvalidInputError(f"password: at most {MAX_LENGTH} characters")
    if username and password.casefold() == username.casefold():
        raise InvalidInputError("password: must not be the username")
    if len(set(password)) < 4:
        raise InvalidInputError("password: uses fewer than 4 different characters")


def hash_password(password: str) -> str:
    return _HASHER.hash(password)


def verify_password(stored: str, password: str) -> bool:
    try:
        return _HASHER.verify(stored, password)
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        return False


def needs_rehash(stored: str) -> bool:
    return _HASHER.check_needs_rehash(stored)


@cache
def dummy_hash() -> str:
    """Verified against when the username is unknown, so that a wrong username costs as much
    time as a wrong password and the response time does not tell which usernames exist. Made
    on first use: hashing at import would slow every command's start by a full argon2 hash."""
    return _HASHER.hash("jointcredit: no such account")
