"""Reports (举报) as cases on a real registry, both databases: received → assigned → under
investigation → closed, who may take which step, notes and history, the time limit, and the
receipt code with which the reporter (and only the reporter) follows the report."""

from __future__ import annotations

import datetime as dt
import hashlib
import re
from typing import Any

import pytest
from sqlalchemy import Engine, insert, select, text

from jointcredit import clock
from jointcredit.access import OPERATOR, PUBLIC, Principal
from jointcredit.errors import (
    IllegalTransitionError,
    InvalidInputError,
    NotFoundError,
    PermissionDeniedError,
)
from jointcredit.rules.workdays import add_workdays, workdays_between
from jointcredit.services import staff, tipoffs
from jointcredit.store import migrate
from jointcredit.store import workflows as workflow_store
from jointcredit.store.db import make_engine
from jointcredit.store.tables import audit_log, reports, workflow_events
from jointcredit.workflows.tipoff import MACHINE

SPC_REVIEWER = Principal("reviewer", "SPC", name="spc.li")
NDRC_REVIEWER = Principal("reviewer", "NDRC", name="ndrc.wang")
SPC_INITIATOR = Principal("initiator", "SPC", name="spc.zhao")
COMPANY = "91110101JC00000108"
RECEIPT = re.compile(r"^[A-Z2-7]{4}-[A-Z2-7]{4}-[A-Z2-7]{4}-[A-Z2-7]{4}$")
REPORTER = tipoffs.Reporter(name="举报人钱测试", contact="reporter-tipoff@example.com")


def submit(engine: Engine, **kw: Any) -> dict[str, Any]:
    return tipoffs.submit(
        engine,
        by=PUBLIC,
        department="SPC",
        subject=COMPANY,
        subject_name="北京测试科技有限公司",
        description="该公司疑似转移财产规避执行。",
        reporter=REPORTER,
        **kw,
    )


def history(engine: Engine, report_id: int) -> list[tuple[str, str | None, str, str | None]]:
    with engine.connect() as conn:
        return [
            (e["action"], e["from_status"], e["to_status"], e["note"])
            for e in workflow_store.events_of(conn, "tipoff", report_id)
        ]


def audit_rows(engine: Engine) -> list[dict[str, Any]]:
    with engine.connect() as conn:
        return [dict(r) for r in conn.execute(select(audit_log)).mappings()]


def test_the_machine() -> None:
    assert MACHINE.actions_from("received") == ["assign", "close"]
    assert MACHINE.actions_from("assigned") == ["assign", "close", "investigate"]
    assert MACHINE.actions_from("investigating") == ["close"]
    assert MACHINE.final("closed")


def test_the_life_of_a_report(registry: Engine) -> None:
    made = submit(registry)
    assert RECEIPT.match(made["receipt"]), made["receipt"]
    assert made["status"] == "received" and made["handler"] is None
    assert made["outcome"] is None and made["closed_at"] is None
    today = clock.china_day(clock.now())
    deadline = add_workdays(today, 15)
    assert made["due"] == deadline.day.isoformat()
    assert made["due_estimated"] is deadline.estimated
    assert made["overdue"] is False and made["days_late"] is None
    assert "reporter" not in made and "reporter_ciphertext" not in made
    report = made["id"]

    followed = tipoffs.follow(registry, made["receipt"])
    assert followed["status"] == "received"
    assert followed["status_label"] == {"zh": "已收到", "en": "Received"}
    assert followed["outcome"] is None and followed["outcome_label"] is None
    assert followed["due"] == made["due"] and followed["closed_at"] is None
    assert followed["received_at"] == made["received_at"]

    assigned = tipoffs.assign(registry, report, handler="spc.li", by=SPC_REVIEWER)
    assert assigned["status"] == "assigned" and assigned["handler"] == "spc.li"
    # Assigned again, to someone else, before the investigation starts.
    again = tipoffs.assign(registry, report, handler="spc.sun", note="李某回避。", by=SPC_REVIEWER)
    assert again["handler"] == "spc.sun"
    # What the reporter reads says nothing of who handles it.
    followed = tipoffs.follow(registry, made["receipt"])
    assert followed["status_label"] == {"zh": "办理中", "en": "Being handled"}
    assert "handler" not in followed and "description" not in followed

    investigating = tipoffs.investigate(registry, report, by=SPC_REVIEWER)
    assert investigating["status"] == "investigating"
    closed = tipoffs.close(
        registry,
        report,
        outcome="substantiated",
        note="经调查，转移财产属实，已依法处理。",
        by=SPC_REVIEWER,
    )
    assert closed["status"] == "closed" and closed["outcome"] == "substantiated"
    assert closed["closed_at"] is not None and closed["referred_to"] is None
    assert closed["due"] == made["due"], "the limit runs from receipt"

    followed = tipoffs.follow(registry, made["receipt"])
    assert followed["status"] == "closed"
    assert followed["status_label"] == {"zh": "已办结", "en": "Closed"}
    assert followed["outcome"] == "substantiated"
    assert followed["outcome_label"] == {"zh": "举报属实", "en": "Substantiated"}
    assert followed["closed_at"] == closed["closed_at"]

    assert history(registry, report) == [
        ("receive", None, "received", None),
        ("assign", "received", "assigned", None),
        ("assign", "assigned", "assigned", "李某回避。"),
        ("investigate", "assigned", "investigating", None),
        ("close", "investigating", "closed", "经调查，转移财产属实，已依法处理。"),
    ]
    shown = tipoffs.shown(registry, report, by=SPC_REVIEWER)
    assert [h["action"] for h in shown["history"]] == [
        "receive",
        "assign",
        "assign",
        "investigate",
        "close",
    ]
    assert shown["history"][1]["actor"] == "reviewer:spc.li"
    steps = [r for r in audit_rows(registry) if str(r["action"]).startswith("report-")]
    assert [r["action"] for r in steps] == [
        "report-submit",
        "report-assign",
        "report-assign",
        "report-investigate",
        "report-close",
    ]
    assert all(r["record_id"] == report and r["subject"] == COMPANY for r in steps)
    # (the audit adds who acted by name)
    assert steps[-1]["detail"] == {"report": report, "status": "closed", "by": "spc.li"}


