"""The joint check as a pure function: which measures apply to a subject, here, now, and why.

:func:`decide` takes what the registry knows of one subject (:class:`Facts`) and the catalog, and
returns the decisions for one matter on one date. It reads no database and keeps no state, so the
same inputs always give the same decisions, and the rules can be tested property by property.

What a measure means at a check (catalog README): it applies for matter M on date D when M is one
of its matters and either the subject has an entry in effect on D on one of the measure's list
types and ``subject`` is a target; or the subject holds on D a role in an organisation with such
an entry and that role is a target (国发〔2016〕33号 §14); or its ``trigger`` holds on D. An entry
under objection yields its measures as ``suspended``; an expired, repaired, withdrawn, revoked or
cancelled entry yields nothing. A measure without a legal basis is never applied.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol

from jointcredit.rules.periods import subtract_duration

#: Entry statuses that yield decisions, and the decision status each yields.
_YIELDS = {"active": "applied", "disputed": "suspended"}


class CleanRecordTrigger(Protocol):
    @property
    def period(self) -> str: ...
    @property
    def negative(self) -> Sequence[str]: ...
    @property
    def subject_known(self) -> bool: ...


class TriggerLike(Protocol):
    @property
    def clean_record(self) -> CleanRecordTrigger: ...


class MeasureLike(Protocol):
    """The parts of a catalog measure the check reads."""

    @property
    def id(self) -> str: ...
    @property
    def kind(self) -> str: ...
    @property
    def binding(self) -> str: ...
    @property
    def text(self) -> str: ...
    @property
    def text_en(self) -> str | None: ...
    @property
    def legal_basis(self) -> str: ...
    @property
    def targets(self) -> Sequence[str]: ...
    @property
    def matters(self) -> Sequence[str]: ...
    @property
    def trigger(self) -> TriggerLike | None: ...


class CatalogLike(Protocol):
    """The parts of the measure catalog the check reads (jointcredit.catalog.Catalog)."""

    @property
    def version(self) -> Any: ...
    @property
    def list_types(self) -> Mapping[str, Any]: ...
    @property
    def departments(self) -> Mapping[str, Any]: ...

    def measures_for_list_type(
        self, code: str, on: dt.date, region: str | None = ...
    ) -> Sequence[MeasureLike]: ...

    def clean_record_measures(
        self, on: dt.date | None = None, region: str | None = ...
    ) -> Sequence[MeasureLike]: ...


class RuleBook:
    """The catalog as the check reads it, with the measures of each list type and day
    remembered: a screening run asks the same question millions of times."""

    def __init__(self, catalog: CatalogLike):
        self.catalog = catalog
        version = catalog.version
        self.version: str = str(getattr(version, "digest", version))
        self._by_list: dict[tuple[str, dt.date, str | None], Sequence[MeasureLike]] = {}
        self._clean: dict[tuple[dt.date, str | None], Sequence[MeasureLike]] = {}

    def measures(
        self, list_type: str, day: dt.date, region: str | None = None
    ) -> Sequence[MeasureLike]:
        """The measures an entry on ``list_type`` draws on ``day`` at a check by a department of
        ``region`` (None: a national department, to which no regional measure applies)."""
        key = (list_type, day, region)
        found = self._by_list.get(key)
        if found is None:
            # An entry on a list type the catalog no longer has draws no measure.
            found = (
                self.catalog.measures_for_list_type(list_type, day, region)
                if list_type in self.catalog.list_types
                else ()
            )
            self._by_list[key] = found
        return found

    def clean_record(self, day: dt.date, region: str | None = None) -> Sequence[MeasureLike]:
        found = self._clean.get((day, region))
        if found is None:
            found = self._clean[(day, region)] = self.catalog.clean_record_measures(day, region)
        return found


@dataclass(frozen=True, slots=True)
class Entry:
    """A red- or black-list entry, or another record as far as the check needs it."""

    id: int
    kind: str  # red-list, black-list, penalty, licensing, …
    list_type: str | None
    document_number: str
    decision_date: dt.date
    valid_from: dt.date | None
    valid_until: dt.date | None  # last day in effect, inclusive
    severity: str | None
    #: (recorded on, status) for every version, oldest first.
    statuses: tuple[tuple[dt.date, str], ...]

    def status_on(self, day: dt.date) -> str:
        """The status the registry recorded for ``day``: the last one recorded by then.

        An entry recorded after ``day`` (imported late, with an earlier ``valid_from``) counts
        with the status it was first recorded with: it was in effect, the registry just did not
        know it yet (DOMAIN.md, "Time in the registry").
        """
        status = self.statuses[0][1]
        for recorded, value in self.statuses:
            if recorded > day:
                break
            status = value
        return status

    def in_effect(self, day: dt.date) -> bool:
        start = self.valid_from or self.decision_date
        return start <= day and (self.valid_until is None or day <= self.valid_until)


@dataclass(frozen=True, slots=True)
class Role:
    """The subject (a person) holds ``role`` in ``organization`` from ``valid_from`` until the
    day before ``valid_until``."""

    role: str
    organization: str  # the organisation's identifier
    valid_from: dt.date | None
    valid_until: dt.date | None  # exclusive: the successor's first day
    entries: tuple[Entry, ...]

    def held_on(self, day: dt.date) -> bool:
        return (self.valid_from is None or self.valid_from <= day) and (
            self.valid_until is None or day < self.valid_until
        )


@dataclass(frozen=True, slots=True)
class Subject:
    identifier: str
    name: str
    kind: str


@dataclass(frozen=True, slots=True)
class Facts:
    subject: Subject | None
    #: The records the check evaluates: list entries and penalties.
    records: tuple[Entry, ...] = ()
    roles: tuple[Role, ...] = ()
    #: Decision date of the subject's earliest record of any kind; None: the earliest of
    #: ``records``.
    known_since: dt.date | None = None


@dataclass(frozen=True, slots=True)
class Decision:
    measure: str
    kind: str
    binding: str
    text: str
    text_en: str
    legal_basis: str
    entry: int | None
    list_type: str | None
    document_number: str | None
    via: dict[str, str] | None
    status: str
    until: dt.date | None

    def to_dict(self) -> dict[str, Any]:
        return {
            "measure": self.measure,
            "kind": self.kind,
            "binding": self.binding,
            "text": self.text,
            "text_en": self.text_en,
            "legal_basis": self.legal_basis,
            "entry": self.entry,
            "list_type": self.list_type,
            "document_number": self.document_number,
            "via": self.via,
            "status": self.status,
            "until": self.until.isoformat() if self.until else None,
        }


@dataclass(frozen=True, slots=True)
class CheckResult:
    subject: Subject | None
    department: str
    matter: str
    as_of: dt.date
    catalog_version: str
    decisions: tuple[Decision, ...] = field(default=())

    def to_dict(self) -> dict[str, Any]:
        return {
            "subject": (
                {
                    "identifier": self.subject.identifier,
                    "name": self.subject.name,
                    "kind": self.subject.kind,
                }
                if self.subject
                else None
            ),
            "department": self.department,
            "matter": self.matter,
            "as_of": self.as_of.isoformat(),
            "catalog_version": self.catalog_version,
            "decisions": [d.to_dict() for d in self.decisions],
        }


_LIST_KINDS = frozenset({"red-list", "black-list"})


def decide(
    facts: Facts,
    catalog: RuleBook,
    *,
    department: str,
    matter: str,
    as_of: dt.date,
    region: str | None = None,
) -> CheckResult:
    """All measures that apply to the subject of ``facts`` for ``matter`` on ``as_of`` at a
    check by ``department`` of ``region`` (its jurisdiction; None: a national department).

    National measures apply whoever checks; a regional document's or list's measures only when
    ``region`` lies inside the document's (or list's) region.
    """
    decisions: list[Decision] = []
    for entry in facts.records:
        decisions.extend(
            _from_entry(entry, catalog, matter, as_of, region, target="subject", via=None)
        )
    for role in facts.roles:
        if not role.held_on(as_of):
            continue
        via = {"role": role.role, "organisation": role.organization}
        for entry in role.entries:
            decisions.extend(
                _from_entry(entry, catalog, matter, as_of, region, target=role.role, via=via)
            )
    if facts.subject is not None or _any_for_unknown(catalog, as_of, region):
        decisions.extend(_clean_record(facts, catalog, matter, as_of, region))
    decisions.sort(key=lambda d: (d.kind, d.measure, d.entry or 0, str(d.via or "")))
    return CheckResult(facts.subject, department, matter, as_of, catalog.version, tuple(decisions))


def _from_entry(
    entry: Entry,
    catalog: RuleBook,
    matter: str,
    day: dt.date,
    region: str | None,
    *,
    target: str,
    via: dict[str, str] | None,
) -> Iterable[Decision]:
    if entry.kind not in _LIST_KINDS or entry.list_type is None or not entry.in_effect(day):
        return
    status = _YIELDS.get(entry.status_on(day))
    if status is None:
        return
    for measure in catalog.measures(entry.list_type, day, region):
        if matter in measure.matters and target in measure.targets and measure.legal_basis:
            yield _decision(measure, entry, via, status)


def _decision(
    measure: MeasureLike, entry: Entry | None, via: dict[str, str] | None, status: str
) -> Decision:
    return Decision(
        measure=measure.id,
        kind=measure.kind,
        binding=measure.binding,
        text=measure.text,
        text_en=measure.text_en or "",
        legal_basis=measure.legal_basis,
        entry=entry.id if entry else None,
        list_type=entry.list_type if entry else None,
        document_number=entry.document_number if entry else None,
        via=via,
        status=status,
        until=entry.valid_until if entry else None,
    )


def _any_for_unknown(catalog: RuleBook, day: dt.date, region: str | None) -> bool:
    return any(
        m.trigger is not None and not m.trigger.clean_record.subject_known
        for m in catalog.clean_record(day, region)
    )


def _clean_record(
    facts: Facts, catalog: RuleBook, matter: str, day: dt.date, region: str | None
) -> Iterable[Decision]:
    for measure in catalog.clean_record(day, region):
        trigger = measure.trigger.clean_record if measure.trigger else None
        if trigger is None or matter not in measure.matters or "subject" not in measure.targets:
            continue
        if not measure.legal_basis or not clean_record_holds(facts, trigger, day):
            continue
        yield _decision(measure, None, None, "applied")


#: Negative kinds a clean-record trigger may name (catalog README).
NEGATIVE_KINDS = frozenset(
    {"black-list-entry", "penalty-minor", "penalty-general", "penalty-severe"}
)
#: Statuses under which a record no longer counts against the subject.
_CLEARED = frozenset({"withdrawn", "revoked", "cancelled", "repaired"})


def clean_record_holds(facts: Facts, trigger: CleanRecordTrigger, day: dt.date) -> bool:
    """No negative record in the period up to ``day`` (33号 §4: "three successive years").

    A black-list entry counts when it was in effect at any time in the period; a penalty when it
    was decided in the period; either unless withdrawn, revoked, cancelled or repaired by
    ``day``. A record under objection still counts: the incentive waits for the verification.
    With ``subject_known`` only a subject with some record decided on or before the period's
    start qualifies (by decision date, not import date).
    """
    start = subtract_duration(day, trigger.period)
    negative = set(trigger.negative)
    if trigger.subject_known:
        known = facts.known_since or min((r.decision_date for r in facts.records), default=None)
        if facts.subject is None or known is None or known > start:
            return False
    # The period is the days after ``start`` up to and including ``day``.
    for record in facts.records:
        if record.status_on(day) in _CLEARED:
            continue
        if record.kind == "black-list" and "black-list-entry" in negative:
            # In effect on some day of the period, whenever it was decided: an entry in effect
            # on ``day`` both draws its punishments and breaks the clean record.
            begins = record.valid_from or record.decision_date
            if begins <= day and (record.valid_until is None or record.valid_until > start):
                return False
        elif (
            record.kind == "penalty"
            and f"penalty-{record.severity}" in negative
            and start < record.decision_date <= day
        ):
            return False
    return True
