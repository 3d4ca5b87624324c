"""Objections on a real registry, both databases: the record is disputed at once, the check
answers ``suspended``, told departments hear of it; the outcome corrects or restores it."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

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
from jointcredit.rules.workdays import add_workdays, workdays_between
from jointcredit.services import audit, objections, push
from jointcredit.services.check import check
from jointcredit.services.imports import import_file
from jointcredit.store import workflows
from jointcredit.store.db import write_transaction
from jointcredit.store.tables import credit_records, messages
from jointcredit.workflows.objection import MACHINE

TODAY = dt.date(2026, 11, 27)
SPC_REVIEWER = Principal("reviewer", "SPC", key_id=9001)
NDRC_REVIEWER = Principal("reviewer", "NDRC", key_id=9002)
MPS_IMPLEMENTER = Principal("implementer", "MPS", key_id=9003)
SUPERVISOR = Principal("supervisor", "NDRC", key_id=9004)


def listed_entry(engine: Engine, tmp_path: Path, serial: int = 1) -> int:
    """A judgment-defaulter entry in effect today, of which its implementers were told."""
    path = write_entries(
        tmp_path / f"e{serial}.jsonl", [entry(serial, decided_on="2026-06-01", department="SPC")]
    )
    assert import_file(engine, "list-entry", path, today=TODAY).accepted == 1
    with engine.connect() as conn:
        record = int(
            conn.execute(
                select(credit_records.c.id).order_by(credit_records.c.id.desc()).limit(1)
            ).scalar_one()
        )
    with write_transaction(engine) as conn:
        assert push.emit(conn, record, "entry.listed", now=dt.datetime.now(dt.UTC))
    return record


def bond_status(engine: Engine, serial: int = 1) -> str | None:
    """What the check answers for the entry's bond-issue measure now (None: nothing)."""
    result = check(engine, uscc(serial), department="NDRC", matter="enterprise-bond-issuance")
    found = [d.status for d in result.decisions if d.measure == "mou-2016-141/01"]
    return found[0] if found else None


def record_status(engine: Engine, record: int) -> str:
    with engine.connect() as conn:
        return str(
            conn.execute(
                select(credit_records.c.status).where(credit_records.c.id == record)
            ).scalar_one()
        )


def events(engine: Engine, record: int) -> dict[str, set[str]]:
    """Event → departments, of the record's outbox messages."""
    with engine.connect() as conn:
        rows = conn.execute(
            select(messages.c.event, messages.c.department, messages.c.reason).where(
                messages.c.record_id == record
            )
        ).all()
    found: dict[str, set[str]] = {}
    for event, department, _ in rows:
        found.setdefault(event, set()).add(department)
    return found


def test_the_machine_has_one_open_state_and_three_outcomes() -> None:
    assert MACHINE.actions_from("open") == ["reject", "uphold", "withdraw"]
    for final in ("upheld", "rejected", "withdrawn"):
        assert MACHINE.final(final)
        for action in ("uphold", "reject", "withdraw"):
            with pytest.raises(IllegalTransitionError, match=f"objection 1 is {final}"):
                MACHINE.step("objection 1", final, action)


def test_an_objection_suspends_at_once_and_a_rejection_resumes(
    registry: Engine, tmp_path: Path
) -> None:
    record = listed_entry(registry, tmp_path)
    told = events(registry, record)["entry.listed"]
    assert {"NDRC", "CAAC"} <= told
    assert bond_status(registry) == "applied"

    opened = objections.open_objection(
        registry, record, reason="该案已执行完毕。", by=MPS_IMPLEMENTER
    )
    assert opened["status"] == "open" and opened["department"] == "SPC"
    assert opened["prior_status"] == "active" and opened["opened_by_department"] == "MPS"
    today = dt.datetime.now(dt.UTC).astimezone(dt.timezone(dt.timedelta(hours=8))).date()
    deadline = add_workdays(today, 20)
    assert opened["due"] == deadline.day.isoformat()
    assert opened["due_estimated"] is deadline.estimated
    assert opened["overdue"] is False and opened["days_late"] is None
    assert record_status(registry, record) == "disputed"
    assert bond_status(registry) == "suspended", "the check answers suspended at once"
    assert set(opened["notified"]) == told
    assert events(registry, record)["entry.suspended"] == told

    rejected = objections.resolve(
        registry, opened["id"], outcome="rejected", note="经核实，信息无误。", by=SPC_REVIEWER
    )
    assert rejected["status"] == "rejected" and rejected["resolved_by"] == "key:9001"
    assert record_status(registry, record) == "active"
    assert bond_status(registry) == "applied"
    assert events(registry, record)["entry.resumed"] == told

    shown = objections.shown(registry, opened["id"], by=SPC_REVIEWER)
    assert [(e["action"], e["from_status"], e["to_status"]) for e in shown["history"]] == [
        ("open", None, "open"),
        ("reject", "open", "rejected"),
    ]
    assert shown["history"][1]["note"] == "经核实，信息无误。"
    actions = {r["action"] for r in audit.page(registry, by=OPERATOR, limit=50)}
    assert {"objection-open", "objection-reject", "read-objection"} <= actions


