"""``jointcredit catalog show`` with regions (issue 15): where a regional measure applies and
who carries it there, on the two-province test catalog."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

from typer.testing import CliRunner

from jointcredit.cli.main import app

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures" / "regions"


def test_show_a_regional_measure(settings_env: Callable[[str | None], None]) -> None:
    settings_env(str(FIXTURES))
    runner = CliRunner(env={"COLUMNS": "200"})
    shown = runner.invoke(
        app, ["catalog", "show", "--list-type", "judgment-defaulters", "--matter",
              "government-procurement"],
    )  # fmt: skip
    assert shown.exit_code == 0, shown.output
    block = shown.stdout[shown.stdout.index("zj-defaulter-measures/01") :]
    rows = {
        cells[0]: cells[1]
        for line in block.splitlines()
        if (cells := [c.strip() for c in line.strip("│ ").split("│")]) and len(cells) == 2
    }
    assert rows["region"].startswith("330000 浙江省 (document): only at checks by")
    assert rows["departments"] == "SAMR"
    # SAMR's Zhejiang counterparts, not Jiangsu's: the measure applies only in Zhejiang.
    assert rows["implemented by"] == "ZJ-AMR, HZ-AMR, XH-AMR"

    as_json = runner.invoke(app, ["catalog", "show", "--list-type", "js-serious-dishonest",
                                  "--json"])  # fmt: skip
    assert as_json.exit_code == 0, as_json.output
    measures = json.loads(as_json.stdout)["measures"]
    assert [m["document_region"] for m in measures] == ["320000", "320000"]
