"""The casework core: what every kind of case is made of.

A case is about a subject (and mostly one of its records), is opened by someone, and is handled
by a department. Its kind defines, as data, its statuses (from :mod:`jointcredit.choices.cases`),
its state machine, the time limits in working days that entering a status starts, and its steps:
which permission each needs and whose step it is. From that one definition the services answer
"what may this principal do with this case now" (:meth:`CaseKind.actions_for`) and "how urgent is
it" (``services.casework.time_left``); the console's tabs, the API's enums and the history's
labels are derived from it too.

Objections, credit-repair applications, list-entry proposals and reports (tip-offs) are the four
kinds (``workflows/objection.py``, ``repair.py``, ``proposal.py``, ``tipoff.py``;
``workflows/kinds.py`` lists them). docs/architecture.md says how to add a fifth.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any, Literal

from jointcredit.access import Principal, allowed
from jointcredit.choices import ChoiceSet
from jointcredit.choices.cases import CASE_STEPS
from jointcredit.workflows.machine import Machine

#: Whose step it is: ``handler``, the department that handles the case (staff of it with the
#: step's permission; the operator); ``opener``, whoever opened it (the same actor, a key of
#: the same department, the operator).
Whose = Literal["handler", "opener"]

#: The console's tabs that are not statuses: every case, and the open ones past their due day.
ALL = "all"
OVERDUE = "overdue"


@dataclass(frozen=True, slots=True)
class Step:
    action: str
    permission: str
    whose: Whose = "handler"
    #: Whether the step must say why (``required``) or may (``optional``).
    note: Literal["required", "optional"] = "optional"


def _no_opener(_item: Mapping[Any, Any]) -> tuple[str | None, str | None]:
    return None, None


@dataclass(frozen=True)
class CaseKind:
    name: str
    #: How messages name one case: "objection 7", "repair application 7".
    noun: str
    statuses: ChoiceSet
    machine: Machine
    #: Statuses in which the case waits for a step of the handling department.
    open_statuses: tuple[str, ...]
    #: The permission to list and read cases of this kind.
    read: str
    #: The permission of the handling department's staff (they may add notes to a case).
    handler: str
    steps: tuple[Step, ...]
    #: Status entered → the setting (``JOINTCREDIT_*``) with the working days of the time limit
    #: that starts then. A status not named keeps the limit running.
    limits: Mapping[str, str] = field(default_factory=dict)
    #: The actor and department that opened a case, from its view.
    opener: Callable[[Mapping[Any, Any]], tuple[str | None, str | None]] = _no_opener
    #: A further condition of the kind on a step (four eyes, say): None when allowed, else why not.
    guard: Callable[[Principal, Mapping[Any, Any], str], str | None] | None = None

    def __post_init__(self) -> None:
        # The definition is checked when it is loaded: a status or step that is not in the
        # vocabulary, or a step the machine does not know, fails at import.
        if self.machine.states != frozenset(self.statuses.values):
            raise ValueError(
                f"{self.name}: the machine's states {sorted(self.machine.states)} are not the "
                f"statuses {list(self.statuses.values)}"
            )
        self.statuses.subset(*self.open_statuses, *self.limits)
        for step in self.steps:
            if step.action not in self.machine.transitions:
                raise ValueError(f"{self.name}: step {step.action} is not a transition")
        CASE_STEPS.subset(*self.machine.transitions)

    @property
    def step_of(self) -> dict[str, Step]:
        return {s.action: s for s in self.steps}

    def is_open(self, status: str) -> bool:
        return status in self.open_statuses

    @property
    def closed_statuses(self) -> tuple[str, ...]:
        return tuple(s for s in self.statuses.values if s not in self.open_statuses)

    @property
    def tabs(self) -> tuple[str, ...]:
        """The console's tabs: the open statuses, the overdue, the closed ones, all."""
        return (*self.open_statuses, OVERDUE, *self.closed_statuses, ALL)

    def tab(self, value: str | None) -> str:
        """``value`` when it is one of the tabs, else the first."""
        return value if value in self.tabs else self.tabs[0]

    def why_not(
        self, by: Principal, item: Mapping[Any, Any], action: str, *, guarded: bool = True
    ) -> str | None:
        """Why ``by`` may not take ``action`` on ``item`` now (its view), or None if it may;
        ``guarded=False`` leaves the kind's further condition (four eyes) out, for a page that
        offers the step and says why it will be refused."""
        step = self.step_of.get(action)
        if step is None:
            return f"{self.name} has no step {action!r}"
        if item["status"] not in self.machine.transitions[action].sources:
            return f"{self.noun} {item['id']} is {item['status']}"
        if step.whose == "handler":
            department = item.get("department")
            if by.department is None:
                ok = allowed(by, step.permission) and by.role == "operator"
            else:
                ok = department is not None and allowed(by, step.permission, department)
            if not ok:
                return f"{action} is the step of the handling department's {step.permission}"
        else:
            actor, department = self.opener(item)
            ok = allowed(by, step.permission) and (
                by.role == "operator"
                or (actor is not None and by.actor == actor)
                or (by.department is not None and by.department == department)
            )
            if not ok:
                return f"only who opened {self.noun} {item['id']} may {action} it"
        if guarded and self.guard is not None:
            return self.guard(by, item, action)
        return None

    def may_note(self, by: Principal, item: Mapping[Any, Any]) -> bool:
        """Whether ``by`` may add a note to the case: staff of the handling department with
        the kind's handler permission, or the operator."""
        if by.department is None:
            return by.role == "operator"
        department = item.get("department")
        return department is not None and allowed(by, self.handler, department)

    def may_attach(self, by: Principal, item: Mapping[Any, Any]) -> bool:
        """Whether ``by`` may attach a document to the case: whoever may add notes, the one who
        opened it (its evidence), and the subject on its own case."""
        if self.may_note(by, item):
            return True
        if by.is_subject:
            return bool(item.get("subject") == by.name)
        actor, department = self.opener(item)
        return (actor is not None and by.actor == actor) or (
            by.department is not None and by.department == department
        )

    def may(
        self, by: Principal, item: Mapping[Any, Any], action: str, *, guarded: bool = True
    ) -> bool:
        return self.why_not(by, item, action, guarded=guarded) is None

    def actions_for(
        self, by: Principal, item: Mapping[Any, Any], *, guarded: bool = True
    ) -> list[str]:
        """The steps ``by`` may take on ``item`` now, in the kind's order."""
        return [s.action for s in self.steps if self.may(by, item, s.action, guarded=guarded)]


__all__ = ["ALL", "OVERDUE", "CaseKind", "Step"]
