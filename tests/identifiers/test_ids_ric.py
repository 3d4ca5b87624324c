"""Resident identity numbers (GB 11643-1999). Every number here is synthetic."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from stdnum.cn import ric as stdnum_ric
from stdnum.exceptions import (
    InvalidChecksum,
    InvalidComponent,
    InvalidFormat,
    InvalidLength,
)

from jointcredit.identifiers import divisions, ric
from jointcredit.identifiers.checkchars import ric_check_char

TODAY = date(2025, 6, 30)


def synthetic(division: str, born: str, sequence: str = "123") -> str:
    first17 = division + born + sequence
    return first17 + ric_check_char(first17)


def synthetic_with_x(division: str = "110105", born: str = "19900307") -> str:
    for n in range(1000):
        number = synthetic(division, born, f"{n:03d}")
        if number.endswith("X"):
            return number
    raise AssertionError("no sequence number gives X")


def test_valid_number() -> None:
    number = synthetic("110105", "19900307")
    assert ric.validate_with_warnings(number, TODAY) == (number, ())
    assert ric.is_valid(number, TODAY)
    assert ric.format(number) == number


def test_default_today_is_the_current_date() -> None:
    yesterday = date.today() - timedelta(days=1)
    assert ric.is_valid(synthetic("110105", yesterday.strftime("%Y%m%d")))
    tomorrow = date.today() + timedelta(days=1)
    assert not ric.is_valid(synthetic("110105", tomorrow.strftime("%Y%m%d")))


def test_lower_case_x_is_accepted() -> None:
    number = synthetic_with_x()
    assert ric.validate(number.lower(), TODAY) == number


def test_full_width_input_is_accepted() -> None:
    number = synthetic_with_x()
    full_width = "".join(chr(ord(ch) + 0xFEE0) for ch in number.lower())
    assert ric.validate(full_width, TODAY) == number


@pytest.mark.parametrize("separator", [" ", "-", "\u3000", "－"])
def test_spaces_and_hyphens_are_dropped(separator: str) -> None:
    number = synthetic("110105", "19900307")
    spaced = separator.join([number[:6], number[6:14], number[14:]])
    assert ric.validate(f" {spaced} ", TODAY) == number


def test_future_birth_date_is_rejected() -> None:
    number = synthetic("110105", "20250701")
    with pytest.raises(
        InvalidComponent,
        match=r"^birth date 20250701 \(positions 7–14\) is in the future \(today is 2025-06-30\)$",
    ):
        ric.validate(number, TODAY)
    assert ric.is_valid(number, date(2025, 7, 1))  # born today


@pytest.mark.parametrize("born", ["19900230", "19000229", "19901301", "19900100", "00000000"])
def test_impossible_dates_are_rejected(born: str) -> None:
    with pytest.raises(
        InvalidComponent, match=rf"^birth date {born} \(positions 7–14\) is not a date$"
    ):
        ric.validate(synthetic("110105", born), TODAY)


def test_leap_day_is_accepted() -> None:
    assert ric.is_valid(synthetic("110105", "20000229"), TODAY)


def test_birth_before_1850_is_rejected() -> None:
    with pytest.raises(InvalidComponent, match=r"is before 1850-01-01$"):
        ric.validate(synthetic("110105", "18491231"), TODAY)
    assert ric.is_valid(synthetic("110105", "18500101"), TODAY)


def test_wrong_check_character_message() -> None:
    number = synthetic("110105", "19900307")
    wrong = "X" if number[-1] != "X" else "0"
    with pytest.raises(
        InvalidChecksum, match=rf"^check character is '{wrong}', expected '{number[-1]}'$"
    ):
        ric.validate(number[:-1] + wrong, TODAY)


def test_letters_are_rejected() -> None:
    with pytest.raises(InvalidFormat, match=r"^character 'A' at position 3 is not a digit$"):
        ric.validate("11A105199003071234", TODAY)
    with pytest.raises(InvalidFormat, match=r"^check character 'Y' \(position 18\)"):
        ric.validate("11010519900307123Y", TODAY)


@pytest.mark.parametrize("raw", ["", "1101051990030712", "1101051990030712345"])
def test_wrong_length_is_rejected(raw: str) -> None:
    with pytest.raises(InvalidLength, match=rf"got {len(raw)}$"):
        ric.validate(raw, TODAY)


def test_historical_division_is_accepted_without_warning() -> None:
    # 110103 崇文区 was merged into 东城区 in 2010; numbers issued there stay valid.
    number = synthetic("110103", "19650412")
    assert divisions.name("110103") == "崇文区"
    assert ric.validate_with_warnings(number, TODAY) == (number, ())


@pytest.mark.parametrize(
    ("division", "born"),
    [
        ("110112", "19800515"),  # 通州区 exists since 1997; the person was born before
        ("110103", "20120101"),  # 崇文区 abolished 2010; stdnum rejects births after it
    ],
)
def test_division_is_not_tied_to_the_birth_year(division: str, born: str) -> None:
    number = synthetic(division, born)
    assert ric.validate_with_warnings(number, TODAY) == (number, ())
    # python-stdnum ties the division to the birth year and so rejects such real numbers.
    with pytest.raises(InvalidComponent):
        stdnum_ric.validate(number)


def test_unknown_division_is_a_warning() -> None:
    number = synthetic("990101", "19900307")
    assert ric.validate_with_warnings(number, TODAY) == (
        number,
        ("division 990101 (positions 1–6) is not a known division code",),
    )


def test_birth_date_gender_and_division() -> None:
    assert ric.birth_date(synthetic("110105", "19900307")) == date(1990, 3, 7)
    assert ric.gender(synthetic("110105", "19900307", "121")) == "male"
    assert ric.gender(synthetic("110105", "19900307", "120")) == "female"
    assert ric.division(synthetic("320102", "19900307")) == "320102"


def test_check_character_agrees_with_stdnum() -> None:
    for n in range(200):
        number = synthetic("110105", "19900307", f"{n:03d}")
        assert stdnum_ric.calc_check_digit(number) == number[-1]


births = st.dates(min_value=date(1850, 1, 1), max_value=TODAY)
numbers = st.builds(
    lambda division, born, sequence: synthetic(division, born.strftime("%Y%m%d"), sequence),
    st.sampled_from(divisions.county_codes()),
    births,
    st.integers(0, 999).map(lambda n: f"{n:03d}"),
)


@settings(deadline=None)
@given(numbers)
def test_generated_numbers_are_valid_without_warnings(number: str) -> None:
    assert ric.validate_with_warnings(number, TODAY) == (number, ())


@settings(deadline=None)
@given(numbers, st.integers(0, 17), st.sampled_from("0123456789X"))
def test_single_substitution_is_detected(number: str, index: int, replacement: str) -> None:
    if index < 17 and replacement == "X":
        replacement = "0"
    if replacement == number[index]:
        replacement = "1" if replacement == "0" else "0"
    changed = number[:index] + replacement + number[index + 1 :]
    # A changed date may stop being a date before the check character is looked at.
    with pytest.raises((InvalidChecksum, InvalidComponent)):
        ric.validate(changed, TODAY)
