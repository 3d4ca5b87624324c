"""Risk-based random inspection (双随机、一公开): a published plan, public.

The "one publication": anyone may read a published plan — its seed, rates, filter and the
drawn organisations with their inspectors, and once published the results — and repeat the
draw (docs/inspection.md). A draft does not exist for the API (404).
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Path
from pydantic import Field

from jointcredit.api import schemas
from jointcredit.api.deps import Caller, Registry
from jointcredit.services import inspections

router = APIRouter(tags=["inspections"])


class Inspector(schemas.Model):
    id: str
    name: str
    department: str


class InspectedSubject(schemas.Model):
    identifier: str = Field(description="The organisation's USCC (or other identifier).")
    name: str
    draw: str = Field(description="Draw value: first 8 bytes of HMAC-SHA256(seed, …), hex.")
    draw_value: float = Field(description="The draw value over 2^64, in [0, 1).")
    inspectors: list[Inspector]
    unassigned: bool = Field(description="No team of inspectors free of conflict was found.")
    result: str | None = None
    result_zh: str | None = None
    result_en: str | None = None
    note: str | None = None
    result_at: str | None = None


class InspectionPlan(schemas.Model):
    code: str
    name: str
    department: str
    status: str = Field(description="published, or closed once its results are published.")
    seed: str = Field(description="The published seed (hex) the draw repeats from.")
    algorithm: str
    filter: dict[str, Any]
    rates: dict[str, Any]
    team: int
    population: int
    population_digest: str
    drawn: int
    unassigned: int
    created_at: str | None
    published_at: str | None
    results_published_at: str | None
    subjects: list[InspectedSubject]


@router.get(
    "/inspections/{code}",
    response_model=InspectionPlan,
    responses=schemas.ERRORS,
    summary="A published inspection plan (双随机、一公开)",
)
def inspection_plan(
    registry: Registry,
    caller: Caller,
    code: Annotated[str, Path(max_length=32, pattern=r"^[0-9]{8}-[0-9]{4,}$")],
) -> dict[str, Any]:
    """A published random-inspection plan: how it was drawn (seed, rates, filter, population
    size and digest) and each drawn organisation with its draw value and inspectors; with
    results once they are published. Public."""
    return inspections.public_plan(registry, code, by=caller)
