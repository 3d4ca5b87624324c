"""Local departments through the installed ``jointcredit`` command, on SQLite and PostgreSQL,
with the two-province test catalog given by JOINTCREDIT_CATALOG_PATHS (issue 15's contracts):

- ``keys create --department ZJ-AMR --role implementer --json`` issues a key;
- ``check ID --department ZJ-AMR --matter M --json`` holds the national measures as for any
  department plus those of Zhejiang's documents; JS-AMR and SAMR do not get Zhejiang's, XH-AMR
  (Xihu district, 330106) does;
- entries loaded by ``import list-entries`` are pushed like approved ones: the local
  implementers' feeds hold them, and no other province's departments';
- subscriptions and staff accounts for a local department; a department no catalog file names
  is refused with a message naming it.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from tests.check.entries import write_entries
from tests.importing.rows import uscc

from .helpers import AS_OF, cli_env, regional_entries, run

DEFAULTER = uscc(701)
HONEST = uscc(702)
DISHONEST = uscc(703)
ZJ_PROCUREMENT = "zj-defaulter-measures/01"


class Cli:
    def __init__(self, directory: Path, database: str) -> None:
        self.directory = directory
        self.env = cli_env(directory, database)

    def json(self, *args: str) -> Any:
        done = run(self.env, self.directory, *args, "--json")
        assert done.returncode == 0, done.stderr
        return json.loads(done.stdout)

    def fails(self, *args: str) -> str:
        done = run(self.env, self.directory, *args)
        assert done.returncode == 1, (done.stdout, done.stderr)
        assert "Traceback" not in done.stderr
        return " ".join(done.stderr.split())


@pytest.fixture
def cli(tmp_path: Path, db_url: str) -> Cli:
    made = Cli(tmp_path, db_url)
    summary = made.json(
        "import", "list-entries", str(write_entries(tmp_path / "e.jsonl", regional_entries()))
    )
    assert (summary["accepted"], summary["rejected"]) == (3, [])
    assert summary["messages"] > 0
    return made


def _measures(cli: Cli, identifier: str, department: str, matter: str) -> set[str]:
    result = cli.json(
        "check", identifier, "--department", department, "--matter", matter, "--as-of", AS_OF
    )
    assert result["department"] == department
    return {d["measure"] for d in result["decisions"]}


def _feed(cli: Cli, department: str) -> dict[str, set[str]]:
    """Subject → the events of the department's feed about it."""
    page = cli.json("push", "feed", department, "--limit", "500")
    found: dict[str, set[str]] = {}
    for item in page["items"]:
        assert item["department"] == department
        found.setdefault(item["entry"]["subject"]["identifier"], set()).add(item["event"])
    return found


def test_check_by_a_local_department_adds_its_provinces_measures(cli: Cli) -> None:
    by = {
        code: _measures(cli, DEFAULTER, code, "government-procurement")
        for code in ("ZJ-AMR", "XH-AMR", "JS-AMR", "SAMR")
    }
    national = by["SAMR"]
    assert national, "the national procurement measures against judgment defaulters"
    assert ZJ_PROCUREMENT not in national
    assert by["ZJ-AMR"] == by["XH-AMR"] == national | {ZJ_PROCUREMENT}
    assert by["JS-AMR"] == national
    # Zhejiang's red list: its incentive for a Zhejiang department, nothing for Jiangsu's.
    green = "administrative-approval-green-channel"
    assert _measures(cli, HONEST, "ZJ-AMR", green) == {"zj-honest-incentives/01"}
    assert _measures(cli, HONEST, "JS-AMR", green) == set()
    assert _measures(cli, DISHONEST, "NJ-AMR", "public-bidding") >= {"js-dishonest-punishments/01"}
    assert "js-dishonest-punishments/01" not in _measures(
        cli, DISHONEST, "ZJ-AMR", "public-bidding"
    )


def test_imported_entries_reach_the_local_implementers_and_no_other_province(cli: Cli) -> None:
    feeds = {code: _feed(cli, code) for code in ("ZJ-AMR", "XH-AMR", "JS-AMR", "NJ-AMR", "JS-NFRA")}
    # The national list: every market regulator, through SAMR (SAIC's successor).
    for code in ("ZJ-AMR", "XH-AMR", "JS-AMR", "NJ-AMR"):
        assert feeds[code][DEFAULTER] == {"entry.listed"}, code
    assert set(feeds["ZJ-AMR"]) == set(feeds["XH-AMR"]) == {DEFAULTER, HONEST}
    # Jiangsu's list: its market regulators and CBRC's successor's Jiangsu office.
    assert DISHONEST in feeds["JS-AMR"] and DISHONEST in feeds["NJ-AMR"]
    assert set(feeds["JS-NFRA"]) >= {DISHONEST} and HONEST not in feeds["JS-NFRA"]
    assert HONEST not in feeds["JS-AMR"] | feeds["NJ-AMR"]
    assert DISHONEST not in _feed(cli, "ZJ-DRC")


def test_keys_subscriptions_and_staff_for_a_local_department(tmp_path: Path, db_url: str) -> None:
    cli = Cli(tmp_path, db_url)
    key = cli.json("keys", "create", "--department", "ZJ-AMR", "--role", "implementer")
    assert key["department"] == "ZJ-AMR" and key["role"] == "implementer"
    assert key["key"].startswith("jc_")
    sub = cli.json(
        "push", "subscribe", "XH-AMR", "https://hooks.example.cn/xh", "--list-type",
        "zj-honest-enterprises",
    )  # fmt: skip
    assert sub["department"] == "XH-AMR" and sub["created"] and sub["secret"]
    assert sub["list_types"] == ["zj-honest-enterprises"]
    done = run(
        cli.env,
        tmp_path,
        *("staff", "create", "zhang.hz", "--department", "HZ-AMR", "--role", "implementer"),
        "--password-stdin",
        stdin="correct horse battery staple 7\n",
    )
    assert done.returncode == 0, done.stderr
    listed = cli.json("staff", "list")
    assert any(a["username"] == "zhang.hz" and a["department"] == "HZ-AMR" for a in listed)
    # A code in no catalog file: refused, naming it.
    for args in (
        ("keys", "create", "--department", "GD-AMR", "--role", "implementer"),
        ("push", "subscribe", "GD-AMR", "https://hooks.example.cn/gd"),
        ("check", DEFAULTER, "--department", "GD-AMR", "--matter", "government-procurement"),
    ):
        message = cli.fails(*args)
        assert "目录中没有部门“GD-AMR”" in message, (args, message)
    # A body abolished in a reform: its successor carries its duties and gets its messages.
    for args in (("keys", "create", "--department", "ZJ-AIC", "--role", "implementer"),):
        message = cli.fails(*args)
        assert "已由“ZJ-AMR”承继职责" in message, message
    done = run(
        cli.env, tmp_path,
        *("staff", "create", "li.aic", "--department", "SAIC", "--role", "implementer"),
        "--password-stdin", stdin="correct horse battery staple 7\n",
    )  # fmt: skip
    assert done.returncode == 1 and "已由“SAMR”承继职责" in " ".join(done.stderr.split())
