"""The sampling rates file: the shipped one loads; every error names the file and the field."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import pytest

from jointcredit.inspection.rates import DEFAULT_FILE, RatesError, load_rates, parse

GOOD = """\
version: "1"
name: {zh: 比例, en: rates}
rates: {A: 0.01, B: "0.05", C: 0.2, D: 1, ungraded: 0}
"""


def test_the_shipped_rates_load() -> None:
    rates = load_rates()
    assert rates.file == DEFAULT_FILE.name
    assert set(rates.rates) == {"A", "B", "C", "D", "ungraded"}
    assert rates.rates["A"] < rates.rates["B"] < rates.rates["C"] < rates.rates["D"]
    assert len(rates.digest) == 16


def test_a_good_file_parses_exactly(tmp_path: Path) -> None:
    path = tmp_path / "mine.yaml"
    path.write_text(GOOD, encoding="utf-8")
    rates = load_rates(path)
    assert rates.rates == {
        "A": Decimal("0.01"),
        "B": Decimal("0.05"),
        "C": Decimal("0.2"),
        "D": Decimal(1),
        "ungraded": Decimal(0),
    }
    assert rates.as_json()["rates"] == {
        "A": "0.01",
        "B": "0.05",
        "C": "0.2",
        "D": "1",
        "ungraded": "0",
    }


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (GOOD.replace("D: 1,", "D: 1.5,"), "rates.D: must be a number between 0 and 1, not 1.5"),
        (GOOD.replace("A: 0.01", "A: -0.1"), "rates.A: must be a number between 0 and 1"),
        (GOOD.replace("A: 0.01", "A: 0.0000001"), "rates.A: must have at most 6 decimals"),
        (GOOD.replace("A: 0.01", "A: lots"), "rates.A: must be a number between 0 and 1"),
        (GOOD.replace("A: 0.01", "A: true"), "rates.A: must be a number between 0 and 1"),
        (GOOD.replace(", ungraded: 0", ""), "rates.ungraded: missing"),
        (GOOD.replace('version: "1"', "version: ''"), "version: must be text"),
        (GOOD.replace("en: rates", "en: ''"), "name.en: must be non-empty text"),
        (GOOD + "extra: 1\n", "extra: unknown field"),
        ('version: "1"\nname: {zh: a, en: b}\nrates: []\n', "rates: must be a mapping"),
        ("[1, 2]", "the file must hold a mapping"),
        ("rates: {A: [", "not valid YAML"),
    ],
)
def test_errors_name_the_file_and_the_field(text: str, expected: str) -> None:
    with pytest.raises(RatesError) as caught:
        parse(text, Path("/etc/mine.yaml"))
    assert f"mine.yaml: {expected}" in str(caught.value)


def test_every_error_at_once() -> None:
    text = GOOD.replace("D: 1,", "D: 2,").replace("A: 0.01", "A: x").replace(", ungraded: 0", "")
    with pytest.raises(RatesError) as caught:
        parse(text, Path("r.yaml"))
    assert len(caught.value.problems) == 3


def test_an_unreadable_file_is_named(tmp_path: Path) -> None:
    with pytest.raises(RatesError, match=r"nowhere\.yaml.*cannot be read"):
        load_rates(tmp_path / "nowhere.yaml")
