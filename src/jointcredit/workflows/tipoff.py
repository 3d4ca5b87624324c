"""Reports (举报, 33号 §13) as cases: received → assigned → under investigation → closed.

The competent department assigns a report to one of its staff, who investigates and closes it as
substantiated, unsubstantiated or referred to the department competent for it, within
``JOINTCREDIT_TIPOFF_DAYS`` working days of its receipt (国家市场监督管理总局令第20号 Art 30:
fifteen working days to decide whether to open a case). A report may be closed from any open
status (one plainly outside the department's remit is referred at once). The reporter follows
the outcome with the receipt code the report was answered with, and nothing else.
"""

from __future__ import annotations

from jointcredit.choices.cases import TIPOFF, TIPOFF_STATUSES
from jointcredit.workflows.casework import CaseKind, Step
from jointcredit.workflows.machine import Machine, Transition

RECEIVED, ASSIGNED, INVESTIGATING, CLOSED = TIPOFF_STATUSES.subset(
    "received", "assigned", "investigating", "closed"
)
OPEN_STATUSES = TIPOFF_STATUSES.open_values

MACHINE = Machine(
    TIPOFF,
    RECEIVED,
    [
        # Assigned again (to someone else) while not yet under investigation.
        Transition("assign", frozenset({RECEIVED, ASSIGNED}), ASSIGNED),
        Transition("investigate", frozenset({ASSIGNED}), INVESTIGATING),
        Transition("close", frozenset(OPEN_STATUSES), CLOSED),
    ],
)

KIND = CaseKind(
    name=TIPOFF,
    noun="report",
    statuses=TIPOFF_STATUSES,
    machine=MACHINE,
    open_statuses=OPEN_STATUSES,
    read="read-reports",
    handler="handle-reports",
    steps=(
        Step("assign", "handle-reports"),
        Step("investigate", "handle-reports"),
        Step("close", "handle-reports", note="required"),
    ),
    # The limit runs from receipt: assigning a report does not give it more time.
    limits={RECEIVED: "tipoff_days"},
)
