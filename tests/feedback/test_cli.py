"""``jointcredit feedback`` in process, on both backends."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from sqlalchemy import Engine
from tests.feedback.helpers import MATTER, MEASURE, load_entry, pushed, utc
from typer.testing import CliRunner, Result

from jointcredit.cli.common import console
from jointcredit.cli.main import app


def test_submit_list_overdue(
    registry: Engine, db_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(console, "width", 200)  # tables unwrapped
    record_id = load_entry(registry, tmp_path, 701)
    sent = pushed(registry, record_id, {"MPS", "CAAC"}, at=utc("2025-01-15"))
    runner = CliRunner()

    def run(*args: str) -> Result:
        return runner.invoke(app, [*args, "-d", db_url])

    done = run(
        "feedback", "submit", "--department", "MPS", "--message", str(sent["MPS"]),
        "--measure", MEASURE, "--applied", "--matter", MATTER, "--date", "2025-02-01", "--json",
    )  # fmt: skip
    assert done.exit_code == 0, done.output
    made = json.loads(done.stdout)
    assert (made["message_id"], made["acted_on"]) == (sent["MPS"], "2025-02-01")

    done = run(
        "feedback", "submit", "--department", "CAAC", "--record", str(record_id),
        "--measure", MEASURE, "--not-applied", "--matter", MATTER,
    )  # fmt: skip
    assert done.exit_code == 1
    assert "reason: say why the measure was not applied" in done.stderr
    done = run(
        "feedback", "submit", "--department", "CAAC", "--record", str(record_id),
        "--measure", MEASURE, "--applied", "--matter", MATTER, "--date", "1.2.2025",
    )  # fmt: skip
    assert done.exit_code == 1 and "--date: '1.2.2025' is not a date" in done.stderr

    done = run("feedback", "list", "--json")
    assert [r["id"] for r in json.loads(done.stdout)] == [made["id"]]
    done = run("feedback", "list")
    assert "MPS" in done.stdout and f"message {sent['MPS']}" in done.stdout

    done = run("feedback", "overdue", "--json")
    [late] = json.loads(done.stdout)
    assert (late["department"], late["due"]) == ("CAAC", "2025-04-15")
    done = run("feedback", "overdue", "--department", "CAAC")
    assert "CAAC: 1 overdue" in " ".join(done.stdout.split())
    done = run("feedback", "overdue", "--department", "MPS")
    assert "no overdue feedback" in done.stdout
