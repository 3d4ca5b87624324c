"""Session tokens of the web (console and self-service): made, stored, compared and lapsed one
way.

A session's cookie carries a random token; the database keeps only its SHA-256, so a copy of
the database opens no session. Form tokens (CSRF) are compared in constant time, and an empty
one never matches.

>>> matches("abc", "abc"), matches("abc", "abd"), matches("", ""), matches("abc", None)
(True, False, False, False)
>>> len(digest(new_token()))
64
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import secrets
from typing import Literal

from jointcredit.settings import get_settings

#: A live session's last-seen time is written at most this often: writing on every request
#: would make each page view a write; a minute's precision will do.
TOUCH_EVERY = dt.timedelta(minutes=1)


def new_token() -> str:
    """256 random bits, URL-safe."""
    return secrets.token_urlsafe(32)


def digest(token: str) -> str:
    """What the database keeps of a session token."""
    return hashlib.sha256(token.encode()).hexdigest()


def matches(expected: str | None, submitted: str | None) -> bool:
    """Whether ``submitted`` is ``expected`` (constant time; empty or missing never is)."""
    return bool(expected and submitted) and hmac.compare_digest(expected or "", submitted or "")


def lapse(
    last_seen: dt.datetime, expires_at: dt.datetime, now: dt.datetime
) -> Literal["end", "touch", "keep"]:
    """What a session found by its token needs now: ``end`` (idle longer than
    ``JOINTCREDIT_WEB_SESSION_IDLE_MINUTES`` or past its absolute end), ``touch`` (live; its
    last-seen time is to be written) or ``keep`` (live, seen within the minute)."""
    idle = dt.timedelta(minutes=get_settings().web_session_idle_minutes)
    if now - last_seen > idle or expires_at <= now:
        return "end"
    return "touch" if now - last_seen > TOUCH_EVERY else "keep"


__all__ = ["TOUCH_EVERY", "digest", "lapse", "matches", "new_token"]