def test_closed_at_once_as_referred(registry: Engine) -> None:
    report = submit(registry)["id"]
    close = tipoffs.close
    with pytest.raises(InvalidInputError, match="referred_to: name"):
        close(registry, report, outcome="referred", note="非本部门职责。", by=SPC_REVIEWER)
    with pytest.raises(InvalidInputError, match=r"referred_to: report .* SPC's own"):
        close(
            registry,
            report,
            outcome="referred",
            referred_to="SPC",
            note="x",
            by=SPC_REVIEWER,
        )
    with pytest.raises(InvalidInputError, match="referred_to: 'NOPE' is not in the catalog"):
        close(registry, report, outcome="referred", referred_to="NOPE", note="x", by=SPC_REVIEWER)
    with pytest.raises(InvalidInputError, match="referred_to: only"):
        close(
            registry,
            report,
            outcome="unsubstantiated",
            referred_to="SAMR",
            note="x",
            by=SPC_REVIEWER,
        )
    with pytest.raises(InvalidInputError, match="outcome: 'maybe'"):
        close(registry, report, outcome="maybe", note="x", by=SPC_REVIEWER)
    with pytest.raises(InvalidInputError, match="note"):
        close(registry, report, outcome="unsubstantiated", note="  ", by=SPC_REVIEWER)
    assert history(registry, report) == [("receive", None, "received", None)]

    receipt_report = submit(registry)
    closed = close(
        registry,
        receipt_report["id"],
        outcome="referred",
        referred_to="SAMR",
        note="属市场监管职责，移交市场监管总局。",
        by=SPC_REVIEWER,
    )
    assert closed["status"] == "closed" and closed["referred_to"] == "SAMR"
    assert closed["handler"] is None
    followed = tipoffs.follow(registry, receipt_report["receipt"])
    assert followed["referred_to"] == "SAMR"
    assert followed["outcome_label"] == {
        "zh": "已移交有关部门办理",
        "en": "Referred to another department",
    }


def test_illegal_steps(registry: Engine) -> None:
    report = submit(registry)["id"]
    with pytest.raises(IllegalTransitionError, match=f"report {report} is received"):
        tipoffs.investigate(registry, report, by=SPC_REVIEWER)
    tipoffs.assign(registry, report, handler="spc.li", by=SPC_REVIEWER)
    tipoffs.investigate(registry, report, by=SPC_REVIEWER)
    with pytest.raises(IllegalTransitionError):
        tipoffs.assign(registry, report, handler="spc.sun", by=SPC_REVIEWER)
    with pytest.raises(IllegalTransitionError):
        tipoffs.investigate(registry, report, by=SPC_REVIEWER)
    tipoffs.close(registry, report, outcome="unsubstantiated", note="查无实据。", by=OPERATOR)
    for step in (
        lambda: tipoffs.close(registry, report, outcome="substantiated", note="x", by=SPC_REVIEWER),
        lambda: tipoffs.assign(registry, report, handler="spc.li", by=SPC_REVIEWER),
    ):
        with pytest.raises(IllegalTransitionError, match="closed"):
            step()
    with pytest.raises(NotFoundError, match="no report 9999"):
        tipoffs.assign(registry, 9999, handler="spc.li", by=SPC_REVIEWER)


