"""Recognition of an identifier of unknown type, and the disambiguation of 18-digit strings."""

from __future__ import annotations

import dataclasses
import json
from datetime import date

import pytest
from stdnum.exceptions import InvalidChecksum, InvalidComponent, ValidationError

from jointcredit.identifiers import (
    IdentifierResult,
    IdentifierType,
    check,
    ric,
    uscc,
    validate_resident_id,
    validate_uscc,
)
from jointcredit.identifiers.checkchars import (
    mod_11_10_check_digit,
    org_check_char,
    ric_check_char,
    uscc_check_char,
)

TODAY = date(2025, 6, 30)
KEYS = ["input", "normalized", "type", "valid", "error", "warnings"]


def person(division: str = "110105", born: str = "19900307", sequence: str = "123") -> str:
    first17 = division + born + sequence
    return first17 + ric_check_char(first17)


def valid_as_both(division: str, born: str) -> str:
    """A synthetic 18-digit string that passes both the USCC and the resident-id check."""
    for n in range(1000):
        first17 = f"{division}{born}{n:03d}"
        if ric_check_char(first17) == uscc_check_char(first17):
            return first17 + ric_check_char(first17)
    raise AssertionError("no sequence number works")


def test_result_fields_and_json_form() -> None:
    assert [f.name for f in dataclasses.fields(IdentifierResult)] == KEYS
    result = check(" 9111 0000 6000 3734 1l ")
    assert result == IdentifierResult(
        " 9111 0000 6000 3734 1l ", "91110000600037341L", IdentifierType.USCC, True, None, ()
    )
    as_dict = result.to_dict()
    assert list(as_dict) == KEYS
    assert as_dict["type"] == "uscc" and type(as_dict["type"]) is str
    assert as_dict["warnings"] == []
    json.dumps(as_dict)
    with pytest.raises(dataclasses.FrozenInstanceError):
        result.valid = False  # type: ignore[misc]


def test_identifier_type_values() -> None:
    assert [t.value for t in IdentifierType] == [
        "uscc",
        "resident-id",
        "org-code",
        "registration-number",
    ]


def test_fixture_codes_are_uscc(fixture_usccs: list[str]) -> None:
    for code in fixture_usccs:
        result = check(code, today=TODAY)
        assert (result.type, result.valid, result.warnings) == (IdentifierType.USCC, True, ()), code


def test_uscc_with_letters_in_first_eight() -> None:
    first17 = "Y1440300MA5F00001"
    result = check(first17 + uscc_check_char(first17))
    assert result.type is IdentifierType.USCC and result.valid


def test_uscc_warnings_are_passed_on() -> None:
    first17 = "B1999999600037341"
    result = check(first17 + uscc_check_char(first17))
    assert result.valid and len(result.warnings) == 2


def test_resident_id() -> None:
    number = person()
    result = check(number.lower(), today=TODAY)
    assert (result.type, result.normalized, result.valid) == (
        IdentifierType.RESIDENT_ID,
        number,
        True,
    )


def test_resident_id_unknown_division_is_valid_with_warning() -> None:
    candidates = (person("990101", sequence=f"{i:03d}") for i in range(100))
    number = next(n for n in candidates if not uscc.is_valid(n))  # a USCC too would be read as one
    result = check(number, today=TODAY)
    assert result.type is IdentifierType.RESIDENT_ID and result.valid
    assert result.warnings == ("division 990101 (positions 1–6) is not a known division code",)


def test_resident_id_with_bad_date_reports_the_date() -> None:
    # 17 digits and X with a known division: a person's number with a typo, not a USCC.
    result = check("11010520991301002X", today=TODAY)
    assert result.type is IdentifierType.RESIDENT_ID
    assert not result.valid
    assert result.error == "birth date 20991301 (positions 7–14) is not a date"


def test_resident_id_with_bad_check_reports_the_check() -> None:
    number = person()
    wrong = "0" if number[-1] != "0" else "1"
    result = check(number[:-1] + wrong, today=TODAY)
    assert result.type is IdentifierType.RESIDENT_ID
    assert result.error == f"check character is {wrong!r}, expected {number[-1]!r}"


