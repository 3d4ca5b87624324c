"""The national lists' own formats, as data: the columns each list publishes, in its order.

Four lists are published nationally in formats of their own (docs/list-entries.md, "National
list formats"). ``jointcredit import list-entries FILE --format NAME`` reads a file in one of
them; each row becomes a list entry like one of the generic format (the same list type,
department, natural key, period), and the entry keeps the list's own columns under their
Chinese labels, with ``"format": NAME`` beside the generic keys so that pages know which keys
are the list's own.

Column labels follow the published column sets (the lists' detail pages and the files that
deployed importers read; see docs/list-entries.md for sources and choices). :data:`FORMATS`
is simple data on purpose: ``columns`` (label → short English description, in the published
order) and ``required`` are all a schema needs.

Personal data in the own columns: a natural person's resident identity number is stored
masked there (``110101********0010``), as the lists themselves publish it; the full number is
kept once, in the entry's ``subject.id_number`` or ``persons[].id_number``, where every view
masks it as its rules say. Public pages show the own columns with persons' names masked and
without the columns in ``not_public`` (personal attributes and free text that may name
persons other than the subject, as the portal never shows a penalty's facts).

This module is light (no catalog, no database): the web pages import it.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from jointcredit.identifiers.mask import mask_name, mask_resident_id, mask_text

#: Name of the generic list-entry format (docs/list-entries.md), the import's default.
GENERIC = "generic"
#: The payload key naming the national format whose own columns an entry carries.
FORMAT_KEY = "format"


@dataclass(frozen=True, slots=True)
class ListFormat:
    """One national list's own format."""

    #: The ``--format`` value.
    name: str
    title_zh: str
    #: Catalog code of the list type its rows are entries of.
    list_type: str
    #: Catalog code of the listing department.
    department: str
    #: Column label (the Chinese header as published, also the payload key) → description, in
    #: the published order.
    columns: Mapping[str, str]
    #: Columns that must hold a value in every row (and be in the header).
    required: tuple[str, ...]
    #: The column with the subject's name.
    name_column: str
    #: Columns that identify the subject, in order of preference: the first filled one is
    #: used (a valid USCC: an organisation; a valid resident identity number: a person).
    identifier_columns: tuple[str, ...]
    #: The column whose date is the decision date (and the first day in effect); None: the
    #: year column decides it (see ``year_column``).
    date_column: str | None
    #: The column holding the decision's document number; None: composed (``document``).
    document_column: str | None = None
    #: The composed document number, ``str.format``-ed with ``date`` (ISO) and ``year``.
    document: str | None = None
    #: Every column holding a date (checked: a date, not in the future).
    date_columns: tuple[str, ...] = ()
    #: A column holding a year (评价年度): the decision date is the given month-day of the
    #: following year (``year_decided``).
    year_column: str | None = None
    year_decided: str = "04-01"
    #: Columns with a person's "name, gender, document name and number" → relation role: a
    #: full, valid resident identity number there makes the person a person reference.
    persons: Mapping[str, str] = field(default_factory=dict)
    #: Columns holding only a person's name (no identifier): kept as columns, masked publicly.
    person_names: tuple[str, ...] = ()
    #: Columns public pages leave out.
    not_public: tuple[str, ...] = ()
    #: Accepted values of coded columns.
    value_sets: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    #: Columns holding a whole number (年龄).
    numbers: tuple[str, ...] = ()
    #: Other published spellings of a header → the column.
    aliases: Mapping[str, str] = field(default_factory=dict)


_PERSON_TEXT = "姓名、性别、证件名称及号码"

COURT = ListFormat(
    name="court",
    title_zh="失信被执行人名单",
    list_type="judgment-defaulters",
    department="SPC",
    columns={
        "被执行人姓名/名称": "name of the judgment debtor (person or organisation)",
        "性别": "gender (persons)",
        "年龄": "age (persons)",
        "身份证号码/组织机构代码": "resident identity number (persons) or the organisation's "
        "unified social credit code",
        "法定代表人或者负责人姓名": "legal representative or person in charge (organisations)",
        "执行法院": "enforcing court",
        "省份": "province",
        "执行依据文号": "number of the document enforced (judgment, award)",
        "立案时间": "date the enforcement case was filed",
        "案号": "enforcement case number",
        "做出执行依据单位": "body that made the document enforced",
        "生效法律文书确定的义务": "obligations set by the effective legal document",
        "被执行人的履行情况": "performance by the debtor",
        "失信被执行人行为具体情形": "the dishonest conduct (grounds of listing)",
        "发布时间": "date of publication (the listing)",
        "已履行部分": "part performed",
        "未履行部分": "part not performed",
    },
    required=("被执行人姓名/名称", "身份证号码/组织机构代码", "执行法院", "案号", "发布时间"),
    name_column="被执行人姓名/名称",
    identifier_columns=("身份证号码/组织机构代码",),
    date_column="发布时间",
    document_column="案号",
    date_columns=("立案时间", "发布时间"),
    person_names=("法定代表人或者负责人姓名",),
    not_public=("性别", "年龄", "生效法律文书确定的义务"),
    value_sets={"性别": ("男", "女")},
    numbers=("年龄",),
    aliases={
        "被执行人姓名或名称": "被执行人姓名/名称",
        "被执行人": "被执行人姓名/名称",
        "身份证号码或组织机构代码": "身份证号码/组织机构代码",
        "法定代表人或负责人姓名": "法定代表人或者负责人姓名",
    },
)

