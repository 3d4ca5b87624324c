"""The credit-repair workflow (信用修复, 33号 §21; NDRC Order No. 36).

applied → accepted → approved | rejected; an application may also be refused at acceptance
(applied → rejected). Acceptance and decision each have their own time limit in working days.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from jointcredit.choices.cases import REPAIR, REPAIR_STATUSES
from jointcredit.workflows.casework import CaseKind, Step
from jointcredit.workflows.machine import Machine, Transition

APPLIED, ACCEPTED = REPAIR_STATUSES.subset("applied", "accepted")
#: Statuses in which an application waits for a step of the deciding department.
OPEN_STATUSES = REPAIR_STATUSES.open_values

MACHINE = Machine(
    REPAIR,
    APPLIED,
    [
        Transition("accept", frozenset({APPLIED}), ACCEPTED),
        # Refused at acceptance: the application is incomplete or the department not competent.
        Transition("refuse", frozenset({APPLIED}), "rejected"),
        Transition("approve", frozenset({ACCEPTED}), "approved"),
        Transition("reject", frozenset({ACCEPTED}), "rejected"),
    ],
)


def _opener(item: Mapping[Any, Any]) -> tuple[str | None, str | None]:
    return item["applied_by"], None


KIND = CaseKind(
    name=REPAIR,
    noun="repair application",
    statuses=REPAIR_STATUSES,
    machine=MACHINE,
    open_statuses=OPEN_STATUSES,
    read="read-repairs",
    handler="decide-repair",
    steps=(
        Step("accept", "decide-repair"),
        Step("refuse", "decide-repair", note="required"),
        Step("approve", "decide-repair", note="required"),
        Step("reject", "decide-repair", note="required"),
    ),
    limits={APPLIED: "repair_accept_days", ACCEPTED: "repair_decide_days"},
    opener=_opener,
)
