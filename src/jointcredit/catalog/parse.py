"""From YAML files to drafts: typed entities that still know where each of their values stands.

Parsing checks the shape of one value at a time (types, enumerations, required keys, ids unique
across all files); :mod:`jointcredit.catalog.lint` then checks what needs the whole catalog
(references, targets, reach). A value that fails keeps a harmless fallback and its key goes into
``Draft.bad``, so that later rules skip it instead of reporting the same mistake twice.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field, replace
from enum import StrEnum
from pathlib import Path
from typing import Generic, Literal, TypeVar

from stdnum.exceptions import ValidationError
from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

from jointcredit.catalog._yaml import MISSING, Fields, Problems, construct, describe, location
from jointcredit.catalog.model import (
    NEGATIVE_RECORD_KINDS,
    Binding,
    Category,
    CleanRecord,
    Department,
    Document,
    DocumentKind,
    ListKind,
    ListType,
    Location,
    Matter,
    Measure,
    MeasureKind,
    Status,
    SubjectType,
    Target,
    Trigger,
)
from jointcredit.identifiers import divisions, uscc

T = TypeVar("T")
E = TypeVar("E", bound=StrEnum)

DEPARTMENT_KEYS = (
    "code",
    "name_zh",
    "name_en",
    "superseded_by",
    "region",
    "counterpart",
    "uscc",
    "parent",
)
MATTER_KEYS = ("code", "name_zh", "name_en")
LIST_TYPE_REQUIRED = (
    "code",
    "kind",
    "name_zh",
    "name_en",
    "initiating_department",
    "legal_basis",
    "subject_types",
    "default_period",
)
LIST_TYPE_KEYS = (
    *LIST_TYPE_REQUIRED,
    "listing_criteria",
    "exit_rules",
    "source",
    "sources_extra",
    "status",
    "region",
)
DOCUMENT_REQUIRED = (
    "id",
    "title_zh",
    "title_en",
    "document_number",
    "issued",
    "kind",
    "list_type",
    "initiating_department",
    "signatories",
    "source",
    "measures",
)
DOCUMENT_KEYS = (*DOCUMENT_REQUIRED, "status", "superseded_by", "region")
MEASURE_REQUIRED = (
    "id",
    "text_zh",
    "text_en",
    "category",
    "binding",
    "targets",
    "implementing_departments",
    "matters",
    "legal_basis",
)
#: Besides the format's optional keys, the transcription notes of SOURCES.md ("extra keys").
MEASURE_KEYS = (
    *MEASURE_REQUIRED,
    "kind",
    "list_types",
    "trigger",
    "item_no",
    "implementing_departments_inferred",
    "title_zh",
    "section_zh",
    "text_source",
    "category_en",
    "targets_description",
    "implementing_agency_description",
)

# ISO 8601 durations as the registry's periods use them: P3Y, P18M, P2Y6M, P90D, PT12H.
_DURATION = re.compile(r"P(?=\d|T\d)(\d+Y)?(\d+M)?(\d+W)?(\d+D)?(T(?=\d)(\d+H)?(\d+M)?(\d+S)?)?")
_YEAR_MONTH = re.compile(r"(\d{4})-(\d{2})")
_UNVERIFIED = re.compile(r"#.*\bunverified\b", re.IGNORECASE)


@dataclass
class Spots:
    """A mapping being parsed: its fields, where its list items stand, which values failed."""

    fields: Fields
    #: Locations of list items by key, in the order of the entity's tuple.
    items: dict[str, tuple[Location, ...]] = field(default_factory=dict)
    #: Keys whose value was rejected: rules that depend on them are skipped.
    bad: set[str] = field(default_factory=set)

    def at(self, key: str, index: int | None = None) -> Location:
        wheres = self.items.get(key)
        if index is not None and wheres is not None and index < len(wheres):
            return wheres[index]
        return self.fields.at(key)

    @property
    def location(self) -> Location:
        return self.fields.location

    def draft(self, entity: T) -> Draft[T]:
        return Draft(fields=self.fields, items=self.items, bad=self.bad, entity=entity)


@dataclass(kw_only=True)
class Draft(Spots, Generic[T]):
    """A parsed entity with the spots of its values, for the rules that come after."""

    entity: T


@dataclass
class State:
    """Everything parsed so far, first definition of each id wins."""

    problems: Problems = field(default_factory=Problems)
    departments: dict[str, Draft[Department]] = field(default_factory=dict)
    matters: dict[str, Draft[Matter]] = field(default_factory=dict)
    list_types: dict[str, Draft[ListType]] = field(default_factory=dict)
    documents: dict[str, Draft[Document]] = field(default_factory=dict)
    measures: dict[str, Draft[Measure]] = field(default_factory=dict)

    def claim(self, table: dict[str, Draft[T]], what: str, key: str, draft: Draft[T]) -> None:
        """Add ``draft`` under ``key`` unless the id is taken (by any earlier file)."""
        first = table.get(key)
        if first is not None:
            self.problems.error(
                draft.at("code" if "code" in draft.fields else "id"),
                "duplicate-id",
                f"{what} {key!r} is already defined at {first.location}",
            )
            return
        table[key] = draft


def file_kind(path: Path) -> Literal["departments", "matters", "list-types", "document"]:
    """What a catalog file holds, from its name: ``departments*``, ``matters*``,
    ``list-types*`` (or ``list_types*``) are tables; anything else is one document."""
    name = path.name.lower()
    if name.startswith("departments"):
        return "departments"
    if name.startswith("matters"):
        return "matters"
    if name.startswith(("list-types", "list_types")):
        return "list-types"
    return "document"


def parse_file(state: State, file: Path, root: Node | None, text: str) -> None:
    problems = state.problems
    kind = file_kind(file)
    if root is None or (isinstance(root, ScalarNode) and construct(root) is None):
        problems.warning(Location(file, 1), "empty-file", "the file holds nothing")
        return
    if kind == "document":
        if not isinstance(root, MappingNode):
            problems.error(
                location(root, file),
                "parse-error",
                "a document file must be a mapping (id, title_zh, …, measures); files holding a "
                "list must be named departments*, matters* or list-types*",
            )
            return
        _document(state, Fields(root, file, problems), text.splitlines())
        return
    if not isinstance(root, SequenceNode):
        problems.error(location(root, file), "parse-error", f"a {kind} file must be a list")
        return
    for item in root.value:
        if not isinstance(item, MappingNode):
            problems.error(
                location(item, file), "parse-error", f"an entry of a {kind} file must be a mapping"
            )
            continue
        fields = Fields(item, file, problems)
        if kind == "departments":
            _department(state, fields)
        elif kind == "matters":
            _matter(state, fields)
        else:
            _list_type(state, fields)


def _require(spots: Spots, keys: tuple[str, ...], what: str) -> None:
    """Report each key of the format's shape that is absent (null is a value: an explicit gap)."""
    for key in keys:
        if key not in spots.fields:
            spots.fields.missing(key, what)
            spots.bad.add(key)


