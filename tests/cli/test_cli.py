"""The ``jointcredit`` console script end to end: the installed script run as a subprocess.

Every call costs about half a second (a fresh interpreter), so each test makes few of them and
checks what it can in-process. JOINTCREDIT_* variables of the calling environment are never
passed on: each run sees only the data directory and database the test gives it.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

import pytest

from importing.rows import penalty_row, resident_id, uscc, write_csv
from jointcredit.access import OPERATOR, Principal
from jointcredit.importing.formats import PENALTIES
from jointcredit.services import feedback, objections, proposals, repairs, staff, tipoffs
from jointcredit.services.imports import import_file
from jointcredit.services.registry import open_registry, subject_report
from jointcredit.services.registry import summary as registry_summary
from jointcredit.store import migrate

TODAY = date(2026, 11, 27)


def _script() -> str:
    beside = Path(sys.executable).parent / "jointcredit"
    if beside.is_file():
        return str(beside)
    found = shutil.which("jointcredit")
    if found is None:  # pragma: no cover - the package is installed with its script
        pytest.fail("the jointcredit console script is not installed")
    return found


SCRIPT = _script()


@dataclass(frozen=True)
class Run:
    returncode: int
    stdout: str
    stderr: str

    @property
    def json(self) -> Any:
        """stdout parsed as exactly one JSON value (fails on any other text around it)."""
        return json.loads(self.stdout)

    @property
    def err(self) -> str:
        """stderr with whitespace collapsed: Rich wraps long messages at the console width."""
        return " ".join(self.stderr.split())

    @property
    def out(self) -> str:
        return " ".join(self.stdout.split())


def jointcredit(
    *args: str | Path, data_dir: Path, database: str | None = None, lang: str | None = None
) -> Run:
    env = {k: v for k, v in os.environ.items() if not k.startswith("JOINTCREDIT_")}
    env["JOINTCREDIT_DATA_DIR"] = str(data_dir)
    if lang is not None:
        env["JOINTCREDIT_LANG"] = lang
    if database is not None:
        env["JOINTCREDIT_DATABASE_URL"] = database
    done = subprocess.run(
        [SCRIPT, *map(str, args)], capture_output=True, text=True, env=env, timeout=120, check=False
    )
    return Run(done.returncode, done.stdout, done.stderr)


def _pairs(rejected: list[dict[str, Any]]) -> set[tuple[int, str]]:
    return {(item["row"], item["field"]) for item in rejected}


# -- the command itself ---------------------------------------------------------------------------


def test_help_lists_every_command(tmp_path: Path) -> None:
    run = jointcredit("--help", data_dir=tmp_path)
    assert run.returncode == 0, run.stderr
    commands = run.stdout.split("Commands:", 1)[1]
    listed = set(re.findall(r"^[\s│|]*([a-z][a-z-]*)\s", commands, re.M))
    assert listed >= {"demo", "ids", "import", "subjects", "summary", "generate", "db"}


# -- db -------------------------------------------------------------------------------------------


def test_db_upgrade_on_an_empty_database_then_current(db_url: str, tmp_path: Path) -> None:
    head = migrate.head_revision()
    assert head
    upgraded = jointcredit("db", "upgrade", data_dir=tmp_path, database=db_url)
    assert upgraded.returncode == 0, upgraded.stderr
    assert f"empty → {head}" in upgraded.out
    current = jointcredit("db", "current", data_dir=tmp_path, database=db_url)
    assert current.returncode == 0, current.stderr
    assert f"database: {head}" in current.out and f"code: {head}" in current.out
    engine = open_registry(db_url, upgrade=False)  # raises if the schema were not at head
    try:
        assert migrate.current_revision(engine) == head
        assert registry_summary(engine)["history"] == 0
    finally:
        engine.dispose()


# -- import, summary, subjects show ---------------------------------------------------------------


def test_import_twice_then_summary_and_subject(db_url: str, tmp_path: Path) -> None:
    """The --json contract of ``import``, on each backend, and what the registry then shows."""
    rows = [
        penalty_row(1),
        penalty_row(2),
        penalty_row(3, CF_JDRQ="2099-01-01"),  # in the future
        penalty_row(4),
        penalty_row(5, CF_NR_FK="-1", CF_WSH=""),  # two problems in one row
    ]
    path = write_csv(tmp_path / "penalties.csv", rows, PENALTIES)

    first = jointcredit("import", "penalties", path, "--json", data_dir=tmp_path, database=db_url)
    assert first.returncode == 0, "rejected rows do not make the import fail: " + first.stderr
    out = first.json
    assert isinstance(out, dict)
    for key in ("accepted", "updated", "duplicates"):
        assert type(out[key]) is int, key
    assert (out["accepted"], out["updated"], out["duplicates"]) == (3, 0, 0)
    assert isinstance(out["rejected"], list)
    for item in out["rejected"]:
        assert set(item) == {"row", "field", "error"}, item
        assert type(item["row"]) is int
        assert isinstance(item["error"], str) and item["error"]
    # Row numbers count data rows from 1; the header is not a row.
    assert _pairs(out["rejected"]) == {(3, "CF_JDRQ"), (5, "CF_NR_FK"), (5, "CF_WSH")}
    assert len(out["rejected"]) == 3

    second = jointcredit("import", "penalties", path, "--json", data_dir=tmp_path, database=db_url)
    assert second.returncode == 0, second.stderr
    again = second.json
    assert (again["accepted"], again["updated"], again["duplicates"]) == (0, 0, 3)
    assert _pairs(again["rejected"]) == _pairs(out["rejected"])

    counts = jointcredit("summary", "--json", data_dir=tmp_path, database=db_url)
    assert counts.returncode == 0, counts.stderr
    expected = {
        "subjects.legal-person": 3,
        "subjects.natural-person": 3,  # the legal representatives
        "records.penalty": 3,
        "relations": 3,
        "history": 3,  # the second import added no version
    }
    assert {key: counts.json.get(key) for key in expected} == expected
    assert all(type(value) is int for value in counts.json.values())

    shown = jointcredit("subjects", "show", uscc(2), "--json", data_dir=tmp_path, database=db_url)
    assert shown.returncode == 0, shown.stderr
    report = shown.json
    assert report["subject"]["identifier"] == uscc(2)
    assert report["subject"]["name"] == "北京测试2科技有限公司"
    assert {(i["type"], i["value"]) for i in report["identifiers"]} == {("uscc", uscc(2))}
    [relation] = report["relations"]
    assert relation["role"] == "legal-representative"
    assert relation["other_identifier"] == resident_id(2), "unmasked without --masked"
    [record] = report["records"]
    assert record["document_number"] == "京东市监罚〔2024〕2号"
    assert record["decision_date"] == "2024-03-05"
    assert record["fine_fen"] == 5_000_000 and record["version"] == 1
    assert record["payload"]["CF_WFXW"] == "虚假宣传"


@dataclass(frozen=True)
class Masked:
    data_dir: Path
    url: str
    run: Run


@pytest.fixture(scope="module")
def masked(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Masked]:
    """One subject with a legal representative, shown once with ``--masked --json``."""
    data_dir = tmp_path_factory.mktemp("masked")
    url = f"sqlite:///{data_dir}/registry.sqlite3"
    engine = open_registry(url)
    path = write_csv(data_dir / "p.csv", [penalty_row(7)], PENALTIES)
    assert import_file(engine, "penalty", path, today=TODAY).accepted == 1
    engine.dispose()
    yield Masked(
        data_dir,
        url,
        jointcredit(
            "subjects", "show", uscc(7), "--json", "--masked", data_dir=data_dir, database=url
        ),
    )


def test_masked_shows_the_legal_representatives_id_masked(masked: Masked) -> None:
    assert masked.run.returncode == 0, masked.run.stderr
    report = masked.run.json
    assert report["subject"]["identifier"] == uscc(7), "an organisation's USCC is public"
    [relation] = report["relations"]
    rid = resident_id(7)
    assert relation["other_identifier"] == rid[:6] + "*" * 8 + rid[-4:]


def test_masked_output_holds_the_resident_id_nowhere_in_full(masked: Masked) -> None:
    assert masked.run.returncode == 0, masked.run.stderr
    assert resident_id(7) not in masked.run.stdout


def test_an_unknown_subject_is_an_error(masked: Masked) -> None:
    unknown = uscc(424242)
    run = jointcredit(
        "subjects", "show", unknown, "--json", data_dir=masked.data_dir, database=masked.url
    )
    assert run.returncode == 1
    assert run.stdout == ""
    assert run.err == f"错误：未找到代码为{unknown}的主体"  # Chinese by default
    assert "Traceback" not in run.stderr


def test_an_error_in_english_with_lang_en_or_jointcredit_lang(masked: Masked) -> None:
    unknown = uscc(424242)
    where = {"data_dir": masked.data_dir, "database": masked.url}
    english = f"Error: no subject with identifier {unknown}"
    assert jointcredit("--lang", "en", "subjects", "show", unknown, **where).err == english
    assert jointcredit("subjects", "show", unknown, lang="en", **where).err == english
    # The option wins over the setting.
    chosen = jointcredit("--lang", "zh", "subjects", "show", unknown, lang="en", **where)
    assert chosen.err.startswith("错误：")
    refused = jointcredit("--lang", "fr", "subjects", "show", unknown, **where)
    assert refused.returncode == 2 and "'fr' is not zh or en" in refused.err


# -- unreadable files -----------------------------------------------------------------------------


def _missing(tmp_path: Path) -> tuple[str, Path]:
    return "penalties", tmp_path / "nowhere.csv"


def _empty(tmp_path: Path) -> tuple[str, Path]:
    path = tmp_path / "empty.csv"
    path.write_bytes(b"")
    return "penalties", path


def _wrong_columns(tmp_path: Path) -> tuple[str, Path]:
    # A penalties file given to the licensing import: none of the licensing columns is there.
    return "licensing", write_csv(tmp_path / "penalties.csv", [penalty_row(1)], PENALTIES)


@pytest.mark.parametrize(
    ("make", "message"),
    [
        (_missing, r"nowhere\.csv：文件不存在"),
        (_empty, r"empty\.csv：文件为空"),
        (_wrong_columns, r"penalties\.csv：表头缺少licensing格式的27个必填列：.*\bXK_WSH\b"),
    ],
    ids=["missing-file", "empty-file", "missing-columns"],
)
def test_an_unreadable_file_fails_with_a_message(tmp_path: Path, make: Any, message: str) -> None:
    kind, path = make(tmp_path)
    run = jointcredit("import", kind, path, "--json", data_dir=tmp_path)
    assert run.returncode == 1
    assert run.stdout == "", "no JSON summary for a file that was not read"
    assert run.err.startswith("错误：") and re.search(message, run.err), run.stderr
    assert "Traceback" not in run.stderr


# -- demo -----------------------------------------------------------------------------------------


def test_demo_from_nothing_and_again(tmp_path: Path) -> None:
    args = (
        "demo",
        "--subjects",
        "200",
        "--licensing",
        "300",
        "--penalties",
        "200",
        "--entries",
        "50",
        "--no-serve",
    )
    first = jointcredit(*args, data_dir=tmp_path)  # no database URL: the embedded default
    assert first.returncode == 0, first.stderr
    database = tmp_path / "registry.sqlite3"
    assert database.is_file()
    assert str(database) in "".join(first.stdout.split())  # Rich folds long paths
    for label in ("imports", "the registry holds", "records.licensing", "records.penalty"):
        assert label in first.out, label

    engine = open_registry(f"sqlite:///{database}", upgrade=False)
    try:
        counts = registry_summary(engine)
    finally:
        engine.dispose()
    assert 0 < counts["records.licensing"] <= 300 and 0 < counts["records.penalty"] <= 200
    records = sum(n for key, n in counts.items() if key.startswith("records."))
    # One version per record, and a second for the record the demo's open objection disputes.
    assert counts["history"] == records + 1
    assert counts.get("records.black-list", 0) + counts.get("records.red-list", 0) > 0

    # Console accounts, one password kept private and reused; self-service with a demo code.
    saved = json.loads((tmp_path / "demo-staff.json").read_text("utf-8"))
    assert (tmp_path / "demo-staff.json").stat().st_mode & 0o777 == 0o600
    assert {a["role"] for a in saved["accounts"]} >= {"initiator", "reviewer", "supervisor"}
    assert saved["password"] in first.out and "/console" in first.out
    assert "/me" in first.out and "code" in first.out

    # Every console queue holds work, made through the services as the demo's accounts.
    queues = _demo_queues(database)
    assert queues == DEMO_QUEUES, queues
    assert (
        "console queues: 3 proposals to review (demo.reviewer, demo.reviewer2), 1 returned for "
        "rework (demo.initiator), 1 objection open (demo.reviewer), 1 repair application "
        "(demo.supervisor), 2 feedback overdue (demo.implementer), 3 reports (demo.reviewer)"
    ) in first.out

    second = jointcredit(*args, data_dir=tmp_path)
    assert second.returncode == 0, second.stderr
    assert json.loads((tmp_path / "demo-staff.json").read_text("utf-8")) == saved
    engine = open_registry(f"sqlite:///{database}", upgrade=False)
    try:
        signed = staff.sign_in(engine, "demo.reviewer", saved["password"])
        assert signed.session.department == "SPC"
    finally:
        engine.dispose()
    after = jointcredit("summary", "--json", data_dir=tmp_path)
    assert after.returncode == 0, after.stderr
    assert after.json == counts, "the second demo's imports added nothing"
    assert _demo_queues(database) == queues, "the second demo's queues got nothing more"
    assert "console queues: 3 proposals to review" in second.out


#: What the demo leaves in each console queue (docs/console.md): proposals as (submitted by,
#: reviewed by), the objection as (its record's status, its own), the rest as (department,
#: status or event).
DEMO_QUEUES = {
    "to review": [("initiator:demo.initiator", None)] * 3,
    "returned": [("initiator:demo.initiator", "reviewer:demo.reviewer2")],
    "approved": [("initiator:demo.initiator", "reviewer:demo.reviewer")] * 2,
    "objections": [("disputed", "open")],
    "repairs": [("SAT", "applied")],
    "feedback overdue": [("CAAC", "entry.listed")] * 2,
    # Reports in every state a department's queue shows (listed newest first).
    "reports": [
        ("SPC", "received"),
        ("SPC", "assigned"),
        ("SPC", "closed"),
        ("SPC", "investigating"),
    ],
}


def _demo_queues(database: Path) -> dict[str, list[tuple[Any, ...]]]:
    """The console's queues as the demo's accounts see them, through the services' lists."""
    initiator = Principal("initiator", "SPC", name="demo.initiator")
    reviewer = Principal("reviewer", "SPC", name="demo.reviewer")
    implementer = Principal("implementer", "CAAC", name="demo.implementer")
    engine = open_registry(f"sqlite:///{database}", upgrade=False)
    try:
        mine = proposals.listed(engine, by=initiator, limit=100)
        opened = objections.listed(engine, by=reviewer, status="open", limit=100)
        states = {
            r["id"]: r["status"]
            for o in opened
            for r in subject_report(engine, o["subject"], by=OPERATOR).records
        }
        applied = repairs.listed(engine, by=OPERATOR, status="applied", limit=100)
        late = feedback.outstanding(engine, by=implementer, limit=100)
        received = tipoffs.listed(engine, by=reviewer, limit=100)
    finally:
        engine.dispose()

    def proposed(status: str) -> list[tuple[Any, ...]]:
        return [(p["submitted_by"], p["reviewed_by"]) for p in mine if p["status"] == status]

    return {
        "to review": proposed("submitted"),
        "returned": proposed("returned"),
        "approved": proposed("approved"),
        "objections": [(states[o["record_id"]], o["status"]) for o in opened],
        "repairs": [(r["department"], r["status"]) for r in applied],
        "feedback overdue": [(m["department"], m["event"]) for m in late],
        "reports": [(r["department"], r["status"]) for r in received],
    }


