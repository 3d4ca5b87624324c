"""``jointcredit grade`` as a real process (the installed console script), on a SQLite registry
of the test's own; JOINTCREDIT_* of the calling environment are not passed on."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from tests.grading.registry import DAY, Org, generate, write

from jointcredit.services.registry import open_registry

SCRIPT = Path(sys.executable).with_name("jointcredit")


class Site:
    def __init__(self, directory: Path, orgs: list[Org]) -> None:
        self.directory = directory
        self.orgs = orgs
        self.env = {k: v for k, v in os.environ.items() if not k.startswith("JOINTCREDIT_")}
        self.env.update(
            JOINTCREDIT_DATA_DIR=str(directory),
            JOINTCREDIT_DATABASE_URL=f"sqlite:///{directory}/registry.sqlite3",
            COLUMNS="300",
            NO_COLOR="1",
        )

    def run(self, *args: str, **env: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [str(SCRIPT), *args],
            env=self.env | env,
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
    directory = tmp_path_factory.mktemp("grading")
    orgs = generate(40, seed=5)
    engine = open_registry(f"sqlite:///{directory}/registry.sqlite3")
    try:
        write(engine, orgs)
    finally:
        engine.dispose()
    return Site(directory, orgs)


def test_grade_all_then_one(site: Site) -> None:
    day = DAY.isoformat()
    summary = site.json("grade", "--all", "--as-of", day)
    assert summary["full"] is True and summary["subjects"] == 40
    expected: dict[str, int] = {}
    for org in site.orgs:
        grade = org.expected()[1]
        expected[grade] = expected.get(grade, 0) + 1
    assert summary["counts"] == expected

    again = site.run("grade", "--all", "--as-of", day)
    assert again.returncode == 0, again.stderr
    assert "graded 0 organisations (changed since the last run)" in " ".join(again.stdout.split())
    full = site.json("grade", "--all", "--full", "--as-of", day)
    assert full["full"] is True and full["changed"] == 0

    org = max(site.orgs, key=lambda o: len(o.records))
    shown = site.json("grade", org.identifier, "--as-of", day)
    score, grade = org.expected()
    assert (shown["grade"], shown["score"]) == (grade, f"{score:.2f}")
    assert [i["id"] for i in shown["indicators"]][:2] == ["penalty-severe", "penalty-general"]
    text = site.run("grade", org.identifier, "--as-of", day)
    assert text.returncode == 0, text.stderr
    flat = " ".join(text.stdout.split())
    assert f"grade {grade}" in flat and "penalty-severe" in flat and "licences" in flat


def test_refusals(site: Site, tmp_path: Path) -> None:
    for args, message in (
        ((), "give an IDENTIFIER or --all"),
        (("--all", site.orgs[0].identifier), "give an IDENTIFIER or --all"),
        (("x", "--full"), "--full goes with --all"),
        (("--all", "--as-of", "yesterday"), "not a date"),
        (("91110000JC99999999",), "未找到该代码的主体"),  # in Chinese, the default
    ):
        done = site.run("grade", *args)
        assert done.returncode == 1 and message in done.stderr, (args, done.stderr)
    bad = tmp_path / "bad.yaml"
    bad.write_text("version: 1\nbase: 80\n", encoding="utf-8")
    done = site.run("grade", "--all", JOINTCREDIT_SCORECARD_FILE=str(bad))
    assert done.returncode == 1
    flat = " ".join(done.stderr.split())
    assert "bad.yaml: grades: must be a non-empty list" in flat
    assert "bad.yaml: indicators: must be a non-empty list" in flat
