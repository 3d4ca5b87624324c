"""A department's file can neither cost a good row nor exhaust the server (issue 14, items 5–8).

Through the real HTTP server (``POST /api/v1/imports/{kind}``) or the real ``jointcredit``
command, on SQLite and PostgreSQL where storage matters: an amount beyond any fine, a row nested
too deep, NUL and other control characters, invisible characters in names, cells a spreadsheet
would run, XLSX workbooks that unpack to more than they show.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import os
import subprocess
import sys
import zipfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine, func, select
from tests.api.server import LiveServer, live_server
from tests.importing.rows import penalty_row, uscc, write_csv

from jointcredit.catalog import load_catalog
from jointcredit.importing import pipeline
from jointcredit.importing.formats import PENALTIES
from jointcredit.services import imports
from jointcredit.store.tables import credit_records, subjects

SCRIPT = Path(sys.executable).with_name("jointcredit")
NDRC = load_catalog().departments["NDRC"].name_zh


@pytest.fixture
def api(db_url: str) -> Iterator[LiveServer]:
    with live_server(db_url) as server:
        yield server


@pytest.fixture
def sqlite_api(sqlite_url: str) -> Iterator[LiveServer]:
    with live_server(sqlite_url) as server:
        yield server


def _ours(row: dict[str, str]) -> dict[str, str]:
    """The row as the NDRC key's own record (its name as the data source)."""
    return row | {"CF_SJLY": NDRC}


def _upload(api: LiveServer, path: Path, kind: str = "penalties") -> Any:
    with path.open("rb") as f:
        return api.post(f"/imports/{kind}", "initiator", files={"file": (path.name, f)})


def _records(engine: Engine) -> int:
    with engine.connect() as conn:
        return int(conn.execute(select(func.count()).select_from(credit_records)).scalar_one())


def _cli(tmp_path: Path, db_url: str, *args: str | Path) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("JOINTCREDIT_")}
    env |= {"JOINTCREDIT_DATA_DIR": str(tmp_path / "data"), "JOINTCREDIT_DATABASE_URL": db_url}
    return subprocess.run(
        [str(SCRIPT), *map(str, args)],
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )


# -- 5. amounts ----------------------------------------------------------------------------------


def test_an_overflowing_amount_costs_only_its_row(api: LiveServer, tmp_path: Path) -> None:
    """12,000 rows with 10^14 万元 in the middle: that row is rejected naming the limit, and
    every other row is written (before: HTTP 500, and the 6,999 rows after it were lost)."""
    rows = [_ours(penalty_row(i)) for i in range(1, 12_001)]
    rows[5_000] = _ours(penalty_row(5_001, CF_NR_FK="100000000000000"))
    path = write_csv(tmp_path / "penalties.csv", rows, PENALTIES)
    r = _upload(api, path)
    assert r.status_code == 200, r.text
    summary = r.json()
    assert (summary["rows"], summary["accepted"], summary["rejected_rows"]) == (12_000, 11_999, 1)
    [problem] = summary["rejected"]
    assert problem["row"] == 5_001 and problem["field"] == "CF_NR_FK"
    assert "limit" in problem["error"] and "1000000000 万元" in problem["error"]
    assert _records(api.engine) == 11_999


def test_a_row_that_fails_to_be_written_for_any_reason_costs_only_itself(
    registry: Engine, tmp_path: Path
) -> None:
    """Should a row pass validation and still not be writable — here a fine of 10^20 fen, an
    OverflowError on SQLite and a DataError on PostgreSQL — it alone is rejected."""
    validator = imports.make_validator("penalty", dt.date(2026, 11, 27))
    drafts = [validator.validate(n, penalty_row(n)) for n in (1, 2, 3)]
    drafts[1] = drafts[1]._replace(fine_fen=10**20)  # type: ignore[union-attr]
    summary = imports.ImportSummary("penalty", "p.csv", "csv", "utf-8", job_id=0)
    rejects = imports._Rejects(tmp_path / "r.csv", PENALTIES, 10, summary)
    imports._Writer(registry, None, "test", "file:p.csv", summary, rejects).write(drafts)  # type: ignore[arg-type]
    rejects.close()
    assert (summary.accepted, summary.rejected_rows) == (2, 1)
    assert summary.rejected[0]["row"] == 2
    assert _records(registry) == 2


# -- 7. structure and characters -----------------------------------------------------------------


