"""Records on their way into the registry: what validation produces and the store writes.

Kept apart from both so that the store does not depend on how records arrive (files today, the
HTTP API and list entries later).
"""

from __future__ import annotations

import datetime as dt
from typing import Literal, NamedTuple

RecordKind = Literal["licensing", "penalty", "red-list", "black-list"]

SUBJECT_KINDS = ("legal-person", "other-organization", "individual-business", "natural-person")
RELATION_ROLES = (
    "legal-representative",
    "principal-responsible-person",
    "directly-responsible-person",
    "actual-controller",
)


# Named tuples, not dataclasses: drafts cross from the validating process to the writing one,
# and a tuple unpickles several times faster than a dataclass with slots.
class SubjectRef(NamedTuple):
    kind: str
    name: str
    identifier: str
    identifier_type: str
    #: Every identifier the row gives for the subject, the primary one first.
    identifiers: list[tuple[str, str]]


class PersonRef(NamedTuple):
    name: str
    identifier: str
    identifier_type: str


class RecordDraft(NamedTuple):
    row: int
    kind: RecordKind
    subject: SubjectRef
    #: Persons named with their role in the organisation: (role, person).
    persons: tuple[tuple[str, PersonRef], ...]
    natural_key: str
    content_hash: str
    issuing_authority: str
    issuing_authority_code: str | None
    source_department: str | None
    source_department_code: str | None
    document_number: str
    decision_date: dt.date
    legal_basis: str | None
    category: str | None
    severity: str | None
    fine_fen: int | None
    confiscated_fen: int | None
    valid_from: dt.date | None
    valid_until: dt.date | None
    publish_from: dt.date | None
    publish_until: dt.date | None
    status: str
    #: The row as sent (non-empty fields, stripped), serialised once as JSON for the history.
    payload: str
    #: List entries: the catalog's list type.
    list_type: str | None = None
    #: The catalog code of the department the record belongs to: a list entry's listing
    #: department; a licence's or penalty's issuing authority when its USCC is a department's.
    department: str | None = None
    #: Fields the row sent (the payload's keys but notes starting with "_"), counted when the
    #: payload was made, so that the statistics need not parse it again (None: parse it).
    fields: int | None = None


__all__ = [
    "RELATION_ROLES",
    "SUBJECT_KINDS",
    "PersonRef",
    "RecordDraft",
    "RecordKind",
    "SubjectRef",
]
