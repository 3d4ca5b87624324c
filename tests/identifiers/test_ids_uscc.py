"""USCC (GB 32100-2015): what makes a code invalid, and what only earns a warning."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from stdnum.cn import uscc as stdnum_uscc
from stdnum.exceptions import (
    InvalidChecksum,
    InvalidFormat,
    InvalidLength,
    ValidationError,
)

from jointcredit.identifiers import uscc
from jointcredit.identifiers.checkchars import USCC_ALPHABET, org_check_char, uscc_check_char


def with_check(first17: str) -> str:
    return first17 + uscc_check_char(first17)


def with_org_check(prefix8: str, org_body8: str) -> str:
    """A USCC whose embedded organisation code passes its own check."""
    return with_check(prefix8 + org_body8 + org_check_char(org_body8))


usccs = st.text(alphabet=USCC_ALPHABET, min_size=17, max_size=17).map(with_check)
digit_prefixed_usccs = st.builds(
    lambda head, tail: with_check(head + tail),
    st.text(alphabet="0123456789", min_size=8, max_size=8),
    st.text(alphabet=USCC_ALPHABET, min_size=9, max_size=9),
)


def test_all_fixture_codes_are_valid_without_warnings(fixture_usccs: list[str]) -> None:
    for code in fixture_usccs:
        assert uscc.validate_with_warnings(code) == (code, ()), code


def test_fixture_check_characters_agree_with_stdnum(fixture_usccs: list[str]) -> None:
    for code in fixture_usccs:
        assert uscc_check_char(code[:17]) == stdnum_uscc.calc_check_digit(code[:17]) == code[17]


@pytest.mark.parametrize(
    "raw",
    [
        "91110000600037341l",
        "9111 0000 6000 3734 1L",
        "91110000-600037341-L",
        "９１１１００００６０００３７３４１Ｌ",
    ],
)
def test_input_is_normalised(raw: str) -> None:
    assert uscc.validate(raw) == "91110000600037341L"
    assert uscc.format(raw) == "91110000600037341L"


@pytest.mark.parametrize("prefix", ["Y1", "A1", "A9", "N1", "N2", "N3", "N9"])
def test_letters_in_the_first_eight_are_valid(prefix: str) -> None:
    code = with_org_check(prefix + "440300", "MA5F0000")
    assert uscc.validate_with_warnings(code) == (code, ())
    # python-stdnum requires digits in positions 1–8 and so rejects real codes.
    with pytest.raises(InvalidFormat):
        stdnum_uscc.validate(code)


def test_letter_inside_the_region_is_valid_with_warning() -> None:
    code = with_org_check("9144A300", "60003734")
    number, warnings = uscc.validate_with_warnings(code)
    assert number == code
    assert warnings == ("region 44A300 (positions 3–8) is not a known division code",)


def test_unknown_department_is_a_warning() -> None:
    code = with_org_check("B1110000", "60003734")
    assert uscc.is_valid(code)
    assert uscc.warnings_for(code) == (
        "registration department 'B' (position 1) is not a known department",
    )
    assert uscc.department_name(code) is None


@pytest.mark.parametrize(("prefix", "department"), [("94", "9 (工商)"), ("1A", "1 (机构编制)")])
def test_unknown_category_is_a_warning(prefix: str, department: str) -> None:
    code = with_org_check(prefix + "110000", "60003734")
    assert uscc.is_valid(code)
    (warning,) = uscc.warnings_for(code)
    assert warning == (
        f"category {prefix[1]!r} (position 2) is not a known category of department {department}"
    )
    assert uscc.category_name(code) is None


def test_unknown_region_is_a_warning() -> None:
    code = with_org_check("91999999", "60003734")
    assert uscc.validate_with_warnings(code) == (
        code,
        ("region 999999 (positions 3–8) is not a known division code",),
    )


@pytest.mark.parametrize("region", ["440101", "220101", "310230", "110103"])
def test_city_district_and_abolished_regions_are_known(region: str) -> None:
    code = with_org_check("91" + region, "60003734")
    assert uscc.validate_with_warnings(code) == (code, ())


def test_embedded_organisation_code_failure_is_a_warning() -> None:
    body = "60003734"
    wrong = "2" if org_check_char(body) != "2" else "3"
    code = with_check("91110000" + body + wrong)
    assert uscc.is_valid(code)
    assert uscc.warnings_for(code) == (
        f"organisation code {body}{wrong} (positions 9–17) fails its own check:"
        f" check character is {wrong!r}, expected {org_check_char(body)!r}",
    )


def test_all_warnings_together() -> None:
    code = with_check("BY999999600037342")
    assert len(uscc.warnings_for(code)) == 3  # department, region, organisation check


def test_wrong_check_character_message() -> None:
    with pytest.raises(InvalidChecksum, match=r"^check character is 'A', expected 'L'$"):
        uscc.validate("91110000600037341A")


@pytest.mark.parametrize("letter", "IOZSV")
def test_letters_outside_the_alphabet_are_rejected(letter: str) -> None:
    with pytest.raises(InvalidFormat, match=rf"^character '{letter}' at position 10 "):
        uscc.validate("911100006" + letter + "0037341L")


@pytest.mark.parametrize("raw", ["", "9111000060003734", "91110000600037341L1"])
def test_wrong_length_is_rejected(raw: str) -> None:
    with pytest.raises(InvalidLength, match=rf"got {len(raw)}$"):
        uscc.validate(raw)
    assert not uscc.is_valid(raw)


def test_errors_are_stdnum_validation_errors() -> None:
    for raw in ["1", "9111000060003734IL", "91110000600037341A"]:
        with pytest.raises(ValidationError):
            uscc.validate(raw)


def test_every_single_substitution_of_a_fixture_code_is_detected(
    fixture_usccs: list[str],
) -> None:
    # Weights 3^i mod 31 are never 0 and 31 is prime, so any single change moves the sum.
    for code in fixture_usccs:
        for index, original in enumerate(code):
            for replacement in USCC_ALPHABET:
                if replacement != original:
                    changed = code[:index] + replacement + code[index + 1 :]
                    assert not uscc.is_valid(changed), changed


@settings(deadline=None)
@given(usccs)
def test_generated_codes_are_valid(code: str) -> None:
    assert uscc.validate(code) == code


@given(usccs, st.integers(0, 17), st.sampled_from(USCC_ALPHABET))
def test_single_substitution_breaks_the_check(code: str, index: int, replacement: str) -> None:
    if replacement == code[index]:
        replacement = USCC_ALPHABET[(USCC_ALPHABET.index(replacement) + 1) % 31]
    changed = code[:index] + replacement + code[index + 1 :]
    with pytest.raises(InvalidChecksum):
        uscc.validate(changed)


@given(digit_prefixed_usccs)
def test_check_character_agrees_with_stdnum(code: str) -> None:
    assert uscc_check_char(code[:17]) == stdnum_uscc.calc_check_digit(code[:17])
    assert stdnum_uscc.is_valid(code)


def test_part_accessors() -> None:
    code = "91110000600037341L"
    assert uscc.department_name(code) == "工商"
    assert uscc.category_name(code) == "企业"
    assert uscc.region(code) == "110000"
    assert uscc.organisation_code(code) == "600037341"


def test_every_category_belongs_to_a_known_department() -> None:
    assert all(key[0] in uscc.DEPARTMENTS for key in uscc.CATEGORIES)
    assert {key[0] for key in uscc.CATEGORIES} == set(uscc.DEPARTMENTS)
