"""``jointcredit catalog`` run as the installed console script (a fresh process per call costs
most of a second, so variants of output are checked in-process with Typer's runner)."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

from catalog.helpers import Fixture
from jointcredit.catalog import SHIPPED_DIR, load_catalog
from jointcredit.cli.main import app


def _script() -> str:
    beside = Path(sys.executable).parent / "jointcredit"
    if beside.is_file():
        return str(beside)
    found = shutil.which("jointcredit")
    if found is None:  # pragma: no cover - the package is installed with its script
        pytest.fail("the jointcredit console script is not installed")
    return found


def run(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    # The calling environment's JOINTCREDIT_* settings must not leak into the run.
    env = {k: v for k, v in os.environ.items() if not k.startswith("JOINTCREDIT_")}
    env["COLUMNS"] = "200"
    return subprocess.run(
        [_script(), "catalog", *args], capture_output=True, text=True, env=env, cwd=cwd
    )


def test_lint_default_catalog_passes(tmp_path: Path) -> None:
    result = run("lint", "--no-warnings", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert result.stdout == ""
    assert "0 error(s)" in result.stderr
    assert str(load_catalog([SHIPPED_DIR]).version) in result.stderr


def test_lint_reports_file_and_line_and_fails(cat: Fixture) -> None:
    cat.replace("mou-test.yaml", "matters: [air-travel]", "matters: [nowhere]")
    cat.replace("mou-test.yaml", "binding: mandatory", "binding: unknown")
    result = run("lint", "--only", "catalog", cwd=cat.root.parent)
    assert result.returncode == 1
    assert result.stdout.splitlines() == [
        "catalog/mou-test.yaml:16: warning binding-unknown: measure mou-test/01: whether the "
        "measure is mandatory or recommended is unknown",
        "catalog/mou-test.yaml:19: error unknown-matter: measure mou-test/01: matters names "
        "unknown matter 'nowhere'",
    ]

    in_process = CliRunner().invoke(app, ["catalog", "lint", "--only", "--json", str(cat.root)])
    assert in_process.exit_code == 1
    as_json = json.loads(in_process.stdout)
    assert (as_json["errors"], as_json["warnings"]) == (1, 1)
    assert as_json["problems"][1] == {
        "file": str(cat.root / "mou-test.yaml"),
        "line": 19,
        "column": 15,
        "severity": "error",
        "code": "unknown-matter",
        "message": "measure mou-test/01: matters names unknown matter 'nowhere'",
    }


def test_lint_an_operator_file_against_the_shipped_catalog(tmp_path: Path) -> None:
    local = tmp_path / "local-mou.yaml"
    text = (SHIPPED_DIR / "notice-2016-285.yaml").read_text(encoding="utf-8")
    local.write_text(
        text.replace("id: notice-2016-285", "id: local-notice").replace(
            "notice-2016-285/", "local-notice/"
        ),
        encoding="utf-8",
    )
    result = run("lint", "--json", str(local), cwd=tmp_path)
    report = json.loads(result.stdout)
    # Its list type and departments come from the shipped catalog; only its own problems show.
    assert result.returncode == 0, result.stdout
    assert {p["file"] for p in report["problems"]} == {"local-mou.yaml"}
    assert report["errors"] == 0


def test_show_list_type_json(tmp_path: Path) -> None:
    result = run("show", "--list-type", "judgment-defaulters", "--json", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    shown = json.loads(result.stdout)
    catalog = load_catalog([SHIPPED_DIR])
    assert shown["version"] == str(catalog.version)
    ids = [m["id"] for m in shown["measures"]]
    assert ids == [m.id for m in catalog.select(list_type="judgment-defaulters")]
    assert "opinions-2016-64/07-1" in ids
    first = shown["measures"][0]
    assert set(first) >= {
        "id",
        "kind",
        "binding",
        "targets",
        "matters",
        "implementing_departments",
        "implementing_departments_inferred",
        "legal_basis",
        "text_zh",
        "text_en",
    }
    assert all("judgment-defaulters" in m["list_types"] for m in shown["measures"])


def test_show_table_and_unknown_codes() -> None:
    runner = CliRunner()
    shown = runner.invoke(
        app, ["catalog", "show", "--matter", "exit-control", "--on", "2020-01-01"]
    )
    assert shown.exit_code == 0, shown.output
    assert "2 measure(s)" in shown.stdout
    assert "mou-2016-2798/02" in shown.stdout
    assert "mou-2014-3062/02" not in shown.stdout  # superseded from 2016-12-01
    assert "inferred, unverified: MPS" in shown.stdout
    unknown = runner.invoke(app, ["catalog", "show", "--list-type", "no-such-list"])
    assert unknown.exit_code == 1
    assert "目录中没有名单类型“no-such-list”" in unknown.stderr  # in Chinese, the default
