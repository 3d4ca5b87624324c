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
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import importlib
import secrets
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol, runtime_checkable

from sqlalchemy import Engine

from jointcredit.errors import AuthenticationError, ConfigurationError, NotFoundError
from jointcredit.identifiers.normalize import normalize
from jointcredit.security.keyfiles import read_or_create
from jointcredit.services import audit, objections, repairs
from jointcredit.services.access import Principal, require, subject_principal
from jointcredit.services.subjects import record_for_subject
from jointcredit.settings import get_settings
from jointcredit.store import records
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


def sign_in(engine: Engine, answers: Mapping[str, str]) -> Principal:
    """The subject the answers authenticate, as a principal; audited either way."""
    method = authenticator()
    if method is None:
        raise AuthenticationError("self-service is switched off on this platform")
    try:
        identifier = method.authenticate(answers)
        with engine.connect() as conn:
            known = records.find_subject(conn, identifier)
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
    by = subject_principal(identifier)
    with write_transaction(engine) as conn:
        audit.append(
            conn, by, "subject-sign-in", subject=identifier, detail={"method": method.name}
        )
    return by


def own_record(engine: Engine, *, by: Principal, limit: int = 200) -> dict[str, Any]:
    """Everything the registry holds on the signed-in subject — unmasked, every record whatever
    its status (repaired and withdrawn ones marked so) — its objections and repair applications,
    and who looked it up for which matter. Audited (``read-own-record``)."""
    require(by, "read-own-record")
    identifier = by.name or ""
    with engine.connect() as conn:
        subject = records.find_subject(conn, identifier)
        if subject is None or subject["identifier"] != identifier:
            raise NotFoundError("no subject with this identifier")
        rows = records.records_page(conn, subject["id"], limit=limit, offset=0, published_on=None)
        keep = frozenset(i["value"] for i in records.subject_identifiers_of(conn, subject["id"]))
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
