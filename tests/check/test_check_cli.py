"""The check end to end through the installed ``jointcredit`` command, as an operator runs it.

One registry (SQLite in a temporary data directory) is filled by ``import list-entries`` from a
JSON Lines and a CSV file, then asked by ``check`` and ``screen``; one ``check --json`` runs on
PostgreSQL. Every run is a real process of the console script next to the interpreter, so the
entry point, option parsing, exit status and output are what a user gets. Subprocesses are few
(15): each costs the start of the program.
"""

from __future__ import annotations

import csv
import datetime as dt
import json
import os
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from tests.importing.rows import resident_id, uscc

from jointcredit.services.check import check
from jointcredit.services.imports import import_file
from jointcredit.services.registry import open_registry

from .entries import entry, write_entries

SCRIPT = Path(sys.executable).with_name("jointcredit")
TODAY = dt.date(2026, 11, 27)
AS_OF = "2025-01-10"
ASK = ("--department", "CAAC", "--matter", "air-travel", "--as-of", AS_OF)

COMPANY = uscc(301)
REP = {"role": "legal-representative", "name": "王测试", "id_number": resident_id(601)}
PERSON = resident_id(303, birth="19700101")  # as entries.entry numbers a natural person
UNKNOWN = uscc(399)
INVALID = "91110101ABCDEFGH"

CSV_COLUMNS = (
    "list_type",
    "subject.name",
    "subject.kind",
    "subject.uscc",
    "subject.id_number",
    "persons",
    "document_number",
    "decided_on",
    "department",
    "legal_basis",
    "valid_from",
    "valid_until",
)
TAX_BASIS = "纳税信用管理办法（试行）第十八条"


def _entries() -> list[dict[str, Any]]:
    """JSON Lines: three valid entries and one on a list type the catalog lacks (row 4)."""
    return [
        entry(301, persons=[REP]),
        entry(302, "a-grade-taxpayers", department="SAT", legal_basis=TAX_BASIS),
        entry(303, "consumption-restricted", kind="natural-person"),
        entry(304, "no-such-list"),
    ]


def _csv_row(item: dict[str, Any], **changes: str) -> dict[str, str]:
    subject = item["subject"]
    row = {
        "list_type": item["list_type"],
        "subject.name": subject["name"],
        "subject.kind": subject["kind"],
        "subject.uscc": subject.get("uscc", ""),
        "subject.id_number": subject.get("id_number", ""),
        "persons": json.dumps(item["persons"], ensure_ascii=False),
        "document_number": item["document_number"],
        "decided_on": item["decided_on"],
        "department": item["department"],
        "legal_basis": item["legal_basis"],
        "valid_from": item.get("valid_from", ""),
        "valid_until": item.get("valid_until", ""),
    }
    row.update(changes)
    return row


def _csv_rows() -> list[dict[str, str]]:
    """CSV, the same columns: row 1 repeats a JSON Lines entry, row 2 changes one, row 3 is new,
    row 4 names a department the catalog lacks."""
    first, taxpayer, *_ = _entries()
    return [
        _csv_row(first),
        _csv_row(taxpayer, valid_until="2024-12-31"),
        _csv_row(entry(305, "major-tax-violation-parties", department="SAT", legal_basis="某条")),
        _csv_row(entry(306), department="NOPE"),
    ]


def _env(data_dir: Path, database: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("JOINTCREDIT_")}
    env.update(
        JOINTCREDIT_DATA_DIR=str(data_dir),
        JOINTCREDIT_DATABASE_URL=database,
        COLUMNS="300",  # a wide table: no measure id folded over two lines
        NO_COLOR="1",
    )
    return env


