"""Self-service for subjects (33号 §21–§22): an organisation or person, once authenticated, sees
its full record and who looked it up for which matter, files objections and repair applications
and follows them.

**Authentication is pluggable.** China has several ways to establish that someone is a subject:
the national government-service platform's unified identity authentication, electronic business
licences, a legal representative's face check. None of them can run here, so the step is an
interface: an :class:`Authenticator` says which fields it asks for and turns the answers into the
subject's identifier, or refuses. ``JOINTCREDIT_SELF_SERVICE_AUTHENTICATOR`` names it:

- empty (the default): self-service is switched off;
- ``demo``: :class:`DemoAuthenticator` — the identifier and a six-character code that
  ``jointcredit selfservice demo-code IDENTIFIER`` prints (an HMAC of the identifier under a key
  of this installation). For demonstrations only: whoever runs the CLI can act as any subject;
- ``package.module:factory``: a callable returning an :class:`Authenticator` — the hook for a real
  identity provider.

A signed-in subject acts as ``Principal("subject", name=IDENTIFIER)``: the objection and repair
services let it act on its own records only, and answer "not found" for anyone else's.

**Sessions.** The web pages at ``/me`` keep a signed-in subject in a session
(:func:`open_session`, :func:`session_of`, :func:`sign_out`), like the console keeps staff: a
random token travels in a cookie and only its SHA-256 is stored; the session ends on sign-out,
after ``JOINTCREDIT_WEB_SESSION_IDLE_MINUTES`` without a request or after
``JOINTCREDIT_WEB_SESSION_MAX_HOURS`` in all; every form carries its CSRF token.
"""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import hmac
import importlib
import secrets
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol, runtime_checkable

from sqlalchemy import Engine

from jointcredit.access import Principal, require, subject_principal
from jointcredit.clock import now as clock_now
from jointcredit.clock import utc
from jointcredit.errors import AuthenticationError, ConfigurationError, NotFoundError
from jointcredit.identifiers.normalize import normalize
from jointcredit.security import tokens
from jointcredit.security.keyfiles import read_or_create
from jointcredit.services import audit, objections, repairs
from jointcredit.services.subjects import record_for_subject
from jointcredit.settings import get_settings
from jointcredit.store import records, subjects
from jointcredit.store import subject_sessions as sessions_store
from jointcredit.store.db import write_transaction

#: One answer for every failed self-service sign-in: it must not tell which subjects exist.
SIGN_IN_FAILED = "the identifier and the answers do not match"


@dataclass(frozen=True, slots=True)
class Question:
    """One field the authenticator asks for (the web form renders them)."""

    name: str
    label_zh: str
    label_en: str
    secret: bool = False


@runtime_checkable
class Authenticator(Protocol):
    name: str

    def questions(self) -> list[Question]: ...

    def authenticate(self, answers: Mapping[str, str]) -> str:
        """The subject's identifier, or :class:`AuthenticationError`."""
        ...


class DemoAuthenticator:
    """Identifier plus a code derived from it under this installation's demo key."""

    name = "demo"

    def __init__(self, key: bytes) -> None:
        self._key = key

    def code(self, identifier: str) -> str:
        mac = hmac.new(self._key, normalize(identifier).encode(), hashlib.sha256).digest()
        return base64.b32encode(mac)[:6].decode()

    def questions(self) -> list[Question]:
        return [
            Question("identifier", "统一社会信用代码或身份证号码", "Credit code or ID number"),
            Question("code", "演示验证码", "Demo code", secret=True),
        ]

    def authenticate(self, answers: Mapping[str, str]) -> str:
        identifier = normalize(answers.get("identifier", "") or "")
        given = (answers.get("code", "") or "").strip().upper()
        if not identifier or not hmac.compare_digest(self.code(identifier), given):
            raise AuthenticationError(SIGN_IN_FAILED)
        return identifier


def demo_key_path() -> Path:
    return get_settings().keys_dir() / "selfservice-demo.key"


def demo_authenticator() -> DemoAuthenticator:
    key = read_or_create(demo_key_path(), lambda: base64.b64encode(secrets.token_bytes(32)))
    return DemoAuthenticator(base64.b64decode(key))


def authenticator() -> Authenticator | None:
    """The configured authenticator, or None when self-service is off."""
    spec = get_settings().self_service_authenticator.strip()
    if not spec:
        return None
    if spec == "demo":
        return demo_authenticator()
    module_name, _, factory_name = spec.partition(":")
    try:
        factory = getattr(importlib.import_module(module_name), factory_name)
        made = factory()
    except (ImportError, AttributeError, ValueError) as exc:
        raise ConfigurationError(
            f"JOINTCREDIT_SELF_SERVICE_AUTHENTICATOR={spec!r}: cannot load it ({exc}); give "
            "'demo' or 'package.module:factory'"
        ) from exc
    if not isinstance(made, Authenticator):
        raise ConfigurationError(
            f"JOINTCREDIT_SELF_SERVICE_AUTHENTICATOR={spec!r} did not make an authenticator "
            "(it needs name, questions() and authenticate(answers))"
        )
    return made


