"""``jointcredit calendar show`` and ``calendar lint`` in-process, through Typer's runner, on the
synthetic holiday file of conftest (years 2030 and 2031)."""

from __future__ import annotations

import json
from pathlib import Path

from typer.testing import CliRunner

from jointcredit.cli.main import app
from jointcredit.rules import workdays

runner = CliRunner()


def test_show_a_year_of_the_file(configured: Path) -> None:
    shown = runner.invoke(app, ["calendar", "show", "2031"])
    assert shown.exit_code == 0, shown.output
    lines = shown.stdout.splitlines()
    assert lines[0] == f"2031: holiday file {configured.resolve()}, notice 测试〔2030〕1号"
    assert "days off (7):" in lines
    assert "  2031-10-01 – 2031-10-07 (7 days)  国庆节" in lines
    assert "make-up workdays (2):" in lines and "  2031-09-28 Sun" in lines
    # 261 weekdays, 5 of the holiday on weekdays off, 2 weekend days worked.
    assert lines[-1] == "working days: 258"
    as_json = json.loads(runner.invoke(app, ["calendar", "show", "2030", "--json"]).stdout)
    assert as_json["source"] == "file" and as_json["notice"] == "测试〔2029〕1号"
    assert as_json["estimated"] is False
    assert {"date": "2030-02-02", "name": "春节"} in as_json["holidays"]
    assert [d["date"] for d in as_json["workdays"]] == ["2030-01-26", "2030-02-09"]


def test_show_a_year_of_the_package_and_an_unknown_year() -> None:
    shown = runner.invoke(app, ["calendar", "show", "2026", "--json"])
    assert shown.exit_code == 0, shown.output
    year = json.loads(shown.stdout)
    assert (year["source"], year["origin"]) == ("chinesecalendar", workdays.PACKAGE)
    assert year["working_days"] == 248
    assert {"date": "2026-02-14", "name": "Spring Festival"} in year["workdays"]
    unknown = runner.invoke(app, ["calendar", "show", "2032"])
    assert unknown.exit_code == 0, unknown.output
    assert unknown.stdout.startswith("2032: unknown, weekends only.")
    assert "JOINTCREDIT_HOLIDAYS_FILE" in unknown.stdout
    # 2032 is a leap year from a Thursday: 262 weekdays.
    assert unknown.stdout.splitlines()[-1] == "working days: 262 (estimated: weekends only)"


def test_show_refuses_a_faulty_configured_file(configured: Path) -> None:
    configured.write_text("years:\n  2031:\n    holidays: []\n", encoding="utf-8")
    shown = runner.invoke(app, ["calendar", "show", "2031"])
    assert shown.exit_code == 1
    assert "holidays.yaml: 2031: notice" in shown.stderr


def test_lint_a_good_file_in_one_line(synthetic: Path) -> None:
    linted = runner.invoke(app, ["calendar", "lint", str(synthetic)])
    assert linted.exit_code == 0, linted.output
    assert linted.stdout.splitlines() == [
        f"{synthetic}: no errors; 2 year(s): 2030 (测试〔2029〕1号), 2031 (测试〔2030〕1号); "
        "15 days off, 4 make-up workdays"
    ]
    # Legal, but the years between the package's and the file's are still unknown.
    assert "2027-2029: in neither the file nor chinesecalendar" in linted.stderr


def test_lint_lists_every_error_and_fails(tmp_path: Path) -> None:
    path = tmp_path / "holidays.yaml"
    path.write_text(
        "years:\n  2031:\n    holidays: [2030-12-31]\n    workdays: [2031-01-27]\n",
        encoding="utf-8",
    )
    linted = runner.invoke(app, ["calendar", "lint", str(path)])
    assert linted.exit_code == 1
    assert linted.stdout.splitlines() == [
        f"{path}: 2031: notice: the number of the State Council's notice (国办发明电〔…〕…号) is "
        "required, so that anyone can check the days against it",
        f"{path}: 2031: holidays[0] 2030-12-31: outside 2031",
        f"{path}: 2031: workdays: 2031-01-27 is a Monday: a make-up workday (调休) is a Saturday "
        "or Sunday worked instead of a day off",
    ]
    assert "3 error(s)" in linted.stderr
    as_json = json.loads(runner.invoke(app, ["calendar", "lint", str(path), "--json"]).stdout)
    assert len(as_json["errors"]) == 3


def test_the_shipped_example_is_a_valid_file() -> None:
    example = Path(__file__).resolve().parents[2] / "deploy" / "holidays.example.yaml"
    linted = runner.invoke(app, ["calendar", "lint", str(example), "--json"])
    assert linted.exit_code == 0, linted.output
    assert [y["year"] for y in json.loads(linted.stdout)["years"]] == [2099]  # made up


def test_lint_checks_the_configured_file_by_default(configured: Path) -> None:
    linted = runner.invoke(app, ["calendar", "lint"])
    assert linted.exit_code == 0, linted.output
    assert linted.stdout.startswith(f"{configured}: no errors")


def test_lint_without_a_file_says_what_to_do() -> None:
    linted = runner.invoke(app, ["calendar", "lint"])
    assert linted.exit_code == 1
    assert "JOINTCREDIT_HOLIDAYS_FILE is not set" in linted.stderr
