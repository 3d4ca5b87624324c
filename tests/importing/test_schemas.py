"""The formats' JSON Schemas: valid schemas, true of the sample files, served, documented."""

from __future__ import annotations

import json
from pathlib import Path

import jsonschema
import pytest

from jointcredit.importing import formats, schemas

from .rows import licensing_row, penalty_row, resident_id
from .test_generations import licensing_2016, penalty_2016

DOCS = Path(__file__).resolve().parents[2] / "docs"


def _validator(name: str) -> jsonschema.Draft202012Validator:
    return jsonschema.Draft202012Validator(
        schemas.schema(name), format_checker=jsonschema.FormatChecker()
    )


def _filled(row: dict[str, str]) -> dict[str, str]:
    """A row as a reader hands it on: empty cells left out."""
    return {k: v for k, v in row.items() if v}


@pytest.mark.parametrize("name", schemas.names())
def test_every_schema_is_a_valid_json_schema(name: str) -> None:
    jsonschema.Draft202012Validator.check_schema(schemas.schema(name))


SAMPLES = {
    "licensing": [
        licensing_row(1),
        licensing_row(2, XK_XKLB="02", XK_ZT="2", XK_FR_ZJLX="01", XK_YXQZI="长期"),
        licensing_row(
            3,
            XK_XDR_LB="自然人",
            XK_XDR_SHXYM="",
            XK_XDR_ZJLX="其他-军官证",
            XK_XDR_ZJHM="军字第000001号",
        ),
    ],
    "penalties": [
        penalty_row(1),
        penalty_row(2, CF_CFLB="罚款;没收违法所得", CF_NR_FK="0.2", CF_JDRQ="2024/3/5"),
        penalty_row(3, CF_XDR_LB="个体工商户", CF_FR_ZJLX="居民身份证"),
    ],
    "licensing-2016": [
        licensing_2016(1),
        licensing_2016(2, XK_SPLB="特许", XK_ZT="正常"),
        licensing_2016(3, XK_XDR_SHXYM="", XK_XDR_SFZ=resident_id(3)),
    ],
    "penalties-2016": [
        penalty_2016(1),
        penalty_2016(2, CF_CFLB1="警告", CF_CFLB2="2"),
        {("CF_AJMC" if k == "CF_CFMC" else k): v for k, v in penalty_2016(3, CF_ZT="1").items()},
    ],
}

BAD = {
    "licensing": [licensing_row(4, XK_XKLB="许可"), licensing_row(5, XK_ZT="3")],
    "penalties": [penalty_row(4, CF_CFLB="罚金"), penalty_row(5, CF_NR_FK="1,000")],
    "licensing-2016": [licensing_2016(4, XK_SPLB="7"), licensing_2016(5, XK_JDRQ="yesterday")],
    "penalties-2016": [penalty_2016(4, CF_CFLB1="罚金"), penalty_2016(5, CF_ZT="4")],
}


@pytest.mark.parametrize("name", sorted(SAMPLES))
def test_the_sample_rows_are_valid_and_the_bad_ones_are_not(name: str) -> None:
    validator = _validator(name)
    for row in SAMPLES[name]:
        errors = [e.message for e in validator.iter_errors(_filled(row))]
        assert errors == [], (row, errors)
    for row in BAD[name]:
        assert not validator.is_valid(_filled(row)), row


def test_a_row_without_a_required_field_is_invalid() -> None:
    row = _filled(penalty_row(1))
    del row["CF_WSH"]
    assert not _validator("penalties").is_valid(row)
    old = _filled(penalty_2016(1))
    del old["CF_CFMC"]
    assert not _validator("penalties-2016").is_valid(old)
    old["CF_AJMC"] = "虚假宣传案"  # the variant spelling fills it
    assert _validator("penalties-2016").is_valid(old)


def test_schemas_follow_the_formats_field_order() -> None:
    assert schemas.schema("licensing")["x-field-order"] == list(formats.LICENSING)
    assert schemas.schema("penalties-2016")["x-field-order"] == list(formats.PENALTIES_2016)


def test_docs_keep_every_schema_and_every_field() -> None:
    text = (DOCS / "formats.md").read_text("utf-8")
    for name in schemas.names():
        stored = json.loads((DOCS / "schemas" / f"{name}.json").read_text("utf-8"))
        assert stored == schemas.schema(name), (
            f"docs/schemas/{name}.json is out of date: "
            "python -m jointcredit.importing.schemas docs/schemas"
        )
        assert f"schemas/{name}.json" in text, f"docs/formats.md does not link {name}"
    for spec in (formats.LICENSING, formats.PENALTIES, formats.LICENSING_2016,
                 formats.PENALTIES_2016):  # fmt: skip
        for field in spec:
            assert f"`{field}`" in text, f"docs/formats.md does not describe {field}"
