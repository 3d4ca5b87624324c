"""The code tables of the national double-publicity formats: each coded field's values, as
codes and as labels, with where each table comes from (docs/formats.md).

Departments' systems send either: "1" or "有效", "001" or "身份证". A cell is read as the code,
then as the label, then as one of the other spellings seen in real files; what is stored is the
label, so that a file sent with codes and the same file sent with labels make the same record.

>>> STATUS_2016.label('0'), STATUS_2016.label('正常'), STATUS_2016.code('撤销')
('正常', '正常', '1')
>>> STATUS_CURRENT.label('3')
Traceback (most recent call last):
ValueError: '3' is not one of 1 有效, 2 无效
>>> ID_DOCUMENT.label('01'), ID_DOCUMENT.label('居民身份证'), ID_DOCUMENT.label('其他-军官证')
('身份证', '身份证', '其他-军官证')
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Final

from jointcredit.messages.reasons import Reason


@dataclass(frozen=True, slots=True)
class CodeTable:
    """One coded field's values: ``entries`` as (code, label) in the table's order; a label
    without a code has "" (the national format fills it as text)."""

    name: str
    entries: tuple[tuple[str, str], ...]
    #: Other spellings seen in real files → the label they mean.
    aliases: Mapping[str, str] = field(default_factory=dict)
    #: Further codes (not the table's own) → the spelling they stand for.
    codes: Mapping[str, str] = field(default_factory=dict)
    #: A prefix that makes any value acceptable as it is ("其他-…": a document named in full).
    prefix: str | None = None
    #: Where the table comes from, and how sure that is (docs/formats.md).
    source: str = ""
    _lookup: dict[str, str] = field(init=False, repr=False, compare=False)
    _code_of: dict[str, str] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        lookup = {label: label for _, label in self.entries}
        lookup.update(self.aliases)
        lookup.update((code, self.aliases.get(to, to)) for code, to in self.codes.items())
        # A code wins over a spelling that looks like it.
        lookup.update((code, label) for code, label in self.entries if code)
        object.__setattr__(self, "_lookup", lookup)
        object.__setattr__(self, "_code_of", {lab: code for code, lab in self.entries if code})

    @property
    def labels(self) -> tuple[str, ...]:
        return tuple(label for _, label in self.entries)

    def is_code(self, text: str) -> bool:
        """Whether ``text`` is one of the table's codes (not a label or a spelling)."""
        return text in self.codes or any(text == code for code, _ in self.entries if code)

    def accepted(self) -> str:
        """The values as an error message names them: ``1 有效, 2 无效``."""
        listed = ", ".join(f"{code} {label}".strip() for code, label in self.entries)
        codes = ", ".join(f"{c} {t}" for c, t in self.codes.items())
        if self.codes and self.prefix:
            return Reason(
                "code.values-codes-prefix", values=listed, codes=codes, prefix=self.prefix
            )
        if self.codes:
            return Reason("code.values-codes", values=listed, codes=codes)
        if self.prefix:
            return Reason("code.values-prefix", values=listed, prefix=self.prefix)
        return Reason("code.values", values=listed)

    def label(self, text: str) -> str:
        """The label ``text`` means (a code, a label or a known spelling), or ValueError."""
        found = self.get(text)
        if found is None:
            raise ValueError(Reason("code.not-accepted", value=text, accepted=self.accepted()))
        return found

    def get(self, text: str) -> str | None:
        text = text.strip()
        found = self._lookup.get(text)
        if (
            found is None
            and self.prefix
            and text.startswith(self.prefix)
            and text[len(self.prefix) :]
        ):
            return text
        return found

    def code(self, text: str) -> str:
        """The table's code for a value (its label where the table has no code for it)."""
        label = self.label(text)
        return self._code_of.get(label, label)

    def to_dict(self) -> dict[str, object]:
        return {
            "name": self.name,
            "values": [{"code": c or None, "label": lab} for c, lab in self.entries],
            "codes": dict(self.codes),
            "also_accepted": dict(self.aliases),
            "source": self.source,
        }