def _authenticate(engine: Engine, answers: Mapping[str, str]) -> tuple[str, str]:
    """(identifier, method name) of the subject the answers authenticate; a failure is audited
    and raised as :class:`AuthenticationError` with the one message for every failure."""
    method = authenticator()
    if method is None:
        raise AuthenticationError("self-service is switched off on this platform")
    try:
        identifier = method.authenticate(answers)
        with engine.connect() as conn:
            known = subjects.find_subject(conn, identifier)
        # The subject's own identifier: every objection and repair is filed under it.
        if known is None or known["identifier"] != identifier:
            raise AuthenticationError(SIGN_IN_FAILED)
    except AuthenticationError:
        with write_transaction(engine) as conn:
            audit.append(
                conn,
                Principal("public"),
                "subject-sign-in-failed",
                detail={"method": method.name},
            )
        raise
    return identifier, method.name


def sign_in(engine: Engine, answers: Mapping[str, str]) -> Principal:
    """The subject the answers authenticate, as a principal; audited either way."""
    identifier, method = _authenticate(engine, answers)
    by = subject_principal(identifier)
    with write_transaction(engine) as conn:
        audit.append(conn, by, "subject-sign-in", subject=identifier, detail={"method": method})
    return by


# -- sessions of the web pages (/me) -------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class SubjectSession:
    """A live self-service session: which subject, how it signed in, the token forms carry."""

    id: int
    subject: str
    method: str
    csrf_token: str
    expires_at: dt.datetime

    @property
    def principal(self) -> Principal:
        return subject_principal(self.subject)


@dataclass(frozen=True, slots=True)
class SubjectSignedIn:
    token: str
    session: SubjectSession


def open_session(
    engine: Engine, answers: Mapping[str, str], *, user_agent: str | None = None
) -> SubjectSignedIn:
    """Sign in (as :func:`sign_in`, audited either way) and open a session; its token is
    returned once, only its SHA-256 is kept."""
    identifier, method = _authenticate(engine, answers)
    now = clock_now()
    token = tokens.new_token()
    csrf = tokens.new_token()
    expires = now + dt.timedelta(hours=get_settings().web_session_max_hours)
    by = subject_principal(identifier)
    with write_transaction(engine) as conn:
        session_id = sessions_store.open_session(
            conn,
            {
                "token_hash": tokens.digest(token),
                "subject": identifier,
                "csrf_token": csrf,
                "created_at": now,
                "last_seen_at": now,
                "expires_at": expires,
                "method": method[:64],
                "user_agent": (user_agent or "")[:300] or None,
            },
        )
        audit.append(
            conn,
            by,
            "subject-sign-in",
            subject=identifier,
            detail={"method": method, "session": session_id},
        )
    return SubjectSignedIn(token, SubjectSession(session_id, identifier, method, csrf, expires))


def session_of(engine: Engine, token: str | None) -> SubjectSession | None:
    """The live session a cookie's token opens, or None (unknown, ended, idle, expired). A live
    session's idle clock restarts."""
    if not token or len(token) > 100:
        return None
    now = clock_now()
    with engine.connect() as conn:
        row = sessions_store.by_token_hash(conn, tokens.digest(token))
    if row is None or row["ended_at"] is not None:
        return None
    step = tokens.lapse(utc(row["last_seen_at"]), utc(row["expires_at"]), now)
    if step == "end":
        with write_transaction(engine) as conn:
            sessions_store.end_session(conn, row["id"], now)
        return None
    if step == "touch":
        with write_transaction(engine) as conn:
            sessions_store.touch_session(conn, row["id"], now)
    return SubjectSession(
        row["id"], row["subject"], row["method"], row["csrf_token"], utc(row["expires_at"])
    )


def csrf_ok(session: SubjectSession, submitted: str | None) -> bool:
    """Whether a form carries its session's token (compared in constant time)."""
    return tokens.matches(session.csrf_token, submitted)


def sign_out(engine: Engine, session: SubjectSession) -> None:
    with write_transaction(engine) as conn:
        sessions_store.end_session(conn, session.id, clock_now())
        audit.append(
            conn,
            session.principal,
            "subject-sign-out",
            subject=session.subject,
            detail={"session": session.id},
        )


def own_record(engine: Engine, *, by: Principal, limit: int = 200) -> dict[str, Any]:
    """Everything the registry holds on the signed-in subject — unmasked, every record whatever
    its status (repaired and withdrawn ones marked so) — its objections and repair applications,
    and who looked it up for which matter. Audited (``read-own-record``)."""
    require(by, "read-own-record")
    identifier = by.name or ""
    with engine.connect() as conn:
        subject = subjects.find_subject(conn, identifier)
        if subject is None or subject["identifier"] != identifier:
            raise NotFoundError("no subject with this identifier")
        rows = records.records_page(conn, subject["id"], limit=limit, offset=0, published_on=None)
        keep = frozenset(i["value"] for i in subjects.subject_identifiers_of(conn, subject["id"]))
    shown = [record_for_subject(r, keep) for r in rows]
    out: dict[str, Any] = {
        "subject": {
            "identifier": subject["identifier"],
            "name": subject["name"],
            "kind": subject["kind"],
        },
        "records": shown,
        "objections": objections.listed(engine, by=by, limit=100),
        "repairs": repairs.listed(engine, by=by, limit=100),
        "looked_up_by": audit.checks_of_subject(engine, identifier, limit=100),
    }
    with write_transaction(engine) as conn:
        audit.append(
            conn,
            by,
            "read-own-record",
            subject=identifier,
            detail={"records": [r["id"] for r in shown]},
        )
    return out