def test_a_deeply_nested_json_row_is_that_rows_rejection(api: LiveServer, tmp_path: Path) -> None:
    deep = "[" * 100_000 + "]" * 100_000
    lines = [json.dumps(_ours(penalty_row(1)), ensure_ascii=False)]
    lines.append('{"CF_XDR_MC": ' + deep + "}")
    lines.append('{"CF_XDR_MC": ' + "[" * 40 + "]" * 40 + "}")  # parses, yet nested too deep
    lines.append(json.dumps(_ours(penalty_row(2)), ensure_ascii=False))
    path = tmp_path / "penalties.jsonl"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    r = _upload(api, path)
    assert r.status_code == 200, r.text
    summary = r.json()
    assert (summary["accepted"], summary["rejected_rows"]) == (2, 2)
    assert [(p["row"], "nested deeper" in p["error"]) for p in summary["rejected"]] == [
        (2, True),
        (3, True),
    ]


def test_an_endless_json_line_is_refused_without_reading_it_whole(
    sqlite_api: LiveServer, tmp_path: Path
) -> None:
    path = tmp_path / "penalties.jsonl"
    good = json.dumps(_ours(penalty_row(1)), ensure_ascii=False)
    path.write_text(good + '\n{"BZ": "' + "x" * (3 << 20) + '"}\n' + good + "\n", encoding="utf-8")
    summary = _upload(sqlite_api, path).json()
    assert (summary["accepted"], summary["duplicates"], summary["rejected_rows"]) == (1, 1, 1)
    # Refused as a line, unread past the limit (not parsed whole, then found too long a field).
    assert summary["rejected"][0] == {
        "row": 2,
        "field": "-",
        "error": "line longer than 1048576 characters",
    }


@pytest.mark.parametrize("char", ["\x00", "\x07", "\x1b", "\x7f", "\x85"])
def test_control_characters_are_refused_in_a_file(
    api: LiveServer, tmp_path: Path, char: str
) -> None:
    rows = [
        _ours(penalty_row(1, CF_XDR_MC=f"北京测{char}试1科技有限公司")),
        _ours(penalty_row(2, CF_SY=f"第一行\n第二{char}行")),
        _ours(penalty_row(3, CF_SY="第一行\r\n第二行\t制表")),  # line ends and tabs are text
    ]
    path = write_csv(tmp_path / "penalties.csv", rows, PENALTIES)
    summary = _upload(api, path).json()
    assert (summary["accepted"], summary["rejected_rows"]) == (1, 2)
    code = f"U+{ord(char):04X}"
    assert {(p["row"], p["field"]) for p in summary["rejected"]} == {
        (1, "CF_XDR_MC"),
        (2, "CF_SY"),
    }
    assert all(code in p["error"] for p in summary["rejected"])


def test_nul_in_json_lines_and_in_a_list_entrys_subject(api: LiveServer, tmp_path: Path) -> None:
    path = tmp_path / "penalties.jsonl"
    row = _ours(penalty_row(1, CF_XDR_MC="北京测\u0000试"))
    path.write_text(json.dumps(row) + "\n", encoding="utf-8")  # \u0000 escaped in the JSON
    summary = _upload(api, path).json()
    assert summary["rejected_rows"] == 1 and "U+0000" in summary["rejected"][0]["error"]

    entries = tmp_path / "entries.jsonl"
    subject = {"name": "测试\u0000公司", "kind": "legal-person", "uscc": uscc(31)}
    entry = {
        "list_type": "judgment-defaulters",
        "subject": subject,
        "document_number": "（2024）京0101执31号",
        "decided_on": "2024-03-05",
        "department": "NDRC",
        "legal_basis": "依据",
    }
    entries.write_text(json.dumps(entry) + "\n", encoding="utf-8")
    summary = _upload(api, entries, "list-entries").json()
    assert summary["rejected_rows"] == 1
    assert summary["rejected"][0]["field"] == "subject.name"


