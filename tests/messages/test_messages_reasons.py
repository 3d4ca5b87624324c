"""Validators' reasons in Chinese and English (issue 18): one catalog, rendered late."""

from __future__ import annotations

import csv
import datetime as dt
import pickle
import re
import string
from pathlib import Path

import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st
from stdnum.exceptions import ValidationError
from tests.importing.rows import penalty_row, write_csv

from jointcredit.errors import (
    ConflictError,
    DatabaseNotReadyError,
    InputFileError,
    InvalidInputError,
    NotFoundError,
    PermissionDeniedError,
)
from jointcredit.identifiers import check, orgcode, regnum, ric, uscc
from jointcredit.identifiers.checkchars import ric_check_char
from jointcredit.importing.formats import PENALTIES
from jointcredit.messages import Reason, current, reason_of, render, set_language, using
from jointcredit.messages.catalog import CATALOG
from jointcredit.messages.errors import error_text
from jointcredit.messages.reasons import parsed
from jointcredit.services.check import CheckInputError
from jointcredit.services.imports import import_file
from jointcredit.services.registry import open_registry

TODAY = dt.date(2026, 11, 27)
CJK = re.compile(r"[\u4e00-\u9fff]")
FIELD = re.compile(r"{(\w+)")


def _person(born: str = "19900307", serial: str = "123") -> str:
    first17 = "110105" + born + serial
    return first17 + ric_check_char(first17)


# -- the catalog ----------------------------------------------------------------------------------


@pytest.mark.parametrize("code", sorted(CATALOG))
def test_every_reason_has_chinese_over_the_same_parameters(code: str) -> None:
    english, chinese = CATALOG[code]
    # Only a list of accepted values (the codes' own Chinese labels) is passed on as it is.
    assert CJK.search(chinese) or code == "code.values", f"{code}: the Chinese is not Chinese"
    assert set(FIELD.findall(chinese)) <= set(FIELD.findall(english)), code


# -- each identifier, in both languages -----------------------------------------------------------

CASES = [
    (lambda: uscc.validate("91110000600037341"), "uscc.length",
     "统一社会信用代码应为18位，实为17位", "a USCC has 18 characters, got 17"),
    (lambda: uscc.validate("9111000060003734IL"), "uscc.character",
     "第17位字符“I”不是统一社会信用代码允许的字符（可用数字和除I、O、S、V、Z以外的大写字母）",
     "character 'I' at position 17 is not a USCC character (digits and upper-case letters "
     "except I, O, S, V, Z)"),
    (lambda: uscc.validate("91110000600037341A"), "uscc.checksum", "校验码应为“L”，实为“A”",
     "check character is 'A', expected 'L'"),
    (lambda: ric.validate("1101051949123100", TODAY), "ric.length", "身份证号码应为18位，实为16位",
     "a resident identity number has 18 characters, got 16"),
    (lambda: ric.validate("110105209913010021", TODAY), "ric.birth-date",
     "出生日期无效：第7—14位“20991301”不是有效日期",
     "birth date 20991301 (positions 7–14) is not a date"),
    (lambda: ric.validate(_person("20300101"), TODAY), "ric.birth-future",
     "出生日期无效：第7—14位“20300101”晚于今天（2026-11-27）",
     "birth date 20300101 (positions 7–14) is in the future (today is 2026-11-27)"),
    (lambda: ric.validate("110105194912310021", TODAY), "ric.checksum",
     "校验码错误：应为“X”，实为“1”", "check character is '1', expected 'X'"),
    (lambda: ric.validate("11010519491231002Y", TODAY), "ric.check-character",
     "第18位校验码“Y”既不是数字也不是X",
     "check character 'Y' (position 18) is neither a digit nor X"),
    (lambda: orgcode.validate("60003734-2"), "orgcode.checksum", "校验码应为“1”，实为“2”",
     "check character is '2', expected '1'"),
    (lambda: orgcode.validate("6000373"), "orgcode.length", "组织机构代码应为9位，实为7位",
     "an organisation code has 9 characters, got 7"),
    (lambda: regnum.validate("11000000000000"), "regnum.length", "注册号应为15位数字，实为14位",
     "a registration number has 15 digits, got 14"),
    (lambda: regnum.validate("1100000000000A9"), "regnum.character", "第14位字符“A”不是数字",
     "character 'A' at position 14 is not a digit"),
]  # fmt: skip


@pytest.mark.parametrize(("call", "code", "zh", "en"), CASES, ids=[c[1] for c in CASES])
def test_an_identifiers_reason_in_chinese_and_english(call, code: str, zh: str, en: str) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(ValidationError) as raised:
        call()
    assert str(raised.value) == en  # python-stdnum's exception, its text English as always
    reason = reason_of(raised.value)
    assert isinstance(reason, Reason) and reason.code == code
    assert render(reason, "zh") == zh and render(reason, "en") == en
    # It crosses from the import's reading process intact, and its English reads back (as a
    # reason of the same English: the three checksums say the same).
    assert pickle.loads(pickle.dumps(reason)).in_language("zh") == zh
    again = parsed(en)
    assert again is not None and again == en and CATALOG[again.code][0] == CATALOG[code][0]


def test_warnings_in_chinese() -> None:
    result = check("B9999999600037341U")
    assert result.valid
    assert [render(w, "zh") for w in result.warnings] == [
        "第1位登记管理部门代码“B”不是已知的登记管理部门",
        "第3—8位登记管理机关行政区划码999999不是已知的行政区划代码",
    ]
    (warning,) = check("110000000000001").warnings
    assert render(warning, "zh").startswith("校验位应为“9”，实为“1”")


