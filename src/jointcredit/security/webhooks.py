"""Signing webhook deliveries (HMAC-SHA256), and verifying them as a receiver does.

The signed text is ``f"{timestamp}.{body}"``: the timestamp (unix seconds, also sent as
``X-JointCredit-Timestamp``) is inside the signature, so a receiver that refuses old timestamps
cannot be fed a recorded delivery again later. The key is the subscription's secret as the
platform showed it (its UTF-8 text, not decoded).

>>> secret = "c2VjcmV0LXNlY3JldC1zZWNyZXQtc2VjcmV0LXNlY3I"
>>> body = b'{"id":1,"event":"entry.listed"}'
>>> signature = sign(secret, 1767225600, body)
>>> signature[:7], len(signature)
('sha256=', 71)
>>> verify(secret, "1767225600", body, signature, now=1767225700)
True
>>> verify(secret, "1767225600", body + b" ", signature, now=1767225700)
False
>>> verify(secret, "1767225600", body, signature, now=1767229200)  # an hour later: a replay
False
>>> verify("another", "1767225600", body, signature, now=1767225700)
False
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import os
import time

#: Seconds a receiver should accept between the timestamp and its own clock, either way.
TOLERANCE_SECONDS = 300
PREFIX = "sha256="


def new_secret() -> str:
    """32 random bytes, URL-safe base64 without padding (43 characters)."""
    return base64.urlsafe_b64encode(os.urandom(32)).rstrip(b"=").decode()


def sign(secret: str, timestamp: int, body: bytes) -> str:
    """``sha256=<hex HMAC-SHA256(secret, f"{timestamp}.{body}")>``."""
    mac = hmac.new(secret.encode(), str(timestamp).encode() + b"." + body, hashlib.sha256)
    return PREFIX + mac.hexdigest()


def verify(
    secret: str,
    timestamp: str,
    body: bytes,
    signature: str,
    *,
    now: float | None = None,
    tolerance: float = TOLERANCE_SECONDS,
) -> bool:
    """Whether ``signature`` (the ``X-JointCredit-Signature`` header) signs ``body`` at
    ``timestamp`` (the ``X-JointCredit-Timestamp`` header) with ``secret``, and the timestamp is
    within ``tolerance`` seconds of ``now``."""
    try:
        moment = int(timestamp)
    except ValueError:
        return False
    current = time.time() if now is None else now
    if abs(current - moment) > tolerance:
        return False
    # Constant time: a receiver comparing byte by byte would leak how much of a guess is right.
    return hmac.compare_digest(sign(secret, moment, body), signature.strip())
