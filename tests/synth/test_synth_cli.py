"""``jointcredit generate`` end to end, through the installed console script."""

from __future__ import annotations

import csv
import json
import subprocess
import sys
from datetime import date
from pathlib import Path

import pytest
from openpyxl import load_workbook

from jointcredit.importing import formats

SCRIPT = Path(sys.executable).parent / "jointcredit"
SMALL = ["--licensing", "60", "--penalties", "40", "--subjects", "30", "--seed", "5",
         "--today", "2025-06-30"]  # fmt: skip


def run(*args: str | Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run([str(SCRIPT), "generate", *map(str, args)], capture_output=True,
                          text=True, timeout=120, check=False)  # fmt: skip


def read_csv(path: Path, encoding: str = "utf-8") -> list[dict[str, str]]:
    with open(path, encoding=encoding, newline="") as f:
        return list(csv.DictReader(f))


def test_csv_with_bad_rows(tmp_path: Path) -> None:
    out = tmp_path / "out"
    result = run(out, *SMALL, "--bad-rows", "12")
    assert result.returncode == 0, result.stderr
    assert str(out / "licensing.csv") in result.stdout and "60 rows" in result.stdout
    assert str(out / "penalties.csv") in result.stdout and "40 rows" in result.stdout
    lic, pen = read_csv(out / "licensing.csv"), read_csv(out / "penalties.csv")
    assert len(lic) == 60 and len(pen) == 40
    assert list(lic[0]) == list(formats.LICENSING) and list(pen[0]) == list(formats.PENALTIES)
    bad = json.loads((out / "penalties.bad.json").read_text("utf-8"))
    assert len(bad) == 12 and len({b["row"] for b in bad}) == 12
    for entry in bad:
        assert set(entry) >= {"row", "field", "why"}
        assert pen[entry["row"] - 1][entry["field"]] == entry["value"]
    spoiled = {b["row"] for b in bad if b["field"] == "CF_JDRQ"}
    assert spoiled
    for n, row in enumerate(pen, start=1):
        if n not in spoiled:
            assert date.fromisoformat(row["CF_JDRQ"]) <= date(2025, 6, 30)


def test_same_seed_same_bytes_and_stale_sidecar_removed(tmp_path: Path) -> None:
    a, b = tmp_path / "a", tmp_path / "b"
    assert run(a, *SMALL, "--bad-rows", "3").returncode == 0
    assert run(b, *SMALL, "--bad-rows", "3").returncode == 0
    for name in ("licensing.csv", "penalties.csv", "penalties.bad.json"):
        assert (a / name).read_bytes() == (b / name).read_bytes()
    assert run(a, *SMALL).returncode == 0
    assert not (a / "penalties.bad.json").exists()
    assert (a / "penalties.csv").read_bytes() != (b / "penalties.csv").read_bytes()


def test_gb18030(tmp_path: Path) -> None:
    assert run(tmp_path, *SMALL, "--encoding", "gb18030").returncode == 0
    rows = read_csv(tmp_path / "penalties.csv", "gb18030")
    assert len(rows) == 40 and rows[0]["CF_XDR_LB"] in formats.SUBJECT_CATEGORIES
    with pytest.raises(UnicodeDecodeError):
        (tmp_path / "penalties.csv").read_text("utf-8")


def test_jsonl_and_xlsx(tmp_path: Path) -> None:
    assert run(tmp_path / "j", *SMALL, "--format", "jsonl").returncode == 0
    lines = (tmp_path / "j" / "licensing.jsonl").read_text("utf-8").splitlines()
    assert len(lines) == 60 and list(json.loads(lines[0])) == list(formats.LICENSING)
    assert run(tmp_path / "x", *SMALL, "--format", "xlsx").returncode == 0
    wb = load_workbook(tmp_path / "x" / "penalties.xlsx", read_only=True)
    ws = wb.active
    assert ws is not None
    table = list(ws.iter_rows(values_only=True))
    wb.close()
    assert len(table) == 41 and list(table[0]) == list(formats.PENALTIES)


@pytest.mark.parametrize("args", [
    ["--penalties", "3", "--bad-rows", "4"],
    ["--format", "jsonl", "--encoding", "gb18030"],
    ["--today", "2025-13-01"],
    ["--format", "pdf"],
])  # fmt: skip
def test_bad_options(tmp_path: Path, args: list[str]) -> None:
    result = run(tmp_path, *args)
    assert result.returncode == 2, result.stdout
    assert not (tmp_path / "licensing.csv").exists()


def test_files_of_the_2016_template_import_whole(tmp_path: Path, sqlite_url: str) -> None:
    from jointcredit.services.imports import import_file
    from jointcredit.services.registry import open_registry

    out = tmp_path / "out"
    result = run(out, *SMALL, "--template", "2016")
    assert result.returncode == 0, result.stderr
    lic, pen = read_csv(out / "licensing.csv"), read_csv(out / "penalties.csv")
    assert list(lic[0]) == list(formats.LICENSING_2016)
    assert list(pen[0]) == list(formats.PENALTIES_2016)
    assert {row["XK_ZT"] for row in lic} <= {"0", "1"} and {row["CF_ZT"] for row in pen} == {"0"}
    engine = open_registry(sqlite_url)
    for kind, name, rows in (("licensing", "licensing.csv", 60), ("penalty", "penalties.csv", 40)):
        summary = import_file(engine, kind, out / name, today=date(2025, 6, 30), workers=0)
        assert (summary.accepted, summary.rejected_rows) == (rows, 0), summary.rejected
    assert "bad rows" in run(out, *SMALL, "--template", "2016", "--bad-rows", "1").stderr
