"""Imports from the command line are audited, and list entries it loads are pushed (issue 14,
item 11: imports).

Through the real ``jointcredit`` command, on SQLite and PostgreSQL: every ``jointcredit import``
— a good file, a file that cannot be read — is one ``submit-file`` audit row by the operator,
like a department's upload through the API; ``jointcredit import list-entries`` writes the
push messages (the outbox) for every entry it lists or changes, as an approval does, so that
the implementing departments hear of it.
"""

from __future__ import annotations

import hashlib
import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, select
from tests.check.entries import entry, write_entries
from tests.importing.rows import penalty_row, write_csv

from jointcredit import clock
from jointcredit.access import OPERATOR
from jointcredit.importing.formats import PENALTIES
from jointcredit.services import audit, push
from jointcredit.store.tables import credit_records, messages

SCRIPT = Path(sys.executable).with_name("jointcredit")


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


def _audit(engine: Engine, action: str) -> list[dict[str, Any]]:
    return audit.page(engine, by=OPERATOR, limit=100, action=action)


def test_a_cli_import_is_one_audit_row(registry: Engine, db_url: str, tmp_path: Path) -> None:
    path = write_csv(
        tmp_path / "penalties.csv",
        [penalty_row(1), penalty_row(2), penalty_row(3, CF_NR_FK="-1")],
        PENALTIES,
    )
    run = _cli(tmp_path, db_url, "import", "penalties", path, "--json")
    assert run.returncode == 0, run.stderr
    summary = json.loads(run.stdout)
    [row] = _audit(registry, "submit-file")
    assert row["role"] == "operator" and row["key_id"] is None
    assert row["detail"] == {
        "kind": "penalty",
        "file": "penalties.csv",
        "import_job": summary["import_job"],
        "rows": 3,
        "accepted": 2,
        "updated": 0,
        "duplicates": 0,
        "rejected_rows": 1,
    }
    assert row["result_digest"] == "sha256:" + hashlib.sha256(path.read_bytes()).hexdigest()

    # A file that cannot be read is audited too, with the reason.
    bad = tmp_path / "bad.csv"
    bad.write_text("CF_XDR_MC\nx\n", encoding="utf-8")
    run = _cli(tmp_path, db_url, "import", "penalties", bad)
    assert run.returncode == 1
    latest = _audit(registry, "submit-file")[0]
    assert latest["detail"]["file"] == "bad.csv" and "lacks" in latest["detail"]["error"]
    assert len(_audit(registry, "submit-file")) == 2
    # The chain stays whole across the command line's rows.
    assert audit.verify(registry, by=OPERATOR).ok


def test_list_entries_loaded_from_the_cli_are_pushed(
    registry: Engine, db_url: str, tmp_path: Path
) -> None:
    path = write_entries(tmp_path / "entries.jsonl", [entry(41), entry(42)])
    run = _cli(tmp_path, db_url, "import", "list-entries", path, "--json")
    assert run.returncode == 0, run.stderr
    summary = json.loads(run.stdout)
    assert summary["accepted"] == 2
    with registry.connect() as conn:
        ids = list(
            conn.execute(select(credit_records.c.id).order_by(credit_records.c.id)).scalars()
        )
        sent = conn.execute(
            select(messages.c.record_id, messages.c.department, messages.c.event)
        ).all()
    expected = set(push.implementers("judgment-defaulters", clock.today()))
    assert expected, "the catalog names implementers of judgment defaulters"
    assert {(r, d, "entry.listed") for r in ids for d in expected} == set(sent)
    assert summary["messages"] == len(sent)
    assert _audit(registry, "submit-file")[0]["detail"]["messages"] == len(sent)

    # A changed entry is announced as changed; importing the same file again announces nothing.
    changed = entry(41, legal_basis="《最高人民法院关于公布失信被执行人名单信息的若干规定》第二条")
    write_entries(path, [changed, entry(42)])
    run = _cli(tmp_path, db_url, "import", "list-entries", path, "--json")
    assert run.returncode == 0, run.stderr
    assert json.loads(run.stdout)["updated"] == 1
    run = _cli(tmp_path, db_url, "import", "list-entries", path, "--json")
    assert json.loads(run.stdout)["messages"] == 0
    with registry.connect() as conn:
        events = conn.execute(
            select(messages.c.record_id, messages.c.event, messages.c.record_version)
        ).all()
    assert {(ids[0], "entry.changed", 2)} == {
        (r, e, v) for r, e, v in events if e != "entry.listed"
    }
