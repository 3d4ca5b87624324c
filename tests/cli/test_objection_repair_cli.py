"""The CLI contracts of objections and credit repair: the commands in this process (a SQLite
registry of the test's own), and one run of the installed console script (a real process)."""

from __future__ import annotations

import datetime as dt
import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

from sqlalchemy import select
from tests.check.entries import entry, write_entries
from tests.cli.inprocess import invoke

from jointcredit.access import OPERATOR
from jointcredit.services import objections, push
from jointcredit.services.imports import import_file
from jointcredit.services.registry import open_registry
from jointcredit.store.db import write_transaction
from jointcredit.store.tables import credit_records

SCRIPT = Path(sys.executable).with_name("jointcredit")


def _run(tmp_path: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("JOINTCREDIT_")}
    env.update(
        JOINTCREDIT_DATA_DIR=str(tmp_path),
        JOINTCREDIT_DATABASE_URL=f"sqlite:///{tmp_path}/registry.sqlite3",
        COLUMNS="300",
        NO_COLOR="1",
    )
    return subprocess.run(
        [str(SCRIPT), *args], env=env, capture_output=True, text=True, timeout=120, check=False
    )


def _cli(tmp_path: Path, *args: str) -> subprocess.CompletedProcess[str]:
    """The command in this process (:mod:`tests.cli.inprocess`)."""
    return invoke(f"sqlite:///{tmp_path}/registry.sqlite3", *args)


def _json(tmp_path: Path, *args: str) -> Any:
    done = _cli(tmp_path, *args)
    assert done.returncode == 0, done.stdout + done.stderr
    return json.loads(done.stdout)


def test_objection_and_repair_commands(tmp_path: Path) -> None:
    engine = open_registry(f"sqlite:///{tmp_path}/registry.sqlite3")
    entries = [
        entry(1, decided_on="2026-06-01"),
        entry(2, decided_on="2026-06-01"),
        entry(3, "major-tax-violation-parties", department="SAT", decided_on="2025-06-02"),
    ]
    assert (
        import_file(engine, "list-entry", write_entries(tmp_path / "e.jsonl", entries)).accepted
        == 3
    )
    with engine.connect() as conn:
        court, other, tax = conn.execute(
            select(credit_records.c.id).order_by(credit_records.c.id)
        ).scalars()
    with write_transaction(engine) as conn:
        for record in (court, other, tax):
            push.emit(conn, record, "entry.listed", now=dt.datetime.now(dt.UTC))
    late = objections.open_objection(
        engine, other, reason="旧异议", by=OPERATOR, now=dt.datetime(2026, 9, 30, 2, tzinfo=dt.UTC)
    )
    engine.dispose()

    opened = _json(
        tmp_path,
        "objection",
        "open",
        str(court),
        "--reason",
        "已履行完毕",
        "--json",
        "--by",
        "张三",
    )
    assert opened["status"] == "open" and opened["id"] and opened["due"]
    assert opened["opened_by"] == "operator:张三"

    overdue = _cli(tmp_path, "objection", "list", "--overdue")
    assert overdue.returncode == 0, overdue.stderr
    assert f"{late['id']} " in overdue.stdout and "2026-11-03" in overdue.stdout
    assert str(opened["id"]) not in overdue.stdout.split()[:3]

    resolved = _cli(
        tmp_path,
        "objection",
        "resolve",
        str(opened["id"]),
        "--outcome",
        "rejected",
        "--note",
        "经核实无误",
    )
    assert resolved.returncode == 0, resolved.stderr
    assert "rejected" in resolved.stdout and "measures resume" in resolved.stdout
    again = _cli(
        tmp_path, "objection", "resolve", str(opened["id"]), "--outcome", "upheld", "--note", "x"
    )
    assert again.returncode == 1 and "is rejected" in again.stderr

    shown = _json(tmp_path, "objection", "show", str(opened["id"]), "--json")
    assert [e["action"] for e in shown["history"]] == ["open", "reject"]

    # The installed console script, once: its exit status and its words on standard error.
    refused = _run(tmp_path, "repair", "apply", str(court), "--commitment", "承诺")
    assert refused.returncode == 1 and "the court removes it" in refused.stderr

    applied = _json(tmp_path, "repair", "apply", str(tax), "--commitment", "承诺依法纳税", "--json")
    assert applied["status"] == "applied" and applied["department"] == "SAT"
    decided = _json(
        tmp_path,
        "repair",
        "decide",
        str(applied["id"]),
        "--approve",
        "--note",
        "符合条件",
        "--json",
    )
    assert decided["status"] == "approved" and "MPS" in decided["notified"]

    listed = _cli(tmp_path, "repair", "list")
    assert listed.returncode == 0 and "approved" in listed.stdout
