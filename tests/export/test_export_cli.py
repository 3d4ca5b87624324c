"""``jointcredit export`` in process, and the round trip through the real commands: exported
by one registry's ``jointcredit export``, read by a fresh one's ``jointcredit import``."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import pytest
from sqlalchemy import Engine
from tests.export.samples import load_all
from typer.testing import CliRunner, Result

from jointcredit.access import OPERATOR
from jointcredit.cli.common import console
from jointcredit.cli.main import app
from jointcredit.services import audit


def test_export_then_import_with_the_commands(
    registry: Engine, db_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(console, "width", 200)
    load_all(registry, tmp_path)
    runner = CliRunner()

    def run(*args: str, database: str = db_url) -> Result:
        return runner.invoke(app, [*args, "-d", database])

    fresh = f"sqlite:///{tmp_path}/fresh.sqlite3"
    for name, kind in (
        ("licensing", "licensing"),
        ("penalties", "penalty"),
        ("list-entries", "list-entry"),
    ):
        out = tmp_path / f"{name}.csv"
        done = run("export", name, "--since", "2000-01-01", "-o", str(out), "--json")
        assert done.exit_code == 0, done.output
        summary = json.loads(done.stdout)
        assert summary["kind"] == kind and summary["rows"] == _lines(out)
        assert summary["type"] == "csv" and summary["audit_entry"]
        imported = run("import", name, str(out), "--json", database=fresh)
        assert imported.exit_code == 0, imported.output
        read = json.loads(imported.stdout)
        assert (read["accepted"], read["rejected_rows"]) == (summary["rows"], 0)
        again = tmp_path / f"{name}-again.csv"
        done = run("export", name, "--since", "2000-01-01", "-o", str(again), database=fresh)
        assert done.exit_code == 0, done.output
        assert again.read_bytes() == out.read_bytes()

    # The plain summary: rows per status, the file and its audit entry.
    out = tmp_path / "licensing.xlsx"
    done = run("export", "licensing", "--since", "2000-01-01", "-o", str(out), "--by", "张测试")
    assert done.exit_code == 0, done.output
    text = " ".join(done.stdout.replace("│", " ").split())
    assert "rows written 4" in text and "active 3" in text and "cancelled 1" in text
    assert "withdrawals (not in the file) 0" in text
    [row] = audit.page(registry, by=OPERATOR, limit=1, action="export-file")
    assert row["detail"]["by"] == "张测试" and row["detail"]["type"] == "xlsx"


def _lines(path: Path) -> int:
    """Data rows of a CSV file (a cell may hold a line break: counted by the reader)."""
    with path.open(encoding="utf-8-sig", newline="") as f:
        return sum(1 for _ in csv.reader(f)) - 1


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["licensing", "--since", "2026-02-30", "-o", "x.csv"], "--since: '2026-02-30' is not a"),
        (["penalties", "--since", "2026-01-01", "-o", "x.txt"], "-o: 'x.txt': the file name"),
        (["penalties", "--since", "2026-01-01", "-o", "x.csv", "--format", "2019"], "--format:"),
        (["list-entries", "--since", "2026-01-01", "-o", "x.csv", "--format", "2016"],
         "--format: list entries have one format"),
    ],
)  # fmt: skip
def test_bad_options_are_refused_naming_them(
    sqlite_url: str, tmp_path: Path, args: list[str], message: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    done = CliRunner().invoke(app, ["export", *args, "-d", sqlite_url])
    assert done.exit_code == 1
    assert message in done.stderr
    assert not (tmp_path / "x.csv").exists() and not (tmp_path / "x.txt").exists()