def _required_text(spots: Spots, key: str, what: str) -> str:
    """Text that must not be null or blank (absence is reported by :func:`_require`)."""
    fields = spots.fields
    value = fields.text(key, what)
    if value is not None and value.strip():
        return value
    # A wrong type was reported by fields.text; only null and blank are left to report.
    if key in fields and (value is not None or fields.value(key) is None):
        fields.problems.error(spots.at(key), "missing-field", f"{key} of {what} is empty")
    spots.bad.add(key)
    return ""


def _enum(spots: Spots, key: str, cls: type[E], what: str, default: E) -> E:
    raw = spots.fields.text(key, what)
    if raw is None:
        if key in spots.fields and spots.fields.value(key) is None:
            spots.fields.problems.error(spots.at(key), "missing-field", f"{key} of {what} is null")
        spots.bad.add(key)
        return default
    try:
        return cls(raw)
    except ValueError:
        allowed = ", ".join(m.value for m in cls)
        spots.fields.problems.error(
            spots.at(key), "bad-value", f"{key} of {what} is {raw!r}; expected one of: {allowed}"
        )
        spots.bad.add(key)
        return default


def _codes(spots: Spots, key: str, what: str) -> tuple[str, ...]:
    items = spots.fields.codes(key, what)
    spots.items[key] = tuple(where for _, where in items)
    return tuple(value for value, _ in items)


