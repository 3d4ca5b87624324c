"""The objection workflow (异议, 33号 §22): open → upheld | rejected | withdrawn.

The providing department verifies an open objection and upholds it (the record was wrong and is
withdrawn) or rejects it (the record stands); whoever opened it may withdraw it instead. Every
outcome is final: a new objection on the same record starts anew.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from jointcredit.choices.cases import OBJECTION, OBJECTION_OUTCOMES, OBJECTION_STATUSES
from jointcredit.workflows.casework import CaseKind, Step
from jointcredit.workflows.machine import Machine, Transition

OPEN = "open"
#: Statuses in which an objection still waits for its verification.
OPEN_STATUSES = OBJECTION_STATUSES.open_values

MACHINE = Machine(
    OBJECTION,
    OPEN,
    [
        Transition("uphold", frozenset({OPEN}), "upheld"),
        Transition("reject", frozenset({OPEN}), "rejected"),
        Transition("withdraw", frozenset({OPEN}), "withdrawn"),
    ],
)

#: The outcome a verifying department names → the action that leads to it.
OUTCOMES = dict(zip(OBJECTION_OUTCOMES.values, ("uphold", "reject"), strict=True))


def _opener(item: Mapping[Any, Any]) -> tuple[str | None, str | None]:
    return item["opened_by"], item["opened_by_department"]


KIND = CaseKind(
    name=OBJECTION,
    noun="objection",
    statuses=OBJECTION_STATUSES,
    machine=MACHINE,
    open_statuses=OPEN_STATUSES,
    read="read-objections",
    handler="resolve-objection",
    steps=(
        Step("uphold", "resolve-objection", note="required"),
        Step("reject", "resolve-objection", note="required"),
        Step("withdraw", "open-objection", whose="opener"),
    ),
    limits={OPEN: "objection_days"},
    opener=_opener,
)
