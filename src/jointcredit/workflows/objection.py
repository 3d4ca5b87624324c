"""The objection workflow (异议, 33号 §22): open → upheld | rejected | withdrawn.

The providing department verifies an open objection and upholds it (the record was wrong and is
withdrawn) or rejects it (the record stands); whoever opened it may withdraw it instead. Every
outcome is final: a new objection on the same record starts anew.
"""

from __future__ import annotations

from jointcredit.workflows.machine import Machine, Transition

OPEN = "open"
#: Statuses in which an objection still waits for its verification.
OPEN_STATUSES = (OPEN,)

MACHINE = Machine(
    "objection",
    OPEN,
    [
        Transition("uphold", frozenset({OPEN}), "upheld"),
        Transition("reject", frozenset({OPEN}), "rejected"),
        Transition("withdraw", frozenset({OPEN}), "withdrawn"),
    ],
)

#: The outcome a verifying department names → the action that leads to it.
OUTCOMES = {"upheld": "uphold", "rejected": "reject"}
