"""The rule-of-law properties of the coordination loop, over random sequences of steps.

Hypothesis drives one list entry at a time through every workflow that can touch it: objections
opened, upheld, rejected, withdrawn; repair applied, accepted, approved, rejected; changes and
early ends proposed and approved; the end of its period; the worker's rounds. Whatever the
sequence (steps the entry's state does not allow are refused, and that is fine), after every
step:

- a disputed entry yields no ``applied`` decision, and at least one ``suspended`` one;
- an entry that has ended (repaired, withdrawn, cancelled, or past its ``valid_until``) yields
  no decision at all;
- every department that was told about the entry and whose entry has ended received an end
  message (``entry.ended`` or ``entry.corrected``) as its latest message about it, once the
  worker has had its round.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import itertools
from typing import Any

import pytest
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import (
    RuleBasedStateMachine,
    invariant,
    precondition,
    rule,
    run_state_machine_as_test,
)
from sqlalchemy import Engine, select
from tests.check.entries import entry

from jointcredit import clock
from jointcredit.access import Principal
from jointcredit.errors import JointCreditError
from jointcredit.rules.check import decide
from jointcredit.services import objections, proposals, push, repairs, scheduler
from jointcredit.services.check import rule_book
from jointcredit.services.proposals import Request
from jointcredit.store.check_facts import load_facts
from jointcredit.store.tables import credit_records, messages
from jointcredit.store.tables import objections as objection_table
from jointcredit.store.tables import repairs as repair_table

LIST_TYPE = "major-tax-violation-parties"
DEPARTMENT = "SAT"
INITIATOR = Principal("initiator", DEPARTMENT, key_id=1001)
REVIEWER = Principal("reviewer", DEPARTMENT, key_id=1002)
IMPLEMENTER = Principal("implementer", "MPS", key_id=1003)
ENDED = frozenset({"repaired", "withdrawn", "cancelled"})
SERIALS = itertools.count(7000)


def _matters() -> list[tuple[str, str]]:
    """(department, matter) pairs where a measure on the list type reaches the subject."""
    catalog = rule_book().catalog
    pairs = set()
    for measure in catalog.measures_for_list_type(LIST_TYPE, clock.today()):  # type: ignore[attr-defined]
        if "subject" in measure.targets and measure.legal_basis:
            for matter in measure.matters:
                pairs.add(("MPS", matter))
    return sorted(pairs)[:4]


def make_machine(engine: Engine) -> type[RuleBasedStateMachine]:
    matters = _matters()
    assert matters, "the catalog has measures on the list type that reach the subject"

    class Loop(RuleBasedStateMachine):
        def __init__(self) -> None:
            super().__init__()
            serial = next(SERIALS)
            self.subject = entry(serial, LIST_TYPE, department=DEPARTMENT)["subject"]["uscc"]
            body = entry(
                serial,
                LIST_TYPE,
                department=DEPARTMENT,
                decided_on="2024-03-05",
                valid_until="2030-12-31",
            )
            proposal = proposals.submit(engine, Request("create", entry=body), by=INITIATOR)
            approved = proposals.approve(engine, proposal["id"], by=REVIEWER)
            self.record = int(approved["record_id"])
            assert self._told(), "the listing was pushed to the implementing departments"

        # -- reading the registry ---------------------------------------------------------

        def _row(self) -> Any:
            with engine.connect() as conn:
                return (
                    conn.execute(select(credit_records).where(credit_records.c.id == self.record))
                    .mappings()
                    .one()
                )

        def _told(self) -> set[str]:
            with engine.connect() as conn:
                return push.told(conn, self.record)

        def _open(self, table: Any, statuses: tuple[str, ...]) -> int | None:
            with engine.connect() as conn:
                found = conn.execute(
                    select(table.c.id).where(
                        table.c.record_id == self.record, table.c.status.in_(statuses)
                    )
                ).scalar()
            return int(found) if found is not None else None

        def _try(self, step: Any, *args: Any, **kwargs: Any) -> None:
            # A step the entry's state does not allow is refused, and nothing changes.
            with contextlib.suppress(JointCreditError):
                step(*args, **kwargs)

        # -- steps ------------------------------------------------------------------------

        @precondition(lambda self: self._row()["status"] == "active")
        @rule()
        def object_to_it(self) -> None:
            self._try(
                objections.open_objection,
                engine,
                self.record,
                reason="主体称该记录所载处罚决定已被撤销。",
                by=IMPLEMENTER,
            )

        @precondition(lambda self: self._open(objection_table, ("open",)) is not None)
        @rule(outcome=st.sampled_from(["upheld", "rejected", "withdraw"]))
        def close_the_objection(self, outcome: str) -> None:
            found = self._open(objection_table, ("open",))
            if found is None:
                return
            if outcome == "withdraw":
                self._try(objections.withdraw, engine, found, by=IMPLEMENTER, note="撤回")
            else:
                self._try(
                    objections.resolve, engine, found, outcome=outcome, note="核查完毕", by=REVIEWER
                )

        @precondition(
            lambda self: (
                self._row()["status"] == "active"
                and self._open(repair_table, ("applied", "accepted")) is None
            )
        )
        @rule()
        def apply_for_repair(self) -> None:
            self._try(
                repairs.apply,
                engine,
                self.record,
                commitment="本单位承诺依法诚信经营。",
                obligations_met=True,
                by=INITIATOR,
            )

        @precondition(lambda self: self._open(repair_table, ("applied", "accepted")) is not None)
        @rule(step=st.sampled_from(["accept", "approve", "reject", "refuse"]))
        def handle_the_repair(self, step: str) -> None:
            found = self._open(repair_table, ("applied", "accepted"))
            if found is None:
                return
            if step == "accept":
                self._try(repairs.accept, engine, found, by=REVIEWER)
            elif step == "refuse":
                self._try(repairs.accept, engine, found, by=REVIEWER, refuse=True, note="材料不全")
            else:
                self._try(
                    repairs.decide,
                    engine,
                    found,
                    approve=step == "approve",
                    note="审核",
                    by=REVIEWER,
                )

        @rule(days=st.integers(-400, 400))
        def change_its_period(self, days: int) -> None:
            until = (clock.today() + dt.timedelta(days=days)).isoformat()
            try:
                proposal = proposals.submit(
                    engine,
                    Request(
                        "change",
                        record_id=self.record,
                        changes={"valid_until": until},
                        reason="调整期限",
                        document_number="（2026）税调1号",
                        legal_basis="《重大税收违法失信主体信息公布管理办法》第十三条",
                    ),
                    by=INITIATOR,
                )
            except JointCreditError:
                return
            self._try(proposals.approve, engine, proposal["id"], by=REVIEWER)

        @rule()
        def end_it_early(self) -> None:
            try:
                proposal = proposals.submit(
                    engine,
                    Request(
                        "end",
                        record_id=self.record,
                        reason="提前移出",
                        document_number="（2026）税移1号",
                        legal_basis="《重大税收违法失信主体信息公布管理办法》第十四条",
                    ),
                    by=INITIATOR,
                )
            except JointCreditError:
                return
            self._try(proposals.approve, engine, proposal["id"], by=REVIEWER)

        @rule()
        def worker_round(self) -> None:
            scheduler.end_expired(engine)

        # -- properties ------------------------------------------------------------------

        def _decisions(self) -> list[Any]:
            today = clock.today()
            with engine.connect() as conn:
                facts = load_facts(conn, [self.subject])[self.subject]
            out = []
            for department, matter in matters:
                result = decide(
                    facts, rule_book(), department=department, matter=matter, as_of=today
                )
                out += [d for d in result.decisions if d.entry == self.record]
            return out

        @invariant()
        def a_disputed_entry_applies_nothing(self) -> None:
            row = self._row()
            decisions = self._decisions()
            if row["status"] == "disputed" and (
                row["valid_until"] is None or row["valid_until"] >= clock.today()
            ):
                assert decisions, "a disputed entry in effect shows its measures as suspended"
                assert {d.status for d in decisions} == {"suspended"}
            if row["status"] in ENDED or (
                row["valid_until"] is not None and row["valid_until"] < clock.today()
            ):
                assert decisions == [], f"an ended entry ({row['status']}) applies nothing"

        @invariant()
        def whoever_was_told_hears_of_the_end(self) -> None:
            row = self._row()
            expired = row["valid_until"] is not None and row["valid_until"] < clock.today()
            if row["status"] not in ENDED and not expired:
                return
            if expired:
                scheduler.end_expired(engine)  # the worker's round, which announces the end
            with engine.connect() as conn:
                sent = conn.execute(
                    select(messages.c.department, messages.c.event)
                    .where(messages.c.record_id == self.record)
                    .order_by(messages.c.id)
                ).all()
            latest = {department: event for department, event in sent}
            assert latest, "the listing was announced"
            unended = {d: e for d, e in latest.items() if e not in push.END_EVENTS}
            assert not unended, f"told, but not of the end: {unended}"

    return Loop


@pytest.mark.parametrize("examples", [40])
def test_the_loop_keeps_its_promises(registry: Engine, examples: int) -> None:
    budget = examples if registry.dialect.name == "sqlite" else examples // 3
    run_state_machine_as_test(
        make_machine(registry),
        settings=settings(
            max_examples=budget,
            stateful_step_count=16,
            deadline=None,
            suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
        ),
    )
