"""The measure catalog as typed, immutable values.

Everything here is built by :mod:`jointcredit.catalog.loader` from YAML and never changed
afterwards: a check result names the catalog version it used, so the catalog a process checks
against must not drift while it runs.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from pathlib import Path
from typing import Any, Literal

from jointcredit.errors import JointCreditError, NotFoundError
from jointcredit.identifiers import divisions


class Severity(StrEnum):
    ERROR = "error"  # the platform refuses to start on it
    WARNING = "warning"  # worth a look; the catalog still loads


class ListKind(StrEnum):
    RED = "red"
    BLACK = "black"


class DocumentKind(StrEnum):
    PUNISHMENT = "punishment"
    INCENTIVE = "incentive"
    MIXED = "mixed"


class MeasureKind(StrEnum):
    PUNISHMENT = "punishment"
    INCENTIVE = "incentive"


class Category(StrEnum):
    """The four channels of 国发〔2016〕33号."""

    ADMINISTRATIVE = "administrative"
    MARKET = "market"
    SECTORAL = "sectoral"
    SOCIAL = "social"


class Binding(StrEnum):
    MANDATORY = "mandatory"
    RECOMMENDED = "recommended"
    UNKNOWN = "unknown"


class Status(StrEnum):
    CURRENT = "current"
    SUPERSEDED = "superseded"


class Target(StrEnum):
    """Who a measure reaches: the listed subject, persons holding a role in a listed
    organisation (国发〔2016〕33号 §14), or an organisation related to a listed subject."""

    SUBJECT = "subject"
    LEGAL_REPRESENTATIVE = "legal-representative"
    PRINCIPAL_RESPONSIBLE_PERSON = "principal-responsible-person"
    DIRECTLY_RESPONSIBLE_PERSON = "directly-responsible-person"
    ACTUAL_CONTROLLER = "actual-controller"
    DIRECTOR_SUPERVISOR_SENIOR_MANAGER = "director-supervisor-senior-manager"
    RELATED_ENTITY = "related-entity"


#: Targets that are persons holding a role in a listed organisation: they exist only when the
#: list type can list organisations.
ROLE_TARGETS = frozenset(
    {
        Target.LEGAL_REPRESENTATIVE,
        Target.PRINCIPAL_RESPONSIBLE_PERSON,
        Target.DIRECTLY_RESPONSIBLE_PERSON,
        Target.ACTUAL_CONTROLLER,
        Target.DIRECTOR_SUPERVISOR_SENIOR_MANAGER,
    }
)


class SubjectType(StrEnum):
    """The subject kinds of the registry (``store.tables.SUBJECT_KINDS``)."""

    NATURAL_PERSON = "natural-person"
    LEGAL_PERSON = "legal-person"
    OTHER_ORGANIZATION = "other-organization"
    INDIVIDUAL_BUSINESS = "individual-business"


#: Subject types that have officers (legal representative, responsible persons, controller).
#: An individual business counts: its operator is its responsible person, and rejecting it would
#: turn a judgement call into a hard error.
ORGANISATION_TYPES = frozenset(
    {SubjectType.LEGAL_PERSON, SubjectType.OTHER_ORGANIZATION, SubjectType.INDIVIDUAL_BUSINESS}
)

#: Record kinds that break a clean record (``trigger.clean_record.negative``). They map onto the
#: registry's records: ``black-list-entry`` is a record of kind ``black-list``; ``penalty-X`` is a
#: ``penalty`` of severity X. A closed set, because a misspelt kind would silently make a clean
#: record easier to earn.
NEGATIVE_RECORD_KINDS = ("black-list-entry", "penalty-minor", "penalty-general", "penalty-severe")


@dataclass(frozen=True, slots=True, order=True)
class Location:
    """Where a value stands in a catalog file; line and column count from 1."""

    file: Path
    line: int
    column: int | None = None

    def __str__(self) -> str:
        return f"{self.file}:{self.line}"


@dataclass(frozen=True, slots=True, kw_only=True)
class Problem:
    """One finding of the catalog checks. ``code`` is stable for machines and tests."""

    file: Path
    line: int
    column: int | None = None
    code: str
    message: str
    severity: Severity = Severity.ERROR

    @property
    def is_error(self) -> bool:
        return self.severity is Severity.ERROR

    def sort_key(self) -> tuple[str, int, int, str, str]:
        return (str(self.file), self.line, self.column or 0, self.code, self.message)

    def __str__(self) -> str:
        return f"{self.file}:{self.line}: {self.severity} {self.code}: {self.message}"

    def to_dict(self) -> dict[str, Any]:
        return {
            "file": str(self.file),
            "line": self.line,
            "column": self.column,
            "severity": str(self.severity),
            "code": self.code,
            "message": self.message,
        }


class CatalogError(JointCreditError):
    """The catalog has errors: the platform does not start on it."""

    code = "catalog"

    def __init__(self, problems: list[Problem]) -> None:
        self.problems = tuple(p for p in problems if p.is_error)
        lines = "\n".join(f"  {p}" for p in self.problems)
        super().__init__(
            f"the measure catalog has {len(self.problems)} error(s); "
            f"run `jointcredit catalog lint` for details:\n{lines}"
        )


@dataclass(frozen=True, slots=True)
class CatalogVersion:
    """Content digest of the catalog files plus their number; every check result carries it so
    that the measures it applied can be reproduced."""

    digest: str
    files: int

    def __str__(self) -> str:
        return f"{self.digest} ({self.files} files)"

    def to_dict(self) -> dict[str, Any]:
        return {"digest": self.digest, "files": self.files}


#: ``region`` argument meaning "wherever": no filter by jurisdiction (push routing, lint).
EVERYWHERE = "*"


@dataclass(frozen=True, slots=True)
class Department:
    code: str
    name_zh: str
    name_en: str
    superseded_by: str | None = None
    #: GB/T 2260 code of its jurisdiction; None: a national body.
    region: str | None = None
    #: The department of a wider jurisdiction (in the end a national one) whose functions it
    #: carries in its region: it implements there what that one implements.
    counterpart: str | None = None
    #: The authority's own unified social credit code: how records name their issuing authority.
    uscc: str | None = None
    #: The body it reports to, for the hierarchy shown to people; duties follow ``counterpart``.
    parent: str | None = None
    location: Location | None = field(default=None, compare=False)

    @property
    def level(self) -> str:
        return divisions.level(self.region)


@dataclass(frozen=True, slots=True)
class Matter:
    """A workflow moment at which a department checks a subject (air travel, bidding, …)."""

    code: str
    name_zh: str
    name_en: str
    location: Location | None = field(default=None, compare=False)


@dataclass(frozen=True, slots=True)
class ListType:
    code: str
    kind: ListKind
    name_zh: str
    name_en: str
    initiating_department: str
    legal_basis: str
    subject_types: tuple[SubjectType, ...]
    default_period: str | None  # ISO 8601 duration; None: no fixed term
    listing_criteria: str | None = None
    exit_rules: str | None = None
    source: str | None = None
    status: Status = Status.CURRENT
    #: GB/T 2260 code: a regional list, in force only there; None: national.
    region: str | None = None
    location: Location | None = field(default=None, compare=False)

    @property
    def lists_organisations(self) -> bool:
        return any(t in ORGANISATION_TYPES for t in self.subject_types)


@dataclass(frozen=True, slots=True)
class Document:
    """A memorandum, opinion, policy or list of measures."""

    id: str
    title_zh: str | None
    title_en: str | None
    document_number: str | None
    issued: dt.date | None  # a year-month is read as its first day
    issued_precision: Literal["day", "month"] | None
    kind: DocumentKind
    list_type: str | None
    initiating_department: str | None
    signatories: tuple[str, ...]
    source: str | None
    status: Status
    superseded_by: str | None
    measures: tuple[str, ...]
    #: GB/T 2260 code: a regional document, in force only there; None: national.
    region: str | None = None
    location: Location | None = field(default=None, compare=False)


@dataclass(frozen=True, slots=True)
class CleanRecord:
    """Incentive for a subject without negative records: none of ``negative`` decided within
    ``period`` before the check; with ``subject_known``, only a subject with some record decided
    at or before the period's start qualifies (by decision date, not import date)."""

    period: str  # ISO 8601 duration
    negative: tuple[str, ...]
    subject_known: bool


