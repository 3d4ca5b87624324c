"""``jointcredit staff``, through the installed console script: passwords come from standard
input or a terminal, never from the command line, and are never printed."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from jointcredit.services import staff
from jointcredit.services.registry import open_registry

SCRIPT = Path(sys.executable).with_name("jointcredit")
PASSWORD = "a-long-enough-secret-7"


def _run(tmp_path: Path, *args: str, stdin: str = "") -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("JOINTCREDIT_")}
    env.update(
        JOINTCREDIT_DATA_DIR=str(tmp_path),
        JOINTCREDIT_DATABASE_URL=f"sqlite:///{tmp_path}/registry.sqlite3",
        COLUMNS="300",
        NO_COLOR="1",
    )
    return subprocess.run(
        [str(SCRIPT), *args],
        env=env,
        input=stdin,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def test_staff_commands(tmp_path: Path) -> None:
    made = _run(
        tmp_path,
        *("staff", "create", "li.na", "--department", "SAT", "--role", "initiator"),
        *("--name", "李娜", "--password-stdin", "--json"),
        stdin=PASSWORD + "\n",
    )
    assert made.returncode == 0, made.stderr
    account = json.loads(made.stdout)
    assert (account["username"], account["role"], account["active"]) == ("li.na", "initiator", True)
    assert "password_hash" not in account and PASSWORD not in made.stdout + made.stderr

    listed = _run(tmp_path, "staff", "list")
    assert "li.na" in listed.stdout and "李娜" in listed.stdout and "argon2" not in listed.stdout

    # No terminal and no --password-stdin: refused with what to do, nothing created.
    refused = _run(
        tmp_path, "staff", "create", "wang.fang", "--department", "SAT", "--role", "reviewer"
    )
    assert refused.returncode == 1 and "--password-stdin" in refused.stderr
    short = _run(tmp_path, "staff", "password", "li.na", "--password-stdin", stdin="short\n")
    assert short.returncode == 1 and "at least 12 characters" in short.stderr

    engine = open_registry(f"sqlite:///{tmp_path}/registry.sqlite3")
    token = staff.sign_in(engine, "li.na", PASSWORD).token
    disabled = _run(tmp_path, "staff", "disable", "li.na")
    assert disabled.returncode == 0 and "disabled li.na" in disabled.stdout
    assert staff.session_of(engine, token) is None
    assert _run(tmp_path, "staff", "enable", "li.na").returncode == 0
    changed = _run(
        tmp_path, "staff", "password", "li.na", "--password-stdin", stdin="new-long-secret-99\n"
    )
    assert changed.returncode == 0, changed.stderr
    assert staff.sign_in(engine, "li.na", "new-long-secret-99").token
    missing = _run(tmp_path, "staff", "disable", "nobody")
    assert missing.returncode == 1 and "没有用户名为“nobody”的工作人员账号" in missing.stderr
    assert "Traceback" not in missing.stderr + refused.stderr + short.stderr
