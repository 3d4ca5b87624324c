"""A workflow as data: a table of transitions, checked before any step is taken.

Each workflow (proposal, objection, repair) declares which action leads from which statuses to
which status. :meth:`Machine.step` refuses anything else with an error that names the item, its
status and what it could do instead, so a client never has to guess why a step failed.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from jointcredit.errors import IllegalTransitionError


@dataclass(frozen=True, slots=True)
class Transition:
    action: str
    sources: frozenset[str]
    target: str


class Machine:
    def __init__(self, name: str, initial: str, transitions: Iterable[Transition]):
        self.name = name
        self.initial = initial
        self.transitions = {t.action: t for t in transitions}
        states = {initial} | {t.target for t in self.transitions.values()}
        for t in self.transitions.values():
            unknown = t.sources - states
            if unknown:
                raise ValueError(f"{name}: {t.action} leaves from unknown status {unknown}")
        self.states = frozenset(states | {s for t in self.transitions.values() for s in t.sources})

    def actions_from(self, status: str) -> list[str]:
        return sorted(a for a, t in self.transitions.items() if status in t.sources)

    def final(self, status: str) -> bool:
        return not self.actions_from(status)

    def step(self, item: str, status: str, action: str) -> str:
        """The status after ``action``, or :class:`IllegalTransitionError`.

        >>> reject = Transition("reject", frozenset({"open"}), "rejected")
        >>> m = Machine("objection", "open", [reject])
        >>> m.step("objection 7", "open", "reject")
        'rejected'
        >>> m.step("objection 7", "rejected", "reject")
        Traceback (most recent call last):
        jointcredit.errors.IllegalTransitionError: objection 7 is rejected: it cannot be ...
        """
        transition = self.transitions.get(action)
        if transition is None:
            raise IllegalTransitionError(f"{self.name} has no action {action!r}")
        if status in transition.sources:
            return transition.target
        allowed = self.actions_from(status)
        if status == transition.target:
            what = f"it cannot be {transition.target} again"
        else:
            what = f"{action} needs status {' or '.join(sorted(transition.sources))}"
        then = f"; possible now: {', '.join(allowed)}" if allowed else "; it is final"
        raise IllegalTransitionError(f"{item} is {status}: {what}{then}")

    def table(self) -> list[dict[str, object]]:
        """The transitions for documentation and the API."""
        return [
            {"action": t.action, "from": sorted(t.sources), "to": t.target}
            for t in self.transitions.values()
        ]
