"""The ``jointcredit departments`` tests: the installed script run on the two-province test
catalog (tests/fixtures/regions), as an operator runs it."""

from __future__ import annotations

import os
import subprocess
from collections.abc import Callable
from pathlib import Path

import pytest
from tests.cli.test_cli import SCRIPT, Run

REGIONS = Path(__file__).resolve().parents[1] / "fixtures" / "regions"

Jointcredit = Callable[..., Run]


@pytest.fixture
def jointcredit(tmp_path: Path) -> Jointcredit:
    """Run the script with only the given settings: ``catalog=False`` leaves the test catalog
    out (a platform before its departments file was added)."""

    def run(
        *args: str | Path,
        database: str | None = None,
        catalog: bool = True,
        region: str | None = None,
    ) -> Run:
        env = {k: v for k, v in os.environ.items() if not k.startswith("JOINTCREDIT_")}
        env["JOINTCREDIT_DATA_DIR"] = str(tmp_path)
        if database is not None:
            env["JOINTCREDIT_DATABASE_URL"] = database
        if catalog:
            env["JOINTCREDIT_CATALOG_PATHS"] = str(REGIONS)
        if region is not None:
            env["JOINTCREDIT_REGION"] = region
        done = subprocess.run(
            [SCRIPT, *map(str, args)],
            capture_output=True,
            text=True,
            env=env,
            timeout=120,
            check=False,
        )
        return Run(done.returncode, done.stdout, done.stderr)

    return run