@dataclass(frozen=True, slots=True)
class Trigger:
    """What makes a measure apply instead of a list entry (today only a clean record)."""

    clean_record: CleanRecord


@dataclass(frozen=True, slots=True)
class Measure:
    id: str
    document: str
    text_zh: str | None
    text_en: str | None
    category: Category
    binding: Binding
    targets: tuple[Target, ...]
    implementing_departments: tuple[str, ...]
    #: An unverified guess of the transcriber: show it as such, never as fact.
    implementing_departments_inferred: tuple[str, ...]
    matters: tuple[str, ...]
    legal_basis: str
    kind: MeasureKind
    #: Resolved: the measure's own ``list_types``, else its document's ``list_type``; empty for a
    #: measure with a trigger.
    list_types: tuple[str, ...]
    trigger: Trigger | None = None
    item_no: str | None = None
    title_zh: str | None = None
    #: Fields whose line in the file carries a ``# unverified`` comment (catalog convention).
    unverified: tuple[str, ...] = ()
    location: Location | None = field(default=None, compare=False)

    @property
    def text(self) -> str:
        """The text to show: Chinese (authoritative), else English, else the heading."""
        return self.text_zh or self.text_en or self.title_zh or ""

    def to_dict(self) -> dict[str, Any]:
        clean = self.trigger.clean_record if self.trigger else None
        return {
            "id": self.id,
            "document": self.document,
            "item_no": self.item_no,
            "kind": str(self.kind),
            "category": str(self.category),
            "binding": str(self.binding),
            "list_types": list(self.list_types),
            "trigger": None
            if clean is None
            else {
                "clean_record": {
                    "period": clean.period,
                    "negative": list(clean.negative),
                    "subject_known": clean.subject_known,
                }
            },
            "targets": [str(t) for t in self.targets],
            "matters": list(self.matters),
            "implementing_departments": list(self.implementing_departments),
            "implementing_departments_inferred": list(self.implementing_departments_inferred),
            "legal_basis": self.legal_basis,
            "title_zh": self.title_zh,
            "text_zh": self.text_zh,
            "text_en": self.text_en,
            "unverified": list(self.unverified),
        }