def test_invisible_characters_are_removed_with_a_warning(api: LiveServer, tmp_path: Path) -> None:
    """腾\u200b讯 would show as 腾讯 and not be found as 腾讯; U+202E turns text around."""
    rows = [
        _ours(penalty_row(1, CF_XDR_MC="北京测\u200b试1科技\u200d有限公司")),
        _ours(
            penalty_row(2, CF_XDR_MC="\u202e北京测试2科技有限公司\u202c", CF_NR="罚款\ufeff五万元")
        ),
        _ours(penalty_row(3, CF_CFJG="北京市\u2066东城区\u2069市场监督管理局\u200e")),
        _ours(penalty_row(4)),
    ]
    path = write_csv(tmp_path / "penalties.csv", rows, PENALTIES)
    summary = _upload(api, path).json()
    assert (summary["accepted"], summary["rejected_rows"]) == (4, 0)
    warnings = summary["warnings"]
    assert len(warnings) == 3
    assert warnings[0].startswith("row 1, CF_XDR_MC:") and "U+200B" in warnings[0]
    assert warnings[1].startswith("row 2, CF_XDR_MC, CF_NR:") and "U+202E" in warnings[1]
    assert warnings[2].startswith("row 3, CF_CFJG:") and "U+2066" in warnings[2]
    with api.engine.connect() as conn:
        names = set(conn.execute(select(subjects.c.name)).scalars())
        authorities = set(conn.execute(select(credit_records.c.issuing_authority)).scalars())
    assert {"北京测试1科技有限公司", "北京测试2科技有限公司"} <= names
    assert authorities == {"北京市东城区市场监督管理局"}
    hidden = "\u200b\u200d\u202e\u202c\ufeff\u2066\u2069\u200e"
    assert not any(c in text for text in names | authorities for c in hidden)


# -- 8. the rejects file ---------------------------------------------------------------------------


def test_the_rejects_file_runs_nothing_in_a_spreadsheet(db_url: str, tmp_path: Path) -> None:
    rows = [
        penalty_row(1, CF_XDR_MC='=HYPERLINK("http://evil.example","点击")', CF_NR_FK="x"),
        penalty_row(2, CF_XDR_MC="+1+2", CF_NR="@SUM(A1)", CF_NR_FK="-1"),
        penalty_row(3, CF_SY="\t=1+1", BZ="\r=2", CF_NR_FK="y"),
        penalty_row(4, CF_XDR_MC="北京\x00测试", CF_NR_FK="z"),
    ]
    path = write_csv(tmp_path / "penalties.csv", rows, PENALTIES)
    rejects = tmp_path / "rejects.csv"
    run = _cli(tmp_path, db_url, "import", "penalties", path, "--json", "--rejects", rejects)
    assert run.returncode == 0, run.stderr
    assert json.loads(run.stdout)["rejected_rows"] == 4
    with rejects.open(encoding="utf-8-sig", newline="") as f:
        read = list(csv.DictReader(f))
    assert len(read) == 4
    for cell in (cell for row in read for cell in row.values()):
        assert cell[:1] not in ("=", "+", "-", "@", "\t", "\r"), cell
    assert read[0]["CF_XDR_MC"] == '\'=HYPERLINK("http://evil.example","点击")'
    assert read[1]["CF_NR"] == "'@SUM(A1)" and read[1]["CF_NR_FK"] == "'-1"
    assert read[2]["CF_SY"] == "'\t=1+1" and read[2]["BZ"] == "'\r=2"
    assert read[3]["CF_XDR_MC"] == "北京\\u0000测试"


# -- 6. XLSX before parsing ------------------------------------------------------------------------


def _workbook(path: Path, rows: list[dict[str, str]], **parts: bytes) -> Path:
    """An XLSX file of ``rows``; ``parts`` replace or add members (their names with ``/``
    spelled ``__``, as keyword arguments)."""
    from openpyxl import Workbook

    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.append(list(PENALTIES))
    for row in rows:
        sheet.append([row[name] for name in PENALTIES])
    book.save(path)
    if parts:
        replaced = {name.replace("__", "/"): data for name, data in parts.items()}
        members: dict[str, bytes] = {}
        with zipfile.ZipFile(path) as src:
            members = {item.filename: src.read(item) for item in src.infolist()}
        members |= {name: data(members[name]) if callable(data) else data
                    for name, data in replaced.items()}  # fmt: skip
        with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as dst:
            for name, data in members.items():
                dst.writestr(name, data)
    return path


SHEET = "xl__worksheets__sheet1.xml"


def test_an_xlsx_with_one_huge_cell_is_refused_before_parsing(
    api: LiveServer, tmp_path: Path
) -> None:
    """One cell of 50 million characters in a file of kilobytes (openpyxl alone would hold it
    whole, several hundred MB): refused from a streaming scan, before openpyxl reads it."""
    huge = ("备" * 50_000_000).encode()
    path = _workbook(
        tmp_path / "p.xlsx",
        [_ours(penalty_row(1, BZ="HUGE"))],
        **{SHEET: lambda xml: xml.replace(b"HUGE", huge)},  # type: ignore[arg-type]
    )
    assert path.stat().st_size < 1_000_000  # compresses to next to nothing
    r = _upload(api, path)
    assert r.status_code == 422, r.text
    message = r.json()["error"]["message"]
    assert "longer than 32767 characters" in message
    assert "JOINTCREDIT_IMPORT_XLSX_MAX_CELL_CHARS" in message
    assert _records(api.engine) == 0


