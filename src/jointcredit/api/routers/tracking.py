"""Department tracking statistics (issue 7) for supervisors: per department and period, what
it submitted and how well it kept its limits, with the ranking and its formula.

Needs a `supervisor` or `admin` key (the `statistics` permission). Every read is audited.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query
from pydantic import Field

from jointcredit.api import schemas
from jointcredit.api.deps import Caller, Registry
from jointcredit.services import tracking

router = APIRouter(tags=["statistics"])


class TrackingPeriod(schemas.Model):
    label: str = Field(description="The period as asked: 2026Q3, 2026-09 or 2026.")
    first_day: str
    last_day: str


class DepartmentTracking(schemas.Model):
    rank: int | None = Field(
        description="1 is the best score; null: nothing to score, or fewer counted records "
        "(basis) than min_records."
    )
    score: float | None = Field(description="0 to 100, by the formula.")
    department: str = Field(description="Catalog code, or the records' name for the department.")
    name: str | None
    name_en: str | None
    records: int
    publication_due: int
    published_on_time: int
    publication_on_time_share: float | None
    rows_submitted: int
    rows_rejected: int
    rejected_rate: float | None
    fields_filled: int
    fields_total: int
    completeness: float | None
    list_entries_initiated: int
    list_entries_approved: int
    pushes_received: int
    feedback_due: int
    feedback_on_time: int
    feedback_late: int
    feedback_pending: int
    feedback_on_time_share: float | None
    objections: int
    objections_in_time: int
    objections_late: int
    objections_pending: int
    repairs: int
    repairs_in_time: int
    repairs_late: int
    repairs_pending: int
    handled_in_time_share: float | None
    checks: int
    checks_by_matter: dict[str, int]
    region: str | None = Field(
        description="The department's GB/T 2260 division (330000); null: a national body, or a "
        "name the catalog does not know."
    )
    region_name: str | None = Field(description="The division's name (浙江省).")
    level: str | None = Field(
        description="national, provincial, municipal or county; null: not a catalog department."
    )
    parent: str | None = Field(description="The body it reports to (catalog code).")
    counterpart: str | None = Field(
        description="The national (or wider) department whose functions it carries locally."
    )
    includes: list[str] = Field(
        description="Superseded bodies (SAIC) whose records, messages and checks are counted "
        "in this row: their successor does that work today."
    )
    depth: int = Field(
        description="Indentation in the hierarchy: its region's depth (0 national and "
        "provinces, 1 cities, 2 counties), one more under a parent of the same region."
    )
    basis: int = Field(
        description="Counted records the score rests on: records submitted, feedback due, "
        "objections and repairs decided. Ranked from min_records up."
    )


class RegionGroup(schemas.Model):
    region: str | None = Field(
        description="Division code; null for the national bodies and for unknown names."
    )
    name: str | None = Field(description="The division's name; null when region is null.")
    level: str = Field(description="national, provincial, municipal, county or other.")
    depth: int = Field(description="0 national, provinces and other; 1 cities; 2 counties.")
    within: str | None = Field(description="The enclosing region's code.")
    departments: list[str] = Field(
        description="Department codes of this region, in the hierarchy's order."
    )
    subtotal: dict[str, int] = Field(description="The counts of this region's departments.")
    total: dict[str, int] = Field(
        description="The counts of this region's departments and of the regions inside it."
    )


class DepartmentsTracking(schemas.Model):
    period: TrackingPeriod
    region: str | None = Field(description="The division-code prefix counted; null: all.")
    as_of: str = Field(description="The day pending and overdue were judged on.")
    feedback_rule: str | int
    formula: str
    formula_zh: str
    weights: dict[str, float]
    min_records: int = Field(
        description="Counted records (basis) a department needs to be ranked; below it, a "
        "department keeps its score without a rank, after the ranked ones."
    )
    departments: list[DepartmentTracking] = Field(description="In the ranking's order.")
    regions: list[RegionGroup] = Field(
        description="The departments grouped by region: national bodies, then each province, "
        "its cities and their counties, then names the catalog does not know."
    )
    checks_by_matter: dict[str, int]


@router.get(
    "/stats/departments",
    response_model=DepartmentsTracking,
    responses=schemas.ERRORS,
    summary="Department tracking statistics",
)
def departments(
    registry: Registry,
    caller: Caller,
    period: Annotated[
        str | None,
        Query(max_length=16, description="2026Q3, 2026-09 or 2026; default: the current quarter."),
    ] = None,
    region: Annotated[
        str | None,
        Query(
            max_length=6,
            description="Division code prefix: 33, 3301 or 330102; default: every region (the "
            "API does not take the node's JOINTCREDIT_REGION).",
        ),
    ] = None,
) -> dict[str, Any]:
    """Per department: records submitted, share published on time, rejected-row rate,
    completeness, list entries initiated, pushes received and feedback on time, objections and
    repairs handled within their limits, checks per matter; ranked by the formula returned.
    Needs a `supervisor` or `admin` key. Audited."""
    return tracking.departments(registry, by=caller, period=period, region=region)