def test_only_the_department_and_the_operator_handle_it(registry: Engine) -> None:
    report = submit(registry)["id"]
    with pytest.raises(PermissionDeniedError, match="not SPC"):
        tipoffs.assign(registry, report, handler="ndrc.wang", by=NDRC_REVIEWER)
    with pytest.raises(PermissionDeniedError, match="initiator may not handle-reports"):
        tipoffs.assign(registry, report, handler="spc.zhao", by=SPC_INITIATOR)
    with pytest.raises(PermissionDeniedError, match="not SPC"):
        tipoffs.shown(registry, report, by=NDRC_REVIEWER)
    with pytest.raises(PermissionDeniedError):
        tipoffs.note(registry, report, note="x", by=NDRC_REVIEWER)
    assert tipoffs.listed(registry, by=NDRC_REVIEWER, limit=10) == []
    assert [r["id"] for r in tipoffs.listed(registry, by=SPC_REVIEWER, limit=10)] == [report]
    assert [r["id"] for r in tipoffs.listed(registry, by=OPERATOR, limit=10)] == [report]
    # The public reports but never reads.
    with pytest.raises(Exception, match="API key"):
        tipoffs.listed(registry, by=PUBLIC, limit=10)
    done = tipoffs.assign(registry, report, handler="spc.li", by=OPERATOR)
    assert done["status"] == "assigned"
    assert history(registry, report)[-1][0] == "assign"


def test_the_handler_is_one_of_the_departments_accounts(registry: Engine) -> None:
    report = submit(registry)["id"]
    with pytest.raises(InvalidInputError, match="handler: name"):
        tipoffs.assign(registry, report, handler="  ", by=SPC_REVIEWER)
    with pytest.raises(InvalidInputError, match="handler: at most 200"):
        tipoffs.assign(registry, report, handler="x" * 201, by=SPC_REVIEWER)
    staff.create(
        registry,
        username="spc.li",
        password="Correct-horse-battery-42",
        department="SPC",
        role="reviewer",
        by=OPERATOR,
    )
    staff.create(
        registry,
        username="spc.wu",
        password="Correct-horse-battery-42",
        department="SPC",
        role="initiator",
        by=OPERATOR,
    )
    with pytest.raises(InvalidInputError, match=r"handler: 'spc\.nobody' .* department SPC"):
        tipoffs.assign(registry, report, handler="spc.nobody", by=SPC_REVIEWER)
    # An account of the department whose role does not handle reports is not offered, and
    # not taken: the console's choices and the step's check are one rule.
    assert [h["username"] for h in tipoffs.handlers(registry, by=SPC_REVIEWER)] == ["spc.li"]
    with pytest.raises(InvalidInputError, match=r"that do: spc\.li\)"):
        tipoffs.assign(registry, report, handler="spc.wu", by=SPC_REVIEWER)
    assert tipoffs.assign(registry, report, handler="spc.li", by=SPC_REVIEWER)["handler"] == (
        "spc.li"
    )


def test_notes_go_to_the_history(registry: Engine) -> None:
    report = submit(registry)["id"]
    with pytest.raises(InvalidInputError, match="note"):
        tipoffs.note(registry, report, note=" ", by=SPC_REVIEWER)
    shown = tipoffs.note(registry, report, note="已电话联系被举报单位。", by=SPC_REVIEWER)
    assert shown["status"] == "received"
    assert shown["history"][-1]["action"] == "note"
    assert shown["history"][-1]["note"] == "已电话联系被举报单位。"
    assert history(registry, report)[-1] == (
        "note",
        "received",
        "received",
        "已电话联系被举报单位。",
    )


def test_the_receipt_code(registry: Engine) -> None:
    made = submit(registry)
    code = made["receipt"]
    # Typed by a person: lower case, spaces instead of dashes.
    assert tipoffs.follow(registry, code.lower().replace("-", " "))["status"] == "received"
    wrong = ("A" if code[0] != "A" else "B") + code[1:]
    for bad in (wrong, "", "not a code", code + "A", code.replace(code[5], "1")):
        with pytest.raises(NotFoundError, match="no report with this receipt code"):
            tipoffs.follow(registry, bad)
    with registry.connect() as conn:
        row = conn.execute(select(reports).where(reports.c.id == made["id"])).mappings().one()
    normal = code.replace("-", "")
    assert row["receipt_digest"] == hashlib.sha256(normal.encode()).hexdigest()
    # Neither the code nor the reporter anywhere in the audit log; the case's queries do not
    # even read the digest.
    rows = audit_rows(registry)
    blob = repr(rows)
    assert code not in blob and normal not in blob and REPORTER.contact not in blob
    assert row["receipt_digest"] not in blob
    follows = [r for r in rows if r["action"] == "follow-report"]
    assert len(follows) == 1 and all(r["detail"] == {"report": made["id"]} for r in follows)
    assert "receipt_digest" not in tipoffs.shown(registry, made["id"], by=SPC_REVIEWER)
    # Two reports, two codes.
    assert submit(registry)["receipt"] != code


