"""``jointcredit demo`` ships a sample province (issue 15): the real console script in a data
directory of the test's own, on each database, then the registry, the printed commands, the
local key on a real server.

The demo sets JOINTCREDIT_CATALOG_PATHS for itself; the test's own process sets it too (as the
demo's "next:" lines tell an operator to) before it opens the registry, since opening the
registry brings its departments table in line with the catalog the process sees.
"""

from __future__ import annotations

import json
import os
import re
import shlex
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select
from tests.api.server import live_server

from jointcredit.catalog import lint, load_catalog
from jointcredit.catalog.loader import SHIPPED_DIR
from jointcredit.cli.demo import SAMPLE_PROVINCE
from jointcredit.identifiers import divisions
from jointcredit.services import staff
from jointcredit.services.registry import open_registry
from jointcredit.settings import get_settings
from jointcredit.store.tables import credit_records

SCRIPT = Path(sys.executable).with_name("jointcredit")
ARGS = ("--subjects", "150", "--licensing", "300", "--penalties", "150", "--entries", "60")
ZHEJIANG = {"ZJ-DRC", "ZJ-AMR", "ZJ-TAX", "HZ-AMR", "HZ-TAX", "XH-AMR", "XH-TAX"}
GREEN = "administrative-approval-green-channel"
#: A full resident identity number standing alone (synthetic USCCs always hold letters: "JC").
FULL_ID = re.compile(r"(?<![0-9A-Za-z])\d{17}[0-9Xx](?![0-9A-Za-z])")


def _env(data_dir: Path, **extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("JOINTCREDIT_")}
    env.update(JOINTCREDIT_DATA_DIR=str(data_dir), COLUMNS="300", NO_COLOR="1", **extra)
    return env


