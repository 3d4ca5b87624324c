"""The measure catalog: departments, matters, list types, measures. Public, read-only.

The catalog is data loaded once at start (it never changes while the process runs), so these
endpoints only select and page; nothing here touches the registry.
"""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Path, Query
from pydantic import Field

from jointcredit.api import schemas
from jointcredit.api.deps import Paging
from jointcredit.api.pages import Page, page_of
from jointcredit.catalog import Catalog, Document, ListType, Measure, load_catalog
from jointcredit.errors import InvalidInputError, NotFoundError

router = APIRouter(tags=["catalog"])

#: Catalog codes: no control characters (they can name nothing).
CODE = r"^[^\x00-\x1f\x7f]+$"
#: A calendar day as ISO 8601 text (a number is not a date, whatever pydantic would make of it).
DAY = r"^[0-9]{4}-[0-9]{2}-[0-9]{2}$"


def _day(text: str | None) -> dt.date | None:
    if text is None:
        return None
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        raise InvalidInputError(f"query.on: {text!r} is not a date") from None


class CatalogCounts(schemas.Model):
    departments: int
    matters: int
    list_types: int
    documents: int
    measures: int


class CatalogInfo(schemas.Model):
    version: str = Field(description="What check answers carry as `catalog_version`.")
    digest: str = Field(description="Content digest of the catalog files.")
    file_count: int
    counts: CatalogCounts


#: What a ``region`` field holds, for every catalog entity that has one.
REGION = (
    "GB/T 2260 division code of its jurisdiction (330000 a province, 330100 a city, 330106 a "
    "county); null: national."
)


class DepartmentOut(schemas.Model):
    code: str
    name_zh: str
    name_en: str
    superseded_by: str | None = Field(description="Code of the department that took it over.")
    region: str | None = Field(description=REGION)
    level: Literal["national", "provincial", "municipal", "county"] = Field(
        description="The level of its jurisdiction, from `region`."
    )
    counterpart: str | None = Field(
        description="The department of a wider jurisdiction (in the end a national one) whose "
        "functions it carries in its region: it implements there what that one implements."
    )
    parent: str | None = Field(
        description="The body it reports to (the hierarchy shown to people); below a parent "
        "with the same national counterpart it also carries what is asked of the parent."
    )
    uscc: str | None = Field(
        description="Its own unified social credit code: how records name their issuing authority."
    )


class MatterOut(schemas.Model):
    code: str = Field(description="What `matter` of a check names.")
    name_zh: str
    name_en: str


class ListTypeOut(schemas.Model):
    code: str
    kind: str = Field(description="red or black")
    name_zh: str
    name_en: str
    initiating_department: str
    legal_basis: str
    subject_types: list[str]
    default_period: str | None = Field(description="ISO 8601 duration; null: no fixed term.")
    listing_criteria: str | None
    exit_rules: str | None
    source: str | None
    status: str = Field(description="current or superseded")
    region: str | None = Field(
        description=REGION + " A regional list's measures apply only at checks by departments "
        "inside it."
    )


class DocumentOut(schemas.Model):
    id: str
    title_zh: str | None
    title_en: str | None
    document_number: str | None
    issued: str | None
    kind: str
    status: str = Field(description="current or superseded")
    superseded_by: str | None
    source: str | None
    region: str | None = Field(
        description=REGION + " A regional document's measures apply only at checks by "
        "departments inside it."
    )


class CleanRecordOut(schemas.Model):
    period: str
    negative: list[str]
    subject_known: bool


class TriggerOut(schemas.Model):
    clean_record: CleanRecordOut


class MeasureOut(schemas.Model):
    id: str
    document: DocumentOut = Field(description="The memorandum, opinion or list it comes from.")
    item_no: str | None
    kind: str = Field(description="incentive or punishment")
    category: str
    binding: str
    list_types: list[str]
    trigger: TriggerOut | None = Field(description="Clean-record trigger, instead of a list.")
    targets: list[str]
    matters: list[str]
    implementing_departments: list[str]
    implementing_departments_inferred: list[str] = Field(
        description="Unverified guesses of the transcriber, never facts."
    )
    legal_basis: str
    title_zh: str | None
    text_zh: str | None
    text_en: str | None
    unverified: list[str]


def _document(doc: Document) -> dict[str, Any]:
    return {
        "id": doc.id,
        "title_zh": doc.title_zh,
        "title_en": doc.title_en,
        "document_number": doc.document_number,
        "issued": doc.issued.isoformat() if doc.issued else None,
        "kind": str(doc.kind),
        "status": str(doc.status),
        "superseded_by": doc.superseded_by,
        "source": doc.source,
        "region": doc.region,
    }


def _measure(catalog: Catalog, m: Measure) -> dict[str, Any]:
    return m.to_dict() | {"document": _document(catalog.documents[m.document])}