def test_an_upheld_objection_ends_the_measures_with_a_correction_notice(
    registry: Engine, tmp_path: Path
) -> None:
    record = listed_entry(registry, tmp_path)
    told = events(registry, record)["entry.listed"]
    opened = objections.open_objection(registry, record, reason="主体错误。", by=OPERATOR)
    upheld = objections.resolve(
        registry, opened["id"], outcome="upheld", note="主体登记有误，予以更正。", by=SPC_REVIEWER
    )
    assert upheld["status"] == "upheld"
    assert record_status(registry, record) == "withdrawn"
    assert bond_status(registry) is None, "nothing applies after an upheld objection"
    assert events(registry, record)["entry.corrected"] == told
    with registry.connect() as conn:
        reasons = set(
            conn.execute(
                select(messages.c.reason).where(messages.c.event == "entry.corrected")
            ).scalars()
        )
    assert reasons == {"objection-upheld"}
    # Final: neither resolved again nor disputed again (the record is no longer active).
    with pytest.raises(IllegalTransitionError, match="it is final"):
        objections.resolve(registry, opened["id"], outcome="rejected", note="x", by=OPERATOR)
    with pytest.raises(ConflictError, match="withdrawn: only an active record"):
        objections.open_objection(registry, record, reason="again", by=OPERATOR)


def test_one_open_objection_per_record(registry: Engine, tmp_path: Path) -> None:
    record = listed_entry(registry, tmp_path)
    first = objections.open_objection(registry, record, reason="一", by=OPERATOR)
    with pytest.raises(ConflictError, match=f"objection {first['id']}"):
        objections.open_objection(registry, record, reason="二", by=MPS_IMPLEMENTER)
    with pytest.raises(NotFoundError, match="no credit record 999"):
        objections.open_objection(registry, 999, reason="x", by=OPERATOR)
    with pytest.raises(InvalidInputError, match="reason"):
        objections.open_objection(registry, record, reason="  ", by=OPERATOR)


def test_who_may_resolve_and_withdraw(registry: Engine, tmp_path: Path) -> None:
    record = listed_entry(registry, tmp_path)
    opened = objections.open_objection(registry, record, reason="异议", by=MPS_IMPLEMENTER)
    with pytest.raises(PermissionDeniedError, match="not SPC"):
        objections.resolve(registry, opened["id"], outcome="upheld", note="x", by=NDRC_REVIEWER)
    with pytest.raises(PermissionDeniedError, match="initiator may not resolve"):
        objections.resolve(
            registry, opened["id"], outcome="upheld", note="x", by=Principal("initiator", "SPC")
        )
    with pytest.raises(InvalidInputError, match="note"):
        objections.resolve(registry, opened["id"], outcome="upheld", note=" ", by=SPC_REVIEWER)
    with pytest.raises(InvalidInputError, match="outcome"):
        objections.resolve(registry, opened["id"], outcome="maybe", note="x", by=SPC_REVIEWER)
    with pytest.raises(PermissionDeniedError, match="opened by department MPS"):
        objections.withdraw(registry, opened["id"], by=NDRC_REVIEWER)
    # Another key of the opening department may withdraw it: the department opened it.
    withdrawn = objections.withdraw(
        registry, opened["id"], by=Principal("initiator", "MPS", key_id=77), note="撤回"
    )
    assert withdrawn["status"] == "withdrawn"
    assert record_status(registry, record) == "active"
    assert bond_status(registry) == "applied"
    assert "entry.resumed" in events(registry, record)


