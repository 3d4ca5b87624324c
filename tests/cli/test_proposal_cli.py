"""``jointcredit proposal`` through the installed console script: the operator proposes and
reviews under names, four eyes compare them, and the import of decided lists stays direct."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from tests.check.entries import entry, write_entries
from typer.testing import CliRunner

from jointcredit.cli.main import app

SCRIPT = Path(sys.executable).with_name("jointcredit")


@dataclass
class Result:
    returncode: int
    stdout: str
    stderr: str


def _run(tmp_path: Path, *args: str | Path) -> Result:
    """The command in this process (each run of the console script costs seconds of start-up);
    :func:`test_the_console_script` runs the real one."""
    url = f"sqlite:///{tmp_path}/registry.sqlite3"
    group, command, *rest = map(str, args)
    done = CliRunner().invoke(app, [group, command, *rest, "--database", url], env=ENV)
    return Result(done.exit_code, done.stdout, done.stderr)


ENV = {"COLUMNS": "300", "NO_COLOR": "1"}


def _json(tmp_path: Path, *args: str | Path) -> Any:
    done = _run(tmp_path, *args, "--json")
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout)


def test_submit_review_and_show(tmp_path: Path) -> None:
    path = tmp_path / "entry.json"
    path.write_text(json.dumps(entry(501), ensure_ascii=False), encoding="utf-8")
    made = _json(tmp_path, "proposal", "submit", path, "--by", "王")
    assert (made["status"], made["submitted_by"], made["action"]) == (
        "submitted",
        "operator:王",
        "create",
    )

    own = _run(tmp_path, "proposal", "approve", str(made["id"]), "--by", "王")
    assert own.returncode == 1 and "four eyes: operator:王 submitted it" in own.stderr
    assert "Traceback" not in own.stderr
    no_note = _run(tmp_path, "proposal", "return", str(made["id"]), "--by", "李")
    assert no_note.returncode != 0 and "--note" in no_note.stderr

    returned = _run(tmp_path, "proposal", "return", str(made["id"]), "--by", "李", "--note", "补正")
    assert returned.returncode == 0, returned.stderr
    assert f"proposal {made['id']}" in returned.stdout and "returned" in returned.stdout
    assert _json(tmp_path, "proposal", "list", "--status", "returned")[0]["id"] == made["id"]

    again = _run(tmp_path, "proposal", "resubmit", str(made["id"]), "--by", "王")
    assert again.returncode == 0, again.stderr
    approved = _json(tmp_path, "proposal", "approve", str(made["id"]), "--by", "李", "--note", "可")
    assert approved["status"] == "approved" and approved["record_id"] and approved["messages"] > 0

    ending = _json(
        tmp_path,
        "proposal",
        "submit",
        "--end",
        str(approved["record_id"]),
        "--reason",
        "已履行",
        "--document",
        "（2026）京0101执恢501号",
        "--legal-basis",
        "法释〔2017〕7号第十条",
        "--by",
        "王",
    )
    assert ending["action"] == "end" and ending["reason"] == "已履行"
    shown = _run(tmp_path, "proposal", "show", str(made["id"]))
    assert shown.returncode == 0, shown.stderr
    for text in ("submit → submitted by operator:王", "return → returned by operator:李: 补正"):
        assert text in shown.stdout
    detail = _json(tmp_path, "proposal", "show", str(made["id"]))
    assert [s["action"] for s in detail["history"]] == ["submit", "return", "resubmit", "approve"]
    table = _run(tmp_path, "proposal", "list")
    assert table.returncode == 0 and "approved" in table.stdout and "submitted" in table.stdout
    assert _json(tmp_path, "proposal", "list", "--overdue") == []

    # The operator's import loads lists decided elsewhere: written at once, no proposal.
    loaded = _json(
        tmp_path, "import", "list-entries", write_entries(tmp_path / "e.jsonl", [entry(502)])
    )
    assert loaded["accepted"] == 1 and "proposals" not in loaded


def test_bad_input_is_one_line(tmp_path: Path) -> None:
    path = tmp_path / "entry.json"
    path.write_text(json.dumps(entry(503, decided_on="2024-02-30")), encoding="utf-8")
    bad = _run(tmp_path, "proposal", "submit", path, "--by", "王")
    assert bad.returncode == 1 and "decided_on" in bad.stderr and "Traceback" not in bad.stderr
    neither = _run(tmp_path, "proposal", "submit", "--by", "王")
    assert neither.returncode == 1 and "either a JSON FILE or --end" in neither.stderr


def test_the_console_script(tmp_path: Path) -> None:
    path = tmp_path / "entry.json"
    path.write_text(json.dumps(entry(504), ensure_ascii=False), encoding="utf-8")
    made = _json(tmp_path, "proposal", "submit", path, "--by", "王")
    env = {k: v for k, v in os.environ.items() if not k.startswith("JOINTCREDIT_")}
    env |= ENV | {
        "JOINTCREDIT_DATA_DIR": str(tmp_path / "data"),
        "JOINTCREDIT_DATABASE_URL": f"sqlite:///{tmp_path}/registry.sqlite3",
    }
    own = subprocess.run(
        [str(SCRIPT), "proposal", "approve", str(made["id"]), "--by", "王"],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert own.returncode == 1 and "four eyes: operator:王 submitted it" in own.stderr
    assert "Traceback" not in own.stderr
