"""Initiation and review of list entries on a real registry, both databases: the transition
table, four eyes, nothing in effect before approval, the effect, its messages, history and audit
rows, and the review deadlines (the court removal rule included)."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from sqlalchemy import Engine, select
from tests.check.entries import entry
from tests.importing.rows import resident_id, uscc

from jointcredit import clock
from jointcredit.access import OPERATOR, Principal
from jointcredit.errors import (
    ConflictError,
    IllegalTransitionError,
    InvalidInputError,
    NotFoundError,
    PermissionDeniedError,
)
from jointcredit.rules.workdays import ESTIMATE_WARNING
from jointcredit.services import audit, proposals
from jointcredit.services.check import check
from jointcredit.store import records
from jointcredit.store.tables import credit_records, messages, workflow_events
from jointcredit.workflows.proposal import MACHINE

WANG = Principal("operator", name="wang")
LI = Principal("operator", name="li")
ZHAO = Principal("operator", name="zhao")
INITIATOR = Principal("initiator", "SPC", key_id=101)
REVIEWER = Principal("reviewer", "SPC", key_id=102)
OTHER_REVIEWER = Principal("reviewer", "NDRC", key_id=103)
AS_OF = dt.date(2025, 1, 10)
REP = {"role": "legal-representative", "name": "王测试", "id_number": resident_id(701)}


def _create(serial: int, **fields: Any) -> proposals.Request:
    return proposals.Request("create", entry=entry(serial, **fields))


def _punished(engine: Engine, identifier: str, as_of: dt.date = AS_OF) -> bool:
    result = check(engine, identifier, department="CAAC", matter="air-travel", as_of=as_of)
    return any(d.kind == "punishment" and d.status == "applied" for d in result.decisions)


def _messages(engine: Engine, record_id: int) -> list[Any]:
    with engine.connect() as conn:
        return list(
            conn.execute(
                select(messages.c.event, messages.c.reason, messages.c.department).where(
                    messages.c.record_id == record_id
                )
            )
        )


def _audit(engine: Engine, action: str) -> list[dict[str, Any]]:
    return audit.page(engine, by=OPERATOR, limit=100, action=action)


# -- the table ------------------------------------------------------------------------------------


def test_the_transition_table() -> None:
    assert MACHINE.table() == [
        {"action": "approve", "from": ["submitted"], "to": "approved"},
        {"action": "return", "from": ["submitted"], "to": "returned"},
        {"action": "resubmit", "from": ["returned"], "to": "submitted"},
        {"action": "withdraw", "from": ["returned", "submitted"], "to": "withdrawn"},
    ]
    assert MACHINE.final("approved") and MACHINE.final("withdrawn")
    with pytest.raises(IllegalTransitionError, match="approved: it cannot be approved again"):
        MACHINE.step("proposal 1", "approved", "approve")


# -- the whole loop -------------------------------------------------------------------------------


def test_an_entry_takes_effect_only_when_approved(registry: Engine) -> None:
    company = uscc(1)
    proposed = proposals.submit(registry, _create(1, persons=[REP]), by=INITIATOR)
    assert proposed["status"] == "submitted" and proposed["record_id"] is None
    assert proposed["submitted_by"] == "key:101" and proposed["department"] == "SPC"
    assert proposed["next_actions"] == ["approve", "return", "withdraw"]
    # Proposed is not listed: the registry does not know the subject, the check applies nothing.
    with registry.connect() as conn:
        assert conn.execute(select(credit_records.c.id)).first() is None
    assert not _punished(registry, company) and not _punished(registry, REP["id_number"])

    approved = proposals.approve(registry, proposed["id"], by=REVIEWER, note="核对无误")
    assert approved["status"] == "approved" and approved["reviewed_by"] == "key:102"
    assert approved["note"] == "核对无误" and approved["next_actions"] == []
    record_id = approved["record_id"]
    assert _punished(registry, company) and _punished(registry, REP["id_number"])

    told = _messages(registry, record_id)
    assert told and {(e, r) for e, r, _ in told} == {("entry.listed", None)}
    assert "CAAC" in {d for _, _, d in told}
    assert approved["messages"] == len(told)

    with registry.connect() as conn:
        history = records.record_history_of(conn, record_id)
    assert [h["actor"] for h in history] == ["key:102"]
    assert history[0]["payload"]["_proposal"] == proposed["id"]

    shown = proposals.get(registry, proposed["id"], by=INITIATOR)
    assert [
        (s["action"], s["from_status"], s["to_status"], s["actor"]) for s in shown["history"]
    ] == [
        ("submit", None, "submitted", "key:101"),
        ("approve", "submitted", "approved", "key:102"),
    ]
    assert shown["history"][1]["note"] == "核对无误" and shown["history"][1]["role"] == "reviewer"

    (propose,) = _audit(registry, "propose")
    assert propose["detail"] == {"proposal": proposed["id"], "action": "create", "to": "submitted"}
    assert propose["key_id"] == 101 and propose["subject"] == company
    (approve,) = _audit(registry, "approve-proposal")
    assert approve["record_id"] == record_id and approve["key_id"] == 102
    assert approve["detail"]["event"] == "entry.listed"
    assert approve["detail"]["messages"] == len(told)
    assert _audit(registry, "read-proposal")


def test_every_transition_legal_and_illegal(registry: Engine) -> None:
    def at(status: str, serial: int) -> int:
        made = proposals.submit(registry, _create(serial), by=WANG)["id"]
        if status in ("returned", "withdrawn-from-returned"):
            proposals.return_(registry, made, by=LI, note="补充材料")
        if status == "approved":
            proposals.approve(registry, made, by=LI)
        if status.startswith("withdrawn"):
            proposals.withdraw(registry, made, by=WANG)
        return made

    steps = {
        "approve": lambda p: proposals.approve(registry, p, by=LI),
        "return": lambda p: proposals.return_(registry, p, by=LI, note="不全"),
        "resubmit": lambda p: proposals.resubmit(registry, p, by=WANG),
        "withdraw": lambda p: proposals.withdraw(registry, p, by=WANG),
    }
    serial = 10
    for status in ("submitted", "returned", "approved", "withdrawn", "withdrawn-from-returned"):
        plain = status.split("-")[0]
        for action, step in steps.items():
            serial += 1
            item = at(status, serial)
            transition = MACHINE.transitions[action]
            if plain in transition.sources:
                assert step(item)["status"] == transition.target, (status, action)
                events = proposals.get(registry, item, by=OPERATOR)["history"]
                assert (events[-1]["action"], events[-1]["from_status"]) == (action, plain)
            else:
                with pytest.raises(IllegalTransitionError, match=f"proposal {item} is {plain}"):
                    step(item)
                assert proposals.get(registry, item, by=OPERATOR)["status"] == plain


def test_four_eyes(registry: Engine) -> None:
    made = proposals.submit(registry, _create(21), by=WANG)["id"]
    for step in (
        lambda: proposals.approve(registry, made, by=WANG),
        lambda: proposals.return_(registry, made, by=WANG, note="x"),
    ):
        with pytest.raises(IllegalTransitionError, match="four eyes: operator:wang submitted"):
            step()
    with pytest.raises(IllegalTransitionError, match="needs the operator's name"):
        proposals.approve(registry, made, by=OPERATOR)
    # A reviewer of another department may not; an initiator may not review at all.
    with pytest.raises(PermissionDeniedError, match="acts for department NDRC, not SPC"):
        proposals.approve(registry, made, by=OTHER_REVIEWER)
    with pytest.raises(PermissionDeniedError, match="initiator may not review"):
        proposals.approve(registry, made, by=INITIATOR)
    # Whoever resubmitted put content in it too: not them either.
    proposals.return_(registry, made, by=LI, note="改正文号")
    proposals.resubmit(registry, made, by=LI)
    with pytest.raises(IllegalTransitionError, match="four eyes: operator:li"):
        proposals.approve(registry, made, by=LI)
    assert proposals.approve(registry, made, by=ZHAO)["reviewed_by"] == "operator:zhao"
    assert proposals.get(registry, made, by=OPERATOR)["status"] == "approved"


def test_return_needs_a_note_and_resubmit_replaces_the_content(registry: Engine) -> None:
    made = proposals.submit(registry, _create(31), by=INITIATOR)["id"]
    with pytest.raises(InvalidInputError, match="note: required"):
        proposals.return_(registry, made, by=REVIEWER, note="  ")
    returned = proposals.return_(registry, made, by=REVIEWER, note="有效期写错")
    assert returned["status"] == "returned" and returned["note"] == "有效期写错"
    fixed = proposals.Request("", entry=entry(31, valid_until="2027-03-04"))
    again = proposals.resubmit(registry, made, fixed, by=INITIATOR, note="已改")
    assert again["status"] == "submitted"
    assert again["payload"]["valid_until"] == "2027-03-04"
    proposals.return_(registry, made, by=REVIEWER, note="再查")
    with pytest.raises(InvalidInputError, match=f"proposal {made} is a create"):
        proposals.resubmit(registry, made, proposals.Request("end"), by=INITIATOR)
    record = proposals.approve(
        registry,
        proposals.resubmit(registry, made, by=INITIATOR)["id"],
        by=REVIEWER,
    )["record_id"]
    with registry.connect() as conn:
        until = conn.execute(
            select(credit_records.c.valid_until).where(credit_records.c.id == record)
        ).scalar_one()
    assert until == dt.date(2027, 3, 4)


def test_a_bad_entry_is_refused_when_proposed(registry: Engine) -> None:
    bad = entry(41, persons=[{"role": "boss", "name": "x", "id_number": "1"}], decided_on="")
    with pytest.raises(InvalidInputError) as caught:
        proposals.submit(registry, proposals.Request("create", entry=bad), by=INITIATOR)
    assert {p["field"] for p in caught.value.problems or []} == {"decided_on", "persons[0].role"}
    with pytest.raises(PermissionDeniedError, match="submits for department SPC, not NDRC"):
        proposals.submit(registry, _create(42, department="NDRC"), by=INITIATOR)
    with pytest.raises(InvalidInputError, match="leave document_number out"):
        proposals.submit(
            registry,
            proposals.Request("create", entry=entry(43), document_number="另一个文号"),
            by=INITIATOR,
        )
    with registry.connect() as conn:
        assert conn.execute(select(workflow_events.c.id)).first() is None


def test_nothing_is_proposed_twice(registry: Engine) -> None:
    made = proposals.submit(registry, _create(51), by=INITIATOR)
    with pytest.raises(ConflictError, match=f"proposal {made['id']} \\(submitted\\) already"):
        proposals.submit(registry, _create(51), by=INITIATOR)
    proposals.approve(registry, made["id"], by=REVIEWER)
    with pytest.raises(ConflictError, match="already holds this entry as it is"):
        proposals.submit(registry, _create(51), by=INITIATOR)


# -- change and end -------------------------------------------------------------------------------


def _listed(engine: Engine, serial: int, **fields: Any) -> int:
    made = proposals.submit(engine, _create(serial, **fields), by=WANG)["id"]
    record_id: int = proposals.approve(engine, made, by=LI)["record_id"]
    return record_id


def test_a_change_is_a_new_version_of_the_entry(registry: Engine) -> None:
    record_id = _listed(registry, 61)
    change = proposals.Request(
        "change",
        record_id=record_id,
        changes={"valid_until": "2026-09-04", "document_number": "（2024）京0101执61号之一"},
        document_number="（2024）京0101执61号之一",
        legal_basis="《最高人民法院关于公布失信被执行人名单信息的若干规定》第二条",
        reason="失信行为加重，延长期限",
    )
    made = proposals.submit(registry, change, by=WANG)
    assert made["record_id"] == record_id and made["payload"]["changes"]["valid_until"]
    with pytest.raises(
        ConflictError, match=f"already has an open proposal to change it \\(proposal {made['id']}"
    ):
        proposals.submit(registry, change, by=WANG)
    approved = proposals.approve(registry, made["id"], by=LI)
    with registry.connect() as conn:
        row = (
            conn.execute(select(credit_records).where(credit_records.c.id == record_id))
            .mappings()
            .one()
        )
    assert (row["version"], row["valid_until"], row["status"]) == (2, dt.date(2026, 9, 4), "active")
    assert row["document_number"] == "（2024）京0101执61号之一"
    assert {e for e, _, _ in _messages(registry, record_id)} == {"entry.listed", "entry.changed"}
    assert approved["messages"] > 0

    # Taking the extension back is a change too (a new version), not a repeat to skip.
    back = proposals.submit(
        registry,
        proposals.Request(
            "change",
            record_id=record_id,
            changes={"valid_until": None, "document_number": "（2024）京0101执61号"},
            document_number="（2024）京0101执61号之二",
            legal_basis="同上",
        ),
        by=WANG,
    )
    proposals.approve(registry, back["id"], by=LI)
    with registry.connect() as conn:
        version, until = conn.execute(
            select(credit_records.c.version, credit_records.c.valid_until).where(
                credit_records.c.id == record_id
            )
        ).one()
    assert (version, until) == (3, dt.date(2026, 3, 4))


def test_what_a_change_may_not_do(registry: Engine) -> None:
    record_id = _listed(registry, 71)
    asked = {"document_number": "D", "legal_basis": "L"}
    with pytest.raises(InvalidInputError, match=r"changes\.list_type: not a field a change"):
        proposals.submit(
            registry,
            proposals.Request("change", record_id=record_id, changes={"list_type": "x"}, **asked),
            by=WANG,
        )
    with pytest.raises(InvalidInputError, match="valid_until"):
        proposals.submit(
            registry,
            proposals.Request(
                "change", record_id=record_id, changes={"valid_until": "2020-01-01"}, **asked
            ),
            by=WANG,
        )
    with pytest.raises(InvalidInputError, match="change nothing"):
        proposals.submit(
            registry,
            proposals.Request(
                "change", record_id=record_id, changes={"valid_until": "2026-03-04"}, **asked
            ),
            by=WANG,
        )
    with pytest.raises(InvalidInputError, match="legal_basis: required"):
        proposals.submit(
            registry,
            proposals.Request(
                "change",
                record_id=record_id,
                changes={"valid_until": "2026-05-04"},
                document_number="D",
            ),
            by=WANG,
        )
    with pytest.raises(NotFoundError):
        proposals.submit(
            registry, proposals.Request("end", record_id=9999, reason="r", **asked), by=WANG
        )
    with pytest.raises(PermissionDeniedError):
        proposals.submit(
            registry,
            proposals.Request("end", record_id=record_id, reason="r", **asked),
            by=Principal("initiator", "NDRC", key_id=9),
        )


def test_an_early_end_cancels_the_entry_and_tells_everyone_told(registry: Engine) -> None:
    record_id = _listed(registry, 81, valid_until="2099-12-31")
    asked = {"document_number": "（2024）京0101执81号之一", "legal_basis": "法释〔2017〕7号第十条"}
    with pytest.raises(InvalidInputError, match="reason: required"):
        proposals.submit(registry, proposals.Request("end", record_id=record_id, **asked), by=WANG)
    made = proposals.submit(
        registry,
        proposals.Request("end", record_id=record_id, reason="已缴清税款", **asked),
        by=WANG,
    )
    assert made["payload"]["grounds_ended_on"] is None
    assert _punished(registry, uscc(81), clock.today())
    proposals.approve(registry, made["id"], by=LI)
    with registry.connect() as conn:
        row = conn.execute(
            select(credit_records.c.status, credit_records.c.valid_until).where(
                credit_records.c.id == record_id
            )
        ).one()
        history = records.record_history_of(conn, record_id)
    assert row.status == "cancelled" and row.valid_until is not None  # kept for history
    assert "已缴清税款" in history[-1]["payload"]["_status_reason"]
    assert not _punished(registry, uscc(81), clock.today())
    assert _punished(registry, uscc(81), AS_OF)  # what held then still held then
    told = _messages(registry, record_id)
    listed = {d for e, _, d in told if e == "entry.listed"}
    ended = {d for e, r, d in told if e == "entry.ended" and r == "early-end"}
    assert listed and ended >= listed
    with pytest.raises(ConflictError, match="is cancelled: only an active or disputed entry"):
        proposals.submit(
            registry, proposals.Request("end", record_id=record_id, reason="r", **asked), by=WANG
        )


# -- deadlines ------------------------------------------------------------------------------------

#: 30 September 2026 in China: the National Day holiday follows.
BEFORE_HOLIDAY = dt.datetime(2026, 9, 30, 2, 0, tzinfo=dt.UTC)


def test_review_due_in_working_days(registry: Engine) -> None:
    made = proposals.submit(registry, _create(91), by=WANG, now=BEFORE_HOLIDAY)
    assert (made["due"], made["due_estimated"], made["due_warning"]) == ("2026-10-13", False, None)


def test_a_court_entry_whose_grounds_ended_is_due_for_removal_in_3_working_days(
    registry: Engine,
) -> None:
    record_id = _listed(registry, 92)
    asked = {"document_number": "（2026）京0101执恢1号", "legal_basis": "法释〔2017〕7号第十条"}
    grounds = proposals.submit(
        registry,
        proposals.Request(
            "end", record_id=record_id, reason="已履行", grounds_ended_on="2026-09-28", **asked
        ),
        by=WANG,
        now=BEFORE_HOLIDAY,
    )
    # Removal: 3 working days from 28 September is 8 October, before the review's 13 October.
    assert grounds["due"] == "2026-10-08"
    proposals.withdraw(registry, grounds["id"], by=WANG)
    plain = proposals.submit(
        registry,
        proposals.Request("end", record_id=record_id, reason="撤销", **asked),
        by=WANG,
        now=BEFORE_HOLIDAY,
    )
    assert plain["due"] == "2026-10-13"
    proposals.withdraw(registry, plain["id"], by=WANG)
    made = proposals.submit(
        registry,
        proposals.Request(
            "end", record_id=record_id, reason="已履行", grounds_ended_on="2026-11-02", **asked
        ),
        by=WANG,
    )
    proposals.approve(registry, made["id"], by=LI)
    assert {r for e, r, _ in _messages(registry, record_id) if e == "entry.ended"} == {
        "grounds-ended"
    }


def test_a_due_day_beyond_the_known_calendar_says_so(registry: Engine) -> None:
    made = proposals.submit(
        registry, _create(93), by=WANG, now=dt.datetime(2031, 3, 3, 2, 0, tzinfo=dt.UTC)
    )
    assert (made["due"], made["due_estimated"]) == ("2031-03-10", True)
    assert made["due_warning"] == ESTIMATE_WARNING


# -- reading --------------------------------------------------------------------------------------


def test_lists_by_department_status_and_overdue(registry: Engine) -> None:
    late = proposals.submit(registry, _create(95), by=INITIATOR, now=BEFORE_HOLIDAY)["id"]
    fresh = proposals.submit(registry, _create(96), by=INITIATOR)["id"]
    ndrc = proposals.submit(
        registry, _create(97, department="NDRC"), by=Principal("initiator", "NDRC", key_id=7)
    )["id"]
    proposals.return_(registry, fresh, by=REVIEWER, note="x")

    def ids(by: Principal, **kw: Any) -> list[int]:
        return [p["id"] for p in proposals.listed(registry, by=by, limit=50, **kw)]

    assert ids(INITIATOR) == [fresh, late]
    assert ids(OPERATOR) == [ndrc, fresh, late]
    assert ids(Principal("supervisor", "MPS", key_id=8), department="NDRC") == [ndrc]
    assert ids(REVIEWER, status="returned") == [fresh]
    assert ids(REVIEWER, status="submitted") == [late]
    assert ids(REVIEWER, overdue=True) == [late]
    assert proposals.listed(registry, by=REVIEWER, limit=50, overdue=True)[0]["overdue"]
    # Returned, it waits for its initiator: no longer overdue for review.
    proposals.return_(registry, late, by=REVIEWER, note="y")
    assert ids(REVIEWER, overdue=True) == []
    proposals.resubmit(registry, late, by=INITIATOR)
    assert ids(REVIEWER, overdue=True) == []  # the time limit starts again
    assert [p["id"] for p in proposals.listed(registry, by=OPERATOR, limit=1, offset=1)] == [fresh]
    with pytest.raises(PermissionDeniedError):
        ids(REVIEWER, department="NDRC")
    with pytest.raises(InvalidInputError, match="status"):
        ids(REVIEWER, status="pending")
    with pytest.raises(NotFoundError):
        proposals.get(registry, ndrc, by=REVIEWER)
    with pytest.raises(PermissionDeniedError):
        proposals.listed(registry, by=Principal("implementer", "SPC", key_id=9), limit=5)
    assert [ndrc, fresh, late] in [
        r["detail"]["proposals"] for r in _audit(registry, "read-proposals")
    ]
