"""Enforcement feedback on a real registry (SQLite and PostgreSQL): validation, who may report
on what, and the overdue listing."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from sqlalchemy import Engine, select
from tests.feedback.helpers import MATTER, MEASURE, OTHER_MEASURE, load_entry, pushed, utc

from jointcredit.access import OPERATOR, PUBLIC, Principal
from jointcredit.errors import AuthenticationError, InvalidInputError, PermissionDeniedError
from jointcredit.services import audit, check
from jointcredit.services import feedback as service
from jointcredit.store.tables import audit_log, credit_records, feedback, subjects

MPS = Principal("implementer", "MPS", key_id=101)
CAAC = Principal("implementer", "CAAC", key_id=102)
SUPERVISOR = Principal("supervisor", "NDRC", key_id=103)

SENT = utc("2026-08-15")  # Q3 2026: quarterly feedback due 20 October
AFTER = utc("2026-09-01")


def _body(**fields: object) -> service.FeedbackIn:
    values: dict[str, object] = {
        "department": "MPS",
        "measure": MEASURE,
        "applied": True,
        "matter": MATTER,
    }
    values.update(fields)
    return service.FeedbackIn(**values)  # type: ignore[arg-type]


@pytest.fixture
def world(registry: Engine, tmp_path: Path) -> tuple[int, dict[str, int]]:
    record_id = load_entry(registry, tmp_path, 501)
    return record_id, pushed(registry, record_id, {"MPS", "CAAC"}, at=SENT)


def test_feedback_on_a_message_is_stored_and_audited(
    registry: Engine, world: tuple[int, dict[str, int]]
) -> None:
    record_id, sent = world
    row = service.submit(
        registry,
        _body(
            message_id=sent["MPS"],
            case_reference="公边控〔2026〕12号",
            acted_on=dt.date(2026, 8, 20),
        ),
        by=MPS,
        now=AFTER,
    )
    assert row["record_id"] == record_id
    assert row["message_id"] == sent["MPS"]
    assert row["applied"] is True
    assert row["acted_on"] == "2026-08-20"
    assert row["submitted_by"] == "key:101"
    assert row["subject"].startswith("91")
    with registry.connect() as conn:
        logged = conn.execute(
            select(audit_log.c.action, audit_log.c.detail, audit_log.c.record_id).where(
                audit_log.c.action == "feedback"
            )
        ).one()
    assert logged.record_id == record_id
    assert logged.detail["feedback"] == row["id"]
    listed = service.listed(registry, by=MPS, limit=10, record_id=record_id)
    assert [r["id"] for r in listed] == [row["id"]]


def _problems(exc: pytest.ExceptionInfo[InvalidInputError]) -> dict[str, str]:
    return {p["field"]: p["error"] for p in exc.value.problems or []}


def test_every_invalid_field_is_named(registry: Engine, world: tuple[int, dict[str, int]]) -> None:
    _, sent = world
    with pytest.raises(InvalidInputError) as exc:
        service.submit(
            registry,
            _body(
                message_id=sent["MPS"],
                measure="no-such/measure",
                matter="no-such-matter",
                applied=False,
                acted_on=dt.date(2026, 9, 2),
            ),
            by=MPS,
            now=AFTER,
        )
    problems = _problems(exc)
    assert set(problems) == {"measure", "matter", "acted_on", "reason"}
    assert "in the future" in problems["acted_on"]
    assert "why" in problems["reason"]
    with pytest.raises(InvalidInputError, match="message_id: name what the feedback is about"):
        service.submit(registry, _body(), by=MPS, now=AFTER)
    with pytest.raises(InvalidInputError, match="department: 'NOPE' is not in the catalog"):
        service.submit(
            registry, _body(department="NOPE", message_id=sent["MPS"]), by=OPERATOR, now=AFTER
        )


def test_the_measure_must_be_on_the_entrys_list_type(
    registry: Engine, world: tuple[int, dict[str, int]]
) -> None:
    record_id, sent = world
    for ref in ({"message_id": sent["MPS"]}, {"record_id": record_id}):
        with pytest.raises(
            InvalidInputError, match="measure: 'mou-2016-2798/01' is not a measure on"
        ):
            service.submit(registry, _body(measure=OTHER_MEASURE, **ref), by=MPS, now=AFTER)


def test_unknown_and_mismatched_references(
    registry: Engine, world: tuple[int, dict[str, int]]
) -> None:
    record_id, sent = world
    with pytest.raises(InvalidInputError, match="message_id: there is no message 999999"):
        service.submit(registry, _body(message_id=999_999), by=MPS, now=AFTER)
    with pytest.raises(InvalidInputError, match="record_id: there is no credit record 999999"):
        service.submit(registry, _body(record_id=999_999), by=MPS, now=AFTER)
    with pytest.raises(InvalidInputError, match="audit_id: audit row 999999 is not"):
        service.submit(registry, _body(audit_id=999_999), by=MPS, now=AFTER)
    with pytest.raises(InvalidInputError, match=f"is about record {record_id}, not 999"):
        service.submit(registry, _body(message_id=sent["MPS"], record_id=999), by=MPS, now=AFTER)


def test_a_message_of_another_department_is_refused(
    registry: Engine, world: tuple[int, dict[str, int]]
) -> None:
    _, sent = world
    with pytest.raises(PermissionDeniedError, match="was sent to department CAAC, not MPS"):
        service.submit(registry, _body(message_id=sent["CAAC"]), by=MPS, now=AFTER)
    # Nor may a key report in another department's name.
    with pytest.raises(PermissionDeniedError, match="acts for department MPS, not CAAC"):
        service.submit(
            registry, _body(department="CAAC", message_id=sent["CAAC"]), by=MPS, now=AFTER
        )
    with pytest.raises(PermissionDeniedError):
        service.submit(registry, _body(message_id=sent["MPS"]), by=SUPERVISOR, now=AFTER)
    with pytest.raises(AuthenticationError):
        service.submit(registry, _body(message_id=sent["MPS"]), by=PUBLIC, now=AFTER)
    with registry.connect() as conn:
        assert conn.execute(select(feedback.c.id)).first() is None


def test_feedback_on_a_check_of_the_department(
    registry: Engine, world: tuple[int, dict[str, int]]
) -> None:
    record_id, _ = world
    with registry.connect() as conn:
        subject = conn.execute(
            select(subjects.c.identifier)
            .join(credit_records, credit_records.c.subject_id == subjects.c.id)
            .where(credit_records.c.id == record_id)
        ).scalar_one()
    answer = check.answer(registry, subject, by=MPS, department="MPS", matter=MATTER)
    entry = answer["receipt"]["audit_entry"]
    row = service.submit(
        registry, _body(audit_id=entry, applied=False, reason="已核实为同名，未采取措施"), by=MPS
    )
    assert row["audit_id"] == entry
    assert row["subject"] == subject
    assert row["record_id"] is None
    assert row["reason"] == "已核实为同名，未采取措施"
    # The check was MPS's: CAAC cannot report on it.
    with pytest.raises(PermissionDeniedError, match=f"the check {entry} was made by MPS"):
        service.submit(registry, _body(department="CAAC", audit_id=entry), by=CAAC)
    # An audit row that is not a check is refused.
    feedback_row = audit.record(registry, OPERATOR, [audit.Event("read-feedback")])[0]
    with pytest.raises(
        InvalidInputError, match=f"audit row {feedback_row} is not the record of a check"
    ):
        service.submit(registry, _body(audit_id=feedback_row), by=MPS)


def test_overdue_until_feedback_arrives(
    registry: Engine, world: tuple[int, dict[str, int]]
) -> None:
    record_id, sent = world
    on_due_day = dt.date(2026, 10, 20)
    day_after = dt.date(2026, 10, 21)
    assert service.outstanding(registry, by=OPERATOR, limit=10, today=on_due_day) == []
    late = service.outstanding(registry, by=OPERATOR, limit=10, today=day_after)
    assert [(r["department"], r["message_id"]) for r in late] == [
        ("CAAC", sent["CAAC"]),
        ("MPS", sent["MPS"]),
    ]
    first = late[0]
    assert first["due"] == "2026-10-20"
    assert first["days_late"] == 1 and first["workdays_late"] == 1
    assert first["overdue"] is True and first["due_estimated"] is False
    # Not yet due: listed as outstanding with the days left (negative).
    pending = service.outstanding(
        registry, by=OPERATOR, limit=10, today=dt.date(2026, 10, 1), overdue_only=False
    )
    assert {r["days_late"] for r in pending} == {-19}
    # An implementer sees its own department's only, and may not ask for another's.
    assert [
        r["department"] for r in service.outstanding(registry, by=MPS, limit=10, today=day_after)
    ] == ["MPS"]
    with pytest.raises(PermissionDeniedError, match="sees only its own department's"):
        service.outstanding(registry, by=MPS, limit=10, today=day_after, department="CAAC")
    # MPS reports on the entry (not the message) after the message: that meets it.
    service.submit(registry, _body(record_id=record_id), by=MPS, now=AFTER)
    late = service.outstanding(registry, by=SUPERVISOR, limit=10, today=day_after)
    assert [r["department"] for r in late] == ["CAAC"]
    # Feedback on the entry from before a later change does not answer the change.
    changed = pushed(registry, record_id, {"MPS"}, at=utc("2026-09-10"), event="entry.changed")
    late = service.outstanding(registry, by=SUPERVISOR, limit=10, today=day_after, department="MPS")
    assert [r["message_id"] for r in late] == [changed["MPS"]]


def test_only_listings_and_changes_call_for_feedback(registry: Engine, tmp_path: Path) -> None:
    record_id = load_entry(registry, tmp_path, 502)
    pushed(registry, record_id, {"MPS"}, at=SENT, event="entry.suspended")
    assert service.outstanding(registry, by=OPERATOR, limit=10, today=dt.date(2027, 3, 1)) == []


def test_a_number_of_working_days(registry: Engine, world: tuple[int, dict[str, int]]) -> None:
    # Sent on Saturday 15 August 2026: 5 working days are 17-21 August.
    assert (
        service.outstanding(registry, by=OPERATOR, limit=10, today=dt.date(2026, 8, 21), rule=5)
        == []
    )
    late = service.outstanding(registry, by=OPERATOR, limit=10, today=dt.date(2026, 8, 24), rule=5)
    assert {r["due"] for r in late} == {"2026-08-21"}
    assert {(r["days_late"], r["workdays_late"]) for r in late} == {(3, 1)}
    page = service.outstanding(
        registry, by=OPERATOR, limit=1, offset=1, today=dt.date(2026, 8, 24), rule=5
    )
    assert [r["department"] for r in page] == ["MPS"]