def _enum_list(spots: Spots, key: str, cls: type[E], what: str) -> tuple[E, ...]:
    values: list[E] = []
    wheres: list[Location] = []
    allowed = ", ".join(m.value for m in cls)
    for raw, where in spots.fields.codes(key, what):
        try:
            value = cls(raw)
        except ValueError:
            spots.fields.problems.error(
                where, "bad-value", f"{raw!r} in {key} of {what} is not one of: {allowed}"
            )
            spots.bad.add(key)
            continue
        if value in values:
            spots.fields.problems.warning(
                where, "bad-value", f"{raw!r} appears twice in {key} of {what}"
            )
            continue
        values.append(value)
        wheres.append(where)
    spots.items[key] = tuple(wheres)
    return tuple(values)


def _duration(spots: Spots, key: str, what: str) -> str | None:
    raw = spots.fields.text(key, what)
    if raw is None:
        return None
    if not _DURATION.fullmatch(raw):
        spots.fields.problems.error(
            spots.at(key), "bad-value", f"{key} of {what} is {raw!r}, not an ISO 8601 duration"
        )
        spots.bad.add(key)
        return None
    return raw


def _region(spots: Spots, what: str) -> str | None:
    """A GB/T 2260 division code (six digits, current or historical), written as text or as a
    number (YAML reads ``330000`` as one); absent or null: national."""
    value = spots.fields.value("region")
    if value is MISSING or value is None:
        return None
    raw = str(value) if isinstance(value, int) and not isinstance(value, bool) else value
    if isinstance(raw, str) and re.fullmatch(r"\d{6}", raw) and divisions.is_known(raw):
        return raw
    spots.fields.problems.error(
        spots.at("region"),
        "unknown-region",
        f"region of {what} is {describe(value)}, not a GB/T 2260 division code (six digits, "
        "e.g. 330000 for Zhejiang, 330100 for Hangzhou)",
    )
    spots.bad.add("region")
    return None


def _uscc(spots: Spots, what: str) -> str | None:
    raw = spots.fields.code("uscc", what)
    if raw is None:
        return None
    try:
        return uscc.validate(raw)
    except ValidationError as exc:
        spots.fields.problems.error(
            spots.at("uscc"), "bad-value", f"uscc of {what} is {raw!r}, not a valid USCC: {exc}"
        )
        spots.bad.add("uscc")
        return None


def _department(state: State, fields: Fields) -> None:
    spots = Spots(fields)
    code = fields.code("code", "a department", required=True)
    fields.warn_unknown_keys(DEPARTMENT_KEYS, f"department {code or '?'}")
    if code is None:
        return
    what = f"department {code}"
    _require(spots, DEPARTMENT_KEYS[:3], what)
    department = Department(
        code=code,
        name_zh=_required_text(spots, "name_zh", what),
        name_en=_required_text(spots, "name_en", what),
        superseded_by=fields.code("superseded_by", what),
        region=_region(spots, what),
        counterpart=fields.code("counterpart", what),
        uscc=_uscc(spots, what),
        parent=fields.code("parent", what),
        location=fields.location,
    )
    state.claim(state.departments, "department", code, spots.draft(department))


