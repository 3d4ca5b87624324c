"""A department's new version of a record does not undo what the platform's workflows decided:
an open objection, an upheld one, an approved repair. It may still revoke the decision."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import Engine, select
from tests.check.entries import entry, write_entries
from tests.importing.rows import (
    LICENSING,
    PENALTIES,
    licensing_row,
    penalty_row,
    uscc,
    write_csv,
)

from jointcredit.access import OPERATOR
from jointcredit.services import objections
from jointcredit.services.check import check
from jointcredit.services.imports import import_file
from jointcredit.store.tables import credit_records


def _status(engine: Engine, record: int) -> str:
    with engine.connect() as conn:
        return str(
            conn.execute(
                select(credit_records.c.status).where(credit_records.c.id == record)
            ).scalar_one()
        )


def _entry(engine: Engine, tmp_path: Path, **fields: str) -> int:
    path = write_entries(tmp_path / "e.jsonl", [entry(21, decided_on="2026-06-01", **fields)])
    summary = import_file(engine, "list-entry", path)
    assert summary.rejected == [] and summary.accepted + summary.updated == 1
    with engine.connect() as conn:
        return int(conn.execute(select(credit_records.c.id)).scalar_one())


def test_a_new_version_keeps_an_entry_disputed(registry: Engine, tmp_path: Path) -> None:
    record = _entry(registry, tmp_path)
    objections.open_objection(registry, record, reason="并非本公司", by=OPERATOR)
    # The court sends the entry again with another legal basis: a new version, still disputed.
    _entry(registry, tmp_path, legal_basis="《民事诉讼法》第二百六十二条")
    assert _status(registry, record) == "disputed"
    result = check(registry, uscc(21), department="NDRC", matter="enterprise-bond-issuance")
    assert result.decisions and {d.status for d in result.decisions} == {"suspended"}


@pytest.mark.parametrize("outcome", ["upheld"])
def test_a_new_version_does_not_bring_back_a_withdrawn_record(
    registry: Engine, tmp_path: Path, outcome: str
) -> None:
    write_csv(tmp_path / "p.csv", [penalty_row(22)], PENALTIES)
    assert import_file(registry, "penalty", tmp_path / "p.csv").accepted == 1
    with registry.connect() as conn:
        record = int(conn.execute(select(credit_records.c.id)).scalar_one())
    opened = objections.open_objection(registry, record, reason="处罚已撤销", by=OPERATOR)
    objections.resolve(registry, opened["id"], outcome=outcome, note="核实", by=OPERATOR)
    assert _status(registry, record) == "withdrawn"
    write_csv(tmp_path / "p.csv", [penalty_row(22, BZ="更正备注")], PENALTIES)
    assert import_file(registry, "penalty", tmp_path / "p.csv").updated == 1
    assert _status(registry, record) == "withdrawn"


def test_the_department_may_still_revoke_a_disputed_decision(
    registry: Engine, tmp_path: Path
) -> None:
    write_csv(tmp_path / "l.csv", [licensing_row(23)], LICENSING)
    import_file(registry, "licensing", tmp_path / "l.csv")
    with registry.connect() as conn:
        record = int(conn.execute(select(credit_records.c.id)).scalar_one())
    objections.open_objection(registry, record, reason="许可已撤销", by=OPERATOR)
    write_csv(tmp_path / "l.csv", [licensing_row(23, XK_ZT="撤销")], LICENSING)
    summary = import_file(registry, "licensing", tmp_path / "l.csv")
    assert summary.rejected == [], summary.rejected
    assert _status(registry, record) == "revoked"
