"""Departments as the platform's data: the catalog's hierarchy kept in the registry's
``departments`` table, so that statistics count by region and records find the department their
issuing authority is (issue 15); and what ``jointcredit departments`` shows and does: the
hierarchy, the issuing authorities no department is, and attributing records afterwards."""

from __future__ import annotations

import re
from typing import Any

from sqlalchemy import Engine
from sqlalchemy.exc import IntegrityError, OperationalError

from jointcredit import clock
from jointcredit.access import OPERATOR, Principal
from jointcredit.errors import InvalidInputError, PermissionDeniedError
from jointcredit.identifiers import divisions
from jointcredit.services import audit
from jointcredit.store import departments as store
from jointcredit.store.db import write_transaction


def _catalog(catalog: Any = None) -> Any:
    if catalog is not None:
        return catalog
    from jointcredit.catalog import load_catalog

    return load_catalog()


def require_current(department: str, field: str = "department") -> None:
    """Refuse a department the catalog does not know, or a body abolished in a reform: its
    duties, and the messages that carry them, go to its successor, so a key, an account or a
    subscription of its own would see nothing."""
    catalog = _catalog()
    known = catalog.departments.get(department)
    if known is None:
        raise InvalidInputError(
            f"{field} {department!r} is not in the catalog (its departments: "
            "`jointcredit departments list`, GET /api/v1/catalog/departments)"
        )
    if known.superseded_by is not None:
        raise InvalidInputError(
            f"{field} {department!r} was superseded by {catalog.successor(department)!r}, "
            "which carries its duties: use that department"
        )


def wanted(catalog: Any = None) -> dict[str, tuple[Any, ...]]:
    """What the table should hold for ``catalog``: code → (name_zh, name_en, level, region,
    uscc). A superseded body keeps its row (old records and messages name it) but no USCC:
    a record of its authority code belongs to its successor."""
    found: dict[str, tuple[Any, ...]] = {}
    for code, d in _catalog(catalog).departments.items():
        uscc = d.uscc if d.superseded_by is None else None
        found[code] = (d.name_zh[:200], (d.name_en or "")[:200] or None, d.level, d.region, uscc)
    return found


def sync(engine: Engine, catalog: Any = None) -> int:
    """Bring the ``departments`` table in line with the catalog; rows written (0 when it
    already was). Two processes starting at once may both try: the loser's conflict means the
    winner wrote the same rows, so it is not an error."""
    target = wanted(catalog)
    with engine.connect() as conn:
        if store.current(conn) == target:
            return 0
    try:
        with write_transaction(engine) as conn:
            return store.sync(conn, target, clock.now())
    except (IntegrityError, OperationalError):
        with engine.connect() as conn:
            if store.current(conn) == target:
                return 0
        raise


def by_uscc(catalog: Any = None) -> dict[str, str]:
    """USCC → code of the current departments that have one: a licensing or penalty record
    whose issuing authority has that USCC belongs to that department."""
    return {values[4]: code for code, values in wanted(catalog).items() if values[4]}


# -- the hierarchy -------------------------------------------------------------------------

_REGION = re.compile(r"^\d{2}(?:\d{2}){0,2}$")


def parse_region(text: str | None) -> str | None:
    """A division as ``--region`` takes it: its six-digit code (330106) or the significant
    digits of one (33 for 330000, 3301 for 330100); the six-digit code, or None for none.
    A code that is no division of GB/T 2260 is refused, naming it."""
    if text is None or not text.strip():
        return None
    value = text.strip()
    if not _REGION.match(value):
        raise InvalidInputError(
            f"--region: {value[:40]!r} is not a division code (6 digits as 330106, or the "
            "leading 2 or 4 digits of a province or city, as 33 or 3301)"
        )
    code = value.ljust(6, "0")
    if not divisions.is_known(code):
        raise InvalidInputError(f"--region: {value!r} is not a division of GB/T 2260 ({code})")
    return code


def _view(catalog: Any, code: str) -> dict[str, Any]:
    d = catalog.departments[code]
    successor = catalog.successor(code) if d.superseded_by is not None else None
    return {
        "code": code,
        "name_zh": d.name_zh,
        "name_en": d.name_en or None,
        "region": d.region,
        "region_name": divisions.name(d.region) if d.region else None,
        "level": d.level,
        "counterpart": d.counterpart,
        "uscc": d.uscc,
        "parent": d.parent,
        "superseded_by": d.superseded_by,
        "successor": successor,
    }


