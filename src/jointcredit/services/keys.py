"""Departments' API keys: created, listed, rotated and revoked; the secret is kept as a hash.

A key reads ``jc_<prefix>_<secret>``. The prefix finds the row and is safe to show; the secret
has 256 bits of entropy, so one SHA-256 of the whole key is a sound verifier (a slow password
hash would only slow every request down without making a random key any harder to guess).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import secrets
import time
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Engine

from jointcredit.access import Principal, require
from jointcredit.clock import utc
from jointcredit.errors import AuthenticationError, InvalidInputError, NotFoundError
from jointcredit.services import audit
from jointcredit.settings import get_settings
from jointcredit.store import keys as store
from jointcredit.store.db import write_transaction
from jointcredit.store.tables import ROLES


@dataclass(frozen=True, slots=True)
class IssuedKey:
    id: int
    key: str
    prefix: str
    department: str
    role: str
    name: str | None

    def to_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "key": self.key,
            "prefix": self.prefix,
            "department": self.department,
            "role": self.role,
            "name": self.name,
        }


def _hash(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


def check_role_and_department(role: str, department: str) -> None:
    """Refuse a role that is not one of ROLES, or a department that is not a current one of
    the catalog (for API keys and staff accounts alike)."""
    from jointcredit.services.departments import require_current

    if role not in ROLES:
        raise InvalidInputError(f"role {role!r} is not one of {', '.join(ROLES)}")
    require_current(department)


def create(
    engine: Engine,
    *,
    department: str,
    role: str,
    name: str | None = None,
    by: Principal,
) -> IssuedKey:
    require(by, "manage-keys")
    check_role_and_department(role, department)
    require(by, "manage-keys", department)
    with write_transaction(engine) as conn:
        issued = _insert(conn, department, role, name)
        audit.append(
            conn,
            by,
            "key-create",
            detail={"key": issued.id, "role": role, "for_department": department},
        )
    return issued


def _insert(conn: Any, department: str, role: str, name: str | None) -> IssuedKey:
    prefix = secrets.token_hex(6)
    key = f"jc_{prefix}_{secrets.token_urlsafe(32)}"
    key_id = store.add(
        conn,
        {
            "prefix": prefix,
            "secret_hash": _hash(key),
            "department": department,
            "role": role,
            "name": name,
            "created_at": dt.datetime.now(dt.UTC),
        },
    )
    return IssuedKey(key_id, key, prefix, department, role, name)


def listed(engine: Engine, *, by: Principal, include_revoked: bool = True) -> list[dict[str, Any]]:
    """Every key (the operator), or the keys of the admin's own department."""
    require(by, "manage-keys")
    with engine.connect() as conn:
        rows = store.listed(conn, include_revoked=include_revoked, department=by.department)
        return [_public(r) for r in rows]


def _public(row: Any) -> dict[str, Any]:
    out = dict(row)
    for k in ("created_at", "revoked_at"):
        if out[k] is not None:
            out[k] = utc(out[k]).isoformat()
    out["active"] = row["revoked_at"] is None
    return out


def revoke(engine: Engine, key_id: int, *, by: Principal) -> dict[str, Any]:
    require(by, "manage-keys")
    with write_transaction(engine) as conn:
        row = store.get(conn, key_id)
        if row is None:
            raise NotFoundError(f"no API key with id {key_id}")
        require(by, "manage-keys", row["department"])
        store.revoke(conn, key_id, dt.datetime.now(dt.UTC))
        audit.append(conn, by, "key-revoke", detail={"key": key_id})
        forget_recent()
        return _public(store.get(conn, key_id))


def rotate(engine: Engine, key_id: int, *, by: Principal) -> IssuedKey:
    """A new key for the same department, role and name; the old one is revoked at once."""
    require(by, "manage-keys")
    with write_transaction(engine) as conn:
        row = store.get(conn, key_id)
        if row is None:
            raise NotFoundError(f"no API key with id {key_id}")
        require(by, "manage-keys", row["department"])
        if row["revoked_at"] is not None:
            raise InvalidInputError(f"API key {key_id} is revoked; create a new one instead")
        issued = _insert(conn, row["department"], row["role"], row["name"])
        store.revoke(conn, key_id, dt.datetime.now(dt.UTC), replaced_by=issued.id)
        audit.append(conn, by, "key-rotate", detail={"key": key_id, "new_key": issued.id})
        forget_recent()
    return issued


#: digest of a presented key → (principal, monotonic expiry). Only keys that were valid are
#: kept: a wrong key always costs a database look-up, a right one at most every few seconds.
_recent: dict[str, tuple[Principal, float]] = {}
_RECENT_MAX = 10_000


def forget_recent() -> None:
    """Drop every remembered key (after a revocation in this process, and in tests)."""
    _recent.clear()


def remembered(key: str) -> Principal | None:
    """The principal of ``key`` if it was valid within the cache period; no database access."""
    found = _recent.get(_hash(key))
    if found is not None and found[1] > time.monotonic():
        return found[0]
    return None


def authenticate(engine: Engine, key: str) -> Principal:
    """The principal of a presented key; an unknown, malformed or revoked key is refused alike,
    so a caller learns nothing about which keys exist.

    A valid key is remembered for JOINTCREDIT_API_KEY_CACHE_SECONDS, so that a busy
    department's system does not cost a query per request; a key revoked in another process
    (the CLI) is refused at the latest that long after. Revocation through this process's
    API takes effect at once.
    """
    digest = _hash(key)
    now = time.monotonic()
    found = _recent.get(digest)
    if found is not None and found[1] > now:
        return found[0]
    principal = _authenticate(engine, key, digest)
    ttl = get_settings().api_key_cache_seconds
    if ttl > 0:
        if len(_recent) >= _RECENT_MAX:
            _recent.clear()
        _recent[digest] = (principal, now + ttl)
    return principal


def _authenticate(engine: Engine, key: str, digest: str) -> Principal:
    parts = key.split("_", 2)
    if len(parts) != 3 or parts[0] != "jc":
        raise AuthenticationError("invalid API key")
    with engine.connect() as conn:
        row = store.by_prefix(conn, parts[1])
    if (
        row is None
        or not hmac.compare_digest(row["secret_hash"], digest)
        or row["revoked_at"] is not None
    ):
        raise AuthenticationError("invalid or revoked API key")
    return Principal(row["role"], row["department"], row["id"])
