"""The scorecard file: the shipped one loads; every error names the file and the field."""

from __future__ import annotations

from pathlib import Path

import pytest

from jointcredit.grading.scorecard import (
    DEFAULT_FILE,
    INDICATOR_KINDS,
    ScorecardError,
    load_scorecard,
    parse,
)
from jointcredit.settings import get_settings


def test_the_shipped_scorecard_loads() -> None:
    card = load_scorecard(DEFAULT_FILE)
    assert [g.grade for g in card.grades] == ["A", "B", "C", "D"]
    assert {i.kind for i in card.indicators} == set(INDICATOR_KINDS)
    assert card.label.startswith(card.version + "+") and len(card.digest) == 16


def _broken(tmp_path: Path, old: str, new: str) -> ScorecardError:
    text = DEFAULT_FILE.read_text(encoding="utf-8")
    assert old in text
    path = tmp_path / "mine.yaml"
    path.write_text(text.replace(old, new, 1), encoding="utf-8")
    with pytest.raises(ScorecardError) as caught:
        load_scorecard(path)
    assert "mine.yaml" in str(caught.value)
    return caught.value


@pytest.mark.parametrize(
    ("old", "new", "where", "what"),
    [
        ("kind: penalty", "kind: fine", "indicators[0].kind", "must be one of penalty"),
        ("points: -15", "points: lots", "indicators[0].points", "must be a number"),
        ("cap: 45", "cap: -1", "indicators[0].cap", "at least 0.01"),
        ("severity: [severe]", "severity: [grave]", "indicators[0].severity[0]", "grave"),
        ("list_kind: black-list", "list_kind: grey-list", "indicators[3].list_kind", "grey"),
        ("months: 36\n    points: -15", "months: 0\n    points: -15", "indicators[0].months", ""),
        ("min: 70", "min: 95", "grades[1].min", "below the previous grade"),
        ("min: 0", "min: 10", "grades[3].min", "down to min_score"),
        ("base: 80", "base: 120", "base", "between min_score"),
        ("id: red-list", "id: black-list", "indicators[4].id", "used twice"),
        ("    cap: 6\n", "    cap: 6\n    colour: red\n", "indicators[2].colour", "unknown field"),
        ('version: "2026.1"', "version: [1]", "version", "must be text"),
    ],
)
def test_errors_name_the_file_and_the_field(
    tmp_path: Path, old: str, new: str, where: str, what: str
) -> None:
    error = _broken(tmp_path, old, new)
    assert any(p.startswith(f"{where}: ") and what in p for p in error.problems), error.problems


def test_every_error_at_once_and_unreadable_files(tmp_path: Path) -> None:
    error = _broken(tmp_path, "points: -15", "points: x\n    weight: 0")
    assert {p.split(":")[0] for p in error.problems} >= {
        "indicators[0].points",
        "indicators[0].weight",
    }
    with pytest.raises(ScorecardError, match="cannot be read"):
        load_scorecard(tmp_path / "missing.yaml")
    with pytest.raises(ScorecardError, match="not valid YAML"):
        parse("a: [", tmp_path / "bad.yaml")
    with pytest.raises(ScorecardError, match="must hold a mapping"):
        parse("- 1", tmp_path / "list.yaml")


def test_the_setting_points_at_an_operator_s_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    text = DEFAULT_FILE.read_text(encoding="utf-8").replace('"2026.1"', '"local-7"')
    path = tmp_path / "local.yaml"
    path.write_text(text, encoding="utf-8")
    monkeypatch.setenv("JOINTCREDIT_SCORECARD_FILE", str(path))
    get_settings.cache_clear()
    try:
        assert load_scorecard().version == "local-7"
    finally:
        monkeypatch.delenv("JOINTCREDIT_SCORECARD_FILE")
        get_settings.cache_clear()
    assert load_scorecard().version == "2026.1"
