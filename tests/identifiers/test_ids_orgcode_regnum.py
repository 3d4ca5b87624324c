"""Legacy identifiers: organisation code (GB 11714) and registration number (GS15-2006)."""

from __future__ import annotations

import pytest
from stdnum.exceptions import InvalidChecksum, InvalidFormat, InvalidLength

from jointcredit.identifiers import orgcode, regnum
from jointcredit.identifiers.checkchars import mod_11_10_check_digit, org_check_char


def org(body: str) -> str:
    return body + org_check_char(body)


def registration(first14: str) -> str:
    return first14 + mod_11_10_check_digit(first14)


@pytest.mark.parametrize(
    "raw", ["600037341", "60003734-1", " 6000 3734－1 ", "６０００３７３４－１"]
)
def test_organisation_code_forms(raw: str) -> None:
    assert orgcode.validate(raw) == "600037341"
    assert orgcode.format(raw) == "60003734-1"


def test_organisation_code_with_letters_and_x() -> None:
    code = org("MA5F0000")
    assert orgcode.validate(code.lower()) == code
    x_bodies = (f"{n:08d}" for n in range(1000))
    x_code = next(org(body) for body in x_bodies if org_check_char(body) == "X")
    assert orgcode.is_valid(x_code.lower())


def test_organisation_code_errors() -> None:
    with pytest.raises(InvalidChecksum, match=r"^check character is '2', expected '1'$"):
        orgcode.validate("60003734-2")
    with pytest.raises(InvalidFormat, match=r"^character '#' at position 3 "):
        orgcode.validate("60#037341")
    with pytest.raises(InvalidFormat, match=r"^check character 'A' \(position 9\)"):
        orgcode.validate("60003734A")
    with pytest.raises(InvalidLength, match=r"has 9 characters, got 8$"):
        orgcode.validate("60003734")
    assert not orgcode.is_valid("")


def test_registration_number_with_check_digit() -> None:
    number = registration("44030010000012")
    assert regnum.validate_with_warnings(number) == (number, ())
    assert regnum.format(f"{number[:6]} {number[6:]}") == number


def test_registration_number_check_failure_is_a_warning() -> None:
    number = registration("44030010000012")
    wrong = str((int(number[-1]) + 1) % 10)
    changed, warnings = regnum.validate_with_warnings(number[:-1] + wrong)
    assert changed == number[:-1] + wrong
    assert warnings == (
        f"check digit is {wrong!r}, expected {number[-1]!r}"
        " (numbers issued before GS15-2006 may lack one)",
    )


def test_registration_number_office() -> None:
    assert regnum.warnings_for(registration("10000000000001")) == ()  # national administration
    assert regnum.warnings_for(registration("31023000000001")) == ()  # 崇明县, abolished 2016
    assert regnum.warnings_for(registration("99999900000001")) == (
        "office 999999 (positions 1–6) is not a known division code",
    )


def test_registration_number_errors() -> None:
    with pytest.raises(InvalidLength, match=r"has 15 digits, got 14$"):
        regnum.validate("44030010000012")
    with pytest.raises(InvalidFormat, match=r"^character 'X' at position 15 is not a digit$"):
        regnum.validate("44030010000012X")
    assert not regnum.is_valid("")