# -- generate -------------------------------------------------------------------------------------


def _generate_and_import(tmp_path: Path, *options: str) -> tuple[set[int], set[int]]:
    """Rows listed in penalties.bad.json and rows rejected by importing penalties.csv."""
    out = tmp_path / "out"
    run = jointcredit("generate", out, *options, "--today", TODAY.isoformat(), data_dir=tmp_path)
    assert run.returncode == 0, run.stderr
    listed = {entry["row"] for entry in json.loads((out / "penalties.bad.json").read_text("utf-8"))}
    engine = open_registry(f"sqlite:///{tmp_path}/registry.sqlite3")
    try:
        summary = import_file(engine, "penalty", out / "penalties.csv", today=TODAY)
    finally:
        engine.dispose()
    rejected = {item["row"] for item in summary.rejected}
    assert summary.rejected_rows == len(rejected)
    return listed, rejected


def test_generated_bad_rows_are_exactly_the_rejected_ones(tmp_path: Path) -> None:
    listed, rejected = _generate_and_import(
        tmp_path, "--penalties", "50", "--licensing", "50", "--bad-rows", "3", "--seed", "1"
    )
    assert len(listed) == 3
    assert rejected == listed


def test_generated_missing_identifier_rows_are_rejected(tmp_path: Path) -> None:
    listed, rejected = _generate_and_import(
        tmp_path, "--penalties", "20", "--licensing", "0", "--bad-rows", "6", "--seed", "109"
    )
    assert len(listed) == 6
    assert rejected == listed
