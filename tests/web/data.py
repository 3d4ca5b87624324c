"""The registry the portal's tests read: every kind of public record, and beside each kind one
that must not be shown (outside its window, repaired, under objection, ended early, revoked).

Everything is made through the platform's own services (imports, objections, repair, the
four-eyes end of an entry); identifiers are computed, organisation codes marked ``JC``.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import Engine, select
from tests.check.entries import entry, write_entries
from tests.importing.rows import licensing_row, penalty_row, resident_id, uscc, write_csv

from jointcredit.access import OPERATOR, Principal
from jointcredit.clock import today
from jointcredit.importing.formats import LICENSING, PENALTIES
from jointcredit.services import objections, proposals, repairs
from jointcredit.services.imports import import_file
from jointcredit.store.tables import credit_records

COMPANY = uscc(1)  # penalty, licence, black-list entry with a legal representative
REPRESENTATIVE = resident_id(601)
PERSON = resident_id(2, birth="19700101")  # a natural person on the black list
PERSON_NAME = "测试人2"
RED = uscc(3, region="440305")  # a grade-A taxpayer in Shenzhen
EXPIRED = uscc(4)  # only a penalty whose window has closed
REPAIRED = uscc(5)  # a tax black-list entry, repaired
DISPUTED = uscc(6)  # a court entry under objection
ENDED = uscc(7)  # a court entry ended early (four eyes)
REVOKED = uscc(8)  # a licence revoked by a later version
#: Many black-list entries for pagination: uscc(100) … uscc(100 + MANY - 1).
MANY = 45
#: Subjects that must never appear on a public page.
HIDDEN = (EXPIRED, REPAIRED, DISPUTED, ENDED, REVOKED)


@dataclass(frozen=True)
class Filled:
    today: dt.date
    black_shown: int  # entries the public black list holds


def _entry_id(engine: Engine, document_number: str) -> int:
    with engine.connect() as conn:
        return int(
            conn.execute(
                select(credit_records.c.id).where(
                    credit_records.c.document_number == document_number
                )
            ).scalar_one()
        )


def fill(engine: Engine, directory: Path) -> Filled:
    day = today()
    recent = (day - dt.timedelta(days=60)).isoformat()
    penalties = [
        penalty_row(1, CF_GSJZQ="2099-12-31", CF_FR_ZJHM=REPRESENTATIVE),
        penalty_row(4, CF_JDRQ="2020-01-06"),  # general: published one year, long closed
    ]
    assert (
        import_file(
            engine, "penalty", write_csv(directory / "p.csv", penalties, PENALTIES)
        ).accepted
        == 2
    )
    licences = [licensing_row(1, XK_JDRQ=recent, XK_YXQZ=recent), licensing_row(8, XK_JDRQ=recent)]
    assert (
        import_file(
            engine, "licensing", write_csv(directory / "l.csv", licences, LICENSING)
        ).accepted
        == 2
    )
    revoked = [licensing_row(8, XK_JDRQ=recent, XK_ZT="撤销")]
    assert (
        import_file(
            engine, "licensing", write_csv(directory / "l2.csv", revoked, LICENSING)
        ).updated
        == 1
    )

    rep = {"role": "legal-representative", "name": "王测试", "id_number": REPRESENTATIVE}
    entries = [
        entry(1, decided_on=recent, persons=[rep]),
        entry(2, kind="natural-person", decided_on=recent),
        entry(3, "a-grade-taxpayers", department="SAT", decided_on=recent),
        entry(5, "major-tax-violation-parties", department="SAT", decided_on="2025-01-06"),
        entry(6, decided_on=recent),
        entry(7, decided_on=recent),
    ]
    entries[1]["subject"]["name"] = PERSON_NAME
    entries[2]["subject"]["uscc"] = RED
    entries += [
        entry(100 + i, decided_on=(day - dt.timedelta(days=100 + i)).isoformat())
        for i in range(MANY)
    ]
    summary = import_file(engine, "list-entry", write_entries(directory / "e.jsonl", entries))
    assert summary.accepted == len(entries), summary.to_dict()

    # Under objection: suspended and not published while the objection is open.
    objections.open_objection(
        engine, _entry_id(engine, "（2024）京0101执6号"), reason="已履行", by=OPERATOR
    )
    # Repaired (信用修复): no longer published.
    applied = repairs.apply(
        engine,
        _entry_id(engine, "（2024）京0101执5号"),
        commitment="承诺守法经营",
        obligations_met=True,
        by=OPERATOR,
    )
    repairs.decide(engine, applied["id"], approve=True, note="符合条件", by=OPERATOR)
    # Ended early by its court, through four eyes.
    proposal = proposals.submit(
        engine,
        proposals.Request(
            "end",
            record_id=_entry_id(engine, "（2024）京0101执7号"),
            reason="已履行",
            grounds_ended_on=day.isoformat(),
            document_number="（2026）京0101执恢7号",
            legal_basis="法释〔2017〕7号第十条",
        ),
        by=Principal("initiator", "SPC"),
    )
    proposals.approve(engine, proposal["id"], by=Principal("reviewer", "SPC"))
    # Black list: COMPANY, PERSON and the MANY (5, 6, 7 hidden).
    return Filled(day, 2 + MANY)
