"""Session tokens of the web (console and self-service): made, stored and compared one way.

A session's cookie carries a random token; the database keeps only its SHA-256, so a copy of
the database opens no session. Form tokens (CSRF) are compared in constant time, and an empty
one never matches.

>>> matches("abc", "abc"), matches("abc", "abd"), matches("", ""), matches("abc", None)
(True, False, False, False)
>>> len(digest(new_token()))
64
"""

from __future__ import annotations

import hashlib
import hmac
import secrets


def new_token() -> str:
    """256 random bits, URL-safe."""
    return secrets.token_urlsafe(32)


def digest(token: str) -> str:
    """What the database keeps of a session token."""
    return hashlib.sha256(token.encode()).hexdigest()


def matches(expected: str | None, submitted: str | None) -> bool:
    """Whether ``submitted`` is ``expected`` (constant time; empty or missing never is)."""
    return bool(expected and submitted) and hmac.compare_digest(expected or "", submitted or "")


__all__ = ["digest", "matches", "new_token"]