def _matter(state: State, fields: Fields) -> None:
    spots = Spots(fields)
    code = fields.code("code", "a matter", required=True)
    fields.warn_unknown_keys(MATTER_KEYS, f"matter {code or '?'}")
    if code is None:
        return
    what = f"matter {code}"
    _require(spots, MATTER_KEYS, what)
    matter = Matter(
        code=code,
        name_zh=_required_text(spots, "name_zh", what),
        name_en=_required_text(spots, "name_en", what),
        location=fields.location,
    )
    state.claim(state.matters, "matter", code, spots.draft(matter))


def _legal_basis(spots: Spots, what: str) -> str:
    fields = spots.fields
    value = fields.value("legal_basis")
    if value is MISSING or value is None or (isinstance(value, str) and not value.strip()):
        # 国办发〔2020〕49号: no measure and no list without a law, administrative regulation
        # or central policy document behind it.
        fields.problems.error(
            fields.at("legal_basis") if "legal_basis" in fields else fields.location,
            "missing-legal-basis",
            f"{what} has no legal basis",
        )
        spots.bad.add("legal_basis")
        return ""
    if not isinstance(value, str):
        fields.problems.error(
            fields.at("legal_basis"),
            "bad-value",
            f"legal_basis of {what} must be text, not {describe(value)}",
        )
        spots.bad.add("legal_basis")
        return ""
    return value


def _list_type(state: State, fields: Fields) -> None:
    code = fields.code("code", "a list type", required=True)
    fields.warn_unknown_keys(LIST_TYPE_KEYS, f"list type {code or '?'}")
    if code is None:
        return
    what = f"list type {code}"
    spots = Spots(fields)
    # legal_basis has a rule of its own (missing-legal-basis).
    _require(spots, tuple(k for k in LIST_TYPE_REQUIRED if k != "legal_basis"), what)
    subject_types = _enum_list(spots, "subject_types", SubjectType, what)
    if not subject_types and "subject_types" not in spots.bad:
        fields.problems.error(spots.at("subject_types"), "bad-value", f"{what} lists no one")
        spots.bad.add("subject_types")
    initiating = _required_text(spots, "initiating_department", what)
    status = Status.CURRENT
    if "status" in fields:
        status = _enum(spots, "status", Status, what, Status.CURRENT)
    list_type = ListType(
        code=code,
        kind=_enum(spots, "kind", ListKind, what, ListKind.BLACK),
        name_zh=_required_text(spots, "name_zh", what),
        name_en=_required_text(spots, "name_en", what),
        initiating_department=initiating,
        legal_basis=_legal_basis(spots, what),
        subject_types=subject_types,
        default_period=_duration(spots, "default_period", what),
        listing_criteria=fields.text("listing_criteria", what),
        exit_rules=fields.text("exit_rules", what),
        source=fields.text("source", what),
        status=status,
        region=_region(spots, what),
        location=fields.location,
    )
    state.claim(state.list_types, "list type", code, spots.draft(list_type))


def _issued(spots: Spots, what: str) -> tuple[dt.date | None, Literal["day", "month"] | None]:
    value = spots.fields.value("issued")
    if value is MISSING or value is None:
        return None, None
    if isinstance(value, dt.date) and not isinstance(value, dt.datetime):
        return value, "day"
    if isinstance(value, str):
        month = _YEAR_MONTH.fullmatch(value)
        try:
            if month:
                return dt.date(int(month[1]), int(month[2]), 1), "month"
            return dt.date.fromisoformat(value), "day"
        except ValueError:
            pass
    spots.fields.problems.error(
        spots.at("issued"),
        "bad-value",
        f"issued of {what} is {describe(value)}; expected a date (YYYY-MM-DD) or a year-month "
        "(YYYY-MM)",
    )
    spots.bad.add("issued")
    return None, None


