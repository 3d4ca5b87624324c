"""Statistics by region (issue 15) on the two-province catalog, both backends: work filed under
abolished bodies counts for their successors, ``region`` keeps the departments of a region,
rows carry their place, the grouping follows the hierarchy; through the service, the CLI (with
the node's region as default) and the API on a live server."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine
from tests.api.server import LiveServer, live_server
from tests.tracking import regions
from tests.tracking.regions import build, period
from typer.testing import CliRunner

from jointcredit.cli.main import app
from jointcredit.services import tracking
from jointcredit.settings import get_settings

ZHEJIANG = ["ZJ-AMR", "HZ-AMR", "XH-AMR"]
# The fixtures of the two-province registry.
regional = regions.regional
engine = regions.engine


def _rows(result: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {r["department"]: r for r in result["departments"]}


def test_successors_places_and_the_hierarchy(engine: Engine, tmp_path: Path) -> None:
    build(engine, tmp_path)
    result = tracking.compute(engine, period())
    rows = _rows(result)
    # Nothing is left under an abolished body: SAIC's record, message and check are SAMR's,
    # ZJ-AIC's record is ZJ-AMR's, and each row says so.
    assert "SAIC" not in rows and "ZJ-AIC" not in rows
    samr = rows["SAMR"]
    assert (samr["records"], samr["pushes_received"], samr["checks"]) == (1, 1, 1)
    assert samr["includes"] == ["SAIC"]
    zj = rows["ZJ-AMR"]
    assert (zj["records"], zj["pushes_received"], zj["checks"]) == (3, 1, 1)
    assert zj["includes"] == ["ZJ-AIC"]
    assert [(rows[c]["records"], rows[c]["checks"]) for c in ("HZ-AMR", "XH-AMR", "JS-AMR")] == [
        (1, 0), (1, 2), (1, 1)
    ]  # fmt: skip
    place = {c: (r["region"], r["region_name"], r["level"], r["parent"], r["counterpart"])
             for c, r in rows.items()}  # fmt: skip
    assert place["ZJ-AMR"] == ("330000", "浙江省", "provincial", None, "SAMR")
    assert place["HZ-AMR"] == ("330100", "杭州市", "municipal", "ZJ-AMR", "SAMR")
    assert place["XH-AMR"] == ("330106", "西湖区", "county", "HZ-AMR", "SAMR")
    assert place["SAMR"] == (None, None, "national", None, None)

    groups = [(g["region"], g["name"], g["level"], g["depth"], g["departments"])
              for g in result["regions"]]  # fmt: skip
    assert groups == [
        (None, None, "national", 0, ["SAMR", "SPC"]),
        ("320000", "江苏省", "provincial", 0, ["JS-AMR"]),
        ("330000", "浙江省", "provincial", 0, ["ZJ-AMR"]),
        ("330100", "杭州市", "municipal", 1, ["HZ-AMR"]),
        ("330106", "西湖区", "county", 2, ["XH-AMR"]),
    ]
    zhejiang = result["regions"][2]
    assert (zhejiang["subtotal"]["records"], zhejiang["total"]["records"]) == (3, 5)
    assert zhejiang["total"]["checks"] == 3 and zhejiang["total"]["pushes_received"] == 3
    assert [r["depth"] for r in tracking.in_hierarchy(result)] == [0, 0, 0, 0, 1, 2]
    # The CSV keeps its columns' places and adds the department's at the end.
    header = tracking.csv_text(result).splitlines()[0].split(",")
    assert header[-6:] == ["region", "region_name", "level", "parent", "counterpart", "includes"]
    assert "SAMR" in tracking.csv_text(result) and ",SAIC\r\n" in tracking.csv_text(result)


def test_a_region_keeps_its_departments(engine: Engine, tmp_path: Path) -> None:
    build(engine, tmp_path)
    for asked in ("33", "330000"):
        result = tracking.compute(engine, period(), asked)
        rows = _rows(result)
        assert sorted(rows) == sorted(ZHEJIANG)
        # ZJ-AIC's record lies in Zhejiang: it stays, under its successor.
        assert (rows["ZJ-AMR"]["records"], rows["ZJ-AMR"]["includes"]) == (3, ["ZJ-AIC"])
        assert [g["region"] for g in result["regions"]] == ["330000", "330100", "330106"]
    city = _rows(tracking.compute(engine, period(), "330100"))
    assert sorted(city) == ["HZ-AMR", "XH-AMR"]
    assert sorted(_rows(tracking.compute(engine, period(), "32"))) == ["JS-AMR"]


def test_cli_order_region_column_and_the_node_region(
    engine: Engine, db_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    build(engine, tmp_path)
    runner = CliRunner()
    base = ["stats", "departments", "--period", period(), "-d", db_url]
    done = runner.invoke(app, base)
    assert done.exit_code == 0, done.output
    out = done.stdout
    positions = [out.index(code) for code in ("SAMR", "JS-AMR", "ZJ-AMR", "HZ-AMR", "XH-AMR")]
    assert positions == sorted(positions), out
    assert "330106" in out and "national" in out and "    XH-AMR" in out

    done = runner.invoke(app, [*base, "--json"])
    assert done.exit_code == 0, done.output
    rows = _rows(json.loads(done.stdout))
    assert (rows["HZ-AMR"]["region"], rows["HZ-AMR"]["parent"]) == ("330100", "ZJ-AMR")

    # A provincial node: its own region by default, every region when asked.
    monkeypatch.setenv("JOINTCREDIT_REGION", "330000")
    get_settings.cache_clear()
    done = runner.invoke(app, [*base, "--json"])
    assert done.exit_code == 0, done.output
    result = json.loads(done.stdout)
    assert result["region"] == "33" and sorted(_rows(result)) == sorted(ZHEJIANG)
    done = runner.invoke(app, [*base, "--json", "--all-regions"])
    assert result["region"] == "33" and "SAMR" in _rows(json.loads(done.stdout))
    done = runner.invoke(app, [*base, "--json", "--region", "32"])
    assert sorted(_rows(json.loads(done.stdout))) == ["JS-AMR"]
    done = runner.invoke(app, [*base, "--region", "32", "--all-regions"])
    assert done.exit_code == 1 and "--region and --all-regions" in done.stderr


@pytest.fixture
def api(regional: None, db_url: str) -> Iterator[LiveServer]:
    with live_server(db_url) as server:
        yield server


def test_api_rows_and_groups(api: LiveServer, tmp_path: Path) -> None:
    build(api.engine, tmp_path)
    r = api.get("/stats/departments", "supervisor", params={"period": period(), "region": "33"})
    assert r.status_code == 200, r.text
    body = r.json()
    rows = _rows(body)
    assert sorted(rows) == sorted(ZHEJIANG)
    assert (rows["XH-AMR"]["level"], rows["XH-AMR"]["parent"], rows["XH-AMR"]["depth"]) == (
        "county", "HZ-AMR", 2
    )  # fmt: skip
    assert [g["name"] for g in body["regions"]] == ["浙江省", "杭州市", "西湖区"]
    # The API is explicit: without a region it counts every region, on any node.
    everything = api.get("/stats/departments", "supervisor", params={"period": period()}).json()
    assert _rows(everything)["SAMR"]["includes"] == ["SAIC"]
    assert everything["regions"][0]["level"] == "national"
