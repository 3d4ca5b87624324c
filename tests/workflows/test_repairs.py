"""Credit repair on a real registry, both databases: eligibility by tier, application →
acceptance → decision, and on approval the record repaired, its measures ended, its sharing
stopped and every told department told."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from sqlalchemy import Engine, select
from tests.check.entries import entry, write_entries
from tests.importing.rows import PENALTIES, penalty_row, uscc, write_csv

from jointcredit.access import OPERATOR, Principal
from jointcredit.catalog import load_catalog
from jointcredit.errors import (
    ConflictError,
    IllegalTransitionError,
    InvalidInputError,
    NotFoundError,
    PermissionDeniedError,
)
from jointcredit.rules.workdays import add_workdays
from jointcredit.services import objections, push, repairs, subjects
from jointcredit.services.check import check
from jointcredit.services.imports import import_file
from jointcredit.store.db import write_transaction
from jointcredit.store.tables import credit_records, messages
from jointcredit.workflows.repair import MACHINE

TODAY = dt.date(2026, 11, 27)
SAT_REVIEWER = Principal("reviewer", "SAT", key_id=8001)
SAMR_REVIEWER = Principal("reviewer", "SAMR", key_id=8002)
NDRC_INITIATOR = Principal("initiator", "NDRC", key_id=8003)
MPS_IMPLEMENTER = Principal("implementer", "MPS", key_id=8004)
SUPERVISOR = Principal("supervisor", "NDRC", key_id=8005)
PROMISE = "本公司承诺依法诚信纳税，如有违反愿承担相应责任。"


def _latest(engine: Engine) -> int:
    with engine.connect() as conn:
        return int(
            conn.execute(
                select(credit_records.c.id).order_by(credit_records.c.id.desc()).limit(1)
            ).scalar_one()
        )


def tax_entry(engine: Engine, tmp_path: Path, serial: int = 1, decided: str = "2025-06-02") -> int:
    """A major tax violation entry (SAT), told to its implementers."""
    path = write_entries(
        tmp_path / f"t{serial}.jsonl",
        [entry(serial, "major-tax-violation-parties", department="SAT", decided_on=decided)],
    )
    assert import_file(engine, "list-entry", path, today=TODAY).accepted == 1
    record = _latest(engine)
    with write_transaction(engine) as conn:
        assert push.emit(conn, record, "entry.listed", now=dt.datetime.now(dt.UTC))
    return record


def penalty(engine: Engine, tmp_path: Path, serial: int, category: str, decided: str) -> int:
    samr = load_catalog().departments["SAMR"].name_zh
    row = penalty_row(serial, CF_SJLY=samr, CF_CFLB=category, CF_JDRQ=decided)
    if category != "罚款":
        row["CF_NR_FK"] = ""
    path = write_csv(tmp_path / f"p{serial}.csv", [row], PENALTIES)
    summary = import_file(engine, "penalty", path, today=TODAY)
    assert summary.accepted == 1, summary.rejected
    return _latest(engine)


def exit_control(engine: Engine, serial: int = 1) -> str | None:
    result = check(engine, uscc(serial), department="MPS", matter="exit-control")
    found = [d.status for d in result.decisions if d.measure == "mou-2016-2798/02"]
    return found[0] if found else None


def test_the_machine() -> None:
    assert MACHINE.actions_from("applied") == ["accept", "refuse"]
    assert MACHINE.actions_from("accepted") == ["approve", "reject"]
    assert MACHINE.final("approved") and MACHINE.final("rejected")
    with pytest.raises(IllegalTransitionError, match="approve needs status accepted"):
        MACHINE.step("repair 1", "applied", "approve")


def test_approval_repairs_the_record_ends_measures_and_tells_everyone(
    registry: Engine, tmp_path: Path
) -> None:
    record = tax_entry(registry, tmp_path)
    with registry.connect() as conn:
        told = set(
            conn.execute(select(messages.c.department).where(messages.c.record_id == record))
            .scalars()
            .all()
        )
    assert "MPS" in told and exit_control(registry) == "applied"

    applied = repairs.apply(
        registry,
        record,
        commitment=PROMISE,
        obligations_met=True,
        evidence="已补缴税款及滞纳金。",
        by=NDRC_INITIATOR,
    )
    today = dt.datetime.now(dt.UTC).astimezone(dt.timezone(dt.timedelta(hours=8))).date()
    assert applied["status"] == "applied" and applied["department"] == "SAT"
    assert applied["due"] == add_workdays(today, 2).day.isoformat()
    with pytest.raises(ConflictError, match=f"repair {applied['id']}"):
        repairs.apply(registry, record, commitment=PROMISE, obligations_met=True, by=OPERATOR)

    accepted = repairs.accept(registry, applied["id"], by=SAT_REVIEWER)
    assert accepted["status"] == "accepted" and accepted["accepted_by"] == "key:8001"
    assert accepted["due"] == add_workdays(today, 5).day.isoformat()
    assert exit_control(registry) == "applied", "accepted is not yet repaired"

    approved = repairs.decide(
        registry, applied["id"], approve=True, note="符合修复条件。", by=SAT_REVIEWER
    )
    assert approved["status"] == "approved" and set(approved["notified"]) == told
    assert exit_control(registry) is None, "measures end with repair"
    with registry.connect() as conn:
        ended = conn.execute(
            select(messages.c.department, messages.c.reason).where(
                messages.c.record_id == record, messages.c.event == "entry.ended"
            )
        ).all()
        status = conn.execute(
            select(credit_records.c.status).where(credit_records.c.id == record)
        ).scalar_one()
    assert status == "repaired"
    assert {d for d, _ in ended} == told and {r for _, r in ended} == {"repaired"}

    # Sharing stops: a department's key no longer sees the record; overseers still do.
    for key in (MPS_IMPLEMENTER, NDRC_INITIATOR):
        with pytest.raises(NotFoundError, match="no longer shared"):
            subjects.record_view(registry, record, by=key)
        assert subjects.subject_records(registry, uscc(1), by=key, limit=10) == []
    assert subjects.record_view(registry, record, by=SUPERVISOR)["status"] == "repaired"
    [seen] = subjects.subject_records(registry, uscc(1), by=OPERATOR, limit=10)
    assert seen["status"] == "repaired"

    shown = repairs.shown(registry, applied["id"], by=SAT_REVIEWER)
    assert [e["action"] for e in shown["history"]] == ["apply", "accept", "approve"]
    with pytest.raises(IllegalTransitionError, match="it is final"):
        repairs.decide(registry, applied["id"], approve=False, note="x", by=OPERATOR)


def test_deciding_an_application_not_yet_accepted_accepts_it_first(
    registry: Engine, tmp_path: Path
) -> None:
    record = tax_entry(registry, tmp_path)
    applied = repairs.apply(registry, record, commitment=PROMISE, obligations_met=True, by=OPERATOR)
    rejected = repairs.decide(
        registry, applied["id"], approve=False, note="仍有欠税。", by=SAT_REVIEWER
    )
    assert rejected["status"] == "rejected" and rejected["notified"] == []
    history = repairs.shown(registry, applied["id"], by=OPERATOR)["history"]
    assert [(e["action"], e["to_status"]) for e in history] == [
        ("apply", "applied"),
        ("accept", "accepted"),
        ("reject", "rejected"),
    ]
    assert exit_control(registry) == "applied", "a rejected application changes nothing"
    # A new application may follow a rejected one; this one is refused at acceptance.
    again = repairs.apply(registry, record, commitment=PROMISE, obligations_met=True, by=OPERATOR)
    with pytest.raises(InvalidInputError, match="note"):
        repairs.accept(registry, again["id"], refuse=True, by=SAT_REVIEWER)
    refused = repairs.accept(registry, again["id"], refuse=True, note="材料不全", by=SAT_REVIEWER)
    assert refused["status"] == "rejected" and refused["decided_by"] == "key:8001"
    with pytest.raises(IllegalTransitionError, match="accept needs status applied"):
        repairs.accept(registry, again["id"], by=SAT_REVIEWER)


def test_who_may_decide(registry: Engine, tmp_path: Path) -> None:
    record = tax_entry(registry, tmp_path)
    applied = repairs.apply(
        registry, record, commitment=PROMISE, obligations_met=True, by=NDRC_INITIATOR
    )
    with pytest.raises(PermissionDeniedError, match="not SAT"):
        repairs.decide(registry, applied["id"], approve=True, note="x", by=SAMR_REVIEWER)
    with pytest.raises(PermissionDeniedError, match="initiator may not decide-repair"):
        repairs.accept(registry, applied["id"], by=Principal("initiator", "SAT"))
    with pytest.raises(PermissionDeniedError, match="implementer may not apply-repair"):
        repairs.apply(
            registry, record, commitment=PROMISE, obligations_met=True, by=MPS_IMPLEMENTER
        )

    def ids(by: Principal) -> list[int]:
        return [r["id"] for r in repairs.listed(registry, by=by, limit=10)]

    assert ids(SAT_REVIEWER) == ids(NDRC_INITIATOR) == ids(SUPERVISOR) == [applied["id"]]
    assert ids(SAMR_REVIEWER) == []
    with pytest.raises(PermissionDeniedError, match="SAMR"):
        repairs.shown(registry, applied["id"], by=SAMR_REVIEWER)
    assert repairs.shown(registry, applied["id"], by=NDRC_INITIATOR)["id"] == applied["id"]


def test_an_open_objection_blocks_repair(registry: Engine, tmp_path: Path) -> None:
    record = tax_entry(registry, tmp_path)
    applied = repairs.apply(registry, record, commitment=PROMISE, obligations_met=True, by=OPERATOR)
    objection = objections.open_objection(registry, record, reason="金额有误", by=OPERATOR)
    with pytest.raises(ConflictError, match=f"disputed: objection {objection['id']} is open"):
        repairs.decide(registry, applied["id"], approve=True, note="x", by=OPERATOR)
    # The failed decision took nothing with it: the application is still waiting.
    assert repairs.shown(registry, applied["id"], by=OPERATOR)["status"] == "applied"
    repairs.decide(registry, applied["id"], approve=False, note="先处理异议", by=OPERATOR)
    with pytest.raises(ConflictError, match=rf"disputed.*\(objection {objection['id']}\)"):
        repairs.apply(registry, record, commitment=PROMISE, obligations_met=True, by=OPERATOR)


@pytest.mark.parametrize(
    ("category", "decided", "now", "earliest"),
    [
        # general: 3 months from the decision; the day before is refused, the day itself not.
        ("罚款", "2026-03-15", dt.date(2026, 6, 14), "2026-06-15"),
        ("罚款", "2026-03-15", dt.date(2026, 6, 15), None),
        # severe: 1 year.
        ("吊销许可证件", "2026-03-15", dt.date(2027, 3, 14), "2027-03-15"),
        ("吊销许可证件", "2025-03-15", dt.date(2026, 3, 15), None),
        # minor: any time once the obligations are met.
        ("警告", "2026-03-15", dt.date(2026, 3, 15), None),
    ],
)
def test_eligibility_of_penalties_by_tier(
    registry: Engine,
    tmp_path: Path,
    category: str,
    decided: str,
    now: dt.date,
    earliest: str | None,
) -> None:
    record = penalty(registry, tmp_path, 21, category, decided)
    moment = dt.datetime.combine(now, dt.time(2, 0), tzinfo=dt.UTC)
    if earliest is None:
        made = repairs.apply(
            registry, record, commitment=PROMISE, obligations_met=True, by=OPERATOR, now=moment
        )
        assert made["department"] == "SAMR"
    else:
        with pytest.raises(InvalidInputError, match=f"earliest day to apply is {earliest}"):
            repairs.apply(
                registry,
                record,
                commitment=PROMISE,
                obligations_met=True,
                by=OPERATOR,
                now=moment,
            )


def test_refusals_name_what_is_wrong(registry: Engine, tmp_path: Path) -> None:
    path = write_entries(tmp_path / "c.jsonl", [entry(31, decided_on="2026-06-01")])
    import_file(registry, "list-entry", path, today=TODAY)
    court = _latest(registry)
    with pytest.raises(InvalidInputError, match="the court removes it within 3 working days"):
        repairs.apply(registry, court, commitment=PROMISE, obligations_met=True, by=OPERATOR)
    young = tax_entry(registry, tmp_path, 32, decided="2026-06-01")
    with pytest.raises(InvalidInputError, match="earliest day to apply is 2027-06-01"):
        repairs.apply(registry, young, commitment=PROMISE, obligations_met=True, by=OPERATOR)
    old = tax_entry(registry, tmp_path, 33)
    with pytest.raises(InvalidInputError, match="obligations_met"):
        repairs.apply(registry, old, commitment=PROMISE, obligations_met=False, by=OPERATOR)
    with pytest.raises(InvalidInputError, match="commitment"):
        repairs.apply(registry, old, commitment=" ", obligations_met=True, by=OPERATOR)
    with pytest.raises(NotFoundError, match="no credit record 999"):
        repairs.apply(registry, 999, commitment=PROMISE, obligations_met=True, by=OPERATOR)
    with pytest.raises(NotFoundError, match="no repair application 999"):
        repairs.shown(registry, 999, by=OPERATOR)


def test_overdue_applications(registry: Engine, tmp_path: Path) -> None:
    record = tax_entry(registry, tmp_path)
    then = dt.datetime(2026, 11, 2, 2, 0, tzinfo=dt.UTC)
    applied = repairs.apply(
        registry, record, commitment=PROMISE, obligations_met=True, by=OPERATOR, now=then
    )
    assert applied["due"] == "2026-11-04"
    now = dt.datetime(2026, 11, 27, 2, 0, tzinfo=dt.UTC)
    [late] = repairs.listed(registry, by=OPERATOR, limit=10, overdue=True, now=now)
    assert late["overdue"] and late["days_late"] == 17
    repairs.accept(registry, applied["id"], by=OPERATOR, now=now)
    assert repairs.listed(registry, by=OPERATOR, limit=10, overdue=True, now=now) == []
