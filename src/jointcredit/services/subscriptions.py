"""Webhook subscriptions: a department registers one URL where the platform pushes its messages.

The platform makes the HMAC secret (32 random bytes, URL-safe base64) and shows it once, in the
answer that creates or rotates it. It must sign with it later, so it cannot keep only a hash:
it keeps the secret sealed (AES-256-GCM) under a key file of its own
(JOINTCREDIT_WEBHOOK_KEY_FILE), bound to the department, never in a log or the audit detail.

Only messages written after a department subscribes are pushed to its webhook; the older ones
stay in its feed (``GET /api/v1/feed``), which holds every message whatever its delivery.
"""

from __future__ import annotations

import datetime as dt
import ipaddress
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from sqlalchemy import Engine

from jointcredit.access import Principal, require
from jointcredit.clock import now as clock_now
from jointcredit.errors import InvalidInputError, NotFoundError
from jointcredit.security.sealing import SealingKey
from jointcredit.security.webhooks import new_secret
from jointcredit.services import audit
from jointcredit.settings import get_settings
from jointcredit.store import messages as outbox
from jointcredit.store import subscriptions as store
from jointcredit.store.db import write_transaction

URL_MAX = 1000


def key_path() -> Path:
    settings = get_settings()
    return settings.webhook_key_file or settings.keys_dir() / "webhook-secrets.key"


@cache
def _sealer(path: Path) -> SealingKey:
    return SealingKey.from_file(path)


def sealer() -> SealingKey:
    return _sealer(key_path())


def _context(department: str) -> bytes:
    # Bound to the department: a sealed secret copied to another department's row fails to open.
    return f"webhook|{department}".encode()


def open_secret(department: str, sealed: str) -> str:
    secret: str = sealer().open(sealed, _context(department))
    return secret


def validate_url(url: str) -> str:
    """An absolute http(s) URL with a host, no credentials, no fragment.

    >>> validate_url("https://hooks.example.cn/jointcredit")
    'https://hooks.example.cn/jointcredit'
    >>> validate_url("ftp://example.cn/x")
    Traceback (most recent call last):
    ...
    jointcredit.errors.InvalidInputError: url: 'ftp://example.cn/x' must start with http:// or https://
    """
    url = url.strip()
    if not url or len(url) > URL_MAX:
        raise InvalidInputError(f"url: give a URL of 1 to {URL_MAX} characters")
    if any(c.isspace() or ord(c) < 32 for c in url):
        raise InvalidInputError("url: must not contain spaces or control characters")
    try:
        parts = urlsplit(url)
        port = parts.port  # raises on a port that is not a number or out of range
    except ValueError as exc:
        raise InvalidInputError(f"url: {url!r} is not a valid URL: {exc}") from None
    if parts.scheme not in ("http", "https"):
        raise InvalidInputError(f"url: {url!r} must start with http:// or https://")
    if not parts.hostname:
        raise InvalidInputError(f"url: {url!r} names no host")
    if parts.username is not None or parts.password is not None:
        raise InvalidInputError("url: must not contain a user name or password")
    if parts.fragment:
        raise InvalidInputError(f"url: {url!r} must not have a #fragment")
    del port
    return url


def _is_loopback(url: str) -> bool:
    host = urlsplit(url).hostname or ""
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def _check_department(department: str) -> None:
    from jointcredit.services.departments import require_current

    require_current(department)


def _check_list_types(list_types: list[str]) -> list[str]:
    from jointcredit.catalog import load_catalog

    known = load_catalog().list_types
    unknown = [t for t in list_types if t not in known]
    if unknown:
        raise InvalidInputError(
            f"list_types: {', '.join(map(repr, unknown))} not in the catalog's list types"
        )
    return sorted(set(list_types))


def _require(by: Principal, department: str) -> None:
    # An implementer or an admin manages its own department's subscription only.
    require(by, "manage-subscription", department)


def _stamp(value: Any) -> str | None:
    if value is None:
        return None
    if value.tzinfo is None:
        value = value.replace(tzinfo=dt.UTC)
    return str(value.isoformat())


def shown(row: Any) -> dict[str, Any]:
    """A subscription as it is shown: never with its secret."""
    return {
        "department": row["department"],
        "url": row["url"],
        "list_types": list(row["list_types"] or []),
        "active": bool(row["active"]),
        "created_at": _stamp(row["created_at"]),
        "updated_at": _stamp(row["updated_at"]),
    }


@dataclass(frozen=True, slots=True)
class Subscribed:
    subscription: dict[str, Any]
    #: The secret, when this call made one: shown this once.
    secret: str | None
    created: bool

    def to_dict(self) -> dict[str, Any]:
        return {
            **self.subscription,
            "secret": self.secret,
            "created": self.created,
            "warnings": warnings(self.subscription["url"]),
        }


def subscribe(
    engine: Engine,
    department: str,
    url: str,
    *,
    by: Principal,
    list_types: list[str] | None = None,
    rotate_secret: bool = False,
) -> Subscribed:
    """Create the department's subscription (with a new secret), or change its URL and list
    types (a new secret only with ``rotate_secret``, or when it had been unsubscribed)."""
    _require(by, department)
    _check_department(department)
    url = validate_url(url)
    types = _check_list_types(list_types or [])
    now = clock_now()
    with write_transaction(engine) as conn:
        found = store.get(conn, department, for_update=True)
        secret = None
        if found is None or rotate_secret or not found["active"]:
            secret = new_secret()
        values: dict[str, Any] = {
            "url": url,
            "list_types": types,
            "active": True,
            "updated_at": now,
        }
        if secret is not None:
            values["secret_ciphertext"] = sealer().seal(secret, _context(department))
        if found is None:
            store.add(conn, {"department": department, "created_at": now, **values})
        else:
            store.change(conn, department, values)
        row = store.get(conn, department)
        assert row is not None
        audit.append(
            conn,
            by,
            "subscribe" if found is None else "change-subscription",
            detail={
                "for_department": department,
                "url": url,
                "list_types": types,
                "new_secret": secret is not None,
            },
        )
    return Subscribed(shown(row), secret, found is None)


def get(engine: Engine, department: str, *, by: Principal) -> dict[str, Any]:
    _require(by, department)
    with engine.connect() as conn:
        row = store.get(conn, department)
    if row is None:
        raise NotFoundError(f"department {department} has no webhook subscription")
    return shown(row)


def unsubscribe(engine: Engine, department: str, *, by: Principal) -> dict[str, Any]:
    """Stop the webhook: undelivered messages stay in the feed only. Returns the subscription
    (inactive) and how many messages went to the feed."""
    _require(by, department)
    now = clock_now()
    with write_transaction(engine) as conn:
        if not store.deactivate(conn, department, now):
            raise NotFoundError(f"department {department} has no active webhook subscription")
        moved = outbox.to_feed(conn, department)
        row = store.get(conn, department)
        assert row is not None
        audit.append(
            conn,
            by,
            "unsubscribe",
            detail={"for_department": department, "to_feed": moved},
        )
    return {**shown(row), "moved_to_feed": moved}


def warnings(url: str) -> list[str]:
    """What an operator should hear about a URL that is valid but risky."""
    if urlsplit(url).scheme == "http" and not _is_loopback(url):
        return [
            "the URL is plain http: messages (with subjects' identifiers) travel unencrypted; "
            "use https outside a closed network"
        ]
    return []
