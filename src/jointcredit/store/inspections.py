"""Repository of inspection plans (双随机、一公开): the population a plan draws from, the plans,
and their items (every organisation of the population; the drawn ones with inspectors and
results)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Connection, RowMapping, func, insert, select, update

from jointcredit.store.grading import ORGANISATION_KINDS
from jointcredit.store.tables import credit_grades, inspection_items, inspection_plans, subjects
from jointcredit.store.util import chunks


@dataclass(frozen=True, slots=True)
class Member:
    subject_id: int
    identifier: str
    identifier_type: str
    grade: str | None


def population(
    conn: Connection,
    *,
    kinds: Sequence[str] = ORGANISATION_KINDS,
    region: str | None = None,
    authority: str | None = None,
) -> Iterator[Member]:
    """Organisations of ``kinds`` whose USCC lies in ``region`` (a division-code prefix:
    characters 3 to 8 of a USCC) and was given by a registration authority of type
    ``authority`` (its 1st character), with their current grade (None: not graded yet), in
    identifier order. With a region or an authority, only organisations known by a USCC."""
    where: list[Any] = [subjects.c.kind.in_(list(kinds))]
    if region is not None or authority is not None:
        where.append(subjects.c.identifier_type == "uscc")
    if region is not None:
        where.append(func.substr(subjects.c.identifier, 3, len(region)) == region)
    if authority is not None:
        where.append(func.substr(subjects.c.identifier, 1, len(authority)) == authority)
    query = (
        select(
            subjects.c.id,
            subjects.c.identifier,
            subjects.c.identifier_type,
            credit_grades.c.grade,
        )
        .outerjoin(credit_grades, credit_grades.c.subject_id == subjects.c.id)
        .where(*where)
        .order_by(subjects.c.identifier)
    )
    for sid, identifier, identifier_type, grade in conn.execute(query):
        yield Member(int(sid), identifier, identifier_type, grade)


def add_plan(conn: Connection, row: dict[str, Any], day: dt.date) -> str:
    """Insert a plan; its code is the day and its id (20261129-0001). Returns the code."""
    key = conn.execute(
        insert(inspection_plans).values(**row, code=f"pending-{row['seed'][:24]}")
    ).inserted_primary_key
    assert key is not None
    plan_id = int(key[0])
    code = f"{day:%Y%m%d}-{plan_id:04d}"
    conn.execute(update(inspection_plans).where(inspection_plans.c.id == plan_id).values(code=code))
    return code


def add_items(conn: Connection, rows: Sequence[dict[str, Any]]) -> None:
    for chunk in chunks(rows, 1000):
        conn.execute(insert(inspection_items), list(chunk))


def plan(conn: Connection, code: str) -> RowMapping | None:
    return (
        conn.execute(select(inspection_plans).where(inspection_plans.c.code == code))
        .mappings()
        .first()
    )


def plans(conn: Connection, limit: int = 100) -> list[RowMapping]:
    """The newest plans first, without their inspectors."""
    columns = [c for c in inspection_plans.c if c.name != "inspectors"]
    return list(
        conn.execute(
            select(*columns).order_by(inspection_plans.c.id.desc()).limit(limit)
        ).mappings()
    )


def items(conn: Connection, plan_id: int, *, selected_only: bool) -> list[RowMapping]:
    """The plan's items in identifier order, with the subject's name and kind."""
    query = (
        select(inspection_items, subjects.c.name, subjects.c.kind, subjects.c.identifier_type)
        .join(subjects, subjects.c.id == inspection_items.c.subject_id)
        .where(inspection_items.c.plan_id == plan_id)
        .order_by(inspection_items.c.identifier)
    )
    if selected_only:
        query = query.where(inspection_items.c.selected.is_(True))
    return list(conn.execute(query).mappings())


def item(conn: Connection, plan_id: int, identifier: str) -> RowMapping | None:
    return (
        conn.execute(
            select(inspection_items).where(
                inspection_items.c.plan_id == plan_id,
                inspection_items.c.identifier == identifier,
            )
        )
        .mappings()
        .first()
    )


def set_result(
    conn: Connection, item_id: int, result: str, note: str | None, at: dt.datetime
) -> None:
    conn.execute(
        update(inspection_items)
        .where(inspection_items.c.id == item_id)
        .values(result=result, note=note, result_at=at)
    )


def pending_results(conn: Connection, plan_id: int) -> int:
    """Drawn items of the plan without a result."""
    return int(
        conn.execute(
            select(func.count()).where(
                inspection_items.c.plan_id == plan_id,
                inspection_items.c.selected.is_(True),
                inspection_items.c.result.is_(None),
            )
        ).scalar_one()
    )


def set_plan(conn: Connection, plan_id: int, **values: Any) -> None:
    conn.execute(update(inspection_plans).where(inspection_plans.c.id == plan_id).values(**values))