def _document(state: State, fields: Fields, lines: list[str]) -> None:
    doc_id = fields.code("id", "the document", required=True)
    fields.warn_unknown_keys(DOCUMENT_KEYS, f"document {doc_id or '?'}")
    if doc_id is None:
        return
    what = f"document {doc_id}"
    spots = Spots(fields)
    _require(spots, DOCUMENT_REQUIRED, what)
    kind = _enum(spots, "kind", DocumentKind, what, DocumentKind.PUNISHMENT)
    issued, precision = _issued(spots, what)
    list_type = fields.code("list_type", what)
    status = Status.CURRENT
    if "status" in fields:
        status = _enum(spots, "status", Status, what, Status.CURRENT)
    document = Document(
        id=doc_id,
        title_zh=fields.text("title_zh", what),
        title_en=fields.text("title_en", what),
        document_number=fields.text("document_number", what),
        issued=issued,
        issued_precision=precision,
        kind=kind,
        list_type=list_type,
        initiating_department=fields.code("initiating_department", what),
        signatories=_codes(spots, "signatories", what),
        source=fields.text("source", what),
        status=status,
        superseded_by=fields.code("superseded_by", what),
        measures=(),
        region=_region(spots, what),
        location=fields.location,
    )
    draft = spots.draft(document)  # the measures below need the document's spots
    measure_ids: list[str] = []
    node = fields.node("measures")
    if isinstance(node, SequenceNode):
        for item in node.value:
            if not isinstance(item, MappingNode):
                state.problems.error(
                    location(item, fields.file), "parse-error", "a measure must be a mapping"
                )
                continue
            measure = _measure(state, Fields(item, fields.file, state.problems), draft, lines)
            if measure is not None:
                measure_ids.append(measure)
    elif node is not None and construct(node) is not None:
        state.problems.error(
            fields.at("measures"),
            "bad-value",
            f"measures of {what} must be a list, not {describe(construct(node))}",
        )
    draft.entity = replace(document, measures=tuple(measure_ids))
    state.claim(state.documents, "document", doc_id, draft)


def _trigger(spots: Spots, what: str) -> Trigger | None:
    trigger = spots.fields.mapping("trigger", what)
    if trigger is None:
        if "trigger" in spots.fields:
            spots.bad.add("trigger")
        return None
    trigger.warn_unknown_keys(("clean_record",), f"trigger of {what}")
    clean = trigger.mapping("clean_record", what)
    if clean is None:
        trigger.problems.error(
            trigger.location, "bad-value", f"the trigger of {what} has no clean_record"
        )
        spots.bad.add("trigger")
        return None
    clean.warn_unknown_keys(("period", "negative", "subject_known"), f"clean_record of {what}")
    sub = Spots(clean)
    _require(sub, ("period", "negative", "subject_known"), f"the clean_record of {what}")
    period = _duration(sub, "period", f"the clean_record of {what}")
    negative = _codes(sub, "negative", f"the clean_record of {what}")
    for kind, where in zip(negative, sub.items["negative"], strict=True):
        if kind not in NEGATIVE_RECORD_KINDS:
            clean.problems.error(
                where,
                "bad-value",
                f"{kind!r} is not a record kind that breaks a clean record; expected one of: "
                + ", ".join(NEGATIVE_RECORD_KINDS),
            )
            sub.bad.add("negative")
    if not negative and "negative" in clean:
        clean.problems.error(clean.at("negative"), "bad-value", "negative is empty")
        sub.bad.add("negative")
    known = clean.value("subject_known")
    if known is not MISSING and not isinstance(known, bool):
        clean.problems.error(
            clean.at("subject_known"),
            "bad-value",
            f"subject_known must be true or false, not {describe(known)}",
        )
        sub.bad.add("subject_known")
    if sub.bad or period is None:
        spots.bad.add("trigger")
        return None
    return Trigger(CleanRecord(period, negative, bool(known)))


def _item_no(spots: Spots, what: str) -> str | None:
    value = spots.fields.value("item_no")
    if value is MISSING or value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int | str):
        spots.fields.problems.error(
            spots.at("item_no"), "bad-value", f"item_no of {what} is {describe(value)}"
        )
        return None
    return str(value)