def hierarchy(region: str | None = None, catalog: Any = None) -> list[dict[str, Any]]:
    """The catalog's departments (those whose region lies in ``region``, a six-digit code;
    None: all) as a tree walked depth first: national bodies first, then by region code; each
    department followed by the bodies whose ``parent`` it is. Each item is :func:`_view`'s
    object plus ``depth`` (0 for a department whose parent is not listed). A superseded body
    comes after the current ones beside it, with its ``successor``."""
    catalog = _catalog(catalog)
    chosen = {
        code
        for code, d in catalog.departments.items()
        if region is None or (d.region is not None and divisions.within(d.region, region))
    }

    def order(code: str) -> tuple[Any, ...]:
        d = catalog.departments[code]
        return (d.region is not None, d.region or "", d.superseded_by is not None, code)

    children: dict[str | None, list[str]] = {}
    for code in chosen:
        parent = catalog.departments[code].parent
        children.setdefault(parent if parent in chosen else None, []).append(code)
    out: list[dict[str, Any]] = []

    def walk(parent: str | None, depth: int) -> None:
        for code in sorted(children.get(parent, ()), key=order):
            out.append(_view(catalog, code) | {"depth": depth})
            walk(code, depth + 1)

    walk(None, 0)
    return out


# -- issuing authorities --------------------------------------------------------------------


def unmatched(engine: Engine, *, limit: int | None = None) -> dict[str, Any]:
    """The issuing authorities of records that belong to no department (docs/regions.md):
    ``authorities`` with a USCC that is no department's, most records first; ``uncoded``,
    those the records name without a code, counted apart; ``pending``, departments whose
    USCC records carry but which the records do not name yet (``jointcredit departments
    match`` attributes them). ``limit`` keeps the first of each list; the ``*_total`` and
    ``*_records`` counts are of all of them."""
    with engine.connect() as conn:
        rows = store.authorities(conn)
    coded: list[dict[str, Any]] = []
    uncoded: list[dict[str, Any]] = []
    pending: list[dict[str, Any]] = []
    for row in rows:
        item = {
            "issuing_authority_code": row["code"],
            "issuing_authority": row["name"],
            "records": int(row["records"]),
            "last_decision_date": row["last_decided"].isoformat() if row["last_decided"] else None,
        }
        if row["department"] is not None:
            pending.append({"department": row["department"]} | item)
        elif row["code"] is None:
            uncoded.append(item)
        else:
            coded.append(item)
    kept = slice(None) if limit is None else slice(limit)
    return {
        "authorities": coded[kept],
        "authorities_total": len(coded),
        "authorities_records": sum(i["records"] for i in coded),
        "uncoded": uncoded[kept],
        "uncoded_total": len(uncoded),
        "uncoded_records": sum(i["records"] for i in uncoded),
        "pending": pending,
        "pending_records": sum(i["records"] for i in pending),
    }


def match(engine: Engine, *, by: Principal = OPERATOR) -> dict[str, Any]:
    """Attribute the licensing and penalty records already in the registry whose issuing
    authority's USCC is a department's (for a department added after its records arrived),
    then bring the statistics' summary tables up to date; recorded in the audit log
    (``departments-match``) when it changed anything. Only the local operator runs it.

    The attribution writes no record version (the department sent nothing new): the months of
    the records changed are noted stale in the same transaction, and the refresh counts them
    again whole, which the incremental refresh would not do from the deltas alone."""
    from jointcredit.services import stats_summaries

    if by.role != "operator":
        raise PermissionDeniedError("only the local operator attributes records to departments")
    with write_transaction(engine) as conn:
        counts = store.attribute(conn, clock.now())
        total = sum(counts.values())
        if total:
            audit.append(
                conn, by, "departments-match", detail={"records": total, "departments": counts}
            )
    # Summaries never counted are left so: the first count is an operator's step of its own
    # (``jointcredit stats refresh``), and the statistics' reads count them anyway.
    refreshed = stats_summaries.keep_up(engine) if total else None
    return {
        "records": total,
        "departments": [{"department": code, "records": n} for code, n in counts.items()],
        "summaries": refreshed,
    }
