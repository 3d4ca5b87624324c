"""Initiation and review of list entries (33号 §15 发起-响应; issue 5 part 1).

An initiating department proposes a list entry, a change of one, or its early end; a reviewer of
the same department who is not its author approves or returns it (four eyes). Only an approved
proposal touches the registry.

    submitted --approve--> approved         (final: the effect is written)
    submitted --return---> returned
    returned  --resubmit-> submitted
    submitted, returned --withdraw--> withdrawn   (final)
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from jointcredit.access import Principal
from jointcredit.choices.cases import PROPOSAL, PROPOSAL_STATUSES
from jointcredit.errors import IllegalTransitionError
from jointcredit.workflows.casework import CaseKind, Step
from jointcredit.workflows.machine import Machine, Transition

WORKFLOW = PROPOSAL
SUBMITTED, RETURNED = PROPOSAL_STATUSES.subset("submitted", "returned")
#: Statuses in which a proposal waits for its review (a returned one waits for its author).
AWAITING_REVIEW = PROPOSAL_STATUSES.open_values

MACHINE = Machine(
    WORKFLOW,
    SUBMITTED,
    [
        Transition("approve", frozenset({SUBMITTED}), "approved"),
        Transition("return", frozenset({SUBMITTED}), RETURNED),
        Transition("resubmit", frozenset({RETURNED}), SUBMITTED),
        Transition("withdraw", frozenset({SUBMITTED, RETURNED}), "withdrawn"),
    ],
)

#: Steps of the reviewer; the others are the initiating department's.
REVIEW_ACTIONS = frozenset({"approve", "return"})


def four_eyes(item: str, action: str, by: Principal, authors: set[str]) -> None:
    """Refuse a review step by someone who wrote what is reviewed.

    ``authors`` are the actors who submitted or resubmitted the proposal: every one of them
    may have put content into it, so none of them may approve it or return it.

    >>> four_eyes("proposal 1", "approve", Principal("operator", name="li"), {"operator:wang"})
    >>> four_eyes("proposal 1", "approve", Principal("operator", name="wang"), {"operator:wang"})
    Traceback (most recent call last):
    jointcredit.errors.IllegalTransitionError: proposal 1: four eyes: ...
    """
    if by.actor in authors:
        raise IllegalTransitionError(
            f"{item}: four eyes: {by.actor} submitted it and may not {action} it; "
            "another reviewer of the department must"
        )


def named(by: Principal, action: str) -> None:
    """The operator acts in this workflow only under a name: four eyes compare people, and
    an unnamed operator is nobody in particular."""
    if by.role == "operator" and not by.name:
        raise IllegalTransitionError(
            f"a proposal step ({action}) by the operator needs the operator's name "
            "(--by NAME): four eyes compare who acted"
        )


def _not_the_author(by: Principal, item: Mapping[Any, Any], action: str) -> str | None:
    """Four eyes as far as the proposal's view shows its author; the service checks every
    author of its history again when the step is taken."""
    if action in REVIEW_ACTIONS and by.actor == item.get("submitted_by"):
        return f"four eyes: {by.actor} submitted proposal {item['id']}"
    return None


def _opener(item: Mapping[Any, Any]) -> tuple[str | None, str | None]:
    return item.get("submitted_by"), item.get("department")


KIND = CaseKind(
    name=PROPOSAL,
    noun="proposal",
    statuses=PROPOSAL_STATUSES,
    machine=MACHINE,
    open_statuses=AWAITING_REVIEW,
    read="read-proposals",
    handler="review",
    steps=(
        Step("approve", "review"),
        Step("return", "review", note="required"),
        Step("resubmit", "propose"),
        Step("withdraw", "propose"),
    ),
    limits={SUBMITTED: "review_days"},
    opener=_opener,
    guard=_not_the_author,
)

__all__ = ["AWAITING_REVIEW", "KIND", "MACHINE", "REVIEW_ACTIONS", "WORKFLOW", "four_eyes", "named"]
