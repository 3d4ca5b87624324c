"""Shared by the region tests: the two-province test catalog, the environment of a
``jointcredit`` subprocess, synthetic list entries on its lists."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path
from typing import Any

from tests.check.entries import entry

FIXTURE = Path(__file__).resolve().parents[1] / "fixtures" / "regions"
SCRIPT = Path(sys.executable).with_name("jointcredit")
#: A day on which the fixture's documents (issued 2026-01-05) are in force.
AS_OF = "2026-03-02"
DECIDED = "2026-01-20"


def cli_env(directory: Path, database: str) -> dict[str, str]:
    """The settings of a ``jointcredit`` process: the test's own, nothing inherited from the
    caller's JOINTCREDIT_ variables."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("JOINTCREDIT_")}
    env.update(
        JOINTCREDIT_CATALOG_PATHS=str(FIXTURE),
        JOINTCREDIT_DATA_DIR=str(directory / "data"),
        JOINTCREDIT_WEBHOOK_KEY_FILE=str(directory / "webhook-secrets.key"),
        JOINTCREDIT_DATABASE_URL=database,
        COLUMNS="300",
        NO_COLOR="1",
    )
    return env


def run(
    env: dict[str, str], cwd: Path, *args: str, stdin: str = ""
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(SCRIPT), *args],
        env=env,
        cwd=cwd,
        input=stdin,
        capture_output=True,
        text=True,
        timeout=180,
        check=False,
    )


def regional_entries() -> list[dict[str, Any]]:
    """One entry on the national judgment-defaulters list, one on Zhejiang's red list, one on
    Jiangsu's black list (serials 701, 702, 703)."""
    return [
        entry(701, decided_on=DECIDED),
        entry(
            702,
            "zj-honest-enterprises",
            department="ZJ-DRC",
            decided_on=DECIDED,
            legal_basis="浙江省公共信用信息管理条例（示例引用）",
        ),
        entry(
            703,
            "js-serious-dishonest",
            department="JS-DRC",
            decided_on=DECIDED,
            legal_basis="江苏省社会信用条例（示例引用）",
        ),
    ]
