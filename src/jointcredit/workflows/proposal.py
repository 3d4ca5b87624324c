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

from jointcredit.access import Principal
from jointcredit.errors import IllegalTransitionError
from jointcredit.workflows.machine import Machine, Transition

WORKFLOW = "proposal"

MACHINE = Machine(
    WORKFLOW,
    "submitted",
    [
        Transition("approve", frozenset({"submitted"}), "approved"),
        Transition("return", frozenset({"submitted"}), "returned"),
        Transition("resubmit", frozenset({"returned"}), "submitted"),
        Transition("withdraw", frozenset({"submitted", "returned"}), "withdrawn"),
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


__all__ = ["MACHINE", "REVIEW_ACTIONS", "WORKFLOW", "four_eyes", "named"]