def _run(env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    done = subprocess.run(
        [str(SCRIPT), *args], env=env, capture_output=True, text=True, timeout=300, check=False
    )
    assert done.returncode == 0, done.stdout + done.stderr
    return done


def _next_lines(stdout: str) -> list[str]:
    """The commands after "next:" (Rich does not fold them: soft wrap)."""
    return [line.split(": ", 1)[1] for line in stdout.splitlines() if line.startswith("next")]


@pytest.fixture
def sample_catalog(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    monkeypatch.setenv("JOINTCREDIT_CATALOG_PATHS", str(SAMPLE_PROVINCE))
    get_settings.cache_clear()
    yield
    monkeypatch.undo()
    get_settings.cache_clear()


def test_sample_province_lints_clean_and_stays_out_of_the_national_catalog() -> None:
    problems = lint((SHIPPED_DIR,))  # the shipped catalog alone: what a national node loads
    national = load_catalog((SHIPPED_DIR,))
    assert not ZHEJIANG & set(national.departments)
    assert "zj-honest-enterprises" not in national.list_types

    with_sample = lint((SHIPPED_DIR, SAMPLE_PROVINCE))
    assert not [p for p in with_sample if p.is_error]
    # The sample files add no warning of their own.
    assert with_sample == problems
    catalog = load_catalog((SHIPPED_DIR, SAMPLE_PROVINCE))
    assert set(catalog.departments) >= ZHEJIANG
    for code in ZHEJIANG:
        d = catalog.departments[code]
        assert d.name_zh.endswith("（示例）") and "(sample)" in (d.name_en or ""), code
        assert d.uscc is not None and "JCG" in d.uscc, code
    assert catalog.list_types["zj-honest-enterprises"].region == "330000"
    assert catalog.documents["zj-honest-incentives"].region == "330000"


@pytest.mark.slow
def test_demo_ships_the_sample_province(db_url: str, tmp_path: Path, sample_catalog: None) -> None:
    env = _env(tmp_path)
    first = _run(env, "demo", *ARGS, "--database", db_url, "--no-serve")
    out = first.stdout
    assert "SAMPLE DATA" in out and "（示例）" in out and "Zhejiang" in out
    assert not FULL_ID.findall(out + first.stderr), "a full resident ID was printed"

    # Every "next:" command names the catalog the demo used; the last one starts the service.
    commands = _next_lines(out)
    assert commands and commands[-1].endswith("jointcredit serve")
    for command in commands:
        words = shlex.split(command)
        assert words[0] == f"JOINTCREDIT_CATALOG_PATHS={SAMPLE_PROVINCE}", command
    [local_check] = [c for c in commands if "--department ZJ-AMR" in c]

    # The printed local check, run as printed (the catalog variable from the line itself).
    setting, *argv = shlex.split(local_check)
    name, value = setting.split("=", 1)
    checked = json.loads(
        _run(_env(tmp_path, **{name: value}), *argv[1:], "--database", db_url).stdout
    )
    assert checked["department"] == "ZJ-AMR"
    assert "zj-honest-incentives/01" in {d["measure"] for d in checked["decisions"]}

    saved = json.loads((tmp_path / "demo-keys.json").read_text(encoding="utf-8"))["keys"]
    [local_key] = [k for k in saved if k["department"] == "ZJ-AMR"]
    assert local_key["role"] == "implementer" and local_key["key"] in out

    accounts = json.loads((tmp_path / "demo-staff.json").read_text(encoding="utf-8"))
    engine = open_registry(db_url)
    try:
        signed = staff.sign_in(engine, "demo.zhejiang", accounts["password"])
        assert (signed.session.department, signed.session.role) == ("ZJ-AMR", "implementer")
        with engine.connect() as conn:
            red = conn.execute(
                select(credit_records.c.department, credit_records.c.subject_id).where(
                    credit_records.c.list_type == "zj-honest-enterprises"
                )
            ).all()
            issued = dict(
                conn.execute(
                    select(credit_records.c.department, func.count())
                    .where(credit_records.c.kind.in_(("licensing", "penalty")))
                    .where(credit_records.c.department.in_(sorted(ZHEJIANG)))
                    .group_by(credit_records.c.department)
                ).all()
            )
        assert len(red) >= 3 and {d for d, _ in red} == {"ZJ-DRC"}
        # Xihu's synthetic authorities are the sample district's departments (their USCCs).
        assert set(issued) <= {"XH-AMR", "XH-TAX"} and issued.get("XH-AMR", 0) > 0, issued

        with live_server(db_url) as server:
            auth = {"Authorization": f"Bearer {local_key['key']}"}
            with server.client() as api:
                feed = api.get("/feed", params={"limit": 500}, headers=auth)
                assert feed.status_code == 200, feed.text
                items = feed.json()["items"]
                assert {i["department"] for i in items} == {"ZJ-AMR"}
                honest = [i for i in items if i["entry"]["list_type"] == "zj-honest-enterprises"]
                assert len(honest) == len(red)
                company = honest[0]["entry"]["subject"]["identifier"]
                assert divisions.within(company[2:8], "330000")

                local = api.get(
                    "/check", params={"subject": company, "matter": GREEN}, headers=auth
                )
                assert local.status_code == 200, local.text
                applied = {d["measure"] for d in local.json()["decisions"]}
                assert "zj-honest-incentives/01" in applied
                # The same company checked by a national body: no provincial incentive.
                caac = next(
                    k for k in saved if (k["role"], k["department"]) == ("implementer", "CAAC")
                )
                national = api.get(
                    "/check",
                    params={"subject": company, "matter": GREEN},
                    headers={"Authorization": f"Bearer {caac['key']}"},
                )
                assert national.status_code == 200, national.text
                assert not {
                    d["measure"]
                    for d in national.json()["decisions"]
                    if d["measure"].startswith("zj-")
                }
        counts = _counts(engine)
    finally:
        engine.dispose()

    # A second run adds nothing and keeps every key, the local one included.
    second = _run(env, "demo", *ARGS, "--database", db_url, "--no-serve")
    assert json.loads((tmp_path / "demo-keys.json").read_text(encoding="utf-8"))["keys"] == saved
    assert all(k["key"] in second.stdout for k in saved)
    engine = open_registry(db_url)
    try:
        assert _counts(engine) == counts
    finally:
        engine.dispose()


def _counts(engine: Any) -> list[tuple[Any, ...]]:
    with engine.connect() as conn:
        return [
            tuple(r)
            for r in conn.execute(
                select(credit_records.c.kind, credit_records.c.department, func.count())
                .group_by(credit_records.c.kind, credit_records.c.department)
                .order_by(credit_records.c.kind, credit_records.c.department)
            )
        ]
