"""Department tracking with known answers, on both backends: the service, the CLI and the API."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine, select
from tests.api.server import LiveServer
from tests.feedback.helpers import MATTER
from tests.tracking.world import FILLED, PENALTY_FIELDS, PERIOD, TODAY, build
from typer.testing import CliRunner

from jointcredit.access import Principal
from jointcredit.cli.main import app
from jointcredit.errors import InvalidInputError, PermissionDeniedError
from jointcredit.services import tracking
from jointcredit.store.tables import audit_log

SUPERVISOR = Principal("supervisor", "NDRC", key_id=9201)


def _by_department(result: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {r["department"]: r for r in result["departments"]}


def _mee_score() -> float:
    completeness = round(FILLED / PENALTY_FIELDS, 4)
    return round(100 * (0.30 * 0.6667 + 0.15 * completeness) / 0.45, 1)


def test_every_number_and_the_ranking(registry: Engine, tmp_path: Path) -> None:
    build(registry, tmp_path)
    # Every department ranked (the world is small): the minimum is tested below.
    result = tracking.compute(registry, PERIOD, today=TODAY, rule="quarterly", min_records=1)
    assert result["period"] == {
        "label": "2026Q3", "first_day": "2026-07-01", "last_day": "2026-09-30"
    }  # fmt: skip
    assert result["formula"] == tracking.formula(1) and "0.30" in result["formula"]
    rows = _by_department(result)
    assert set(rows) == {"MEE", "SPC", "SAT", "MPS", "CAAC"}

    mee = rows["MEE"]
    assert (mee["records"], mee["publication_due"], mee["published_on_time"]) == (3, 3, 2)
    assert mee["publication_on_time_share"] == 0.6667
    assert (mee["fields_filled"], mee["fields_total"]) == (3 * FILLED, 3 * PENALTY_FIELDS)
    assert mee["completeness"] == round(FILLED / PENALTY_FIELDS, 4)
    assert (mee["rows_submitted"], mee["rejected_rate"]) == (0, None)
    assert mee["name"] == "生态环境部" and mee["score"] == _mee_score()

    spc = rows["SPC"]
    assert (spc["list_entries_initiated"], spc["list_entries_approved"]) == (2, 0)
    assert (spc["objections"], spc["objections_in_time"], spc["objections_late"]) == (2, 1, 1)
    assert (spc["records"], spc["objections_pending"], spc["handled_in_time_share"]) == (0, 0, 0.5)
    assert spc["score"] == 50.0

    sat = rows["SAT"]
    assert (sat["repairs"], sat["repairs_in_time"], sat["repairs_late"]) == (2, 1, 1)
    assert sat["score"] == 50.0

    mps, caac = rows["MPS"], rows["CAAC"]
    assert (mps["pushes_received"], mps["feedback_due"], mps["feedback_on_time"]) == (2, 1, 1)
    assert (mps["feedback_on_time_share"], mps["score"]) == (1.0, 100.0)
    assert (caac["pushes_received"], caac["feedback_late"], caac["feedback_on_time"]) == (1, 1, 0)
    assert (caac["feedback_on_time_share"], caac["score"]) == (0.0, 0.0)
    assert all(r["checks"] == 0 for r in rows.values())

    ranking = [(r["rank"], r["department"]) for r in result["departments"]]
    assert ranking == [(1, "MPS"), (2, "MEE"), (3, "SAT"), (3, "SPC"), (5, "CAAC")]

    # The minimum of counted records: MPS's 100 rests on one message, so with 2 it is not
    # ranked; it keeps its score, after the ranked departments.
    assert [(r["department"], r["basis"]) for r in result["departments"]] == [
        ("MPS", 1), ("MEE", 3), ("SAT", 2), ("SPC", 2), ("CAAC", 1)
    ]  # fmt: skip
    two = tracking.compute(registry, PERIOD, today=TODAY, rule="quarterly", min_records=2)
    assert [(r["rank"], r["department"], r["score"]) for r in two["departments"]] == [
        (1, "MEE", _mee_score()), (2, "SAT", 50.0), (2, "SPC", 50.0),
        (None, "MPS", 100.0), (None, "CAAC", 0.0),
    ]  # fmt: skip
    assert two["min_records"] == 2 and "at least 2 counted records" in two["formula"]
    assert "至少 2 条" in two["formula_zh"]
    default = tracking.compute(registry, PERIOD, today=TODAY, rule="quarterly")
    assert default["min_records"] == tracking.MIN_RECORDS and default["formula"] == tracking.FORMULA
    assert all(r["rank"] is None for r in default["departments"])

    # Before the feedback was due, CAAC's is pending, not late: it has no share, no rank.
    early = _by_department(tracking.compute(registry, PERIOD, today=TODAY.replace(month=10, day=8)))
    assert (early["CAAC"]["feedback_pending"], early["CAAC"]["rank"]) == (1, None)


def test_the_current_quarter_the_region_and_the_audit(registry: Engine, tmp_path: Path) -> None:
    build(registry, tmp_path)
    now = tracking.current_quarter()
    result = tracking.departments(registry, by=SUPERVISOR, period=now)
    rows = _by_department(result)
    mee = rows["MEE"]
    assert (mee["records"], mee["publication_due"], mee["published_on_time"]) == (2, 2, 2)
    assert (mee["rows_submitted"], mee["rows_rejected"], mee["rejected_rate"]) == (3, 1, 0.3333)
    assert (rows["SPC"]["records"], rows["SAT"]["records"]) == (3, 2)
    assert rows["MPS"]["checks"] == 2 and rows["MPS"]["checks_by_matter"] == {MATTER: 2}
    assert result["checks_by_matter"] == {MATTER: 2}
    with registry.connect() as conn:
        [detail] = conn.execute(
            select(audit_log.c.detail).where(audit_log.c.action == "read-tracking")
        ).scalars()
    assert detail == {"report": "departments", "period": now, "region": None,
                      "departments": len(rows)}  # fmt: skip

    # Zhejiang: the one record whose authority's USCC says 330102; departments without a
    # known region drop out.
    zhejiang = tracking.compute(registry, PERIOD, "330000", today=TODAY)
    assert zhejiang["region"] == "33"
    [only] = zhejiang["departments"]
    assert (only["department"], only["records"], only["published_on_time"]) == ("MEE", 1, 1)
    assert tracking.compute(registry, PERIOD, "3302", today=TODAY)["departments"] == []

    with pytest.raises(PermissionDeniedError):
        tracking.departments(registry, by=Principal("implementer", "MPS", key_id=1))
    with pytest.raises(InvalidInputError, match="period: '2026Q5'"):
        tracking.departments(registry, by=SUPERVISOR, period="2026Q5")
    with pytest.raises(InvalidInputError, match="region: '3x'"):
        tracking.departments(registry, by=SUPERVISOR, region="3x")


@pytest.mark.parametrize(
    ("text", "first", "last"),
    [("2026Q1", "2026-01-01", "2026-03-31"), ("2024-02", "2024-02-01", "2024-02-29"),
     ("2026", "2026-01-01", "2026-12-31"), (" 2026q4 ", "2026-10-01", "2026-12-31")],
)  # fmt: skip
def test_periods(text: str, first: str, last: str) -> None:
    period = tracking.parse_period(text)
    assert (period.first.isoformat(), period.last.isoformat()) == (first, last)


def test_the_score_leaves_out_what_has_nothing_to_count() -> None:
    assert tracking.score({"rejected_rate": 0.2}) == 80.0
    assert tracking.score({"publication_on_time_share": 1.0, "rejected_rate": 1.0}) == 66.7
    assert tracking.score({}) is None


def test_cli(registry: Engine, db_url: str, tmp_path: Path) -> None:
    build(registry, tmp_path)
    runner = CliRunner()
    done = runner.invoke(app, ["stats", "departments", "--period", PERIOD, "--json", "-d", db_url])
    assert done.exit_code == 0, done.output
    result = json.loads(done.stdout)
    assert [r["department"] for r in result["departments"]][:2] == ["MPS", "MEE"]
    assert result["formula"] == tracking.FORMULA
    done = runner.invoke(app, ["stats", "departments", "--period", PERIOD, "--csv", "-d", db_url])
    assert done.exit_code == 0, done.output
    table = list(csv.DictReader(io.StringIO(done.stdout)))
    assert table[0]["department"] == "MPS"
    assert {r["department"]: r["pushes_received"] for r in table}["MPS"] == "2"
    done = runner.invoke(app, ["stats", "departments", "--period", PERIOD, "-d", db_url])
    assert done.exit_code == 0 and "MPS" in done.stdout and "score = 100" in done.stdout
    done = runner.invoke(app, ["stats", "departments", "--period", "Q3-2026", "-d", db_url])
    assert done.exit_code == 1
    assert "period: 'Q3-2026' is not a period" in done.stderr
    done = runner.invoke(app, ["stats", "departments", "--region", "abc", "-d", db_url])
    assert done.exit_code == 1 and "region: 'abc'" in done.stderr


def test_api(api: LiveServer, tmp_path: Path) -> None:
    build(api.engine, tmp_path)
    r = api.get("/stats/departments", "supervisor", params={"period": PERIOD})
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["period"]["label"] == PERIOD and body["formula"] == tracking.FORMULA
    rows = {d["department"]: d for d in body["departments"]}
    # One message is below the ranking's minimum: MPS keeps its score, without a rank.
    assert (rows["MPS"]["rank"], rows["MPS"]["score"], rows["MPS"]["basis"]) == (None, 100.0, 1)
    assert body["min_records"] == tracking.MIN_RECORDS and rows["SPC"]["objections_late"] == 1
    r = api.get("/stats/departments", "admin", params={"period": PERIOD, "region": "33"})
    assert [d["department"] for d in r.json()["departments"]] == ["MEE"]
    assert api.get("/stats/departments", "implementer").status_code == 403
    r = api.get("/stats/departments", "supervisor", params={"period": "soon"})
    assert r.status_code == 422 and "period: 'soon'" in r.text