_NDRC_2019 = (
    "the 2019 format's filling rules, quoted in a provincial interface's code: text values "
    "(docs/formats.md); no national numeric codes were found"
)
_LOCAL_CODES = (
    "two-digit codes of a deployed law-enforcement system, accepted beside the national text "
    "values (one source; not national: docs/formats.md)"
)
_TEMPLATE_2016 = (
    "the 2016 templates' filling notes as deployed uploaders carry them (docs/formats.md)"
)

#: 当前状态 in the 2016 templates (two sources).
STATUS_2016: Final = CodeTable(
    "当前状态 (2016)",
    (("0", "正常"), ("1", "撤销"), ("2", "异议"), ("3", "其他")),
    aliases={"有效": "正常"},
    source=_TEMPLATE_2016,
)

#: 当前状态 of a licence in the later format. Only the value "1" was seen in files; that 2 is
#: 无效 is an assumption (docs/formats.md). The spellings read before codes (注销, 撤销 …) are
#: still accepted: they say more than 无效.
STATUS_CURRENT: Final = CodeTable(
    "当前状态",
    (("1", "有效"), ("2", "无效")),
    aliases={"正常": "有效", "存续": "有效"},
    source="one file's value '1'; the labels as the issue tracker states them (unconfirmed)",
)

#: Labels of 当前状态 beyond the table's that a department's file may say of a licence, and
#: the record status each becomes.
STATUS_WORDS: Final[Mapping[str, str]] = {
    "有效": "active",
    "正常": "active",
    "其他": "active",
    # A departmental system's 异议 has none of the platform's objection procedure behind it (time
    # limits, history, notices), and a later file saying 正常 could not lift a suspension the
    # platform keeps for its own objections: the record stays active; an objection is filed
    # on the platform (docs/formats.md).
    "异议": "active",
    "无效": "cancelled",
    "注销": "cancelled",
    "撤销": "revoked",
    "撤回": "revoked",
    "吊销": "revoked",
}

#: 相对人类别 (行政相对人类别): text in the national format.
SUBJECT_CATEGORY: Final = CodeTable(
    "相对人类别",
    (("", "法人及非法人组织"), ("", "自然人"), ("", "个体工商户")),
    aliases={
        "法人": "法人及非法人组织",
        "非法人组织": "法人及非法人组织",
        "法人及其他组织": "法人及非法人组织",
        "法人和非法人组织": "法人及非法人组织",
        "法人和其他组织": "法人及非法人组织",
    },
    codes={"01": "自然人", "02": "法人", "03": "非法人组织", "04": "个体工商户"},
    source=f"{_NDRC_2019}; codes: {_LOCAL_CODES}",
)

#: 许可类别 (行政许可法 Art 12): text in the national format.
LICENCE_CATEGORY: Final = CodeTable(
    "许可类别",
    (
        ("01", "普通"),
        ("02", "特许"),
        ("03", "认可"),
        ("04", "核准"),
        ("05", "登记"),
        ("06", "其他"),
    ),
    aliases={"其它": "其他"},
    source=f"{_NDRC_2019}; codes: {_LOCAL_CODES}",
)

#: 审批类别 of the 2016 template: the same categories, numbered from 0 (one source).
LICENCE_CATEGORY_2016: Final = CodeTable(
    "审批类别 (2016)",
    (("0", "普通"), ("1", "特许"), ("2", "认可"), ("3", "核准"), ("4", "登记"), ("5", "其他")),
    aliases={"其它": "其他"},
    source=_TEMPLATE_2016,
)

_PENALTY_LABELS = (
    "警告", "通报批评", "罚款", "没收违法所得", "没收非法财物", "暂扣许可证件", "降低资质等级",
    "吊销许可证件", "限制开展生产经营活动", "责令停产停业", "责令关闭", "限制从业", "行政拘留",
    "其他",
)  # fmt: skip

