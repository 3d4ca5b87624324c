"""``jointcredit deadlines`` in process, on both backends."""

from __future__ import annotations

import json

import pytest
from sqlalchemy import Engine, update
from tests.deadlines.helpers import ECOLOGY, penalty, utc
from typer.testing import CliRunner, Result

from jointcredit.cli.common import console
from jointcredit.cli.main import app
from jointcredit.store.db import write_transaction
from jointcredit.store.tables import credit_records


def test_publication_summary_refresh(
    registry: Engine, db_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(console, "width", 200)  # tables unwrapped
    late = penalty(registry, 1, decided="2026-09-24", at=utc("2026-10-14"))
    penalty(registry, 2, decided="2026-09-24", at=utc("2026-10-12"))
    runner = CliRunner()

    def run(*args: str) -> Result:
        return runner.invoke(app, [*args, "-d", db_url])

    done = run("deadlines", "publication", "--missed", "--json")
    assert done.exit_code == 0, done.output
    assert [r["id"] for r in json.loads(done.stdout)] == [late]
    done = run("deadlines", "publication", "--department", ECOLOGY)
    text = " ".join(done.stdout.split())
    assert "missed by 2 working days" in text and "met" in text
    done = run("deadlines", "summary", "--json")
    [row] = json.loads(done.stdout)
    assert (row["department"], row["records"], row["share_met"]) == (ECOLOGY, 2, 0.5)
    assert "50.0%" in run("deadlines", "summary").stdout
    done = run("deadlines", "publication", "--from", "someday")
    assert done.exit_code == 1 and "--from: 'someday' is not a date" in done.stderr

    with write_transaction(registry) as conn:
        conn.execute(update(credit_records).values(publication_due=None, published_on=None))
    done = run("deadlines", "refresh", "--json")
    assert json.loads(done.stdout) == {"published": 2, "withdrawn": 0}
    done = run("deadlines", "refresh")
    assert "of 0 records" in done.stdout
    done = run("deadlines", "publication", "--missed", "--json")
    assert [r["id"] for r in json.loads(done.stdout)] == [late]