def test_lists_show_a_department_its_own_and_overseers_all(
    registry: Engine, tmp_path: Path
) -> None:
    first = listed_entry(registry, tmp_path, 1)
    second = listed_entry(registry, tmp_path, 2)
    by_mps = objections.open_objection(registry, first, reason="a", by=MPS_IMPLEMENTER)
    by_operator = objections.open_objection(registry, second, reason="b", by=OPERATOR)

    def ids(by: Principal) -> list[int]:
        return [o["id"] for o in objections.listed(registry, by=by, limit=10)]

    assert ids(MPS_IMPLEMENTER) == [by_mps["id"]]
    assert ids(SPC_REVIEWER) == [by_operator["id"], by_mps["id"]], "SPC verifies both"
    assert ids(NDRC_REVIEWER) == []
    assert ids(SUPERVISOR) == ids(OPERATOR) == [by_operator["id"], by_mps["id"]]
    with pytest.raises(PermissionDeniedError, match="this key acts for department NDRC"):
        objections.shown(registry, by_mps["id"], by=NDRC_REVIEWER)
    assert objections.listed(registry, by=OPERATOR, limit=10, status="upheld") == []


def test_overdue_verifications_are_listed_with_working_days_late(
    registry: Engine, tmp_path: Path
) -> None:
    record = listed_entry(registry, tmp_path)
    old = listed_entry(registry, tmp_path, 2)
    opened_at = dt.datetime(2026, 9, 30, 2, 0, tzinfo=dt.UTC)  # 30 September in China
    late = objections.open_objection(registry, old, reason="旧", by=OPERATOR, now=opened_at)
    assert late["due"] == "2026-11-03", "20 working days across the National Day holiday"
    fresh = objections.open_objection(registry, record, reason="新", by=OPERATOR)
    now = dt.datetime(2026, 11, 27, 2, 0, tzinfo=dt.UTC)
    overdue = objections.listed(registry, by=OPERATOR, limit=10, overdue=True, now=now)
    assert [o["id"] for o in overdue] == [late["id"]]
    assert overdue[0]["overdue"] is True
    assert overdue[0]["days_late"] == workdays_between(dt.date(2026, 11, 3), TODAY) == 18
    everything = objections.listed(registry, by=OPERATOR, limit=10, now=now)
    assert {o["id"] for o in everything} == {late["id"], fresh["id"]}
    # Resolved, it is no longer overdue.
    objections.resolve(registry, late["id"], outcome="rejected", note="无误", by=OPERATOR)
    assert objections.listed(registry, by=OPERATOR, limit=10, overdue=True, now=now) == []


def test_a_penalty_is_verified_by_its_data_source_department(
    registry: Engine, tmp_path: Path
) -> None:
    samr = load_catalog().departments["SAMR"].name_zh
    rows = [penalty_row(11, CF_SJLY=samr, CF_JDRQ="2026-06-01"), penalty_row(12)]
    summary = import_file(
        registry, "penalty", write_csv(tmp_path / "p.csv", rows, PENALTIES), today=TODAY
    )
    assert summary.accepted == 2
    with registry.connect() as conn:
        ids = dict(
            conn.execute(select(credit_records.c.document_number, credit_records.c.id)).all()
        )
    ours = objections.open_objection(
        registry, ids["京东市监罚〔2024〕11号"], reason="x", by=OPERATOR
    )
    assert ours["department"] == "SAMR"
    assert ours["notified"] == [], "no department had been told of this record"
    unknown = objections.open_objection(
        registry, ids["京东市监罚〔2024〕12号"], reason="x", by=OPERATOR
    )
    assert unknown["department"] is None
    with pytest.raises(PermissionDeniedError, match="only the operator may resolve"):
        objections.resolve(
            registry, unknown["id"], outcome="rejected", note="x", by=Principal("reviewer", "SAMR")
        )
    done = objections.resolve(registry, unknown["id"], outcome="rejected", note="x", by=OPERATOR)
    assert done["status"] == "rejected"


def test_every_step_is_in_the_workflow_history(registry: Engine, tmp_path: Path) -> None:
    record = listed_entry(registry, tmp_path)
    opened = objections.open_objection(
        registry, record, reason="r", by=Principal("operator", name="张三")
    )
    objections.resolve(
        registry, opened["id"], outcome="upheld", note="n", by=Principal("operator", name="李四")
    )
    with registry.connect() as conn:
        history: list[Any] = workflows.events_of(conn, "objection", opened["id"])
    assert [(h["action"], h["actor"]) for h in history] == [
        ("open", "operator:张三"),
        ("uphold", "operator:李四"),
    ]
