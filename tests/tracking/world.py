"""A small registry built through the services, with every number known.

In 2026Q3 (fixed moments):

- MEE (生态环境部) sends three penalties recorded 10 August: decided 7 August (on time), 1 July
  (late), 5 August by an authority in Zhejiang (330102, on time).
- SPC proposes two list entries (not reviewed); two objections on SPC entries: one rejected the
  next day (in time), one never resolved (late by today).
- SAT: two repair applications: one decided the next day (in time), one never accepted (late).
- An entry pushed to MPS and CAAC on 15 August (feedback quarterly, due 20 October): MPS answers
  on 1 September (on time), CAAC never (late); MPS also gets ``entry.suspended`` (no feedback
  due).

Now (the current quarter): MEE uploads a file of three rows, one rejected; MPS makes two checks
in ``exit-control``; the entries above were imported now (SPC 4, SAT 2).
"""

from __future__ import annotations

import csv
import datetime as dt
import io
from pathlib import Path

from sqlalchemy import Engine, select
from tests.check.entries import entry, write_entries
from tests.deadlines.helpers import ECOLOGY, penalty, utc
from tests.feedback.helpers import MATTER, MEASURE, pushed
from tests.importing.rows import PENALTIES, penalty_row, uscc

from jointcredit.access import OPERATOR, Principal
from jointcredit.services import check, feedback, objections, proposals, repairs, submissions
from jointcredit.services.imports import import_file
from jointcredit.store.tables import credit_records

MEE_NAME = "生态环境部"
TODAY = dt.date(2026, 11, 2)
PERIOD = "2026Q3"
#: Fields of the national penalty format the test rows fill.
FILLED = sum(1 for v in penalty_row(1).values() if v.strip())
PENALTY_FIELDS = len(PENALTIES)
PROMISE = "本公司承诺依法诚信纳税，如有违反愿承担相应责任。"


def _latest(engine: Engine) -> int:
    with engine.connect() as conn:
        return int(
            conn.execute(
                select(credit_records.c.id).order_by(credit_records.c.id.desc()).limit(1)
            ).scalar_one()
        )


def _entry(engine: Engine, tmp_path: Path, serial: int, **fields: object) -> int:
    path = write_entries(tmp_path / f"e{serial}.jsonl", [entry(serial, **fields)])  # type: ignore[arg-type]
    assert import_file(engine, "list-entry", path, today=dt.date(2026, 8, 1)).accepted == 1
    return _latest(engine)


def build(engine: Engine, tmp_path: Path) -> None:
    # Records of MEE.
    at = utc("2026-08-10")
    penalty(engine, 1, decided="2026-08-07", at=at, authority=ECOLOGY, source=MEE_NAME)
    penalty(engine, 2, decided="2026-07-01", at=at, authority=ECOLOGY, source=MEE_NAME)
    penalty(
        engine, 3, decided="2026-08-05", at=at, authority=ECOLOGY, source=MEE_NAME,
        CF_CFJGDM=uscc(900003, region="330102", prefix="11"),
    )  # fmt: skip
    # Outside the period.
    penalty(engine, 4, decided="2026-06-29", at=utc("2026-06-30"), source=MEE_NAME)

    # SPC: two proposals, two objections.
    spc = Principal("initiator", "SPC", key_id=9101)
    for serial in (11, 12):
        proposals.submit(
            engine, proposals.Request("create", entry=entry(serial)), by=spc, now=utc("2026-08-03")
        )
    first = _entry(engine, tmp_path, 21)
    second = _entry(engine, tmp_path, 22)
    opened = objections.open_objection(
        engine, first, reason="已履行", by=OPERATOR, now=utc("2026-08-03")
    )
    objections.resolve(
        engine, opened["id"], outcome="rejected", note="经核查无误。",
        by=Principal("reviewer", "SPC", key_id=9102), now=utc("2026-08-04"),
    )  # fmt: skip
    objections.open_objection(engine, second, reason="信息有误", by=OPERATOR, now=utc("2026-08-10"))

    # SAT: two repairs.
    tax = {"list_type": "major-tax-violation-parties", "department": "SAT"}
    taxes = [_entry(engine, tmp_path, s, decided_on="2025-06-02", **tax) for s in (31, 32)]
    applied = repairs.apply(
        engine, taxes[0], commitment=PROMISE, obligations_met=True, by=OPERATOR,
        now=utc("2026-08-03"),
    )  # fmt: skip
    repairs.decide(
        engine, applied["id"], approve=False, note="仍有欠税。",
        by=Principal("reviewer", "SAT", key_id=9103), now=utc("2026-08-04"),
    )  # fmt: skip
    repairs.apply(
        engine, taxes[1], commitment=PROMISE, obligations_met=True, by=OPERATOR,
        now=utc("2026-08-10"),
    )  # fmt: skip

    # Pushes and feedback.
    listed = _entry(engine, tmp_path, 41)
    sent = pushed(engine, listed, {"MPS", "CAAC"}, at=utc("2026-08-15"))
    pushed(engine, listed, {"MPS"}, at=utc("2026-08-20"), event="entry.suspended")
    feedback.submit(
        engine,
        feedback.FeedbackIn(
            department="MPS", measure=MEASURE, applied=True, matter=MATTER,
            message_id=sent["MPS"], acted_on=dt.date(2026, 8, 28),
        ),
        by=Principal("implementer", "MPS", key_id=9104),
        now=utc("2026-09-01"),
    )  # fmt: skip

    # Now: an upload by MEE, three rows, one rejected; two checks by MPS.
    decided = (dt.date.today() - dt.timedelta(days=1)).isoformat()
    rows = [
        penalty_row(51, CF_JDRQ=decided, CF_SJLY=MEE_NAME),
        penalty_row(52, CF_JDRQ=decided, CF_SJLY=MEE_NAME),
        penalty_row(53, CF_JDRQ="not a date", CF_SJLY=MEE_NAME),
    ]
    text = io.StringIO()
    writer = csv.DictWriter(text, PENALTIES)
    writer.writeheader()
    writer.writerows(rows)
    summary = submissions.import_upload(
        engine, "penalty", io.BytesIO(text.getvalue().encode()), "mee.csv",
        by=Principal("initiator", "MEE", key_id=9105),
    )  # fmt: skip
    assert (summary["rows"], summary["accepted"], summary["rejected_rows"]) == (3, 2, 1)
    mps = Principal("implementer", "MPS", key_id=9106)
    for _ in range(2):
        check.answer(engine, uscc(41), by=mps, department="MPS", matter=MATTER)