SAMR = ListFormat(
    name="samr",
    title_zh="市场监督管理严重违法失信名单",
    list_type="samr-serious-illegal-dishonest",
    department="SAMR",
    columns={
        "统一社会信用代码": "unified social credit code of the party",
        "企业名称": "name of the party (enterprise)",
        "列入决定书文号": "number of the listing decision",
        "列入原因": "reason for listing",
        "作出决定机关": "authority that decided the listing",
        "列入日期": "date of listing",
    },
    required=("统一社会信用代码", "企业名称", "列入决定书文号", "列入原因", "列入日期"),
    name_column="企业名称",
    identifier_columns=("统一社会信用代码",),
    date_column="列入日期",
    document_column="列入决定书文号",
    date_columns=("列入日期",),
    aliases={
        "统一社会信用代码/注册号": "统一社会信用代码",
        "当事人名称": "企业名称",
        "名称": "企业名称",
        "列入严重违法失信名单原因": "列入原因",
        "列入严重违法失信企业名单（黑名单）原因": "列入原因",
        "列入严重违法失信企业名单(黑名单)原因": "列入原因",
        "作出决定机关（列入）": "作出决定机关",
        "作出决定机关(列入)": "作出决定机关",
    },
)

TAX_VIOLATIONS = ListFormat(
    name="tax-violations",
    title_zh="重大税收违法失信主体",
    list_type="major-tax-violation-parties",
    department="SAT",
    columns={
        "纳税人名称": "name of the taxpayer",
        "纳税人识别号": "taxpayer identification number (a USCC; a person's: the resident "
        "identity number)",
        "组织机构代码": "organisation code",
        "注册地址": "registered address",
        "法定代表人或者负责人" + _PERSON_TEXT: "legal representative or person in charge: "
        "name, gender, identity document and number",
        "负有直接责任的财务负责人" + _PERSON_TEXT: "directly responsible head of finance: "
        "name, gender, identity document and number",
        "负有直接责任的中介机构信息及其从业人员信息": "intermediaries directly responsible and "
        "their staff",
        "案件性质": "nature of the case",
        "主要违法事实": "main facts of the violation",
        "相关法律依据及税务处理处罚情况": "legal basis and the tax treatment and penalties",
        "统一社会信用代码": "unified social credit code (where given beside 纳税人识别号)",
        "检查机关": "tax authority that investigated",
        "发布时间": "date of publication (the listing)",
    },
    required=("纳税人名称", "纳税人识别号", "案件性质", "发布时间"),
    name_column="纳税人名称",
    identifier_columns=("统一社会信用代码", "纳税人识别号"),
    date_column="发布时间",
    document="重大税收违法失信主体公布（{date}）",
    date_columns=("发布时间",),
    persons={
        "法定代表人或者负责人" + _PERSON_TEXT: "legal-representative",
        "负有直接责任的财务负责人" + _PERSON_TEXT: "directly-responsible-person",
    },
    not_public=("负有直接责任的中介机构信息及其从业人员信息", "主要违法事实"),
    aliases={
        "纳税人识别号或社会信用代码": "纳税人识别号",
        "纳税人识别号/统一社会信用代码": "纳税人识别号",
        "法定代表人或负责人" + _PERSON_TEXT: "法定代表人或者负责人" + _PERSON_TEXT,
        "公布时间": "发布时间",
        "公布日期": "发布时间",
        "发布日期": "发布时间",
        "所属税务机关": "检查机关",
    },
)

TAX_A_GRADE = ListFormat(
    name="tax-a-grade",
    title_zh="纳税信用A级纳税人名单",
    list_type="a-grade-taxpayers",
    department="SAT",
    columns={
        "纳税人识别号": "taxpayer identification number (the USCC)",
        "纳税人名称": "name of the taxpayer",
        "信用级别": "credit grade (A)",
        "评价年度": "year evaluated",
        "税务机关": "tax authority",
    },
    required=("纳税人识别号", "纳税人名称", "评价年度"),
    name_column="纳税人名称",
    identifier_columns=("纳税人识别号",),
    date_column=None,
    document="{year}年度纳税信用A级",
    year_column="评价年度",
    value_sets={"信用级别": ("A", "A级")},
    aliases={"纳税信用级别": "信用级别", "纳税信用等级": "信用级别", "主管税务机关": "税务机关"},
)

