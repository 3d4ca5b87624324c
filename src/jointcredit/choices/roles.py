"""Who acts: the roles of a department's API keys and staff accounts, and the callers that are
not a department (the public, a subject in self-service, the local operator)."""

from __future__ import annotations

from jointcredit.choices.base import Choice, ChoiceSet

#: Roles of department keys and console accounts.
ROLES = ChoiceSet(
    "role",
    Choice("initiator", "发起", "Initiator"),
    Choice("implementer", "实施", "Implementer"),
    Choice("reviewer", "审核", "Reviewer"),
    Choice("supervisor", "监督", "Supervisor"),
    Choice("admin", "管理", "Administrator"),
)

PUBLIC = "public"
#: An organisation or person signed in to self-service (its own records only).
SUBJECT = "subject"
#: The local CLI, which holds the database anyway.
OPERATOR = "operator"

#: Roles that see every department's items of a list (cases, deliveries, ...).
OVERSEERS = frozenset({"supervisor", "admin", OPERATOR})

__all__ = ["OPERATOR", "OVERSEERS", "PUBLIC", "ROLES", "SUBJECT"]
