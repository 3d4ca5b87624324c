"""The credit-repair workflow (信用修复, 33号 §21; NDRC Order No. 36).

applied → accepted → approved | rejected; an application may also be refused at acceptance
(applied → rejected). Acceptance and decision each have their own time limit in working days.
"""

from __future__ import annotations

from jointcredit.workflows.machine import Machine, Transition

APPLIED = "applied"
ACCEPTED = "accepted"
#: Statuses in which an application waits for a step of the deciding department.
OPEN_STATUSES = (APPLIED, ACCEPTED)

MACHINE = Machine(
    "repair",
    APPLIED,
    [
        Transition("accept", frozenset({APPLIED}), ACCEPTED),
        # Refused at acceptance: the application is incomplete or the department not competent.
        Transition("refuse", frozenset({APPLIED}), "rejected"),
        Transition("approve", frozenset({ACCEPTED}), "approved"),
        Transition("reject", frozenset({ACCEPTED}), "rejected"),
    ],
)