#: The national list formats by ``--format`` name.
FORMATS: dict[str, ListFormat] = {f.name: f for f in (COURT, SAMR, TAX_VIOLATIONS, TAX_A_GRADE)}
#: Every value ``--format`` accepts, the default first.
CHOICES: tuple[str, ...] = (GENERIC, *FORMATS)


def choice(name: str | None) -> str:
    """``name`` checked as a ``--format`` value (None: the generic format).

    >>> choice(None), choice("court")
    ('generic', 'court')
    >>> choice("pdf")  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ValueError: 'pdf' is not a list-entry format; accepted: generic, court, samr, ...
    """
    if name is None or name == GENERIC:
        return GENERIC
    if name not in FORMATS:
        raise ValueError(f"{name!r} is not a list-entry format; accepted: " + ", ".join(CHOICES))
    return name


# -- persons in a cell -------------------------------------------------------------------------

_SEPARATORS = re.compile(r"[，,、;；/|\s]+")
_NUMBER = re.compile(r"[0-9０-９][0-9０-９Xxｘ*＊×]{5,}|[*＊×]{2,}[0-9０-９Xx*＊×]{3,}")
_MASK_CHARACTERS = frozenset("*＊×")
_GENDERS = frozenset({"男", "女"})


@dataclass(frozen=True, slots=True)
class PersonText:
    """A cell with a person's "name, gender, document name and number", as read."""

    name: str | None
    gender: str | None
    document: str | None
    number: str | None


def person_text(text: str) -> PersonText:
    """Read a person's "name, gender, document name and number" cell.

    >>> person_text("王测试，男，居民身份证 110101198001010010")
    PersonText(name='王测试', gender='男', document='居民身份证', number='110101198001010010')
    >>> person_text("李某 女 身份证号码:4101**********1234")
    PersonText(name='李某', gender='女', document='身份证号码', number='4101**********1234')
    """
    name = gender = document = number = None
    for token in _SEPARATORS.split(text.replace("：", ":").strip()):
        token = token.strip(":")
        if not token:
            continue
        found = _NUMBER.search(token)
        if found is not None and number is None:
            number = found.group()
            head = token[: found.start()].strip(":")
            if head:
                document = document or head
            continue
        if token in _GENDERS and gender is None:
            gender = token
        elif token.endswith(("证", "证件", "照", "证号码", "证号")) and document is None:
            document = token
        elif name is None:
            name = token
    return PersonText(name, gender, document, number)


def is_masked(number: str) -> bool:
    """Whether an identity number is shown masked (``4101**********1234``)."""
    return any(c in _MASK_CHARACTERS for c in number)


# -- values kept and shown -------------------------------------------------------------------


def stored_value(fmt: ListFormat, label: str, value: str, *, natural: bool) -> str:
    """A cell as the entry keeps it: a natural person's resident identity number masked (the
    full number is the subject's or a person reference's, kept there once)."""
    if label in fmt.identifier_columns and natural and not is_masked(value):
        return mask_resident_id(value)
    if label in fmt.persons:
        return mask_text(value)
    return value


def own_columns(payload: Any) -> list[tuple[str, str]]:
    """The list's own columns a stored entry carries, in the format's order, as (label,
    value); empty for an entry of the generic format."""
    if not isinstance(payload, Mapping):
        return []
    fmt = FORMATS.get(str(payload.get(FORMAT_KEY) or ""))
    if fmt is None:
        return []
    return [
        (label, value)
        for label in fmt.columns
        if isinstance(value := payload.get(label), str) and value
    ]


def public_columns(payload: Any) -> dict[str, str]:
    """The own columns as public pages show them: persons' names and identity numbers
    masked, the columns a format keeps from the public left out."""
    shown = own_columns(payload)
    if not shown:
        return {}
    fmt = FORMATS[str(payload[FORMAT_KEY])]
    subject = payload.get("subject")
    natural = isinstance(subject, Mapping) and subject.get("kind") == "natural-person"
    out: dict[str, str] = {}
    for label, value in shown:
        if label in fmt.not_public:
            continue
        if label in fmt.persons:
            value = _masked_person(value)
        elif label in fmt.person_names or (natural and label == fmt.name_column):
            value = mask_name(value)
        elif natural and label in fmt.identifier_columns:
            value = value if is_masked(value) else mask_resident_id(value)
        out[label] = mask_text(value)
    return out


def _masked_person(text: str) -> str:
    person = person_text(text)
    parts = [
        mask_name(person.name) if person.name else None,
        person.gender,
        " ".join(
            p
            for p in (
                person.document,
                person.number
                if person.number is None or is_masked(person.number)
                else mask_resident_id(person.number),
            )
            if p
        )
        or None,
    ]
    return "，".join(p for p in parts if p)


__all__ = [
    "CHOICES",
    "COURT",
    "FORMATS",
    "FORMAT_KEY",
    "GENERIC",
    "SAMR",
    "TAX_A_GRADE",
    "TAX_VIOLATIONS",
    "ListFormat",
    "PersonText",
    "choice",
    "is_masked",
    "own_columns",
    "person_text",
    "public_columns",
    "stored_value",
]
