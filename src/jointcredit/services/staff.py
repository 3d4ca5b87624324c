"""Department staff accounts and their console sessions: sign-in, sign-out, session look-up.

A staff member signs in with a username and password (argon2id); the console keeps a session
whose random token travels in a cookie and whose SHA-256 alone is stored. A session acts as
``Principal(role, department, name=username)``, so every permission and four-eyes rule of the
services applies to console users exactly as to API keys, and the audit log names the person.

Sessions end on sign-out, after ``JOINTCREDIT_WEB_SESSION_IDLE_MINUTES`` without a request, after
``JOINTCREDIT_WEB_SESSION_MAX_HOURS`` in all, when the account is disabled or its password
changed. Too many wrong passwords in a row from one client address lock the account for that
address only, for a while: a stranger elsewhere cannot lock a member out (the throttle of the
sign-in form per address and overall, :mod:`jointcredit.services.throttle`, bounds the rest).
An unknown username costs the same time as a wrong password, and both get the same message.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Engine

from jointcredit.access import Principal, require
from jointcredit.clock import now as clock_now
from jointcredit.clock import utc
from jointcredit.errors import AuthenticationError, InvalidInputError, NotFoundError
from jointcredit.security import passwords, tokens
from jointcredit.services import audit, throttle
from jointcredit.services.keys import check_role_and_department
from jointcredit.settings import get_settings
from jointcredit.store import staff as store
from jointcredit.store import throttle as counters
from jointcredit.store.db import write_transaction

USERNAME = re.compile(r"^[a-z0-9][a-z0-9._-]{1,63}$")
#: The one answer to a failed sign-in, whatever failed: it must not tell which usernames exist.
SIGN_IN_FAILED = "wrong username or password, or the account is locked or disabled"
#: Counters (``rate_counters``) of wrong passwords per account and client address.
FAILURES = "sign-in-failed:staff:"


def _failures(account_id: int, address: str | None = None) -> str:
    """The counter of wrong passwords for an account from one address (``None``: the whole
    account's prefix)."""
    prefix = f"{FAILURES}{account_id}:"
    return prefix if address is None else prefix + throttle.address_key(address)


@dataclass(frozen=True, slots=True)
class StaffSession:
    """A live console session: who, and the token forms must carry (CSRF)."""

    id: int
    account_id: int
    username: str
    display_name: str | None
    department: str
    role: str
    csrf_token: str
    expires_at: dt.datetime

    @property
    def principal(self) -> Principal:
        return Principal(self.role, self.department, name=self.username)


@dataclass(frozen=True, slots=True)
class SignedIn:
    token: str
    session: StaffSession


def _public(row: Any) -> dict[str, Any]:
    out = {k: utc(v) for k, v in dict(row).items() if k != "password_hash"}
    for key, value in out.items():
        if isinstance(value, dt.datetime):
            out[key] = value.isoformat()
    return out


def create(
    engine: Engine,
    *,
    username: str,
    password: str,
    department: str,
    role: str,
    display_name: str | None = None,
    by: Principal,
) -> dict[str, Any]:
    """A new staff account (the operator, or an admin for its own department, makes them)."""
    require(by, "manage-keys")
    if not USERNAME.match(username):
        raise InvalidInputError(
            f"username {username!r}: 2–64 characters, lower-case letters, digits, '.', '_' "
            "or '-', starting with a letter or digit"
        )
    check_role_and_department(role, department)
    require(by, "manage-keys", department)
    passwords.check_policy(password, username=username)
    now = clock_now()
    with write_transaction(engine) as conn:
        if store.by_username(conn, username) is not None:
            raise InvalidInputError(f"username {username!r} is taken")
        account_id = store.add(
            conn,
            {
                "username": username,
                "display_name": display_name,
                "department": department,
                "role": role,
                "password_hash": passwords.hash_password(password),
                "active": True,
                "failed_logins": 0,
                "created_at": now,
                "password_changed_at": now,
            },
        )
        audit.append(
            conn,
            by,
            "staff-create",
            detail={
                "account": account_id,
                "username": username,
                "role": role,
                "for_department": department,
            },
        )
        return _public(store.by_id(conn, account_id))


def listed(engine: Engine, *, by: Principal, department: str | None = None) -> list[dict[str, Any]]:
    require(by, "manage-keys", department)
    # An admin sees its own department's accounts only.
    department = by.department or department
    with engine.connect() as conn:
        return [_public(r) for r in store.listed(conn, department)]


def _account(conn: Any, username: str) -> Any:
    row = store.by_username(conn, username)
    if row is None:
        raise NotFoundError(f"no staff account {username!r}")
    return row


def set_active(engine: Engine, username: str, active: bool, *, by: Principal) -> dict[str, Any]:
    """Disable (ending every session at once) or enable an account."""
    require(by, "manage-keys")
    now = clock_now()
    with write_transaction(engine) as conn:
        row = _account(conn, username)
        require(by, "manage-keys", row["department"])
        store.change(conn, row["id"], active=active, failed_logins=0, locked_until=None)
        counters.clear(conn, _failures(row["id"]), prefix=True)
        ended = 0 if active else store.end_sessions_of(conn, row["id"], now)
        audit.append(
            conn,
            by,
            "staff-enable" if active else "staff-disable",
            detail={"account": row["id"], "username": username, "sessions_ended": ended},
        )
        return _public(store.by_id(conn, row["id"]))


def set_password(engine: Engine, username: str, password: str, *, by: Principal) -> dict[str, Any]:
    """A new password; every session of the account ends."""
    require(by, "manage-keys")
    passwords.check_policy(password, username=username)
    now = clock_now()
    with write_transaction(engine) as conn:
        row = _account(conn, username)
        require(by, "manage-keys", row["department"])
        store.change(
            conn,
            row["id"],
            password_hash=passwords.hash_password(password),
            password_changed_at=now,
            failed_logins=0,
            locked_until=None,
        )
        counters.clear(conn, _failures(row["id"]), prefix=True)
        ended = store.end_sessions_of(conn, row["id"], now)
        audit.append(
            conn,
            by,
            "staff-password",
            detail={"account": row["id"], "username": username, "sessions_ended": ended},
        )
        return _public(store.by_id(conn, row["id"]))


def sign_in(
    engine: Engine,
    username: str,
    password: str,
    *,
    user_agent: str | None = None,
    address: str | None = None,
) -> SignedIn:
    """Check the password and open a session; :class:`AuthenticationError` otherwise.
    ``address``: the client's, whose wrong passwords lock the account for it alone."""
    with write_transaction(engine) as conn:
        # A failed attempt is raised only after its transaction has committed: the failure
        # count and the audit row must stay.
        signed = _attempt(conn, username.strip().lower(), password, user_agent, address)
    if signed is None:
        raise AuthenticationError(SIGN_IN_FAILED)
    return signed


def _attempt(
    conn: Any, username: str, password: str, user_agent: str | None, address: str | None
) -> SignedIn | None:
    settings = get_settings()
    now = clock_now()
    row = store.by_username(conn, username)
    if row is None:
        passwords.verify_password(passwords.dummy_hash(), password)
        audit.append(
            conn,
            Principal("public"),
            "staff-sign-in-failed",
            detail={"username": username[:64], "why": "unknown"},
        )
        return None
    # Locked for this address while it has made too many wrong guesses within the lock-out
    # time: the account itself stays open to its owner elsewhere.
    pair = _failures(row["id"], address)
    second = int(now.timestamp())
    since = second - settings.web_login_lockout_minutes * 60
    failures = counters.hits_since(conn, pair, since)
    locked = failures >= settings.web_login_max_failures
    ok = passwords.verify_password(row["password_hash"], password)
    who = Principal(row["role"], row["department"], name=row["username"])
    if not row["active"] or locked or not ok:
        why = "disabled" if not row["active"] else "locked" if locked else "password"
        if why == "password":
            counters.purge(conn, FAILURES, since + 1)
            counters.hit(conn, pair, second)
            failures += 1
        audit.append(
            conn,
            who,
            "staff-sign-in-failed",
            detail={
                "account": row["id"],
                "why": why,
                "locked": why == "password" and failures >= settings.web_login_max_failures,
            },
        )
        return None
    counters.clear(conn, pair)
    changes: dict[str, Any] = {"failed_logins": 0, "locked_until": None, "last_login_at": now}
    if passwords.needs_rehash(row["password_hash"]):
        changes["password_hash"] = passwords.hash_password(password)
    store.change(conn, row["id"], **changes)
    token = tokens.new_token()
    csrf = tokens.new_token()
    expires = now + dt.timedelta(hours=settings.web_session_max_hours)
    session_id = store.open_session(
        conn,
        {
            "token_hash": tokens.digest(token),
            "account_id": row["id"],
            "csrf_token": csrf,
            "created_at": now,
            "last_seen_at": now,
            "expires_at": expires,
            "user_agent": (user_agent or "")[:300] or None,
        },
    )
    audit.append(conn, who, "staff-sign-in", detail={"account": row["id"], "session": session_id})
    return SignedIn(
        token,
        StaffSession(
            session_id,
            row["id"],
            row["username"],
            row["display_name"],
            row["department"],
            row["role"],
            csrf,
            expires,
        ),
    )


def session_of(engine: Engine, token: str | None) -> StaffSession | None:
    """The live session a cookie's token opens, or None (unknown, ended, idle, expired,
    account disabled). A live session's idle clock restarts."""
    if not token or len(token) > 100:
        return None
    now = clock_now()
    with engine.connect() as conn:
        row = store.live_session(conn, tokens.digest(token))
    if row is None or row["ended_at"] is not None:
        return None
    step = tokens.lapse(utc(row["last_seen_at"]), utc(row["expires_at"]), now)
    if step == "end" or not row["active"]:
        with write_transaction(engine) as conn:
            store.end_session(conn, row["id"], now)
        return None
    if step == "touch":
        with write_transaction(engine) as conn:
            store.touch_session(conn, row["id"], now)
    return StaffSession(
        row["id"],
        row["account_id"],
        row["username"],
        row["display_name"],
        row["department"],
        row["role"],
        row["csrf_token"],
        utc(row["expires_at"]),
    )


def csrf_ok(session: StaffSession, submitted: str | None) -> bool:
    """Whether a form carries its session's token (compared in constant time)."""
    return tokens.matches(session.csrf_token, submitted)


def sign_out(engine: Engine, session: StaffSession) -> None:
    with write_transaction(engine) as conn:
        store.end_session(conn, session.id, clock_now())
        audit.append(conn, session.principal, "staff-sign-out", detail={"session": session.id})
