"""``jointcredit ids``, run as the installed console script."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from jointcredit.identifiers.checkchars import ric_check_char

KEYS = ["input", "normalized", "type", "valid", "error", "warnings"]
USCC = "91110000600037341L"


def _command() -> list[str]:
    beside_python = Path(sys.executable).with_name("jointcredit")
    if beside_python.exists():
        return [str(beside_python)]
    found = shutil.which("jointcredit")
    if found:
        return [found]
    return [sys.executable, "-m", "jointcredit.cli.main"]


def run(*args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "COLUMNS": "200", "NO_COLOR": "1", "PYTHONIOENCODING": "utf-8"}
    return subprocess.run(
        [*_command(), "ids", *args],
        capture_output=True,
        text=True,
        encoding="utf-8",
        env=env,
        timeout=60,
        check=False,
    )


def person(born: str = "19900307") -> str:
    first17 = "110105" + born + "123"
    return first17 + ric_check_char(first17)


def test_validate_json_all_valid() -> None:
    number = person()
    done = run("validate", "--json", USCC, number.lower(), "60003734-1")
    assert done.returncode == 0, done.stderr
    rows = json.loads(done.stdout)
    assert [list(row) for row in rows] == [KEYS] * 3
    assert [row["type"] for row in rows] == ["uscc", "resident-id", "org-code"]
    assert rows[1]["normalized"] == number
    assert all(row["valid"] and row["error"] is None for row in rows)


def test_validate_json_invalid_exits_1_and_keeps_chinese() -> None:
    done = run("validate", "--json", USCC, "统一社会信用代码")
    assert done.returncode == 1
    rows = json.loads(done.stdout)
    assert rows[1] == {
        "input": "统一社会信用代码",
        "normalized": "统一社会信用代码",
        "type": None,
        "valid": False,
        "error": "character '统' at position 1 is not used by any identifier",
        "warnings": [],
    }
    assert "统一社会信用代码" in done.stdout  # ensure_ascii=False


def test_validate_today_option() -> None:
    number = person("20300101")
    assert run("validate", "--json", number).returncode == 1
    done = run("validate", "--json", "--today", "2031-01-01", number)
    assert done.returncode == 0
    assert json.loads(done.stdout)[0]["valid"] is True
    assert run("validate", "--today", "tomorrow", number).returncode == 2


@pytest.mark.parametrize(("codes", "status"), [([USCC], 0), ([USCC, "12345"], 1)])
def test_validate_table(codes: list[str], status: int) -> None:
    done = run("validate", *codes)
    assert done.returncode == status, done.stderr
    assert USCC in done.stdout and "uscc" in done.stdout


def test_mask() -> None:
    done = run("mask", USCC, person(), "nonsense")
    assert done.returncode == 0, done.stderr
    assert done.stdout.splitlines() == [USCC, "110105********123" + person()[-1], "********"]
