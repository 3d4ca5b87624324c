"""Limits on unauthenticated writes (issue 14): reports without a key and the two sign-in forms.

Each door has a limit per client address and one for all addresses together, counted in fixed
windows of ``JOINTCREDIT_THROTTLE_WINDOW_SECONDS`` in the database (``rate_counters``) or in
Redis (``JOINTCREDIT_REDIS_URL``), so that every worker process and every host counts together.

A request is first compared with the counts so far (a read): once an address — or everyone —
has reached its limit, further requests are refused without writing anything, so a flood costs
no more writes than the limit allows. Only a request that may pass raises the counters, and a
race of several that each saw room is settled by the counts the increment returns.
"""

from __future__ import annotations

import hashlib
import ipaddress
import math
import time
from dataclasses import dataclass

from sqlalchemy import Engine

from jointcredit.errors import ConfigurationError
from jointcredit.settings import get_settings
from jointcredit.store import throttle as store
from jointcredit.store.throttle import Counters

#: The doors, as the bucket names' first part.
REPORTS = "reports"
CONSOLE_SIGN_IN = "console-sign-in"
SELF_SERVICE_SIGN_IN = "me-sign-in"


@dataclass(frozen=True, slots=True)
class Rule:
    """A door's limits per window (0: none)."""

    door: str
    per_address: int
    overall: int


def rules() -> dict[str, Rule]:
    """Every door's rule from the settings."""
    s = get_settings()
    return {
        REPORTS: Rule(REPORTS, s.throttle_reports_per_address, s.throttle_reports_overall),
        CONSOLE_SIGN_IN: Rule(
            CONSOLE_SIGN_IN, s.throttle_sign_ins_per_address, s.throttle_sign_ins_overall
        ),
        SELF_SERVICE_SIGN_IN: Rule(
            SELF_SERVICE_SIGN_IN, s.throttle_sign_ins_per_address, s.throttle_sign_ins_overall
        ),
    }


def address_key(host: str | None) -> str:
    """A client address as the counters know it: a digest, so that the table holds no readable
    address, and of the whole /64 for IPv6, because one subscriber commonly holds a /64 and
    could otherwise take a fresh address for every request.

    >>> address_key("2001:db8::1") == address_key("2001:db8::ffff:1")
    True
    >>> address_key("192.0.2.1") == address_key("192.0.2.2")
    False
    """
    text = (host or "").strip()
    try:
        ip = ipaddress.ip_address(text)
    except ValueError:
        key = text or "unknown"
    else:
        if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
            key = str(ip.ipv4_mapped)
        elif isinstance(ip, ipaddress.IPv6Address):
            key = str(ipaddress.IPv6Network((ip, 64), strict=False))
        else:
            key = str(ip)
    return hashlib.sha256(key.encode()).hexdigest()[:32]


def admit(
    counters: Counters, rule: Rule, host: str | None, *, now: float | None = None
) -> int | None:
    """None when the request may pass (and is counted); else the seconds until the window
    ends, for ``Retry-After``."""
    window = get_settings().throttle_window_seconds
    moment = time.time() if now is None else now
    start = int(moment // window) * window
    retry_after = max(1, math.ceil(start + window - moment))
    buckets: list[str] = []
    limits: list[int] = []
    if rule.per_address:
        buckets.append(f"{rule.door}:{address_key(host)}")
        limits.append(rule.per_address)
    if rule.overall:
        buckets.append(f"{rule.door}:*")
        limits.append(rule.overall)
    if not buckets:
        return None
    seen = counters.peek(buckets, start)
    if any(count >= limit for count, limit in zip(seen, limits, strict=True)):
        return retry_after
    # Kept two windows: the current one and the one a slow request may still count in.
    counted = counters.hit(buckets, start, 2 * window)
    if any(count > limit for count, limit in zip(counted, limits, strict=True)):
        return retry_after
    return None


def check_backend() -> None:
    """Refuse a Redis setting that cannot work when the service starts, not at the first
    report: :class:`ConfigurationError` names it."""
    url = get_settings().redis_url
    if url:
        _redis(url)


def _redis(url: str) -> object:
    try:
        return store.redis_client(url)
    except ImportError as exc:
        raise ConfigurationError(
            "JOINTCREDIT_REDIS_URL is set but the redis package is missing: install "
            "jointcredit[redis]"
        ) from exc
    except ValueError as exc:
        raise ConfigurationError(f"JOINTCREDIT_REDIS_URL: {exc}") from exc


def counters(engine: Engine) -> Counters:
    """Where this process counts: Redis when ``JOINTCREDIT_REDIS_URL`` is set (falling back on
    the database while it does not answer), else the database."""
    database = store.DatabaseCounters(engine)
    url = get_settings().redis_url
    if not url:
        return database
    return store.RedisCounters(_redis(url), database)


__all__ = [
    "CONSOLE_SIGN_IN",
    "REPORTS",
    "SELF_SERVICE_SIGN_IN",
    "Rule",
    "address_key",
    "admit",
    "check_backend",
    "counters",
    "rules",
]
