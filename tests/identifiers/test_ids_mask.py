"""Masking of personal identifiers and names."""

from __future__ import annotations

import pytest

from jointcredit.identifiers import (
    IdentifierType,
    check,
    mask_identifier,
    mask_name,
    mask_resident_id,
)


def test_resident_id_keeps_division_and_last_four() -> None:
    assert mask_resident_id("110101199003071234") == "110101********1234"
    assert mask_resident_id("11010119900307123x") == "110101********123X"
    assert mask_resident_id("110101-19900307-123X") == "110101********123X"


def test_resident_id_first_generation_and_garbage() -> None:
    assert mask_resident_id("110101900307123") == "110101*****7123"
    assert mask_resident_id("12345678") == "********"
    assert mask_resident_id("") == ""


@pytest.mark.parametrize(
    ("name", "masked"),
    [
        ("张三", "张*"),
        ("李小龙", "李**"),
        ("欧阳娜娜", "欧阳**"),
        ("欧阳锋", "欧阳*"),
        ("欧阳", "欧*"),
        ("司马相如", "司马**"),
        ("王", "*"),
        ("", ""),
        (" 张三 ", "张*"),
        ("买买提·艾力", "买**·**"),
    ],
)
def test_name_keeps_surname(name: str, masked: str) -> None:
    assert mask_name(name) == masked


@pytest.mark.parametrize(
    ("code", "kind", "masked"),
    [
        ("110101199003071234", IdentifierType.RESIDENT_ID, "110101********1234"),
        ("110101199003071234", "resident-id", "110101********1234"),
        ("91110000600037341L", IdentifierType.USCC, "91110000600037341L"),
        ("60003734-1", "org-code", "60003734-1"),
        ("110000000000009", IdentifierType.REGISTRATION_NUMBER, "110000000000009"),
        ("A-PERSONAL-42", None, "*" * 11),
    ],
)
def test_mask_identifier(code: str, kind: IdentifierType | str | None, masked: str) -> None:
    assert mask_identifier(code, kind) == masked


@pytest.mark.parametrize(
    ("code", "kind", "masked"),
    [
        # Types the registry stores besides IdentifierType.
        ("事证第112345678901号", "institution-certificate", "事证第112345678901号"),
        ("51110000500000000X", "social-organization-certificate", "51110000500000000X"),
        ("440300600037341", "tax-number", "440300600037341"),  # region + organisation code
        ("11010519491231002X", "tax-number", "110105********002X"),  # owner's resident id
        ("11010519491231002X01", "tax-number", "110105**********2X01"),
        ("110105491231002", "tax-number", "110105*****1002"),  # 15-digit id, org check fails
        ("护照:E12345678", "other-document", "护照:*********"),
        ("11010519491231002X", "passport", "110105********002X"),  # unknown type: personal
    ],
)
def test_mask_identifier_registry_types(code: str, kind: str, masked: str) -> None:
    assert mask_identifier(code, kind) == masked


def test_mask_after_check() -> None:
    result = check("110101199003071234")
    assert mask_identifier(result.normalized, result.type).count("*") == 8
