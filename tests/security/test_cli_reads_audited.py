"""A read of shared data from the command line is one audit row, as through the API.

Through the real ``jointcredit`` command (a process of its own, a data directory and a registry
of the test's own, on SQLite and PostgreSQL): ``subjects show`` — plain, ``--json`` or
``--masked`` — writes one ``read-subject`` row by the operator, committed before the report is
printed, which ``jointcredit audit log`` shows; a subject that is not there is not a read.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

from tests.check.entries import entry, write_entries

from jointcredit.access import OPERATOR
from jointcredit.services import audit
from jointcredit.services.imports import import_file
from jointcredit.services.registry import open_registry

SCRIPT = Path(sys.executable).with_name("jointcredit")
PERSON = entry(7301, kind="natural-person")
NUMBER = PERSON["subject"]["id_number"]


def _run(db_url: str, tmp_path: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("JOINTCREDIT_")}
    env |= {
        "JOINTCREDIT_DATA_DIR": str(tmp_path / "data"),
        "JOINTCREDIT_DATABASE_URL": db_url,
        "COLUMNS": "300",
        "NO_COLOR": "1",
    }
    return subprocess.run(
        [str(SCRIPT), *args], env=env, capture_output=True, text=True, timeout=120, check=False
    )


def _reads(db_url: str, tmp_path: Path) -> list[dict[str, Any]]:
    done = _run(db_url, tmp_path, "audit", "log", "--action", "read-subject", "--json")
    assert done.returncode == 0, done.stderr
    rows: list[dict[str, Any]] = json.loads(done.stdout)
    return rows


def test_subjects_show_is_an_audited_read(db_url: str, tmp_path: Path) -> None:
    engine = open_registry(db_url)
    try:
        summary = import_file(engine, "list-entry", write_entries(tmp_path / "e.jsonl", [PERSON]))
        assert summary.accepted == 1
    finally:
        engine.dispose()
    assert _reads(db_url, tmp_path) == []

    shown = _run(db_url, tmp_path, "subjects", "show", NUMBER, "--json")
    assert shown.returncode == 0, shown.stderr
    assert json.loads(shown.stdout)["subject"]["identifier"] == NUMBER
    [row] = _reads(db_url, tmp_path)
    assert (row["action"], row["role"], row["subject"]) == ("read-subject", "operator", NUMBER)
    assert row["detail"] == {"records": 1, "masked": False}
    assert row["result_digest"]

    for extra in ((), ("--masked",)):
        done = _run(db_url, tmp_path, "subjects", "show", NUMBER, *extra)
        assert done.returncode == 0, done.stderr
    rows = _reads(db_url, tmp_path)
    assert len(rows) == 3, "one row per read"
    assert rows[0]["detail"]["masked"] is True and rows[0]["subject"] == NUMBER

    missing = _run(db_url, tmp_path, "subjects", "show", "91110101JC99999994")
    assert missing.returncode == 1
    assert len(_reads(db_url, tmp_path)) == 3, "nothing was read"
    engine = open_registry(db_url)
    try:
        assert audit.verify(engine, by=OPERATOR).ok
    finally:
        engine.dispose()
