"""The casework core: every kind is defined on the vocabulary, and what a kind says a principal
may do with a case is what the services then let it do (objections and repairs, both databases).
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import CheckConstraint, Engine, select, update
from sqlalchemy.exc import DBAPIError
from tests.importing.rows import uscc
from tests.workflows.test_objections import listed_entry
from tests.workflows.test_repairs import PROMISE, tax_entry

from jointcredit.access import OPERATOR, Principal, subject_principal
from jointcredit.choices import Choice, ChoiceSet
from jointcredit.choices.cases import CASE_KINDS, CASE_STEPS, STATUSES
from jointcredit.errors import (
    AuthenticationError,
    IllegalTransitionError,
    InvalidInputError,
    NotFoundError,
    PermissionDeniedError,
)
from jointcredit.messages.errors import error_text
from jointcredit.services import objections, repairs
from jointcredit.settings import get_settings
from jointcredit.store.cases import TABLES
from jointcredit.store.tables import audit_log, case_attachments, workflow_events
from jointcredit.workflows.casework import ALL, OVERDUE, CaseKind, Step
from jointcredit.workflows.kinds import KINDS
from jointcredit.workflows.machine import Machine, Transition

REFUSED = (PermissionDeniedError, NotFoundError, AuthenticationError, IllegalTransitionError)


def _check_of(table: Any, column: str) -> str:
    found = [
        str(c.sqltext)
        for c in table.constraints
        if isinstance(c, CheckConstraint) and str(c.sqltext).startswith(f"{column} IN")
    ]
    assert len(found) == 1, (table.name, column, found)
    return found[0]


def test_every_kind_stands_on_the_vocabulary() -> None:
    assert tuple(KINDS) == CASE_KINDS.values
    for name, kind in KINDS.items():
        assert kind.statuses is STATUSES[name]
        assert kind.machine.states == frozenset(kind.statuses.values)
        assert kind.open_statuses == kind.statuses.open_values
        assert set(kind.machine.transitions) <= set(CASE_STEPS.values)
        # The database's CHECK constraint is the vocabulary's, not a copy of it.
        assert _check_of(TABLES[name], "status") == kind.statuses.check("status")
        assert kind.tabs == (*kind.open_statuses, OVERDUE, *kind.closed_statuses, ALL)
        for status in kind.statuses:
            assert status.zh and status.en, (name, status.value)
    assert _check_of(workflow_events, "workflow") == CASE_KINDS.check("workflow")


def test_a_kind_off_the_vocabulary_fails_when_it_is_defined() -> None:
    statuses = ChoiceSet("s", Choice("open", "开", "Open", open=True), Choice("done", "完", "Done"))
    machine = Machine("k", "open", [Transition("expunge", frozenset({"open"}), "done")])
    with pytest.raises(ValueError, match="expunge"):  # not a step of the vocabulary
        CaseKind("k", "k", statuses, machine, ("open",), "read-objections", "review", ())
    machine = Machine("k", "open", [Transition("withdraw", frozenset({"open"}), "gone")])
    with pytest.raises(ValueError, match="are not the statuses"):
        CaseKind("k", "k", statuses, machine, ("open",), "read-objections", "review", ())
    machine = Machine("k", "open", [Transition("withdraw", frozenset({"open"}), "done")])
    with pytest.raises(ValueError, match="not a transition"):
        steps = (Step("uphold", "review"),)
        CaseKind("k", "k", statuses, machine, ("open",), "read-objections", "review", steps)
    with pytest.raises(ValueError, match="defined twice"):
        ChoiceSet("s", Choice("a", "甲", "A"), Choice("a", "乙", "B"))


# -- what the kind says is what the service does ---------------------------------------------

SPC_REVIEWER = Principal("reviewer", "SPC", key_id=7001)
SAT_REVIEWER = Principal("reviewer", "SAT", key_id=7002)
NDRC_REVIEWER = Principal("reviewer", "NDRC", key_id=7003)
NDRC_INITIATOR = Principal("initiator", "NDRC", key_id=7004)
NDRC_INITIATOR_2 = Principal("initiator", "NDRC", key_id=7005)
MPS_IMPLEMENTER = Principal("implementer", "MPS", key_id=7006)
SUPERVISOR = Principal("supervisor", "NDRC", key_id=7007)

PRINCIPALS = {
    "operator": OPERATOR,
    "spc-reviewer": SPC_REVIEWER,
    "sat-reviewer": SAT_REVIEWER,
    "ndrc-reviewer": NDRC_REVIEWER,
    "ndrc-initiator": NDRC_INITIATOR,
    "ndrc-initiator-2": NDRC_INITIATOR_2,
    "mps-implementer": MPS_IMPLEMENTER,
    "supervisor": SUPERVISOR,
    "the-subject": subject_principal(uscc(1)),
    "another-subject": subject_principal(uscc(99)),
}


def _outcome(act: Callable[[], object]) -> bool:
    try:
        act()
    except REFUSED:
        return False
    return True


def test_objection_steps_match_the_kind(registry: Engine, tmp_path: Path) -> None:
    serial = iter(range(1, 1000))
    steps: dict[str, Callable[[Engine, int, Principal], object]] = {
        "uphold": lambda e, i, by: objections.resolve(e, i, outcome="upheld", note="核实", by=by),
        "reject": lambda e, i, by: objections.resolve(e, i, outcome="rejected", note="核实", by=by),
        "withdraw": lambda e, i, by: objections.withdraw(e, i, by=by),
    }
    record = listed_entry(registry, tmp_path, next(serial))
    case = objections.open_objection(registry, record, reason="有误", by=NDRC_INITIATOR)
    for name, by in PRINCIPALS.items():
        for action, step in steps.items():
            said = objections.QUEUE.actions_for(by, case)
            done = _outcome(lambda by=by, step=step, i=case["id"]: step(registry, i, by))
            assert (action in said) == done, (name, action, said)
            if done:
                record = listed_entry(registry, tmp_path, next(serial))
                case = objections.open_objection(registry, record, reason="有误", by=NDRC_INITIATOR)


def test_repair_steps_match_the_kind(registry: Engine, tmp_path: Path) -> None:
    serial = iter(range(1, 1000))

    def fresh(accepted: bool) -> dict[str, Any]:
        record = tax_entry(registry, tmp_path, next(serial))
        case = repairs.apply(
            registry, record, commitment=PROMISE, obligations_met=True, by=NDRC_INITIATOR
        )
        if accepted:
            case = repairs.accept(registry, case["id"], by=OPERATOR)
        return case

    steps: dict[str, Callable[[Engine, int, Principal], object]] = {
        "accept": lambda e, i, by: repairs.accept(e, i, by=by),
        "refuse": lambda e, i, by: repairs.accept(e, i, refuse=True, note="不全", by=by),
        "approve": lambda e, i, by: repairs.decide(e, i, approve=True, note="准予", by=by),
        "reject": lambda e, i, by: repairs.decide(e, i, approve=False, note="不予", by=by),
    }
    # Deciding an application that waits for acceptance accepts it first (a service's
    # convenience, in its history as two steps): the kind's steps are compared where they lead
    # from.
    for accepted, actions in ((False, ("accept", "refuse")), (True, ("approve", "reject"))):
        case = fresh(accepted)
        for name, by in PRINCIPALS.items():
            for action in actions:
                said = repairs.QUEUE.actions_for(by, case)
                done = _outcome(
                    lambda by=by, action=action, i=case["id"]: steps[action](registry, i, by)
                )
                assert (action in said) == done, (name, action, accepted, said)
                if done:
                    case = fresh(accepted)


def test_notes_are_the_handlers(registry: Engine, tmp_path: Path) -> None:
    record = listed_entry(registry, tmp_path)
    case = objections.open_objection(registry, record, reason="有误", by=NDRC_INITIATOR)
    for name, by in PRINCIPALS.items():
        said = objections.QUEUE.kind.may_note(by, case)
        done = _outcome(
            lambda by=by: objections.QUEUE.note(registry, case["id"], note="已调取原始材料", by=by)
        )
        assert said == done, name
    shown = objections.shown(registry, case["id"], by=OPERATOR)
    notes = [e for e in shown["history"] if e["action"] == "note"]
    assert {n["actor"] for n in notes} == {"operator", "key:7001"}
    assert all(n["from_status"] == n["to_status"] == "open" for n in notes)


# -- attachments -----------------------------------------------------------------------------

PDF = b"%PDF-1.7\n% synthetic\n" + b"0" * 2000
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 100


def test_attachments_are_the_cases_evidence(
    registry: Engine, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    record = listed_entry(registry, tmp_path)
    case = objections.open_objection(registry, record, reason="有误", by=NDRC_INITIATOR)
    queue = objections.QUEUE
    # The opener's evidence, the handling department's findings.
    first = queue.attach(
        registry, case["id"], name="C:\\材料\\撤销决定.pdf", content=PDF, by=NDRC_INITIATOR_2
    )
    assert first["name"] == "撤销决定.pdf" and first["media_type"] == "application/pdf"
    second = queue.attach(registry, case["id"], name="photo.png", content=PNG, by=SPC_REVIEWER)
    assert second["media_type"] == "image/png"
    # Nobody else: another department that may read objections, a stranger subject.
    with pytest.raises(PermissionDeniedError):
        queue.attach(registry, case["id"], name="x.pdf", content=PDF, by=MPS_IMPLEMENTER)
    with pytest.raises(NotFoundError):
        queue.attach(
            registry, case["id"], name="x.pdf", content=PDF, by=PRINCIPALS["another-subject"]
        )
    # What the file is, not what it is called; empty and too large are refused with the name.
    with pytest.raises(InvalidInputError, match=r"'setup\.pdf' is not a PDF, OFD, PNG or JPEG"):
        queue.attach(registry, case["id"], name="setup.pdf", content=b"MZ\x90", by=OPERATOR)
    # The command line says it in Chinese (messages/errors.py knows the service's words).
    with pytest.raises(InvalidInputError) as refused:
        queue.attach(registry, case["id"], name="setup.pdf", content=b"MZ", by=OPERATOR)
    assert error_text(refused.value, "zh") == "文件“setup.pdf”不是PDF、OFD、PNG或JPEG文档"
    with pytest.raises(InvalidInputError, match=r"'empty\.pdf' is empty"):
        queue.attach(registry, case["id"], name="empty.pdf", content=b"", by=OPERATOR)
    monkeypatch.setenv("JOINTCREDIT_ATTACHMENT_MAX_BYTES", "1024")
    get_settings.cache_clear()
    try:
        with pytest.raises(InvalidInputError, match="at most 1,024 are taken"):
            queue.attach(registry, case["id"], name="big.pdf", content=PDF, by=OPERATOR)
    finally:
        monkeypatch.delenv("JOINTCREDIT_ATTACHMENT_MAX_BYTES")
        get_settings.cache_clear()

    shown = queue.shown(registry, case["id"], by=SPC_REVIEWER)
    assert [a["id"] for a in shown["attachments"]] == [first["id"], second["id"]]
    assert [e["action"] for e in shown["history"]] == ["open", "attach", "attach"]
    view, content = queue.attachment(registry, case["id"], first["id"], by=NDRC_REVIEWER)
    assert content == PDF and view["sha256"] == hashlib.sha256(PDF).hexdigest()
    with pytest.raises(NotFoundError):
        queue.attachment(registry, case["id"], 999, by=OPERATOR)
    with pytest.raises(PermissionDeniedError):
        queue.attachment(registry, case["id"], first["id"], by=MPS_IMPLEMENTER)
    with registry.connect() as conn:
        details = [
            r.detail
            for r in conn.execute(select(audit_log.c.action, audit_log.c.detail)).all()
            if r.action == "objection-attach"
        ]
    assert {d["sha256"] for d in details} == {first["sha256"], second["sha256"]}
    # Once attached, a document stays as it was.
    with pytest.raises(DBAPIError), registry.begin() as conn:
        conn.execute(update(case_attachments).values(content=b"%PDF-forged"))