def test_an_invisible_character_is_named_by_its_code_point() -> None:
    result = check("9111\u00850000")
    assert result.error is not None
    assert render(result.error, "zh") == "第5位字符“U+0085”不是任何代码使用的字符"


# -- every invalid identifier has a Chinese reason, and no person's number ------------------------

_TYPED = st.text(alphabet=string.digits + "XxIOZ统- ", max_size=22)


@st.composite
def _mistyped_person(draw: st.DrawFn) -> str:
    """A person's number with one character changed, dropped or doubled."""
    number = list(_person(draw(st.sampled_from(["19491231", "20000229", "19800101"]))))
    at = draw(st.integers(0, 17))
    how = draw(st.sampled_from(["change", "drop", "double"]))
    if how == "change":
        number[at] = draw(st.sampled_from("0123456789XA"))
    elif how == "drop":
        del number[at]
    else:
        number.insert(at, number[at])
    return "".join(number)


@settings(max_examples=400, deadline=None)
@given(st.one_of(_TYPED, _mistyped_person()))
@example("")
@example("110105209913010021")
def test_every_invalid_identifier_has_a_chinese_reason(raw: str) -> None:
    result = check(raw, today=TODAY)
    if result.valid:
        return
    assert result.error is not None
    zh, en = render(result.error, "zh"), render(result.error, "en")
    assert CJK.search(zh), f"no Chinese for {raw!r}: {zh}"
    assert zh != en
    if len(result.normalized) >= 15:  # long enough to be (most of) a person's number
        assert result.normalized not in zh and result.normalized not in en


# -- the language chosen --------------------------------------------------------------------------


def test_a_block_wins_over_the_process_and_the_process_over_the_setting() -> None:
    reason = Reason("row.required")
    try:
        set_language("en")
        assert current() == "en" and render(reason) == "required field is empty"
        with using("zh"):
            assert render(reason) == "必填项为空"
        assert render(reason) == "required field is empty"
    finally:
        set_language(None)
    with pytest.raises(ValueError, match="'fr'"):
        set_language("fr")  # type: ignore[arg-type]


# -- errors at the command line -------------------------------------------------------------------


@pytest.mark.parametrize(
    ("error", "zh"),
    [
        (NotFoundError("no subject with identifier 91110000600037341L"),
         "未找到代码为91110000600037341L的主体"),
        (NotFoundError("unknown department 'XYZ'"), "目录中没有部门“XYZ”"),
        (InputFileError("/tmp/a.csv: no such file"), "/tmp/a.csv：文件不存在"),
        (DatabaseNotReadyError("the database is at schema revision 0012, the code needs 0013: "
                               "run `jointcredit db upgrade`"),
         "数据库结构版本为0012，本程序需要0013：请先运行 jointcredit db upgrade"),
        (PermissionDeniedError("the role auditor may not submit"), "角色auditor无权submit"),
        (CheckInputError("'9111000060003734IL' is not a valid USCC or resident identity number: "
                         "character 'I' at position 17 is not a USCC character (digits and "
                         "upper-case letters except I, O, S, V, Z)"),
         "'9111000060003734IL'不是有效的统一社会信用代码或身份证号码：第17位字符“I”不是统一社会"
         "信用代码允许的字符（可用数字和除I、O、S、V、Z以外的大写字母）"),
        (ValidationError(Reason("ric.length", got=3)), "身份证号码应为18位，实为3位"),
        (NotFoundError("no report with this receipt code"), "没有与该回执码对应的举报"),
        (InvalidInputError("file: 'setup.pdf' is not a PDF, OFD, PNG or JPEG document"),
         "文件“setup.pdf”不是PDF、OFD、PNG或JPEG文档"),
        (InvalidInputError("handler: 'nobody' is not an active staff account of department SPC "
                           "that handles reports (its accounts that do: demo.reviewer, "
                           "demo.reviewer2)"),
         "承办人“nobody”不是部门SPC办理举报的在用工作人员账号"
         "（可分派：demo.reviewer, demo.reviewer2）"),
        (ConflictError("record 7 already has an open objection: objection 3 (open, due "
                       "2026-12-29); one objection at a time per record"),
         "信用记录7已有未办结的异议（编号3，2026-12-29到期）：同一记录同时只能有一件异议"),
    ],
)  # fmt: skip
def test_common_errors_in_chinese_others_in_english(error: Exception, zh: str) -> None:
    assert error_text(error, "zh") == zh
    assert error_text(error, "en") == str(error)


def test_a_rare_error_stays_english() -> None:
    rare = NotFoundError("department XYZ has no webhook subscription")
    assert error_text(rare, "zh") == str(rare)


# -- the rejects file -----------------------------------------------------------------------------


@pytest.mark.parametrize(("lang", "reason"), [("zh", "“-1”是负数"), ("en", "'-1' is negative")])
def test_the_rejects_file_is_in_the_language_chosen(
    sqlite_url: str, tmp_path: Path, lang: str, reason: str
) -> None:
    path = write_csv(tmp_path / "p.csv", [penalty_row(1, CF_NR_FK="-1")], PENALTIES)
    engine = open_registry(sqlite_url)
    try:
        with using(lang):  # type: ignore[arg-type]
            summary = import_file(engine, "penalty", path, today=TODAY)
    finally:
        engine.dispose()
    assert summary.rejected_rows == 1
    # The summary (the API's, the JSON's) keeps the English.
    assert summary.rejected[0]["error"] == "'-1' is negative"
    assert summary.rejects_file is not None
    with open(summary.rejects_file, encoding="utf-8-sig", newline="") as f:
        rows = list(csv.DictReader(f))
    assert rows[0]["error"] == f"CF_NR_FK: {reason}"