@dataclass
class World:
    directory: Path
    database: str
    env: dict[str, str]
    jsonl_summary: dict[str, Any]
    csv_summary: dict[str, Any]

    def run(self, *args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [str(SCRIPT), *args],
            env=self.env,
            cwd=self.directory,
            capture_output=True,
            text=True,
            timeout=180,
            check=False,
        )

    def json(self, *args: str) -> Any:
        done = self.run(*args)
        assert done.returncode == 0, done.stderr
        return json.loads(done.stdout)


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> Iterator[World]:
    directory = tmp_path_factory.mktemp("cli")
    database = f"sqlite:///{directory}/registry.sqlite3"
    made = World(directory, database, _env(directory, database), {}, {})
    jsonl = write_entries(directory / "entries.jsonl", _entries())
    with (directory / "entries.csv").open("w", encoding="utf-8", newline="") as f:
        writer = csv.DictWriter(f, CSV_COLUMNS)
        writer.writeheader()
        writer.writerows(_csv_rows())
    made.jsonl_summary = made.json("import", "list-entries", str(jsonl), "--json")
    made.csv_summary = made.json("import", "list-entries", str(directory / "entries.csv"), "--json")
    yield made


@pytest.fixture(scope="module")
def company(world: World) -> dict[str, Any]:
    result: dict[str, Any] = world.json("check", COMPANY, *ASK, "--json")
    return result


@pytest.fixture(scope="module")
def representative(world: World) -> dict[str, Any]:
    result: dict[str, Any] = world.json("check", REP["id_number"], *ASK, "--json")
    return result


def _in_process(database: str, identifier: str) -> dict[str, Any]:
    """What the service answers for the same question, as JSON would carry it."""
    engine = open_registry(database)
    try:
        result = check(
            engine,
            identifier,
            department="CAAC",
            matter="air-travel",
            as_of=dt.date.fromisoformat(AS_OF),
        )
    finally:
        engine.dispose()
    as_json: dict[str, Any] = json.loads(json.dumps(result.to_dict(), default=str))
    return as_json


def _answer(result: dict[str, Any]) -> dict[str, Any]:
    """The answer without its receipt (which is new on every check)."""
    return {k: v for k, v in result.items() if k != "receipt"}


# -- import -----------------------------------------------------------------------------------


def test_import_list_entries_summarises_jsonl_and_csv_alike(world: World) -> None:
    first, second = world.jsonl_summary, world.csv_summary
    for summary in (first, second):
        assert {"accepted", "updated", "duplicates", "rejected"} <= set(summary)
        for item in summary["rejected"]:
            assert {"row", "field", "error"} <= set(item) and item["error"]
    assert (first["accepted"], first["updated"], first["duplicates"]) == (3, 0, 0)
    assert [(r["row"], r["field"]) for r in first["rejected"]] == [(4, "list_type")]
    # The CSV: a repeat, a changed entry, a new one and a department the catalog lacks.
    assert (second["accepted"], second["updated"], second["duplicates"]) == (1, 1, 1)
    assert [(r["row"], r["field"]) for r in second["rejected"]] == [(4, "department")]


# -- check --------------------------------------------------------------------------------------

DECISION_KEYS = {
    "measure",
    "kind",
    "binding",
    "text",
    "legal_basis",
    "entry",
    "list_type",
    "document_number",
    "via",
    "status",
    "until",
}


def _assert_shape(result: dict[str, Any]) -> None:
    assert set(result) == {
        "subject",
        "department",
        "matter",
        "as_of",
        "catalog_version",
        "decisions",
        "receipt",
    }
    receipt = result["receipt"]
    assert receipt["department"] == result["department"] and receipt["as_of"] == result["as_of"]
    assert receipt["signature"] and isinstance(receipt["audit_entry"], int)
    assert (result["department"], result["matter"], result["as_of"]) == (
        "CAAC",
        "air-travel",
        AS_OF,
    )
    assert result["catalog_version"].startswith("sha256:")
    for d in result["decisions"]:
        assert set(d) >= DECISION_KEYS, d
        assert d["kind"] in ("punishment", "incentive")
        assert d["status"] in ("applied", "suspended")
        assert d["legal_basis"].strip()
        assert d["via"] is None or set(d["via"]) == {"role", "organisation"}


def test_check_json_of_a_listed_company(world: World, company: dict[str, Any]) -> None:
    _assert_shape(company)
    assert company["subject"] == {
        "identifier": COMPANY,
        "name": "测试301有限公司",
        "kind": "legal-person",
    }
    flights = [d for d in company["decisions"] if d["measure"] == "opinions-2016-64/07-1"]
    assert len(flights) == 1
    [d] = flights
    assert d["kind"] == "punishment" and d["status"] == "applied" and d["via"] is None
    assert (d["list_type"], d["document_number"]) == (
        "judgment-defaulters",
        "（2024）京0101执301号",
    )
    assert isinstance(d["entry"], int) and d["until"] == "2026-03-04"
    assert all(d["via"] is None for d in company["decisions"])
    assert _answer(company) == _in_process(world.database, COMPANY)