def test_due_and_overdue(registry: Engine) -> None:
    received = dt.datetime(2026, 11, 2, 2, 0, tzinfo=dt.UTC)  # Monday 2 November, in China
    made = submit(registry, now=received)
    due = dt.date.fromisoformat(made["due"])
    assert due == add_workdays(dt.date(2026, 11, 2), 15).day
    assert made["received_at"] == "2026-11-02T02:00:00+00:00"
    report = made["id"]
    before = dt.datetime.combine(due, dt.time(3), tzinfo=dt.UTC)
    later = dt.datetime.combine(due + dt.timedelta(days=7), dt.time(3), tzinfo=dt.UTC)
    assert tipoffs.listed(registry, by=SPC_REVIEWER, limit=10, overdue=True, now=before) == []
    [late] = tipoffs.listed(registry, by=SPC_REVIEWER, limit=10, overdue=True, now=later)
    assert late["id"] == report and late["overdue"] is True
    assert late["days_late"] == workdays_between(due, clock.china_day(later))
    assert tipoffs.QUEUE.time_left(late, now=later)["urgency"] == "overdue"
    # Assigning it gives it no more time.
    assigned = tipoffs.assign(registry, report, handler="spc.li", by=SPC_REVIEWER, now=later)
    assert assigned["due"] == made["due"] and assigned["overdue"] is True
    closed = tipoffs.close(
        registry, report, outcome="unsubstantiated", note="查无实据。", by=SPC_REVIEWER, now=later
    )
    assert closed["overdue"] is False and closed["days_late"] is None
    assert tipoffs.listed(registry, by=SPC_REVIEWER, limit=10, overdue=True, now=later) == []
    assert [
        r["id"] for r in tipoffs.listed(registry, by=SPC_REVIEWER, limit=10, status="closed")
    ] == [report]


# -- the migration ---------------------------------------------------------------------------


def test_the_migration_makes_existing_reports_cases(db_url: str) -> None:
    engine = make_engine(db_url)
    migrate.upgrade(engine, "0013")
    received = dt.datetime(2026, 11, 2, 2, 0, tzinfo=dt.UTC)
    with engine.begin() as conn:
        for status in ("received", "in-review", "closed"):
            conn.execute(
                text(
                    "INSERT INTO reports (department, subject, description, "
                    "reporter_ciphertext, key_id, status, received_at) VALUES "
                    "('SPC', :subject, '举报', 'sealed', 'k1', :status, :at)"
                ),
                {"subject": COMPANY, "status": status, "at": received},
            )
    migrate.upgrade(engine)
    with engine.connect() as conn:
        rows = list(conn.execute(select(reports).order_by(reports.c.id)).mappings())
    assert [r["status"] for r in rows] == ["received", "investigating", "closed"]
    deadline = add_workdays(dt.date(2026, 11, 2), 15)
    for row in rows:
        assert row["due"] == deadline.day and row["due_estimated"] is deadline.estimated
        assert clock.utc(row["updated_at"]) == received
        assert row["receipt_digest"] is None and row["handler"] is None
    # The history takes reports now, and the new statuses hold.
    with engine.begin() as conn:
        conn.execute(
            insert(workflow_events).values(
                workflow="tipoff",
                item_id=rows[0]["id"],
                action="assign",
                from_status="received",
                to_status="assigned",
                actor="operator",
                at=received,
            )
        )
        conn.execute(
            reports.update().where(reports.c.id == rows[0]["id"]).values(status="assigned")
        )
    # And back: the in-between statuses become the old "in-review"; the history stays.
    migrate.downgrade(engine, "0013")
    with engine.connect() as conn:
        statuses = conn.execute(text("SELECT status FROM reports ORDER BY id")).scalars().all()
        kept = conn.execute(
            text("SELECT count(*) FROM workflow_events WHERE workflow = 'tipoff'")
        ).scalar_one()
    assert statuses == ["in-review", "in-review", "closed"]
    assert kept == 1
    migrate.upgrade(engine)
    assert migrate.current_revision(engine) == migrate.head_revision()
    engine.dispose()
