"""Who may do what: callers, roles, data classes and the one table of permissions.

A caller is the public (no key), a department's system (an API key with one role, acting for
one department), or the local operator (the CLI, which holds the database anyway). Every use
case asks :func:`require` before it acts; the HTTP layer only finds out who is calling.

Data classes (33号 §18–19): *public* records are those inside their publication window, shown
with persons' identifiers masked; *shared* data (every record, organisations' identifiers) goes
to departments' keys; *restricted* data (a reporter's identity) only to a reviewer of the
competent department who presents the department's passphrase (``services/tipoffs.py``).

An ``admin`` acts for its own department only (``manage-keys`` is own-department): its keys,
staff accounts and webhook subscription, never another department's.
"""

from __future__ import annotations

from dataclasses import dataclass

from jointcredit.choices import roles as _roles
from jointcredit.errors import AuthenticationError, PermissionDeniedError

ROLES = _roles.ROLES.values


@dataclass(frozen=True, slots=True)
class Principal:
    role: str  # one of ROLES, or "public", or "operator"
    department: str | None = None
    key_id: int | None = None
    #: The person acting, where the caller names one (the operator's ``--by``, a console user):
    #: four-eyes steps compare actors, so two people at one terminal stay two people.
    name: str | None = None

    @property
    def actor(self) -> str:
        """How history and the audit log name this caller."""
        if self.key_id is not None:
            return f"key:{self.key_id}"
        if self.name:
            return f"{self.role}:{self.name}"
        return self.role

    @property
    def is_department(self) -> bool:
        return self.role in ROLES

    @property
    def is_subject(self) -> bool:
        """A subject acting for itself through self-service (``name`` is its identifier)."""
        return self.role == SUBJECT


#: The role of an organisation or person signed in to self-service (§22: the subject's own
#: objections and repair applications); it sees and acts on its own records only.
SUBJECT = _roles.SUBJECT


def subject_principal(identifier: str) -> Principal:
    return Principal(SUBJECT, None, name=identifier)


PUBLIC = Principal("public")
OPERATOR = Principal("operator")

#: action → roles allowed. "operator" is the local CLI.
PERMISSIONS: dict[str, frozenset[str]] = {
    "read-public": frozenset({"public", "operator", *ROLES}),
    "report": frozenset({"public", "operator", *ROLES}),
    "read-shared": frozenset({"operator", *ROLES}),
    "submit": frozenset({"initiator", "operator"}),
    "check": frozenset({"implementer", "operator"}),
    "screen": frozenset({"implementer", "operator"}),
    # The operator (the local CLI, which holds the database anyway) reads and handles reports
    # like every other kind of case; a reporter's identity stays the department's alone.
    "read-reports": frozenset({"reviewer", "operator"}),
    "read-reporter": frozenset({"reviewer"}),
    # Handling a report (assign, investigate, note, close): the competent department's
    # reviewers, who read its reports.
    "handle-reports": frozenset({"reviewer", "operator"}),
    # Who opened which reporter, and who tried with a wrong passphrase: the department's
    # supervisors watch its reviewers.
    "read-openings": frozenset({"supervisor", "operator"}),
    # Creating and rotating a department's reporter key takes its passphrase, at the server.
    "manage-department-key": frozenset({"operator"}),
    "statistics": frozenset({"supervisor", "admin", "operator"}),
    "read-audit": frozenset({"supervisor", "admin", "operator"}),
    "read-subject-audit": frozenset({"supervisor", "admin", "operator"}),
    "manage-keys": frozenset({"admin", "operator"}),
    # The coordination loop (issue 5).
    "propose": frozenset({"initiator", "operator"}),
    "review": frozenset({"reviewer", "operator"}),
    "read-proposals": frozenset({"initiator", "reviewer", "supervisor", "admin", "operator"}),
    "open-objection": frozenset({"operator", SUBJECT, *ROLES}),
    "resolve-objection": frozenset({"reviewer", "operator"}),
    "read-objections": frozenset({"operator", SUBJECT, *ROLES}),
    "apply-repair": frozenset({"initiator", "reviewer", "operator", SUBJECT}),
    "decide-repair": frozenset({"reviewer", "operator"}),
    "read-repairs": frozenset({"operator", SUBJECT, *ROLES}),
    # Self-service (issue 6): a subject's own full record and who looked it up.
    "read-own-record": frozenset({SUBJECT}),
    "read-feed": frozenset({"implementer", "operator"}),
    "manage-subscription": frozenset({"implementer", "admin", "operator"}),
    "read-deliveries": frozenset({"implementer", "supervisor", "admin", "operator"}),
    "feedback": frozenset({"implementer", "operator"}),
    "read-feedback": frozenset({"implementer", "supervisor", "admin", "operator"}),
    "read-deadlines": frozenset({"initiator", "reviewer", "supervisor", "admin", "operator"}),
    # Upward files to the national platform (归集): every department's publishable records
    # with persons' identifiers in full, so the supervisor only (not admin, who manages keys
    # and accounts, not data); registry-wide, like the node's own report.
    "export": frozenset({"supervisor", "operator"}),
}

#: Actions a key may take only for its own department.
OWN_DEPARTMENT = frozenset(
    {
        "submit",
        "check",
        "screen",
        "read-reports",
        "read-reporter",
        "handle-reports",
        "read-openings",
        "manage-keys",
        "propose",
        "review",
        "resolve-objection",
        "decide-repair",
        "read-feed",
        "manage-subscription",
        "feedback",
    }
)
#: Roles that see every department's items of a list (proposals, objections, deliveries, …);
#: other keys see their own department's.
OVERSEERS = _roles.OVERSEERS


def allowed(principal: Principal, action: str, department: str | None = None) -> bool:
    try:
        require(principal, action, department)
    except (AuthenticationError, PermissionDeniedError):
        return False
    return True


def require(principal: Principal, action: str, department: str | None = None) -> None:
    """Raise unless ``principal`` may take ``action`` (for ``department``, when it matters)."""
    roles = PERMISSIONS[action]
    if principal.role not in roles:
        if principal.role == "public":
            raise AuthenticationError(f"{action} needs an API key (Authorization: Bearer KEY)")
        raise PermissionDeniedError(f"the role {principal.role} may not {action}")
    if (
        action in OWN_DEPARTMENT
        and principal.department is not None
        and department is not None
        and department != principal.department
    ):
        raise PermissionDeniedError(
            f"this key acts for department {principal.department}, not {department}"
        )