def _unverified(fields: Fields, lines: list[str]) -> tuple[str, ...]:
    marked = []
    for key in fields.names():
        # Inferred departments are unverified by definition; marking them again adds nothing.
        if key == "implementing_departments_inferred":
            continue
        if any(_UNVERIFIED.search(lines[i]) for i in fields.lines(key) if i < len(lines)):
            marked.append(key)
    return tuple(marked)


def _measure(
    state: State, fields: Fields, document: Draft[Document], lines: list[str]
) -> str | None:
    doc = document.entity
    measure_id = fields.code("id", f"a measure of document {doc.id}", required=True)
    fields.warn_unknown_keys(MEASURE_KEYS, f"measure {measure_id or '?'}")
    if measure_id is None:
        return None
    what = f"measure {measure_id}"
    spots = Spots(fields)
    _require(spots, tuple(k for k in MEASURE_REQUIRED if k != "legal_basis"), what)
    text_zh = fields.text("text_zh", what)
    text_en = fields.text("text_en", what)
    title_zh = fields.text("title_zh", what)
    if not (text_zh or text_en or title_zh):
        fields.problems.error(
            fields.location, "missing-field", f"{what} has no text in any language"
        )

    if "kind" in fields:
        kind = _enum(spots, "kind", MeasureKind, what, MeasureKind.PUNISHMENT)
    elif doc.kind is DocumentKind.MIXED:
        fields.problems.error(
            fields.location,
            "missing-field",
            f"{what} has no kind, which a measure of a mixed document must have",
        )
        spots.bad.add("kind")
        kind = MeasureKind.PUNISHMENT
    else:
        kind = MeasureKind(doc.kind.value)
        if "kind" in document.bad:
            spots.bad.add("kind")

    trigger = _trigger(spots, what)
    own_list_types = _codes(spots, "list_types", what)
    if "list_types" in fields and not own_list_types and "list_types" not in spots.bad:
        fields.problems.error(spots.at("list_types"), "bad-value", f"list_types of {what} is empty")
        spots.bad.add("list_types")
    if trigger is not None or "trigger" in fields:
        # A trigger replaces list entries altogether: the measure does not inherit the file's
        # list type, and naming list types as well would make it ambiguous.
        if own_list_types:
            fields.problems.error(
                spots.at("list_types"),
                "bad-value",
                f"{what} has both a trigger and list_types; a trigger stands instead of a list",
            )
            spots.bad.add("list_types")
        list_types: tuple[str, ...] = ()
    elif own_list_types:
        list_types = own_list_types
    elif doc.list_type is not None:
        list_types = (doc.list_type,)
        spots.items["list_types"] = (document.at("list_type"),)
    else:
        list_types = ()

    measure = Measure(
        id=measure_id,
        document=doc.id,
        text_zh=text_zh,
        text_en=text_en,
        category=_enum(spots, "category", Category, what, Category.ADMINISTRATIVE),
        binding=_enum(spots, "binding", Binding, what, Binding.UNKNOWN),
        targets=_enum_list(spots, "targets", Target, what),
        implementing_departments=_codes(spots, "implementing_departments", what),
        implementing_departments_inferred=_codes(spots, "implementing_departments_inferred", what),
        matters=_codes(spots, "matters", what),
        legal_basis=_legal_basis(spots, what),
        kind=kind,
        list_types=list_types,
        trigger=trigger,
        item_no=_item_no(spots, what),
        title_zh=title_zh,
        unverified=_unverified(fields, lines),
        location=fields.location,
    )
    if not measure.targets and "targets" not in spots.bad:
        fields.problems.error(spots.at("targets"), "bad-value", f"{what} reaches no one (targets)")
        spots.bad.add("targets")
    if not measure.matters and "matters" not in spots.bad:
        fields.problems.error(
            spots.at("matters"), "bad-value", f"{what} names no matter, so no check applies it"
        )
        spots.bad.add("matters")
    before = len(state.measures)
    state.claim(state.measures, "measure", measure_id, spots.draft(measure))
    return measure_id if len(state.measures) > before else None