def test_check_json_of_a_person_reached_through_the_company(
    world: World, representative: dict[str, Any]
) -> None:
    _assert_shape(representative)
    assert representative["subject"]["kind"] == "natural-person"
    assert representative["subject"]["identifier"] == REP["id_number"]
    assert representative["decisions"], "the legal representative of a defaulter may not fly"
    for d in representative["decisions"]:
        assert d["via"] == {"role": "legal-representative", "organisation": COMPANY}
    assert "opinions-2016-64/07-1" in {d["measure"] for d in representative["decisions"]}


def test_check_of_an_unknown_subject_is_no_error(world: World) -> None:
    done = world.run("check", UNKNOWN, *ASK, "--json")
    assert done.returncode == 0, done.stderr
    result = json.loads(done.stdout)
    _assert_shape(result)
    assert result["subject"] is None and result["decisions"] == []


@pytest.mark.parametrize(
    ("args", "message"),
    [
        ((INVALID, *ASK), "不是有效的统一社会信用代码或身份证号码"),
        (
            (COMPANY, "--department", "NOPE", "--matter", "air-travel"),
            "目录中没有部门“NOPE”",
        ),
        (
            (COMPANY, "--department", "CAAC", "--matter", "nope"),
            "目录中没有事项“nope”",
        ),
    ],
    ids=["invalid-identifier", "unknown-department", "unknown-matter"],
)
def test_bad_check_input_exits_1_with_a_message(
    world: World, args: tuple[str, ...], message: str
) -> None:
    done = world.run("check", *args, "--json")
    assert done.returncode == 1
    assert message in " ".join(done.stderr.split()), done.stderr
    assert "Traceback" not in done.stderr
    assert done.stdout.strip() == ""


def test_check_prints_a_table_without_json(world: World, company: dict[str, Any]) -> None:
    done = world.run("check", COMPANY, *ASK)
    assert done.returncode == 0, done.stderr
    assert "测试301有限公司" in done.stdout and COMPANY in done.stdout
    for d in company["decisions"]:
        assert d["measure"] in done.stdout
    assert "applied" in done.stdout and "judgment-defaulters" in done.stdout


# -- screen -------------------------------------------------------------------------------------

SCREENED = [COMPANY, INVALID, REP["id_number"], UNKNOWN, PERSON]


def _assert_screened(
    lines: list[dict[str, Any]], company: dict[str, Any], representative: dict[str, Any]
) -> None:
    """One line per input, in order; each valid one answered as ``check --json`` answers."""
    assert [line["input"] for line in lines] == SCREENED
    by_input = {line["input"]: line for line in lines}
    assert by_input[INVALID]["error"] and by_input[INVALID]["decisions"] == []
    assert by_input[COMPANY]["decisions"] == company["decisions"]
    assert by_input[REP["id_number"]]["decisions"] == representative["decisions"]
    assert by_input[UNKNOWN]["decisions"] == [] and not by_input[UNKNOWN]["error"]
    assert all(not by_input[i]["error"] for i in SCREENED if i != INVALID)


def test_screen_csv_with_an_identifier_column_to_csv(
    world: World, company: dict[str, Any], representative: dict[str, Any]
) -> None:
    source = world.directory / "book.csv"
    with source.open("w", encoding="utf-8", newline="") as f:
        writer = csv.writer(f)
        writer.writerow(["name", "identifier"])  # not the first column
        writer.writerows([f"客户{n}", identifier] for n, identifier in enumerate(SCREENED))
    out = world.directory / "screened.csv"
    done = world.run("screen", str(source), *ASK, "-o", str(out))
    assert done.returncode == 0, done.stderr
    with out.open(encoding="utf-8", newline="") as f:
        rows = list(csv.DictReader(f))
    lines = [
        {
            "input": row["input"],
            "error": row["error"],
            "decisions": json.loads(row["decisions"]),
        }
        for row in rows
    ]
    _assert_screened(lines, company, representative)
    assert [int(row["line"]) for row in rows] == [1, 2, 3, 4, 5]
    for row in rows:
        decisions = json.loads(row["decisions"])
        assert row["measures"].split() == sorted({d["measure"] for d in decisions})
        assert int(row["applied"]) == sum(d["status"] == "applied" for d in decisions)
        assert int(row["suspended"]) == sum(d["status"] == "suspended" for d in decisions)
    assert rows[0]["identifier"] == COMPANY and rows[1]["identifier"] == ""


