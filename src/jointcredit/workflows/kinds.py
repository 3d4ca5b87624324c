"""Every kind of case, by name (the name its history rows carry)."""

from __future__ import annotations

from jointcredit.choices.cases import CASE_KINDS
from jointcredit.workflows import objection, proposal, repair, tipoff
from jointcredit.workflows.casework import CaseKind

KINDS: dict[str, CaseKind] = {
    k.name: k for k in (objection.KIND, repair.KIND, proposal.KIND, tipoff.KIND)
}
if tuple(KINDS) != CASE_KINDS.values:
    raise ValueError(f"case kinds {list(KINDS)} are not the vocabulary's {CASE_KINDS.values}")


def kind(name: str) -> CaseKind:
    return KINDS[name]


__all__ = ["KINDS", "kind"]