def test_an_xlsx_that_unpacks_beyond_the_limit_is_refused_unread(
    sqlite_api: LiveServer, tmp_path: Path
) -> None:
    """A zip whose parts declare 300 MiB: refused from the zip's directory, nothing inflated."""
    path = _workbook(tmp_path / "p.xlsx", [_ours(penalty_row(1))])
    with (
        zipfile.ZipFile(path, "a", compression=zipfile.ZIP_DEFLATED, compresslevel=9) as z,
        z.open("xl/media/padding.bin", "w", force_zip64=True) as f,
    ):
        block = bytes(1 << 20)
        for _ in range(300):
            f.write(block)
    assert path.stat().st_size < 2 << 20
    r = _upload(sqlite_api, path)
    assert r.status_code == 422, r.text
    message = r.json()["error"]["message"]
    assert "unpacks to" in message and "JOINTCREDIT_IMPORT_XLSX_MAX_BYTES" in message


def test_an_xlsx_with_too_many_shared_strings_or_a_doctype_is_refused(
    sqlite_api: LiveServer, tmp_path: Path
) -> None:
    strings = (
        b'<sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
        + b"<si><t>x</t></si>" * 1_000_001
        + b"</sst>"
    )
    path = _workbook(
        tmp_path / "strings.xlsx", [_ours(penalty_row(1))], **{"xl__sharedStrings.xml": strings}
    )
    r = _upload(sqlite_api, path)
    assert r.status_code == 422 and "more than 1000000 shared strings" in r.text

    laughs = b'<?xml version="1.0"?><!DOCTYPE worksheet [<!ENTITY a "aaaa">]>'
    path = _workbook(
        tmp_path / "laughs.xlsx",
        [_ours(penalty_row(1))],
        **{SHEET: lambda xml: laughs + xml.split(b"?>", 1)[-1]},  # type: ignore[arg-type]
    )
    r = _upload(sqlite_api, path)
    assert r.status_code == 422 and "document type declaration" in r.text


def test_an_ordinary_xlsx_still_imports(sqlite_api: LiveServer, tmp_path: Path) -> None:
    path = _workbook(tmp_path / "p.xlsx", [_ours(penalty_row(i)) for i in (1, 2)])
    r = _upload(sqlite_api, path)
    assert r.status_code == 200 and r.json()["accepted"] == 2


# -- 6. memory: rejects are not kept -------------------------------------------------------------


def test_rejected_rows_travel_in_bounded_batches(tmp_path: Path) -> None:
    """The reader hands on rejected rows batch by batch (before: all of them in one batch at
    the end of the file, 4.1 GB for 300,000 rows)."""
    rows = [penalty_row(i, CF_NR_FK="bad") for i in range(1, 2_501)]
    path = write_csv(tmp_path / "p.csv", rows, PENALTIES)
    produced = list(
        pipeline.produce(path, "penalty", None, dt.date(2026, 11, 27), batch_size=1_000)
    )
    batches = [b for b in produced if isinstance(b, pipeline.Batch)]
    assert [len(b.rejects) for b in batches] == [1_000, 1_000, 500]


def test_the_api_answer_keeps_a_bounded_sample(sqlite_api: LiveServer, tmp_path: Path) -> None:
    rows = [_ours(penalty_row(i, CF_NR_FK="bad")) for i in range(1, 1_502)]
    path = write_csv(tmp_path / "p.csv", rows, PENALTIES)
    summary = _upload(sqlite_api, path).json()
    assert summary["rejected_rows"] == 1_501
    assert len(summary["rejected"]) == 1_000 and summary["rejected_truncated"] is True


def test_csv_with_an_unclosed_quote_stays_bounded(sqlite_api: LiveServer, tmp_path: Path) -> None:
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, list(PENALTIES))
    writer.writeheader()
    writer.writerow(_ours(penalty_row(1)))
    text = buffer.getvalue() + '"' + "x" * (2 << 20) + "\n"
    path = tmp_path / "p.csv"
    path.write_text(text, encoding="utf-8")
    summary = _upload(sqlite_api, path).json()
    assert summary["accepted"] == 1 and summary["rejected_rows"] >= 1
    # Cut at the field limit, not read to the end of the file as one field.
    assert "field larger than field limit (1048576)" in summary["rejected"][0]["error"]
