"""Departments as the platform's data: the catalog's hierarchy kept in the registry's
``departments`` table, so that statistics count by region and records find the department their
issuing authority is (issue 15)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Engine
from sqlalchemy.exc import IntegrityError, OperationalError

from jointcredit import clock
from jointcredit.store import departments as store
from jointcredit.store.db import write_transaction


def _catalog(catalog: Any = None) -> Any:
    if catalog is not None:
        return catalog
    from jointcredit.catalog import load_catalog

    return load_catalog()


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
