"""A registry on the two-province test catalog (tests/fixtures/regions) with known work by
Zhejiang's, Hangzhou's, Xihu's and Jiangsu's market regulators, and by two abolished bodies: SAIC
(now SAMR) and ZJ-AIC (now ZJ-AMR). Everything happens now, so the period is the current quarter.

- Records: ZJ-AMR 2, ZJ-AIC 1 (authority in 330000), HZ-AMR 1, XH-AMR 1, JS-AMR 1, SAIC 1 (a
  Beijing authority), and the list entry pushed below (SPC's, no authority division).
- Messages about that entry: ZJ-AMR, HZ-AMR, XH-AMR, JS-AMR one each, and one filed to SAIC (an
  old message, from before the body was merged into SAMR).
- Checks: ZJ-AMR 1, XH-AMR 2, JS-AMR 1, SAIC 1.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import Engine, update
from tests.deadlines.helpers import penalty
from tests.feedback.helpers import MATTER, load_entry, pushed
from tests.importing.rows import uscc

from jointcredit import clock
from jointcredit.access import Principal
from jointcredit.catalog import load_catalog
from jointcredit.services import check, tracking
from jointcredit.services.registry import open_registry
from jointcredit.settings import get_settings
from jointcredit.store.db import write_transaction
from jointcredit.store.tables import messages

REGIONS = Path(__file__).resolve().parents[1] / "fixtures" / "regions"
ENTRY = 801


@pytest.fixture
def regional(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """The two-province catalog for this process's settings (restored afterwards)."""
    monkeypatch.setenv("JOINTCREDIT_CATALOG_PATHS", str(REGIONS))
    monkeypatch.delenv("JOINTCREDIT_REGION", raising=False)
    get_settings.cache_clear()
    yield
    monkeypatch.delenv("JOINTCREDIT_CATALOG_PATHS", raising=False)
    monkeypatch.delenv("JOINTCREDIT_REGION", raising=False)
    get_settings.cache_clear()


@pytest.fixture
def engine(regional: None, db_url: str) -> Iterator[Engine]:
    """A registry opened on the two-province catalog (its departments table synced from it)."""
    engine = open_registry(db_url)
    yield engine
    engine.dispose()


def period() -> str:
    return tracking.current_quarter()


def build(engine: Engine, tmp_path: Path) -> None:
    departments = load_catalog().departments
    now = clock.now()
    decided = (clock.china_day(now) - dt.timedelta(days=1)).isoformat()
    serial = 600

    def record(code: str, authority: str | None) -> None:
        nonlocal serial
        serial += 1
        name = departments[code].name_zh
        extra = {"CF_CFJGDM": authority} if authority else {}
        penalty(engine, serial, decided=decided, at=now, authority=name, source=name, **extra)

    for code in ("ZJ-AMR", "ZJ-AMR", "HZ-AMR", "XH-AMR", "JS-AMR"):
        record(code, departments[code].uscc)
    record("ZJ-AIC", uscc(700001, region="330000", prefix="11"))
    record("SAIC", None)  # the rows' default authority: a Beijing one

    entry = load_entry(engine, tmp_path, ENTRY)
    sent = pushed(engine, entry, {"ZJ-AMR", "HZ-AMR", "XH-AMR", "JS-AMR", "SAMR"}, at=now)
    assert set(sent) == {"ZJ-AMR", "HZ-AMR", "XH-AMR", "JS-AMR", "SAMR"}, sent
    # A message of before 2018, filed to the body abolished since.
    with write_transaction(engine) as conn:
        conn.execute(
            update(messages).where(messages.c.id == sent["SAMR"]).values(department="SAIC")
        )

    for key_id, code in enumerate(("ZJ-AMR", "XH-AMR", "XH-AMR", "JS-AMR", "SAIC"), 9300):
        check.answer(
            engine,
            uscc(ENTRY),
            by=Principal("implementer", code, key_id=key_id),
            department=code,
            matter=MATTER,
        )
