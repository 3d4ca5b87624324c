"""Synthetic samples for the export tests and a snapshot of a registry's records to compare.

Identifiers are computed (tests/importing/rows.py), never real. Decisions lie a month before
today in China, so that every sample record is inside its publication window when the test
runs, whatever day that is.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, and_, select
from tests.check.entries import entry, write_entries
from tests.importing.rows import licensing_row, penalty_row, resident_id, uscc, write_csv

from jointcredit import clock
from jointcredit.importing.formats import LICENSING, PENALTIES
from jointcredit.services.imports import ImportKind, import_file
from jointcredit.store.tables import (
    credit_records,
    record_history,
    relations,
    subject_identifiers,
    subjects,
)

TODAY = clock.today()
DECIDED = (TODAY - dt.timedelta(days=30)).isoformat()
LATER = (TODAY + dt.timedelta(days=700)).isoformat()

#: A note a spreadsheet would run as a formula, with a comma, quotes and a line break: the
#: file must carry it as it is, and the importer read it back the same.
AWKWARD = '=SUM(1,2) "引号", 逗号\n第二行'


def person(serial: int) -> dict[str, str]:
    """The fields that make a double-publicity row a natural person's (prefix XK_ or CF_)."""
    return {
        "XDR_MC": f"张测试{serial}",
        "XDR_LB": "自然人",
        "XDR_SHXYM": "",
        "FRDB": "",
        "FR_ZJLX": "",
        "FR_ZJHM": "",
        "XDR_ZJLX": "身份证",
        "XDR_ZJHM": resident_id(serial, birth="19850505"),
    }


def _prefixed(prefix: str, fields: dict[str, str]) -> dict[str, str]:
    return {prefix + k: v for k, v in fields.items()}


def licences() -> list[dict[str, str]]:
    """Licences of every shape an export must carry: an organisation with its legal
    representative, a natural person, an individual business, an open-ended one, a cancelled
    one (当前状态 无效), awkward text."""
    return [
        licensing_row(101, XK_JDRQ=DECIDED, XK_YXQZ=DECIDED, XK_YXQZI=LATER, BZ=AWKWARD),
        licensing_row(102, XK_JDRQ=DECIDED, XK_YXQZ=DECIDED, XK_YXQZI=LATER,
                      **_prefixed("XK_", person(102))),
        licensing_row(103, XK_JDRQ=DECIDED, XK_YXQZ=DECIDED, XK_YXQZI="长期",
                      XK_XDR_LB="个体工商户", XK_XDR_SHXYM=uscc(103, prefix="92"),
                      XK_XKLB="登记"),
        licensing_row(104, XK_JDRQ=DECIDED, XK_YXQZ=DECIDED, XK_YXQZI=LATER, XK_ZT="无效"),
    ]  # fmt: skip


def penalties() -> list[dict[str, str]]:
    """Penalties: a fine in 万元 with decimals, several categories with both amounts, a severe
    one with its own publication end, a natural person, an individual business."""
    return [
        penalty_row(201, CF_JDRQ=DECIDED, CF_NR_FK="5.5", BZ=AWKWARD),
        penalty_row(202, CF_JDRQ=DECIDED, CF_CFLB="罚款;没收违法所得", CF_NR_FK="1",
                    CF_NR_WFFF="0.25"),
        penalty_row(203, CF_JDRQ=DECIDED, CF_CFLB="吊销许可证件", CF_NR_FK="",
                    CF_NR_ZKDX="食品经营许可证JY11101010000203", CF_GSJZQ=LATER, CF_YXQ=LATER),
        penalty_row(204, CF_JDRQ=DECIDED, **_prefixed("CF_", person(204))),
        penalty_row(205, CF_JDRQ=DECIDED, CF_XDR_LB="个体工商户",
                    CF_XDR_SHXYM=uscc(205, prefix="92")),
    ]  # fmt: skip


REP = {"role": "legal-representative", "name": "王测试", "id_number": resident_id(301)}


def entries() -> list[dict[str, Any]]:
    """List entries: black with a person reached, a natural person, a red list, one with its
    own end, one carrying a national list's own columns (exported in the generic format)."""
    return [
        entry(301, decided_on=DECIDED, persons=[REP]),
        entry(302, decided_on=DECIDED, kind="natural-person"),
        entry(303, "a-grade-taxpayers", department="SAT", decided_on=DECIDED),
        entry(304, decided_on=DECIDED, valid_until=LATER, legal_basis=AWKWARD),
        entry(305, decided_on=DECIDED, format="court", 执行法院="北京市东城区人民法院（测试）"),
    ]


def write_licences(path: Path, rows: list[dict[str, str]]) -> Path:
    return write_csv(path, rows, LICENSING)


def write_penalties(path: Path, rows: list[dict[str, str]]) -> Path:
    return write_csv(path, rows, PENALTIES)


def load(engine: Engine, kind: ImportKind, path: Path) -> None:
    summary = import_file(engine, kind, path)
    assert summary.rejected_rows == 0, summary.rejected
    assert summary.accepted > 0


def load_all(engine: Engine, directory: Path) -> None:
    load(engine, "licensing", write_licences(directory / "licences.csv", licences()))
    load(engine, "penalty", write_penalties(directory / "penalties.csv", penalties()))
    load(engine, "list-entry", write_entries(directory / "entries.jsonl", entries()))


#: What a record is, beyond its row id and bookkeeping: compared between registries.
COMPARED = (
    "kind",
    "document_number",
    "decision_date",
    "issuing_authority",
    "issuing_authority_code",
    "source_department",
    "source_department_code",
    "list_type",
    "department",
    "legal_basis",
    "category",
    "severity",
    "fine_fen",
    "confiscated_fen",
    "valid_from",
    "valid_until",
    "publish_from",
    "publish_until",
    "status",
)


def snapshot(engine: Engine, kinds: tuple[str, ...]) -> dict[str, dict[str, Any]]:
    """The records of ``kinds`` by document number: their fields, payload (without the
    platform's own ``_`` keys), subject (kind, name, every identifier) and the persons related
    to the subject through them."""
    c = credit_records.c
    out: dict[str, dict[str, Any]] = {}
    with engine.connect() as conn:
        rows = conn.execute(
            select(
                *(c[name] for name in COMPARED),
                c.subject_id,
                subjects.c.kind.label("subject_kind"),
                subjects.c.name.label("subject_name"),
                subjects.c.identifier.label("subject_identifier"),
                record_history.c.payload,
            )
            .join(subjects, subjects.c.id == c.subject_id)
            .join(
                record_history,
                and_(record_history.c.record_id == c.id, record_history.c.version == c.version),
            )
            .where(c.kind.in_(kinds))
        ).mappings()
        for row in rows:
            found = dict(row)
            subject_id = found.pop("subject_id")
            found["payload"] = {
                k: v for k, v in (row["payload"] or {}).items() if not k.startswith("_")
            }
            found["identifiers"] = sorted(
                (t, v)
                for t, v in conn.execute(
                    select(subject_identifiers.c.type, subject_identifiers.c.value).where(
                        subject_identifiers.c.subject_id == subject_id
                    )
                )
            )
            person = subjects.alias("person")
            found["persons"] = sorted(
                (role, identifier)
                for role, identifier in conn.execute(
                    select(relations.c.role, person.c.identifier)
                    .join(person, person.c.id == relations.c.person_id)
                    .where(relations.c.organization_id == subject_id)
                )
            )
            assert row["document_number"] not in out, "document numbers are unique in samples"
            out[row["document_number"]] = found
    return out
