"""``jointcredit inspection`` as a real process (the installed console script) on a SQLite
registry of the test's own: plan, publish to CSV and JSON, results, verify, list, and errors
that name the file and the field. JOINTCREDIT_* of the calling environment are not passed on."""

from __future__ import annotations

import csv
import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from tests.grading.registry import DAY, generate, write

from jointcredit.inspection import draw
from jointcredit.inspection.rates import load_rates
from jointcredit.services.registry import open_registry

SCRIPT = Path(sys.executable).with_name("jointcredit")
SEED = "a5" * 16


class Site:
    def __init__(self, directory: Path) -> None:
        self.directory = directory
        self.env = {k: v for k, v in os.environ.items() if not k.startswith("JOINTCREDIT_")}
        self.env.update(
            JOINTCREDIT_DATA_DIR=str(directory),
            JOINTCREDIT_DATABASE_URL=f"sqlite:///{directory}/registry.sqlite3",
            COLUMNS="300",
            NO_COLOR="1",
        )

    def run(self, *args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [str(SCRIPT), *args],
            env=self.env,
            cwd=self.directory,
            capture_output=True,
            text=True,
            timeout=120,
            check=False,
        )

    def json(self, *args: str) -> Any:
        done = self.run(*args, "--json")
        assert done.returncode == 0, done.stdout + done.stderr
        return json.loads(done.stdout)


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Site:
    directory = tmp_path_factory.mktemp("inspection")
    orgs = generate(60, seed=21)
    for org in orgs:
        org.identifier = f"91{'330100' if org.serial % 2 else '330200'}JC{org.serial:08d}"
    engine = open_registry(f"sqlite:///{directory}/registry.sqlite3")
    try:
        write(engine, orgs)
    finally:
        engine.dispose()
    site = Site(directory)
    assert site.run("grade", "--all", "--as-of", DAY.isoformat()).returncode == 0
    (directory / "staff.csv").write_text(
        "id,name,department,conflict_subjects,conflict_regions\n"
        "I1,张三,SAMR-3301,91330100JC00000001,\n"
        "I2,李四,SAMR-3301,,330200\n"
        "I3,王五,SAMR-3301,,\n"
        "I4,赵六,SAMR-3301,,\n",
        encoding="utf-8",
    )
    (directory / "low.yaml").write_text(
        'version: "low"\nname: {zh: 低比例, en: low rates}\n'
        "rates: {A: 0.02, B: 0.04, C: 0.08, D: 0.25, ungraded: 0.05}\n",
        encoding="utf-8",
    )
    return site


def test_plan_publish_results_verify(site: Site) -> None:
    summary = site.json(
        "inspection",
        "plan",
        "--name",
        "2026年第一批双随机抽查",
        "--department",
        "SAMR-3301",
        "--inspectors",
        "staff.csv",
        "--seed",
        SEED,
        "--rates",
        "low.yaml",
    )
    code = summary["code"]
    assert summary["population"] == 60 and summary["seed"] == SEED
    # The counts the plan prints are the draw computed here from the grades it stored.
    drawn = summary["drawn"]
    assert drawn == sum(row["drawn"] for row in summary["counts"].values()) >= 2

    shown = site.run("inspection", "verify", code)
    assert shown.returncode == 0 and "the draw matches" in shown.stdout

    out = site.run("inspection", "publish", code, "-o", "plan.csv")
    assert out.returncode == 0, out.stderr
    assert f"published plan {code}" in out.stdout
    with (site.directory / "plan.csv").open(encoding="utf-8") as f:
        rows = list(csv.DictReader(f))
    assert len(rows) == drawn
    top = max(load_rates(site.directory / "low.yaml").rates.values())
    for row in rows:
        assert row["draw"] == draw.value_text(draw.draw_number(SEED, row["identifier"]))
        assert int(row["draw"], 16) < draw.threshold(top)
        assert row["inspectors"].count(";") == 1
        if row["identifier"][2:8] == "330200":
            assert "李四" not in row["inspectors"]
    public = site.json("inspection", "publish", code)
    assert public["status"] == "published" and len(public["subjects"]) == drawn

    for row in rows:
        done = site.run("inspection", "result", code, row["identifier"], "--outcome", "no-problem")
        assert done.returncode == 0, done.stderr
        assert "未发现问题" in done.stdout
    out = site.run("inspection", "publish", code, "--results", "-o", "results.json")
    assert out.returncode == 0, out.stderr
    results = json.loads((site.directory / "results.json").read_text(encoding="utf-8"))
    assert results["status"] == "closed"
    assert {s["result"] for s in results["subjects"]} == {"no-problem"}

    listed = site.json("inspection", "list")
    assert listed[0]["code"] == code and listed[0]["status"] == "closed"


def test_same_seed_same_draw_and_seed_from(site: Site) -> None:
    args = ["inspection", "plan", "--name", "复核", "--department", "SAMR-3301"]
    first = site.json(*args, "--inspectors", "staff.csv", "--seed", SEED.upper())
    second = site.json(*args, "--inspectors", "staff.csv", "--seed", SEED)
    assert first["code"] != second["code"]
    a = site.json("inspection", "publish", first["code"])["subjects"]
    b = site.json("inspection", "publish", second["code"])["subjects"]
    assert a == b
    derived = site.json(*args, "--inspectors", "staff.csv", "--seed-from", "福彩3D 2026330期 527")
    assert derived["seed"] == draw.seed_from("福彩3D 2026330期 527")
    only = site.json(*args, "--inspectors", "staff.csv", "--grades", "C,D", "--region", "3301")
    assert set(only["counts"]) <= {"C", "D"} and len(only["seed"]) == 32


def test_errors_name_what_is_wrong(site: Site) -> None:
    (site.directory / "bad.yaml").write_text(
        'version: "1"\nname: {zh: 比例, en: rates}\nrates: {A: 2, ungraded: 0.1}\n',
        encoding="utf-8",
    )
    base = ["inspection", "plan", "--name", "x", "--department", "S", "--inspectors"]
    done = site.run(*base, "staff.csv", "--rates", "bad.yaml")
    assert done.returncode == 1
    assert "bad.yaml: rates.A: must be a number between 0 and 1, not 2" in done.stderr
    (site.directory / "bad.csv").write_text("id,name,department\nI1,,S\n", encoding="utf-8")
    done = site.run(*base, "bad.csv")
    assert done.returncode == 1 and "bad.csv" in done.stderr and "row 2.name" in done.stderr
    done = site.run(*base, "staff.csv", "--seed", "xyz")
    assert done.returncode == 1 and "--seed" in done.stderr
    done = site.run("inspection", "verify", "20990101-0001")
    assert done.returncode == 1 and "没有编号为“20990101-0001”的抽查计划" in done.stderr
    done = site.run("inspection", "publish", "20990101-0001", "-o", "x.txt")
    assert done.returncode == 1