@dataclass(frozen=True, slots=True)
class Catalog:
    departments: Mapping[str, Department]
    matters: Mapping[str, Matter]
    list_types: Mapping[str, ListType]
    documents: Mapping[str, Document]
    measures: Mapping[str, Measure]
    version: CatalogVersion
    files: tuple[Path, ...]
    #: Problems of severity warning found while loading (errors would have raised).
    warnings: tuple[Problem, ...] = ()
    #: Department code → the current departments that carry its duties (derived).
    _carriers: Mapping[str, tuple[str, ...]] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "_carriers", _carriers(self.departments))

    def successor(self, code: str) -> str:
        """The body that carries ``code``'s functions today: ``superseded_by`` followed to its
        end (the loader refuses a circle); an unknown code is its own successor."""
        seen = {code}
        department = self.departments.get(code)
        while department is not None and department.superseded_by is not None:
            code = department.superseded_by
            if code in seen:
                break
            seen.add(code)
            department = self.departments.get(code)
        return code

    def region_of(self, department: str) -> str | None:
        """The jurisdiction of ``department`` (None: national or unknown)."""
        known = self.departments.get(department)
        return known.region if known is not None else None

    def carriers(self, department: str) -> tuple[str, ...]:
        """The current departments that carry ``department``'s duties: its successor, and every
        department whose chain of counterparts (each followed to its successor) reaches it, in
        whatever region; :meth:`implementers` keeps those in a measure's region."""
        found = self._carriers.get(self.successor(department))
        if found is None:
            return (self.successor(department),)
        return found

    def applies_in(
        self, measure: Measure, region: str | None, list_type: str | None = None
    ) -> bool:
        """Whether ``measure`` (drawn by an entry on ``list_type``) applies to a department of
        ``region`` (None: a national one): a regional document's or list's measures apply only
        inside its region; ``EVERYWHERE`` asks for no such limit."""
        if region == EVERYWHERE:
            return True
        if not divisions.within(region, self.documents[measure.document].region):
            return False
        lt = self.list_types.get(list_type) if list_type is not None else None
        return lt is None or divisions.within(region, lt.region)

    def implementers(
        self, measure: Measure, list_type: str | None = None, *, inferred: bool = True
    ) -> tuple[str, ...]:
        """The current departments due to apply ``measure``: the carriers of its stated (and,
        with ``inferred``, its inferred) implementers that lie in its region."""
        named = measure.implementing_departments
        if inferred:
            named = (*named, *measure.implementing_departments_inferred)
        found: dict[str, None] = {}
        for code in named:
            for carrier in self.carriers(code):
                if self.applies_in(measure, self.region_of(carrier), list_type):
                    found[carrier] = None
        return tuple(found)

    def in_force(self, document: Document, on: dt.date) -> bool:
        """Whether ``document``'s measures apply on ``on``.

        Not before it was issued (an unknown date counts as always issued), and for a
        superseded document only before its successor was issued: it stays in the catalog so
        that past checks can be reproduced.
        """
        if document.issued is not None and on < document.issued:
            return False
        if document.status is Status.SUPERSEDED and document.superseded_by is not None:
            successor = self.documents[document.superseded_by]
            # The loader refuses a superseded document whose successor has no issue date.
            assert successor.issued is not None
            return on < successor.issued
        return True

    def measure_in_force(self, measure: Measure, on: dt.date) -> bool:
        return self.in_force(self.documents[measure.document], on)

    def list_type(self, code: str) -> ListType:
        try:
            return self.list_types[code]
        except KeyError:
            raise NotFoundError(f"unknown list type {code!r}") from None

    def measures_for_list_type(
        self, code: str, on: dt.date, region: str | None = EVERYWHERE
    ) -> tuple[Measure, ...]:
        """Measures that an entry on list type ``code`` draws on ``on``; with ``region``, only
        those that apply to a department of that region (None: a national department)."""
        self.list_type(code)
        return tuple(
            m
            for m in self.measures.values()
            if code in m.list_types
            and self.measure_in_force(m, on)
            and self.applies_in(m, region, code)
        )

    def clean_record_measures(
        self, on: dt.date | None = None, region: str | None = EVERYWHERE
    ) -> tuple[Measure, ...]:
        """Measures triggered by a clean record; with ``on``, only those in force that day;
        with ``region``, only those that apply to a department there."""
        return tuple(
            m
            for m in self.measures.values()
            if m.trigger is not None
            and (on is None or self.measure_in_force(m, on))
            and self.applies_in(m, region)
        )

    def select(
        self,
        *,
        list_type: str | None = None,
        department: str | None = None,
        matter: str | None = None,
        on: dt.date | None = None,
        include_inferred: bool = False,
    ) -> tuple[Measure, ...]:
        """Measures matching every given filter, in catalog order.

        ``department`` matches ``implementing_departments``; guesses
        (``implementing_departments_inferred``) only with ``include_inferred``.
        """
        if list_type is not None:
            self.list_type(list_type)
        if department is not None and department not in self.departments:
            raise NotFoundError(f"unknown department {department!r}")
        if matter is not None and matter not in self.matters:
            raise NotFoundError(f"unknown matter {matter!r}")
        found = []
        for m in self.measures.values():
            if list_type is not None and list_type not in m.list_types:
                continue
            if department is not None and not self._implements(m, department, include_inferred):
                continue
            if matter is not None and matter not in m.matters:
                continue
            if on is not None and not self.measure_in_force(m, on):
                continue
            found.append(m)
        return tuple(found)

    def _implements(self, measure: Measure, department: str, include_inferred: bool) -> bool:
        """Named among the measure's implementers, or carrying one's duties in its region."""
        if _implements(measure, department, include_inferred):
            return True
        return department in self.implementers(measure, inferred=include_inferred)


