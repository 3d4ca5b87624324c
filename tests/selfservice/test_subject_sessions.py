"""Self-service sessions: opened by a successful sign-in only, the token's SHA-256 alone stored,
idle and absolute expiry as for staff, sign-out, CSRF tokens — on SQLite and PostgreSQL."""

from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import Engine, select
from tests.check.entries import entry, write_entries

from jointcredit.errors import AuthenticationError
from jointcredit.services import selfservice
from jointcredit.services.imports import import_file
from jointcredit.settings import get_settings
from jointcredit.store.tables import audit_log, subject_sessions

START = dt.datetime(2026, 11, 30, 2, 0, tzinfo=dt.UTC)
COMPANY = entry(1)["subject"]["uscc"]


class Clock:
    def __init__(self) -> None:
        self.at = START

    def __call__(self) -> dt.datetime:
        return self.at

    def advance(self, **delta: float) -> None:
        self.at += dt.timedelta(**delta)


@pytest.fixture(autouse=True)
def _demo(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Iterator[None]:
    monkeypatch.setenv("JOINTCREDIT_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setenv("JOINTCREDIT_SELF_SERVICE_AUTHENTICATOR", "demo")
    get_settings.cache_clear()
    yield
    get_settings.cache_clear()


@pytest.fixture
def clock(monkeypatch: pytest.MonkeyPatch) -> Clock:
    moving = Clock()
    monkeypatch.setattr(selfservice, "clock_now", moving)
    return moving


@pytest.fixture
def listed(registry: Engine, tmp_path: Path) -> str:
    done = import_file(registry, "list-entry", write_entries(tmp_path / "e.jsonl", [entry(1)]))
    assert done.accepted == 1, done.rejected
    return COMPANY


def _answers(identifier: str) -> dict[str, str]:
    return {"identifier": identifier, "code": selfservice.demo_authenticator().code(identifier)}


def test_a_session_opens_on_sign_in_and_keeps_only_the_tokens_digest(
    registry: Engine, listed: str, clock: Clock
) -> None:
    signed = selfservice.open_session(registry, _answers(listed), user_agent="Firefox")
    session = signed.session
    assert session.subject == listed and session.method == "demo"
    assert session.principal.is_subject and session.principal.name == listed
    assert session.expires_at == START + dt.timedelta(hours=get_settings().web_session_max_hours)
    with registry.connect() as conn:
        row = conn.execute(select(subject_sessions)).mappings().one()
    assert row["token_hash"] == hashlib.sha256(signed.token.encode()).hexdigest()
    assert signed.token not in str(dict(row)) and row["user_agent"] == "Firefox"
    found = selfservice.session_of(registry, signed.token)
    assert found is not None and found.id == session.id and found.subject == listed
    assert selfservice.csrf_ok(found, session.csrf_token)
    assert not selfservice.csrf_ok(found, "forged") and not selfservice.csrf_ok(found, None)
    for token in (None, "", "x" * 101, signed.token + "x"):
        assert selfservice.session_of(registry, token) is None
    with registry.connect() as conn:
        last = conn.execute(
            select(audit_log.c.action, audit_log.c.subject, audit_log.c.detail)
            .order_by(audit_log.c.id.desc())
            .limit(1)
        ).one()
    assert (last.action, last.subject) == ("subject-sign-in", listed)
    assert last.detail["session"] == session.id


def test_a_failed_sign_in_opens_no_session(registry: Engine, listed: str, clock: Clock) -> None:
    for answers in ({"identifier": listed, "code": "AAAAAA"}, _answers("91110000JC0000000X")):
        with pytest.raises(AuthenticationError) as failed:
            selfservice.open_session(registry, answers)
        assert str(failed.value) == selfservice.SIGN_IN_FAILED
    with registry.connect() as conn:
        assert conn.execute(select(subject_sessions)).first() is None
        actions = list(conn.execute(select(audit_log.c.action)).scalars())
    assert actions == ["subject-sign-in-failed"] * 2


def test_sessions_end_when_idle_at_their_limit_and_on_sign_out(
    registry: Engine, listed: str, clock: Clock
) -> None:
    settings = get_settings()
    token = selfservice.open_session(registry, _answers(listed)).token
    clock.advance(minutes=settings.web_session_idle_minutes - 1)
    assert selfservice.session_of(registry, token) is not None  # restarts the idle clock
    clock.advance(minutes=settings.web_session_idle_minutes - 1)
    assert selfservice.session_of(registry, token) is not None
    clock.advance(minutes=settings.web_session_idle_minutes + 1)
    assert selfservice.session_of(registry, token) is None  # idle too long
    clock.advance(minutes=1)
    assert selfservice.session_of(registry, token) is None  # ended stays ended
    # However active, a session ends at its absolute limit.
    token = selfservice.open_session(registry, _answers(listed)).token
    steps = int(settings.web_session_max_hours * 60 // 20) + 1
    alive = []
    for _ in range(steps):
        clock.advance(minutes=20)
        alive.append(selfservice.session_of(registry, token) is not None)
    assert alive[0] and not alive[-1]
    # Sign-out ends it at once, and is audited.
    signed = selfservice.open_session(registry, _answers(listed))
    selfservice.sign_out(registry, signed.session)
    assert selfservice.session_of(registry, signed.token) is None
    with registry.connect() as conn:
        ended = conn.execute(
            select(subject_sessions.c.ended_at).where(subject_sessions.c.id == signed.session.id)
        ).scalar_one()
        last = conn.execute(
            select(audit_log.c.action, audit_log.c.subject).order_by(audit_log.c.id.desc())
        ).first()
    assert ended is not None
    assert last is not None and tuple(last) == ("subject-sign-out", listed)
