"""A registry with known credit-analysis figures, built through the imports and services.

Region 33 (Zhejiang), period 2026Q3, today 2026-11-02. Subjects' regions and sectors are in
their identifiers: ``uscc(n, region=..., prefix=...)``, ``resident_id(n, region=...)``.

Decided in 2026Q3 in Zhejiang (counted): penalties P1, P2 (330102, 91, 虚假宣传, 5万 each),
P3 (330203, 91, 无证经营, 吊销许可证件: severe, no fine), P4 (a natural person in 330102,
虚假宣传, 0.2万), P7 (330106, sector 12, 无证经营, 1万); licence L1 (330102, 91); black-list
entries E1 (330102, judgment defaulters, 6 July) and E4 (a natural person, 5 August).
Not counted: P9 (revoked), P5 (June: only the trend), P6 (Beijing).
List exits in Q3: E2 expired 31 July, E5 ended early 10 September (judgment defaulters); E3
repaired (major tax violations). Repairs: E3 approved, E6 rejected, E7 still open.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, select
from tests.check.entries import entry, write_entries
from tests.deadlines.helpers import licensing, penalty, utc
from tests.importing.rows import resident_id, uscc

from jointcredit.access import OPERATOR, Principal
from jointcredit.services import repairs
from jointcredit.services.imports import import_file
from jointcredit.store import records
from jointcredit.store.db import write_transaction
from jointcredit.store.tables import credit_records

TODAY = dt.date(2026, 11, 2)
PERIOD = "2026Q3"
REGION = "33"
PROMISE = "本公司承诺依法诚信纳税，如有违反愿承担相应责任。"
TAX = {"list_type": "major-tax-violation-parties", "department": "SAT"}

PERSON_PENALTY_ID = resident_id(4, birth="19880808", region="330102")
PERSON_ENTRY_ID = resident_id(24, birth="19700101", region="330102")
#: Every person's name and number the registry holds: none may appear in a report.
PERSON_NAMES = ("张测试", "测试人24", "王测试", "李测试")
PERSON_IDS = (
    PERSON_PENALTY_ID,
    PERSON_ENTRY_ID,
    *(resident_id(n) for n in (1, 2, 3, 5, 6, 7, 9)),
    resident_id(8, birth="19750505"),
)


def _person_penalty() -> dict[str, str]:
    return {
        "CF_XDR_MC": "张测试",
        "CF_XDR_LB": "自然人",
        "CF_XDR_SHXYM": "",
        "CF_FRDB": "",
        "CF_FR_ZJLX": "",
        "CF_FR_ZJHM": "",
        "CF_XDR_ZJLX": "身份证",
        "CF_XDR_ZJHM": PERSON_PENALTY_ID,
        "CF_NR_FK": "0.2",
    }


def _entry(engine: Engine, tmp_path: Path, serial: int, today: str, **fields: Any) -> int:
    path = write_entries(tmp_path / f"e{serial}.jsonl", [entry(serial, **fields)])
    job = import_file(engine, "list-entry", path, today=dt.date.fromisoformat(today))
    assert job.accepted == 1, job
    with engine.connect() as conn:
        return int(
            conn.execute(
                select(credit_records.c.id).order_by(credit_records.c.id.desc()).limit(1)
            ).scalar_one()
        )


def _org(serial: int, region: str, prefix: str = "91") -> dict[str, str]:
    return {"name": f"测试{serial}有限公司", "kind": "legal-person",
            "uscc": uscc(serial, region=region, prefix=prefix)}  # fmt: skip


def _status(engine: Engine, record_id: int, status: str, day: str) -> None:
    with write_transaction(engine) as conn:
        records.set_status(conn, record_id, status, actor="test", now=utc(day))


def build(engine: Engine, tmp_path: Path) -> None:
    at = utc("2026-10-01")
    penalty(engine, 1, decided="2026-07-10", at=at, CF_XDR_SHXYM=uscc(1, region="330102"))
    penalty(engine, 2, decided="2026-08-11", at=at, CF_XDR_SHXYM=uscc(2, region="330102"))
    penalty(
        engine, 3, decided="2026-09-01", at=at, CF_XDR_SHXYM=uscc(3, region="330203"),
        CF_WFXW="无证经营", CF_CFLB="吊销许可证件", CF_NR="吊销营业执照", CF_NR_FK="",
        CF_YJ="《无证无照经营查处办法》第十三条",
    )  # fmt: skip
    penalty(engine, 4, decided="2026-08-20", at=at, **_person_penalty())
    penalty(engine, 5, decided="2026-06-15", at=at, CF_XDR_SHXYM=uscc(5, region="330102"))
    penalty(engine, 6, decided="2026-08-01", at=at, CF_XDR_SHXYM=uscc(6, region="110101"))
    penalty(
        engine, 7, decided="2026-07-15", at=at,
        CF_XDR_SHXYM=uscc(7, region="330106", prefix="12"), CF_WFXW="无证经营", CF_NR_FK="1",
    )  # fmt: skip
    licensing(engine, 8, decided="2026-07-20", at=at, XK_XDR_SHXYM=uscc(8, region="330102"))
    revoked = penalty(engine, 9, decided="2026-07-05", at=at, CF_XDR_SHXYM=uscc(9, region="330102"))
    _status(engine, revoked, "revoked", "2026-09-02")

    # List entries.
    _entry(engine, tmp_path, 21, "2026-09-30", decided_on="2026-07-06", subject=_org(21, "330102"))
    _entry(
        engine, tmp_path, 22, "2024-09-01", decided_on="2024-08-01", valid_until="2026-07-31",
        subject=_org(22, "330203"),
    )  # fmt: skip
    _entry(
        engine, tmp_path, 24, "2026-09-30", decided_on="2026-08-05",
        subject={"name": "测试人24", "kind": "natural-person", "id_number": PERSON_ENTRY_ID},
    )  # fmt: skip
    ended = _entry(
        engine, tmp_path, 25, "2026-02-01", decided_on="2026-01-10", subject=_org(25, "330203")
    )
    _status(engine, ended, "cancelled", "2026-09-10")
    taxes = [
        _entry(engine, tmp_path, s, "2025-07-01", decided_on="2025-06-02",
               subject=_org(s, "330102"), **TAX)
        for s in (23, 26, 27)
    ]  # fmt: skip

    # Repairs: approved, rejected, open.
    sat = Principal("reviewer", "SAT", key_id=9301)
    first = repairs.apply(
        engine, taxes[0], commitment=PROMISE, obligations_met=True, by=OPERATOR,
        now=utc("2026-08-03"),
    )  # fmt: skip
    repairs.decide(
        engine, first["id"], approve=True, note="已缴清。", by=sat, now=utc("2026-08-04")
    )
    second = repairs.apply(
        engine, taxes[1], commitment=PROMISE, obligations_met=True, by=OPERATOR,
        now=utc("2026-08-10"),
    )  # fmt: skip
    repairs.decide(
        engine, second["id"], approve=False, note="仍有欠税。", by=sat, now=utc("2026-08-12")
    )
    repairs.apply(
        engine, taxes[2], commitment=PROMISE, obligations_met=True, by=OPERATOR,
        now=utc("2026-09-01"),
    )  # fmt: skip