def test_future_birth_date_depends_on_today() -> None:
    number = person(born="20300101")
    assert check(number, today=TODAY).error is not None
    assert check(number, today=TODAY).type is IdentifierType.RESIDENT_ID
    assert check(number, today=date(2031, 1, 1)).valid


def test_digit_only_uscc_with_bad_check_reports_the_uscc() -> None:
    code = "121200004013590816"  # from the fixture; the last digit is changed below
    result = check(code[:-1] + "7", today=TODAY)
    assert result.type is IdentifierType.USCC
    assert result.error == "check character is '7', expected '6'"


def test_valid_as_both_with_plausible_person_is_resident_id() -> None:
    number = valid_as_both("110105", "19900307")
    assert uscc.is_valid(number) and ric.is_valid(number, TODAY)
    result = check(number, today=TODAY)
    assert result.type is IdentifierType.RESIDENT_ID and result.valid
    assert result.warnings[-1] == "also a valid USCC; read as a resident identity number"


@pytest.mark.parametrize(
    ("division", "born"),
    [("999999", "19900307"), ("110105", "18800307")],
    ids=["unknown-division", "born-before-1900"],
)
def test_valid_as_both_with_implausible_person_is_uscc(division: str, born: str) -> None:
    number = valid_as_both(division, born)
    assert uscc.is_valid(number) and ric.is_valid(number, TODAY)
    result = check(number, today=TODAY)
    assert result.type is IdentifierType.USCC and result.valid
    assert result.warnings[-1].startswith("also a valid resident identity number; read as a USCC")


def test_invalid_as_both_tie_goes_to_resident_id() -> None:
    # Nothing makes sense either way: unknown division and no date, unknown category and region.
    result = check("99999999999999999X", today=TODAY)
    assert result.type is IdentifierType.RESIDENT_ID
    assert not result.valid


def test_eighteen_characters_not_shaped_as_resident_id_are_uscc() -> None:
    result = check("9111000060003734IL")
    assert result.type is IdentifierType.USCC
    assert result.error is not None and result.error.startswith("character 'I' at position 17")


def test_organisation_code() -> None:
    assert check("60003734-1") == IdentifierResult(
        "60003734-1", "600037341", IdentifierType.ORG_CODE, True, None, ()
    )
    body = "MA5F0000"
    assert check(body + org_check_char(body)).valid
    bad = check("60003734-2")
    assert (bad.type, bad.valid) == (IdentifierType.ORG_CODE, False)
    assert bad.error == "check character is '2', expected '1'"


def test_registration_number() -> None:
    first14 = "44030010000012"
    good = check(first14 + mod_11_10_check_digit(first14))
    assert (good.type, good.valid, good.warnings) == (IdentifierType.REGISTRATION_NUMBER, True, ())
    wrong = str((int(mod_11_10_check_digit(first14)) + 1) % 10)
    old = check(first14 + wrong)
    assert old.valid and old.type is IdentifierType.REGISTRATION_NUMBER
    assert old.warnings and "check digit" in old.warnings[0]


@pytest.mark.parametrize(
    ("raw", "error"),
    [
        ("", "empty input"),
        (" - ", "empty input"),
        ("12345", "5 characters: expected 9 (organisation code), 15 (registration number)"),
        ("9111000060003734", "16 characters: expected 9"),
        ("4403001000001A2", "15 characters but character 'A' at position 14 is not a digit"),
        ("91110000/00037341L", "character '/' at position 9 is not used by any identifier"),
        ("统一社会信用代码", "character '统' at position 1 is not used by any identifier"),
    ],
)
def test_unrecognisable_input(raw: str, error: str) -> None:
    result = check(raw)
    assert (result.type, result.valid, result.warnings) == (None, False, ())
    assert result.error is not None and result.error.startswith(error)


def test_validate_uscc() -> None:
    assert validate_uscc("9111 0000 6000 3734 1l") == "91110000600037341L"
    with pytest.raises(InvalidChecksum):
        validate_uscc("91110000600037341A")
    with pytest.raises(ValidationError):
        validate_uscc("600037341")


def test_validate_resident_id() -> None:
    number = person(born="20300101")
    assert validate_resident_id(number.lower(), today=date(2031, 1, 1)) == number
    with pytest.raises(InvalidComponent):
        validate_resident_id(number, TODAY)
