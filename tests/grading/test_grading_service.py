"""Grading on a real registry, both databases: every organisation of a generated registry gets
the grade worked out independently; a later run recomputes only what changed, through the
services (an imported penalty, an objection, a repair), and history records each change."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from pathlib import Path

import pytest
from sqlalchemy import Connection, Engine, func, insert, select
from tests.grading.registry import DAY, generate, write
from tests.importing.rows import PENALTIES, penalty_row, uscc, write_csv

from jointcredit.access import OPERATOR, PUBLIC, Principal
from jointcredit.errors import InvalidInputError, NotFoundError, PermissionDeniedError
from jointcredit.services import audit, grading, objections, repairs
from jointcredit.services.imports import import_file
from jointcredit.services.registry import open_registry
from jointcredit.store.tables import (
    credit_grade_history,
    credit_grade_runs,
    credit_grades,
    credit_records,
    record_history,
)

NDRC = Principal("implementer", "NDRC", key_id=7001)
SAMR_REVIEWER = Principal("reviewer", "SAMR", key_id=7002)


def _grades(engine: Engine) -> dict[int, tuple[float, str]]:
    with engine.connect() as conn:
        return {
            sid: (score, grade)
            for sid, score, grade in conn.execute(
                select(credit_grades.c.subject_id, credit_grades.c.score, credit_grades.c.grade)
            ).all()
        }


def _history(engine: Engine, subject_id: int | None = None) -> int:
    query = select(func.count()).select_from(credit_grade_history)
    if subject_id is not None:
        query = query.where(credit_grade_history.c.subject_id == subject_id)
    with engine.connect() as conn:
        return int(conn.execute(query).scalar_one())


def test_every_grade_of_a_generated_registry_is_the_expected_one(registry: Engine) -> None:
    orgs = generate(120)
    ids = write(registry, orgs)
    summary = grading.grade_all(registry, by=OPERATOR, day=DAY, batch_size=25)
    assert summary["full"] is True and summary["subjects"] == 120
    got = _grades(registry)
    seen_grades = set()
    for org in orgs:
        score, grade = org.expected()
        assert got[ids[org.identifier]] == (float(score), grade), org
        seen_grades.add(grade)
    assert seen_grades == {"A", "B", "C", "D"}, "the registry exercises every grade"
    assert sum(summary["counts"].values()) == 120
    assert _history(registry) == 120, "a first grade is a change from nothing"

    # Nothing changed: a second run recomputes nothing and writes nothing.
    again = grading.grade_all(registry, by=OPERATOR, day=DAY)
    assert again["full"] is False and again["subjects"] == 0 and again["changed"] == 0

    # --full recomputes all and still changes nothing.
    full = grading.grade_all(registry, by=OPERATOR, day=DAY, changed_only=False)
    assert full["subjects"] == 120 and full["changed"] == 0 and _history(registry) == 120

    # One organisation explains itself: the indicators' points add up to the score.
    org = next(o for o in orgs if o.expected()[1] == "D")
    shown = grading.grade_one(registry, org.identifier, by=NDRC, day=DAY)
    assert shown["grade"] == "D"
    total = Decimal(shown["base"]) + sum(Decimal(i["points"]) for i in shown["indicators"])
    assert max(total, Decimal(0)) == Decimal(shown["score"])
    counted = {r["id"] for i in shown["indicators"] for r in i["records"]}
    for record in org.records:
        if record["status"] != "active":
            assert record["id"] not in counted, "only records in effect count"
    rows = audit.page(registry, by=OPERATOR, limit=10)
    assert {"grade", "grade-run"} <= {r["action"] for r in rows}


def test_time_alone_changes_a_grade_on_the_day_named_in_advance(registry: Engine) -> None:
    orgs = generate(40, seed=11)
    write(registry, orgs)
    grading.grade_all(registry, by=OPERATOR, day=DAY)
    with registry.connect() as conn:
        stale = sorted(
            d for d in conn.execute(select(credit_grades.c.stale_on)).scalars() if d is not None
        )
    assert stale and stale[0] > DAY
    later = stale[0]
    summary = grading.grade_all(registry, by=OPERATOR, day=later)
    assert 1 <= summary["subjects"] < 40, "only grades whose day has come are recomputed"
    with registry.connect() as conn:
        left = conn.execute(
            select(func.count()).select_from(credit_grades).where(credit_grades.c.stale_on <= later)
        ).scalar_one()
    assert left == 0


def _penalty(engine: Engine, tmp_path: Path, serial: int, category: str, name: str) -> int:
    row = penalty_row(serial, CF_CFLB=category, CF_JDRQ="2026-06-01", CF_WSH=name)
    if category != "罚款":
        row["CF_NR_FK"] = ""
    path = write_csv(tmp_path / f"{name}.csv", [row], PENALTIES)
    assert import_file(engine, "penalty", path, today=DAY).accepted == 1
    with engine.connect() as conn:
        return int(conn.execute(select(func.max(credit_records.c.id))).scalar_one())


def test_only_what_changed_is_recomputed_and_history_gains_a_row(
    registry: Engine, tmp_path: Path
) -> None:
    write(registry, generate(30, seed=3))
    first = _penalty(registry, tmp_path, 501, "罚款", "京东市监罚〔2026〕1号")
    grading.grade_all(registry, by=OPERATOR)
    graded = grading.grade_one(registry, uscc(501), by=NDRC)
    with registry.connect() as conn:
        sid = int(
            conn.execute(
                select(credit_records.c.subject_id).where(credit_records.c.id == first)
            ).scalar_one()
        )
    before = _grades(registry)
    rows = _history(registry, sid)
    assert graded["indicators"] and rows == 1

    # A second penalty for the same organisation: only it is recomputed.
    _penalty(registry, tmp_path, 501, "罚款", "京东市监罚〔2026〕2号")
    summary = grading.grade_all(registry, by=OPERATOR)
    assert summary["full"] is False and summary["subjects"] == 1 and summary["changed"] == 1
    after = _grades(registry)
    assert after[sid][0] < before[sid][0]
    assert {k: v for k, v in after.items() if k != sid} == {
        k: v for k, v in before.items() if k != sid
    }
    assert _history(registry, sid) == rows + 1

    # An objection suspends the record: it stops counting, the score goes back up.
    opened = objections.open_objection(registry, first, reason="处罚已撤销。", by=NDRC)
    summary = grading.grade_all(registry, by=OPERATOR)
    assert summary["subjects"] == 1 and summary["changed"] == 1
    suspended = _grades(registry)[sid]
    assert suspended[0] > after[sid][0]
    assert _history(registry, sid) == rows + 2
    objections.withdraw(registry, opened["id"], by=NDRC)
    assert grading.grade_all(registry, by=OPERATOR)["subjects"] == 1
    assert _grades(registry)[sid] == after[sid]

    # Repair ends the record's weight for good.
    applied = repairs.apply(
        registry, first, commitment="本公司承诺诚信经营。", obligations_met=True, by=OPERATOR
    )
    repairs.decide(registry, applied["id"], approve=True, note="符合条件。", by=OPERATOR)
    summary = grading.grade_all(registry, by=OPERATOR)
    assert summary["subjects"] == 1
    shown = grading.grade_one(registry, uscc(501), by=NDRC)
    assert first not in {r["id"] for i in shown["indicators"] for r in i["records"]}
    assert Decimal(shown["score"]) == Decimal(str(suspended[0]))
    assert [h["reason"] for h in shown["history"]][-1] == "first"


def test_who_may_grade_and_what_is_refused(registry: Engine, tmp_path: Path) -> None:
    write(registry, generate(2))
    with pytest.raises(PermissionDeniedError):
        grading.grade_all(registry, by=NDRC)
    with pytest.raises(Exception, match="API key"):
        grading.grade_one(registry, "91110000JC00000001", by=PUBLIC)
    with pytest.raises(NotFoundError):
        grading.grade_one(registry, uscc(999), by=NDRC)
    row = penalty_row(
        4,
        CF_XDR_MC="张测试",
        CF_XDR_LB="自然人",
        CF_XDR_SHXYM="",
        CF_FRDB="",
        CF_FR_ZJLX="",
        CF_FR_ZJHM="",
        CF_XDR_ZJLX="身份证",
        CF_XDR_ZJHM="110101199001010016",
    )
    path = write_csv(tmp_path / "person.csv", [row], PENALTIES)
    summary = import_file(registry, "penalty", path, today=DAY)
    if summary.accepted:
        with pytest.raises(InvalidInputError, match="natural person"):
            grading.grade_one(registry, "110101199001010016", by=NDRC)


def test_a_new_scorecard_regrades_everything(registry: Engine, tmp_path: Path) -> None:
    from jointcredit.grading.scorecard import DEFAULT_FILE, load_scorecard

    write(registry, generate(10))
    grading.grade_all(registry, by=OPERATOR, day=DAY)
    text = DEFAULT_FILE.read_text(encoding="utf-8").replace("base: 80", "base: 60")
    other = tmp_path / "stricter.yaml"
    other.write_text(text, encoding="utf-8")
    card = load_scorecard(other)
    summary = grading.grade_all(registry, by=OPERATOR, day=DAY, card=card)
    assert summary["full"] is True and summary["subjects"] == 10
    with registry.connect() as conn:
        labels = set(conn.execute(select(credit_grades.c.scorecard)).scalars())
        reasons = set(
            conn.execute(
                select(credit_grade_history.c.reason).where(
                    credit_grade_history.c.changed_at > dt.datetime(2000, 1, 1, tzinfo=dt.UTC)
                )
            ).scalars()
        )
    assert labels == {card.label} and "scorecard" in reasons


def _add_penalty(conn: Connection, subject_id: int, serial: int) -> None:
    now = dt.datetime.now(dt.UTC)
    key = f"gap-{serial}"
    record = conn.execute(
        insert(credit_records).values(
            kind="penalty",
            subject_id=subject_id,
            natural_key=key,
            issuing_authority="测试局",
            source_system="test",
            document_number=f"缺口〔{serial}〕号",
            decision_date=dt.date.today() - dt.timedelta(days=20),
            severity="severe",
            status="active",
            version=1,
            content_hash=key,
            recorded_at=now,
            updated_at=now,
        )
    ).inserted_primary_key
    assert record is not None
    conn.execute(
        insert(record_history).values(
            record_id=record[0],
            version=1,
            event="created",
            status="active",
            content_hash=key,
            payload={},
            actor="test",
            recorded_at=now,
        )
    )


def test_a_change_committed_late_is_not_missed(pg_url: str) -> None:
    """PostgreSQL draws ids before commit: a record_history row with an id below the run's
    mark may become visible only after the run. It is remembered as a gap and graded by the
    next run."""
    engine = open_registry(pg_url)
    try:
        ids = write(engine, generate(3, seed=1))
        first, second = ids["91110000JC00000001"], ids["91110000JC00000002"]
        grading.grade_all(engine, by=OPERATOR)
        late = engine.connect()
        slow = late.begin()
        _add_penalty(late, first, 1)  # draws the lower id, commits last
        with engine.begin() as conn:
            _add_penalty(conn, second, 2)
        summary = grading.grade_all(engine, by=OPERATOR)
        assert summary["subjects"] == 1, "only the committed change is visible"
        with engine.connect() as conn:
            gaps = conn.execute(
                select(credit_grade_runs.c.gaps).order_by(credit_grade_runs.c.id.desc())
            ).first()
        assert gaps is not None and len(gaps[0]) == 1
        slow.commit()
        late.close()
        summary = grading.grade_all(engine, by=OPERATOR)
        assert summary["subjects"] == 1 and summary["changed"] == 1
        assert _history(engine, first) == 2
        assert grading.grade_all(engine, by=OPERATOR)["subjects"] == 0
    finally:
        engine.dispose()
