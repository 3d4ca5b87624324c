"""Staff accounts and console sessions: sign-in, lock-out, idle and absolute expiry, sign-out,
CSRF tokens, and the audit trail naming the person — on SQLite and PostgreSQL."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator

import pytest
from sqlalchemy import Engine, select

from jointcredit.access import OPERATOR, Principal
from jointcredit.errors import AuthenticationError, InvalidInputError, PermissionDeniedError
from jointcredit.services import staff
from jointcredit.settings import get_settings
from jointcredit.store.tables import audit_log, staff_accounts, web_sessions

PASSWORD = "a-long-enough-secret-7"
START = dt.datetime(2026, 11, 30, 2, 0, tzinfo=dt.UTC)


class Clock:
    def __init__(self) -> None:
        self.at = START

    def __call__(self) -> dt.datetime:
        return self.at

    def advance(self, **delta: float) -> None:
        self.at += dt.timedelta(**delta)


@pytest.fixture
def clock(monkeypatch: pytest.MonkeyPatch) -> Iterator[Clock]:
    moving = Clock()
    monkeypatch.setattr(staff, "clock_now", moving)
    yield moving


@pytest.fixture
def account(registry: Engine) -> dict[str, object]:
    return staff.create(
        registry,
        username="zhang.wei",
        password=PASSWORD,
        department="SAT",
        role="reviewer",
        display_name="张伟",
        by=OPERATOR,
    )


def _actions(engine: Engine) -> list[tuple[str, dict[str, object] | None]]:
    with engine.connect() as conn:
        return [
            (r.action, r.detail)
            for r in conn.execute(select(audit_log.c.action, audit_log.c.detail))
        ]


def test_a_signed_in_session_acts_as_the_person(
    registry: Engine, account: dict[str, object], clock: Clock
) -> None:
    assert "password_hash" not in account and account["active"] is True
    signed = staff.sign_in(registry, " Zhang.Wei ", PASSWORD, user_agent="test")
    session = staff.session_of(registry, signed.token)
    assert session is not None and session == signed.session
    assert session.principal == Principal("reviewer", "SAT", name="zhang.wei")
    assert staff.csrf_ok(session, session.csrf_token)
    assert not staff.csrf_ok(session, "") and not staff.csrf_ok(session, None)
    assert not staff.csrf_ok(session, session.csrf_token[:-1] + "x")
    with registry.connect() as conn:
        stored = conn.execute(select(web_sessions.c.token_hash)).scalar_one()
        hashed = conn.execute(select(staff_accounts.c.password_hash)).scalar_one()
    assert signed.token not in stored and hashed.startswith("$argon2id$")
    staff.sign_out(registry, session)
    assert staff.session_of(registry, signed.token) is None
    actions = _actions(registry)
    assert [a for a, _ in actions] == ["staff-create", "staff-sign-in", "staff-sign-out"]
    # The audit row names the person: the role and department alone would not.
    assert actions[1][1] is not None and actions[1][1]["by"] == "zhang.wei"


def test_wrong_password_and_unknown_user_get_the_same_answer(
    registry: Engine, account: dict[str, object], clock: Clock
) -> None:
    with pytest.raises(AuthenticationError) as wrong:
        staff.sign_in(registry, "zhang.wei", PASSWORD + "x")
    with pytest.raises(AuthenticationError) as unknown:
        staff.sign_in(registry, "li.na", PASSWORD)
    assert str(wrong.value) == str(unknown.value) == staff.SIGN_IN_FAILED


def test_too_many_wrong_passwords_lock_the_account_for_a_while(
    registry: Engine, account: dict[str, object], clock: Clock
) -> None:
    limit = get_settings().web_login_max_failures
    for _ in range(limit):
        with pytest.raises(AuthenticationError):
            staff.sign_in(registry, "zhang.wei", "not-the-password-1")
    # Locked: even the right password fails now ...
    with pytest.raises(AuthenticationError):
        staff.sign_in(registry, "zhang.wei", PASSWORD)
    clock.advance(minutes=get_settings().web_login_lockout_minutes + 1)
    # ... and works again once the lock has run out.
    assert staff.session_of(registry, staff.sign_in(registry, "zhang.wei", PASSWORD).token)
    whys = [d["why"] for a, d in _actions(registry) if a == "staff-sign-in-failed" and d]
    assert whys == ["password"] * limit + ["locked"]


def test_sessions_end_when_idle_at_their_limit_and_when_the_account_changes(
    registry: Engine, account: dict[str, object], clock: Clock
) -> None:
    settings = get_settings()
    token = staff.sign_in(registry, "zhang.wei", PASSWORD).token
    clock.advance(minutes=settings.web_session_idle_minutes - 1)
    assert staff.session_of(registry, token) is not None  # restarts the idle clock
    clock.advance(minutes=settings.web_session_idle_minutes - 1)
    assert staff.session_of(registry, token) is not None
    clock.advance(minutes=settings.web_session_idle_minutes + 1)
    assert staff.session_of(registry, token) is None  # idle too long
    # However active, a session ends at its absolute limit.
    token = staff.sign_in(registry, "zhang.wei", PASSWORD).token
    steps = int(settings.web_session_max_hours * 60 // 20) + 1
    alive = []
    for _ in range(steps):
        clock.advance(minutes=20)
        alive.append(staff.session_of(registry, token) is not None)
    assert alive[0] and not alive[-1]
    # A new password and a disabled account end every session.
    token = staff.sign_in(registry, "zhang.wei", PASSWORD).token
    staff.set_password(registry, "zhang.wei", "another-long-secret-8", by=OPERATOR)
    assert staff.session_of(registry, token) is None
    token = staff.sign_in(registry, "zhang.wei", "another-long-secret-8").token
    staff.set_active(registry, "zhang.wei", False, by=OPERATOR)
    assert staff.session_of(registry, token) is None
    with pytest.raises(AuthenticationError):
        staff.sign_in(registry, "zhang.wei", "another-long-secret-8")
    staff.set_active(registry, "zhang.wei", True, by=OPERATOR)
    assert staff.sign_in(registry, "zhang.wei", "another-long-secret-8").token


def test_bad_accounts_are_refused_with_what_is_wrong(
    registry: Engine, account: dict[str, object]
) -> None:
    def make(**changes: str) -> None:
        fields = {
            "username": "li.na",
            "password": PASSWORD,
            "department": "SAT",
            "role": "initiator",
        } | changes
        staff.create(registry, by=OPERATOR, **fields)

    for changes, message in [
        ({"username": "zhang.wei"}, "is taken"),
        ({"username": "Li Na"}, "username 'Li Na'"),
        ({"role": "king"}, "role 'king'"),
        ({"department": "NOPE"}, "department 'NOPE'"),
        ({"password": "short"}, "at least 12 characters"),
        ({"password": "li.na"}, "at least 12"),
        ({"password": "aaaaaaaaaaaaaaa"}, "fewer than 4 different"),
    ]:
        with pytest.raises(InvalidInputError, match=message):
            make(**changes)
    with pytest.raises(PermissionDeniedError):
        staff.create(
            registry,
            username="li.na",
            password=PASSWORD,
            department="SAT",
            role="initiator",
            by=Principal("initiator", "SAT", key_id=3),
        )
    assert [a["username"] for a in staff.listed(registry, by=OPERATOR)] == ["zhang.wei"]


def test_a_forged_or_oversized_token_opens_nothing(registry: Engine) -> None:
    assert staff.session_of(registry, None) is None
    assert staff.session_of(registry, "") is None
    assert staff.session_of(registry, "x" * 5000) is None
    assert staff.session_of(registry, "forged-token") is None