def test_screen_jsonl_to_stdout(
    world: World, company: dict[str, Any], representative: dict[str, Any]
) -> None:
    source = world.directory / "book.jsonl"
    source.write_text(
        "".join(json.dumps({"identifier": i}) + "\n" for i in SCREENED), encoding="utf-8"
    )
    done = world.run("screen", str(source), *ASK)
    assert done.returncode == 0, done.stderr
    lines = [json.loads(line) for line in done.stdout.splitlines() if line.strip()]
    _assert_screened(lines, company, representative)
    for line in lines:
        if line["input"] != INVALID:
            assert line["as_of"] == AS_OF and line["catalog_version"] == company["catalog_version"]
    assert lines[0]["subject"] == company["subject"]


def test_screen_plain_lines_to_jsonl(
    world: World, company: dict[str, Any], representative: dict[str, Any]
) -> None:
    source = world.directory / "book.txt"
    source.write_text("".join(f"{i}\n" for i in SCREENED), encoding="utf-8")
    out = world.directory / "screened.jsonl"
    done = world.run("screen", str(source), *ASK, "-o", str(out))
    assert done.returncode == 0, done.stderr
    lines = [json.loads(line) for line in out.read_text(encoding="utf-8").splitlines()]
    _assert_screened(lines, company, representative)


def test_screen_never_drops_the_first_identifier_of_a_csv_without_header(world: World) -> None:
    """In process (no subprocess to spare): a .csv holding only identifiers, one per row."""
    from typer.testing import CliRunner

    from jointcredit.cli.main import app

    source = world.directory / "plain-book.csv"
    source.write_text(f"{COMPANY}\n{UNKNOWN}\n", encoding="utf-8")
    done = CliRunner().invoke(app, ["screen", str(source), *ASK, "--database", world.database])
    assert done.exit_code == 0, done.output
    lines = [json.loads(line) for line in done.stdout.splitlines() if line.startswith("{")]
    assert [line["input"] for line in lines] == [COMPANY, UNKNOWN]


# -- catalog ------------------------------------------------------------------------------------


def test_catalog_lint_passes_on_the_shipped_catalog(world: World) -> None:
    done = world.run("catalog", "lint")
    assert done.returncode == 0, done.stdout + done.stderr
    assert done.stderr.startswith("0 error(s)"), done.stderr
    assert ": error " not in done.stdout


def test_catalog_show_of_a_list_type_as_json(world: World) -> None:
    shown = world.json("catalog", "show", "--list-type", "judgment-defaulters", "--json")
    measures = shown["measures"]
    assert measures and "mou-2016-141/01" in {m["id"] for m in measures}
    for m in measures:
        assert "judgment-defaulters" in m["list_types"] and m["legal_basis"].strip()


# -- PostgreSQL ---------------------------------------------------------------------------------


@pytest.mark.parametrize("db_url", ["postgres"], indirect=True)
def test_check_json_on_postgresql(db_url: str, tmp_path: Path) -> None:
    engine = open_registry(db_url)
    try:
        summary = import_file(
            engine, "list-entry", write_entries(tmp_path / "e.jsonl", _entries()[:3]), today=TODAY
        )
        assert summary.rejected == [] and summary.accepted == 3
    finally:
        engine.dispose()
    done = subprocess.run(
        [str(SCRIPT), "check", REP["id_number"], *ASK, "--json"],
        env=_env(tmp_path, db_url),
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=180,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    result = json.loads(done.stdout)
    _assert_shape(result)
    assert _answer(result) == _in_process(db_url, REP["id_number"])
    assert {d["via"]["organisation"] for d in result["decisions"]} == {COMPANY}
