"""Self-service: pluggable sign-in, a subject's own full record and who looked it up, and its
own objections and repair applications — never anyone else's (SQLite and PostgreSQL)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import Engine, select
from tests.check.entries import entry, write_entries

from jointcredit.access import OPERATOR, Principal
from jointcredit.errors import AuthenticationError, ConfigurationError, NotFoundError
from jointcredit.services import audit, casework, objections, repairs, selfservice
from jointcredit.services.imports import import_file
from jointcredit.settings import get_settings
from jointcredit.store.db import write_transaction
from jointcredit.store.tables import audit_log, credit_records, subjects


def _use(monkeypatch: pytest.MonkeyPatch, value: str) -> None:
    monkeypatch.setenv("JOINTCREDIT_SELF_SERVICE_AUTHENTICATOR", value)
    get_settings.cache_clear()


@pytest.fixture(autouse=True)
def _settings(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Iterator[None]:
    monkeypatch.setenv("JOINTCREDIT_DATA_DIR", str(tmp_path / "data"))
    get_settings.cache_clear()
    yield
    get_settings.cache_clear()


@pytest.fixture
def listed(registry: Engine, tmp_path: Path) -> dict[str, int]:
    """Two companies on the tax black list and one court defaulter, records by identifier."""
    entries = [
        entry(1, "major-tax-violation-parties", department="SAT", decided_on="2025-06-02"),
        entry(2, "major-tax-violation-parties", department="SAT", decided_on="2025-06-02"),
        entry(
            3,
            persons=[
                {
                    "role": "legal-representative",
                    "name": "测试人9",
                    "id_number": "110101197001010091",
                }
            ],
        ),
    ]
    done = import_file(registry, "list-entry", write_entries(tmp_path / "e.jsonl", entries))
    assert done.accepted == 3, done.rejected
    with registry.connect() as conn:
        rows = conn.execute(
            select(subjects.c.identifier, credit_records.c.id)
            .join(credit_records, credit_records.c.subject_id == subjects.c.id)
            .where(subjects.c.kind == "legal-person")
            .order_by(credit_records.c.id)
        ).all()
    return {identifier: record_id for identifier, record_id in rows}


def test_demo_sign_in_needs_the_code_and_a_known_subject(
    registry: Engine, listed: dict[str, int], monkeypatch: pytest.MonkeyPatch
) -> None:
    first = next(iter(listed))
    with pytest.raises(AuthenticationError, match="switched off"):
        selfservice.sign_in(registry, {"identifier": first, "code": "x"})
    _use(monkeypatch, "demo")
    code = selfservice.demo_authenticator().code(first)
    by = selfservice.sign_in(registry, {"identifier": first.lower(), "code": code.lower()})
    assert by == Principal("subject", None, name=first) and by.is_subject
    failures = []
    for answers in (
        {"identifier": first, "code": "AAAAAA"},
        {"identifier": first},
        {
            "identifier": "91110000JC0000000X",
            "code": selfservice.demo_authenticator().code("91110000JC0000000X"),
        },  # the code is right, but no such subject is registered
    ):
        with pytest.raises(AuthenticationError) as failed:
            selfservice.sign_in(registry, answers)
        failures.append(str(failed.value))
    assert set(failures) == {selfservice.SIGN_IN_FAILED}
    with registry.connect() as conn:
        actions = list(conn.execute(select(audit_log.c.action).order_by(audit_log.c.id)).scalars())
    assert actions.count("subject-sign-in") == 1 and actions.count("subject-sign-in-failed") == 3


def test_an_operator_plugs_in_an_identity_provider(
    registry: Engine, listed: dict[str, int], monkeypatch: pytest.MonkeyPatch
) -> None:
    first = next(iter(listed))
    _use(monkeypatch, "tests.selfservice.plugin:make")
    method = selfservice.authenticator()
    assert method is not None and [q.name for q in method.questions()] == ["identifier", "proof"]
    by = selfservice.sign_in(registry, {"identifier": first, "proof": first[::-1]})
    assert by.name == first
    with pytest.raises(AuthenticationError):
        selfservice.sign_in(registry, {"identifier": first, "proof": first})
    for spec, message in (
        ("tests.selfservice.plugin:missing", "cannot load it"),
        ("no.such.module:make", "cannot load it"),
        ("tests.selfservice.plugin:not_one", "did not make an authenticator"),
    ):
        _use(monkeypatch, spec)
        with pytest.raises(ConfigurationError, match=message):
            selfservice.authenticator()


def test_a_subject_disputes_and_follows_its_own_records_only(
    registry: Engine, listed: dict[str, int]
) -> None:
    mine, theirs, _court = listed
    me = Principal("subject", None, name=mine)
    with pytest.raises(NotFoundError, match="no credit record"):
        objections.open_objection(registry, listed[theirs], reason="不是我的", by=me)
    opened = objections.open_objection(registry, listed[mine], reason="处罚已撤销", by=me)
    assert opened["status"] == "open" and opened["opened_by"] == f"subject:{mine}"
    # Somebody else's objection exists too; the subject's list holds its own only.
    other = objections.open_objection(registry, listed[theirs], reason="x", by=OPERATOR)
    assert [o["id"] for o in objections.listed(registry, by=me, limit=10)] == [opened["id"]]
    assert objections.shown(registry, opened["id"], by=me)["history"][0]["action"] == "open"
    with pytest.raises(NotFoundError):
        objections.shown(registry, other["id"], by=me)
    with pytest.raises(NotFoundError):  # not "forbidden": that would say it exists
        objections.withdraw(registry, other["id"], by=me)
    withdrawn = objections.withdraw(registry, opened["id"], by=me)
    assert withdrawn["status"] == "withdrawn"

    with pytest.raises(NotFoundError, match="no credit record"):
        repairs.apply(registry, listed[theirs], commitment="承诺", obligations_met=True, by=me)
    applied = repairs.apply(
        registry, listed[mine], commitment="本企业承诺依法纳税", obligations_met=True, by=me
    )
    assert applied["status"] == "applied"
    assert [r["id"] for r in repairs.listed(registry, by=me, limit=10)] == [applied["id"]]
    assert repairs.shown(registry, applied["id"], by=me)["id"] == applied["id"]


def test_the_own_record_is_whole_and_says_who_looked(
    registry: Engine, listed: dict[str, int]
) -> None:
    _mine, _theirs, court = listed
    with write_transaction(registry) as conn:
        audit.append(
            conn,
            Principal("implementer", "CAAC", key_id=4),
            "check",
            subject=court,
            matter="air-travel",
        )
    me = Principal("subject", None, name=court)
    seen = selfservice.own_record(registry, by=me)
    assert seen["subject"]["identifier"] == court
    assert [r["id"] for r in seen["records"]] == [listed[court]]
    # Another person's number in the record is masked even for the subject itself.
    text = str(seen["records"])
    assert "110101197001010091" not in text and "110101********0091" in text
    assert [(c["department"], c["matter"]) for c in seen["looked_up_by"]] == [
        ("CAAC", "air-travel")
    ]
    assert seen["objections"] == [] and seen["repairs"] == []
    with registry.connect() as conn:
        last = conn.execute(
            select(audit_log.c.action, audit_log.c.subject).order_by(audit_log.c.id.desc())
        ).first()
    assert last is not None and tuple(last) == ("read-own-record", court)
    # Only a subject reads an own record; a department's key is not one.
    with pytest.raises(Exception, match="may not read-own-record"):
        selfservice.own_record(registry, by=Principal("implementer", "CAAC", key_id=4))


def test_a_subject_cannot_reach_department_lists(registry: Engine) -> None:
    me = Principal("subject", None, name="91110000JC0000000X")
    with pytest.raises(Exception, match="may not"):
        objections.resolve(registry, 1, outcome="upheld", note="x", by=me)
    with pytest.raises(Exception, match="own items only"):
        casework.visible_to(me)
