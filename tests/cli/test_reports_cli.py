"""``jointcredit reports``: a report handled as a case by the operator (list, show, assign,
investigate, note, close) and followed by its receipt code: the commands
in this process (a SQLite registry of the test's own) and the installed console script (two
runs); no command shows the reporter."""

from __future__ import annotations

import datetime as dt
import json
import subprocess
from pathlib import Path
from typing import Any

from tests.cli.inprocess import invoke
from tests.cli.test_objection_repair_cli import _run as _script

from jointcredit.access import PUBLIC
from jointcredit.services import tipoffs
from jointcredit.services.registry import open_registry

NAME, CONTACT = "举报人李测试", "reporter-5521@example.org"


def _submit(tmp_path: Path, **changes: Any) -> dict[str, Any]:
    engine = open_registry(f"sqlite:///{tmp_path}/registry.sqlite3")
    try:
        return tipoffs.submit(
            engine,
            by=PUBLIC,
            department="NDRC",
            subject="91110101JC00000108",
            subject_name="测试1有限公司",
            category="contract-fraud",
            description="涉嫌虚构交易骗取财政补贴。",
            reporter=tipoffs.Reporter(NAME, CONTACT),
            **changes,
        )
    finally:
        engine.dispose()


def _run(tmp_path: Path, *args: str) -> subprocess.CompletedProcess[str]:
    """The command in this process (:mod:`tests.cli.inprocess`); ``_script`` runs the real
    console script."""
    return invoke(f"sqlite:///{tmp_path}/registry.sqlite3", *args)


def _json(tmp_path: Path, *args: str) -> Any:
    done = _run(tmp_path, *args)
    assert done.returncode == 0, done.stdout + done.stderr
    return json.loads(done.stdout)


def _out(tmp_path: Path, *args: str) -> str:
    done = _run(tmp_path, *args)
    assert done.returncode == 0, done.stdout + done.stderr
    assert NAME not in done.stdout + done.stderr and CONTACT not in done.stdout + done.stderr
    return done.stdout


def test_the_operator_handles_a_report_and_the_reporter_follows_it(tmp_path: Path) -> None:
    created = _submit(tmp_path)
    late = _submit(tmp_path, now=dt.datetime.now(dt.UTC) - dt.timedelta(days=60))
    number = str(created["id"])

    listed = _json(tmp_path, "reports", "list", "--json")
    assert {r["id"] for r in listed} == {created["id"], late["id"]}
    assert all("receipt" not in r for r in listed)
    # A table on a wide terminal: the installed console script (in this process the terminal's
    # width is whatever the test run's is).
    table = _script(tmp_path, "reports", "list").stdout
    assert "received" in table and "91110101JC00000108" in table and "│" in table
    overdue = _json(tmp_path, "reports", "list", "--overdue", "--json")
    assert [r["id"] for r in overdue] == [late["id"]] and overdue[0]["days_late"] > 0

    shown = _out(tmp_path, "reports", "show", number)
    assert shown.startswith(f"report {number} to NDRC on 91110101JC00000108: received, due ")
    assert "description: 涉嫌虚构交易骗取财政补贴。" in shown and "receive → received" in shown

    early = _run(tmp_path, "reports", "investigate", number)
    assert early.returncode == 1 and f"report {number} is received" in early.stderr

    assigned = _out(tmp_path, "reports", "assign", number, "--to", "zhang.wei", "--by", "王五")
    assert "assigned, handled by zhang.wei" in assigned
    noted = _out(tmp_path, "reports", "note", number, "已调取合同", "--by", "王五")
    assert "note → assigned by operator:王五: 已调取合同" in noted
    assert "investigating" in _out(tmp_path, "reports", "investigate", number, "--note", "核查")
    assert (
        _json(tmp_path, "reports", "list", "--status", "investigating", "--json")[0]["id"]
        == (created["id"])
    )

    refused = _run(tmp_path, "reports", "close", number, "--outcome", "referred", "--note", "x")
    # The command line says it in Chinese (the default language; docs/configuration.md).
    assert refused.returncode == 1 and "移交部门：请填写承办该举报的目录部门" in refused.stderr
    closed = _out(
        tmp_path,
        "reports",
        "close",
        number,
        "--outcome",
        "referred",
        "--note",
        "属市场监管部门职责",
        "--referred-to",
        "SPC",
    )
    assert "closed (referred to SPC)" in closed
    detail = _json(tmp_path, "reports", "show", number, "--json")
    assert [e["action"] for e in detail["history"]] == [
        "receive",
        "assign",
        "note",
        "investigate",
        "close",
    ]
    assert detail["history"][1]["actor"] == "operator:王五"

    followed = _json(tmp_path, "reports", "follow", created["receipt"], "--json")
    assert followed["status"] == "closed" and followed["outcome"] == "referred"
    assert "id" not in followed and "handler" not in followed
    said = _out(tmp_path, "reports", "follow", created["receipt"].lower())
    assert "已办结 / Closed" in said and "已移交有关部门办理" in said and "(SPC)" in said
    wrong = _run(tmp_path, "reports", "follow", "AAAA-BBBB-CCCC-DDDD")
    assert wrong.returncode == 1 and "没有与该回执码对应的举报" in wrong.stderr
    english = _run(tmp_path, "--lang", "en", "reports", "follow", "AAAA-BBBB-CCCC-DDDD")
    assert english.returncode == 1 and "no report with this receipt code" in english.stderr

    assert _run(tmp_path, "reports", "show", "999999").returncode == 1
    bad = _run(tmp_path, "reports", "list", "--status", "in-review")
    assert bad.returncode == 1 and "investigating" in bad.stderr


def test_objection_and_repair_have_the_note_command(tmp_path: Path) -> None:
    missing = _run(tmp_path, "objection", "note", "7", "text")
    assert missing.returncode == 1 and "7" in missing.stderr
    assert "no repair applications" in _out(tmp_path, "repair", "list")
    help_text = _out(tmp_path, "repair", "--help")
    assert "note" in help_text and "list" in help_text