def _carriers(departments: Mapping[str, Department]) -> dict[str, tuple[str, ...]]:
    """Current department → itself and the current departments that carry its duties: those
    whose chain of counterparts reaches it, and those below it (``parent``) whose chain of
    counterparts ends where its own does (Hangzhou's market regulator, under Zhejiang's, carries
    what a Zhejiang document asks of Zhejiang's). A superseded body carries nothing: its
    successor does."""

    def successor(code: str) -> str:
        seen = {code}
        while code in departments and departments[code].superseded_by is not None:
            code = departments[code].superseded_by or code
            if code in seen:
                break
            seen.add(code)
        return code

    def chain(code: str, key: str) -> list[str]:
        """``code``'s counterparts (or parents), each followed to its successor, nearest first."""
        out: list[str] = []
        seen = {code}
        above = getattr(departments[code], key) if code in departments else None
        while above is not None:
            above = successor(above)
            if above in seen:
                break  # a circle: the loader reports it
            seen.add(above)
            out.append(above)
            known = departments.get(above)
            above = getattr(known, key) if known is not None else None
        return out

    def root(code: str) -> str:
        counterparts = chain(code, "counterpart")
        return counterparts[-1] if counterparts else code

    found: dict[str, list[str]] = {}
    for code, department in departments.items():
        if department.superseded_by is not None:
            continue
        found.setdefault(code, []).append(code)
        mine = root(code)
        above = chain(code, "counterpart")
        above += [p for p in chain(code, "parent") if p not in above and root(p) == mine]
        for carried in above:
            found.setdefault(carried, [carried]).append(code)
    return {code: tuple(dict.fromkeys(codes)) for code, codes in found.items()}


def _implements(measure: Measure, department: str, include_inferred: bool) -> bool:
    if department in measure.implementing_departments:
        return True
    return include_inferred and department in measure.implementing_departments_inferred