def _list_type(t: ListType) -> dict[str, Any]:
    return {
        "code": t.code,
        "kind": str(t.kind),
        "name_zh": t.name_zh,
        "name_en": t.name_en,
        "initiating_department": t.initiating_department,
        "legal_basis": t.legal_basis,
        "subject_types": [str(s) for s in t.subject_types],
        "default_period": t.default_period,
        "listing_criteria": t.listing_criteria,
        "exit_rules": t.exit_rules,
        "source": t.source,
        "status": str(t.status),
        "region": t.region,
    }


def _window(items: list[Any], paging: Paging) -> list[Any]:
    return items[paging.offset : paging.offset + paging.limit + 1]


@router.get("/catalog", response_model=CatalogInfo, summary="Catalog version and counts")
def info() -> dict[str, Any]:
    """The catalog the checks use: its version (as check answers carry it) and what it holds."""
    catalog = load_catalog()
    return {
        "version": str(catalog.version),
        "digest": catalog.version.digest,
        "file_count": catalog.version.files,
        "counts": {
            "departments": len(catalog.departments),
            "matters": len(catalog.matters),
            "list_types": len(catalog.list_types),
            "documents": len(catalog.documents),
            "measures": len(catalog.measures),
        },
    }


@router.get(
    "/catalog/departments",
    response_model=Page[DepartmentOut],
    responses=schemas.ERRORS,
    summary="Departments",
)
def departments(paging: Paging) -> dict[str, Any]:
    """The departments of the catalog: their codes name a key's department, a checking
    department and a listing department. A regional department carries its `counterpart`'s
    duties in its `region`."""
    rows = [
        {
            "code": d.code,
            "name_zh": d.name_zh,
            "name_en": d.name_en,
            "superseded_by": d.superseded_by,
            "region": d.region,
            "level": d.level,
            "counterpart": d.counterpart,
            "parent": d.parent,
            "uscc": d.uscc,
        }
        for d in load_catalog().departments.values()
    ]
    return page_of(_window(rows, paging), paging)


@router.get(
    "/catalog/matters", response_model=Page[MatterOut], responses=schemas.ERRORS, summary="Matters"
)
def matters(paging: Paging) -> dict[str, Any]:
    """The matters (workflow moments) at which departments check subjects."""
    rows = [
        {"code": m.code, "name_zh": m.name_zh, "name_en": m.name_en}
        for m in load_catalog().matters.values()
    ]
    return page_of(_window(rows, paging), paging)


@router.get(
    "/catalog/list-types",
    response_model=Page[ListTypeOut],
    responses=schemas.ERRORS,
    summary="List types",
)
def list_types(paging: Paging) -> dict[str, Any]:
    """The red and black lists: who initiates them, their legal basis, whom they list, and
    how long an entry stays in effect by default."""
    rows = [_list_type(t) for t in load_catalog().list_types.values()]
    return page_of(_window(rows, paging), paging)


@router.get(
    "/catalog/measures",
    response_model=Page[MeasureOut],
    responses=schemas.ERRORS,
    summary="Measures",
)
def measures(
    paging: Paging,
    list_type: Annotated[
        str | None, Query(max_length=64, pattern=CODE, description="Only measures of this list.")
    ] = None,
    department: Annotated[
        str | None,
        Query(max_length=64, pattern=CODE, description="Only measures this department implements."),
    ] = None,
    matter: Annotated[
        str | None,
        Query(max_length=64, pattern=CODE, description="Only measures checked at this matter."),
    ] = None,
    on: Annotated[
        str | None,
        Query(
            pattern=DAY,
            description="Only measures in force on this day, YYYY-MM-DD (superseded documents "
            "drop out).",
        ),
    ] = None,
    include_inferred: Annotated[
        bool,
        Query(
            description="With `department`, also measures where the department is only an "
            "unverified guess of the transcriber."
        ),
    ] = False,
) -> dict[str, Any]:
    """The joint incentive and punishment measures matching every given filter, in catalog
    order, each with its legal basis, document and implementing departments. Same selection
    as `jointcredit catalog show --json`; a list type, department or matter the catalog lacks
    is not found (404)."""
    catalog = load_catalog()
    found = catalog.select(
        list_type=list_type,
        department=department,
        matter=matter,
        on=_day(on),
        include_inferred=include_inferred,
    )
    window = _window(list(found), paging)
    return page_of([_measure(catalog, m) for m in window], paging)


@router.get(
    "/catalog/measures/{measure_id:path}",
    response_model=MeasureOut,
    responses=schemas.ERRORS,
    summary="One measure",
)
def measure(
    measure_id: Annotated[str, Path(max_length=200, description="e.g. `mou-2016-141/01`.")],
) -> dict[str, Any]:
    """One measure by its catalog id (ids hold a `/`: `mou-2016-141/01`)."""
    catalog = load_catalog()
    found = catalog.measures.get(measure_id)
    if found is None:
        raise NotFoundError(f"no measure {measure_id!r} in the catalog")
    return _measure(catalog, found)
