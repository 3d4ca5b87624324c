"""Public credit comprehensive evaluation (公共信用综合评价): an organisation's grade, explained.

Needs a department's key (shared data); every read is audited (`grade`). docs/grading.md.
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter
from pydantic import Field

from jointcredit.api import schemas
from jointcredit.api.deps import Caller, Registry
from jointcredit.api.routers.subjects import Identifier
from jointcredit.services import grading

router = APIRouter(tags=["subjects"])


class GradeName(schemas.Model):
    zh: str
    en: str


class GradeRecord(schemas.Model):
    id: int
    kind: str
    document_number: str
    decision_date: str
    severity: str | None
    list_type: str | None


class IndicatorOut(schemas.Model):
    id: str
    name_zh: str
    name_en: str
    count: int = Field(description="Records the indicator counted (in effect, in its window).")
    raw: str = Field(description="Points per record × count, before cap and weight (decimal).")
    capped: bool
    points: str = Field(description="What the indicator adds to the score (decimal text).")
    records: list[GradeRecord]


class GradeChange(schemas.Model):
    grade_before: str | None
    grade_after: str
    score_before: float | None
    score_after: float
    reason: str = Field(description="first, records, time or scorecard")
    as_of: str


class GradeOut(schemas.Model):
    identifier: str
    name: str
    kind: str
    score: str = Field(description="Decimal text, between the scorecard's min and max score.")
    grade: str = Field(description="A (low credit risk) … D (high), by the scorecard.")
    grade_name: GradeName
    scorecard: str = Field(description="The scorecard's version and content digest.")
    scorecard_version: str
    base: str
    as_of: str
    valid_until: str | None = Field(
        description="Last day time alone leaves the grade as it is; null: no such day."
    )
    computed_at: str
    indicators: list[IndicatorOut]
    history: list[GradeChange] = Field(description="Changes of score or grade, newest first.")


@router.get(
    "/subjects/{identifier}/grade",
    response_model=GradeOut,
    responses=schemas.ERRORS,
    summary="An organisation's credit grade",
)
def subject_grade(registry: Registry, caller: Caller, identifier: Identifier) -> dict[str, Any]:
    """The public credit comprehensive evaluation of the organisation: its score and grade
    (A … D) computed now from the records in effect, each indicator's points with the records
    behind them, and the grade's history. Needs a department's key; the read is audited
    (`grade`). A natural person is not graded (422)."""
    return grading.grade_one(registry, identifier, by=caller)