#: 处罚类别 (行政处罚法 Art 9, 2021): text in the national format. The 1996 law's wording
#: (Art 8), still sent by systems of the 2016 template, is accepted too.
PENALTY_CATEGORY: Final = CodeTable(
    "处罚类别",
    tuple(("", label) for label in _PENALTY_LABELS),
    aliases={
        "其它": "其他",
        "暂扣许可证": "暂扣许可证件",
        "吊销许可证": "吊销许可证件",
        "吊销执照": "吊销许可证件",
        "吊销营业执照": "吊销许可证件",
        # 1996 law: "暂扣或者吊销许可证、暂扣或者吊销执照" does not say which. The lesser
        # reading is taken: publication may be lengthened by a correction, never recalled.
        "暂扣或者吊销许可证": "暂扣许可证件",
        "暂扣或者吊销执照": "暂扣许可证件",
        "暂扣或吊销许可证": "暂扣许可证件",
        "暂扣或吊销执照": "暂扣许可证件",
    },
    source="行政处罚法 (2021) Art 9; the 2019 format fills the category as text",
)

#: 处罚类别1/2 of the 2016 template: the 1996 law's categories, numbered from 0 (one source).
PENALTY_CATEGORY_2016: Final = CodeTable(
    "处罚类别 (2016)",
    (
        ("0", "警告"),
        ("1", "罚款"),
        ("2", "没收违法所得、没收非法财物"),
        ("3", "责令停产停业"),
        ("4", "暂扣或者吊销许可证、暂扣或者吊销执照"),
        ("5", "行政拘留"),
        ("6", "其他"),
    ),
    aliases={
        "没收违法所得": "没收违法所得、没收非法财物",
        "没收非法财物": "没收违法所得、没收非法财物",
    },
    source=_TEMPLATE_2016,
)

#: The severity tier a penalty of each category falls in by default (信用修复管理办法, NDRC
#: Order 36); the most severe category of a decision wins.
PENALTY_TIERS: Final[Mapping[str, str]] = {
    "警告": "minor",
    "通报批评": "minor",
    "罚款": "general",
    "没收违法所得": "general",
    "没收非法财物": "general",
    "暂扣许可证件": "general",
    "降低资质等级": "general",
    "吊销许可证件": "severe",
    "限制开展生产经营活动": "general",
    "责令停产停业": "general",
    "责令关闭": "severe",
    "限制从业": "severe",
    "行政拘留": "severe",
    "其他": "general",
}
assert set(PENALTY_TIERS) == set(PENALTY_CATEGORY.labels)

#: 证件类型 of a natural person or a legal representative: text in the national format;
#: "其他-…" names another document.
ID_DOCUMENT: Final = CodeTable(
    "证件类型",
    (
        ("01", "身份证"),
        ("02", "护照号"),
        ("03", "港澳居民来往内地通行证"),
        ("04", "台湾居民来往大陆通行证"),
        ("05", "外国人永久居留身份证"),
    ),
    aliases={
        "居民身份证": "身份证",
        "身份证号": "身份证",
        "身份证号码": "身份证",
        "护照": "护照号",
    },
    prefix="其他-",
    source=f"{_NDRC_2019}; codes: {_LOCAL_CODES}",
)

#: Every table, by the name docs and schemas use.
TABLES: Final[Mapping[str, CodeTable]] = {
    "status": STATUS_CURRENT,
    "subject-category": SUBJECT_CATEGORY,
    "licence-category": LICENCE_CATEGORY,
    "penalty-category": PENALTY_CATEGORY,
    "id-document": ID_DOCUMENT,
    "status-2016": STATUS_2016,
    "licence-category-2016": LICENCE_CATEGORY_2016,
    "penalty-category-2016": PENALTY_CATEGORY_2016,
}
