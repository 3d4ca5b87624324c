"""The national double-publicity formats (双公示): field names in file order, in both
generations that departments' systems send (docs/formats.md).

The current format (2019) has 28 licensing fields and 30 penalty fields (DOMAIN.md, "Double
publicity records"); a file of it must carry every one of them, in any order. The earlier
format (2016) names fewer fields, some differently; its rows are mapped onto the current
fields (:data:`FROM_2016`) and then validated like any other. A file's generation is told by
its header (:func:`generation_of`).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Final, Literal

from jointcredit.importing import codes, values

Generation = Literal["current", "2016"]
GENERATIONS: Final[tuple[Generation, ...]] = ("current", "2016")

#: Fields about the administrative counterpart, the same in both formats after the prefix.
_SUBJECT = (
    ("XDR_MC", "行政相对人名称"),
    ("XDR_LB", "行政相对人类别"),
    ("XDR_SHXYM", "统一社会信用代码"),
    ("XDR_GSZC", "工商注册号"),
    ("XDR_ZZJG", "组织机构代码"),
    ("XDR_SWDJ", "税务登记号"),
    ("XDR_SYDW", "事业单位证书号"),
    ("XDR_SHZZ", "社会组织登记证号"),
    ("FRDB", "法定代表人"),
    ("FR_ZJLX", "法定代表人证件类型"),
    ("FR_ZJHM", "法定代表人证件号码"),
    ("XDR_ZJLX", "证件类型"),
    ("XDR_ZJHM", "证件号码"),
)

LICENSING: Final[dict[str, str]] = {
    **{f"XK_{name}": label for name, label in _SUBJECT},
    "XK_XKWS": "许可决定文书名称",
    "XK_WSH": "许可决定文书号",
    "XK_XKLB": "许可类别",
    "XK_XKZS": "许可证书名称",
    "XK_XKBH": "许可编号",
    "XK_NR": "许可内容",
    "XK_JDRQ": "许可决定日期",
    "XK_YXQZ": "有效期自",
    "XK_YXQZI": "有效期至",
    "XK_XKJG": "许可机关",
    "XK_XKJGDM": "许可机关统一社会信用代码",
    "XK_ZT": "当前状态",
    "XK_LYDW": "数据来源单位",
    "XK_LYDWDM": "数据来源单位统一社会信用代码",
    "BZ": "备注",
}

PENALTIES: Final[dict[str, str]] = {
    **{f"CF_{name}": label for name, label in _SUBJECT},
    "CF_WSH": "行政处罚决定书文号",
    "CF_WFXW": "违法行为类型",
    "CF_SY": "违法事实",
    "CF_YJ": "处罚依据",
    "CF_CFLB": "处罚类别",
    "CF_NR": "处罚内容",
    "CF_NR_FK": "罚款金额(万元)",
    "CF_NR_WFFF": "没收违法所得、没收非法财物的金额(万元)",
    "CF_NR_ZKDX": "暂扣或吊销证照名称及编号",
    "CF_JDRQ": "处罚决定日期",
    "CF_YXQ": "处罚有效期",
    "CF_GSJZQ": "公示截止期",
    "CF_CFJG": "处罚机关",
    "CF_CFJGDM": "处罚机关统一社会信用代码",
    "CF_SJLY": "数据来源单位",
    "CF_SJLYDM": "数据来源单位统一社会信用代码",
    "BZ": "备注",
}

assert len(LICENSING) == 28 and len(PENALTIES) == 30


#: The 2016 templates, in their own field order. Labels as the templates print them.
LICENSING_2016: Final[dict[str, str]] = {
    "XK_WSH": "行政许可决定书文号",
    "XK_XMMC": "项目名称",
    "XK_SPLB": "审批类别",
    "XK_NR": "许可内容",
    "XK_XDR": "行政相对人名称",
    "XK_XDR_SHXYM": "行政相对人代码_1(统一社会信用代码)",
    "XK_XDR_ZDM": "行政相对人代码_2(组织机构代码)",
    "XK_XDR_GSDJ": "行政相对人代码_3(工商登记码)",
    "XK_XDR_SWDJ": "行政相对人代码_4(税务登记号)",
    "XK_XDR_SFZ": "行政相对人代码_5(居民身份证号)",
    "XK_FR": "法定代表人姓名",
    "XK_JDRQ": "许可决定日期",
    "XK_JZQ": "许可截止期",
    "XK_XZJG": "许可机关",
    "XK_ZT": "当前状态",
    "DFBM": "地方编码",
    "SJC": "数据更新时间戳",
    "BZ": "备注",
}

PENALTIES_2016: Final[dict[str, str]] = {
    "CF_WSH": "行政处罚决定书文号",
    "CF_CFMC": "处罚名称",
    "CF_CFLB1": "处罚类别1",
    "CF_CFLB2": "处罚类别2",
    "CF_SY": "处罚事由",
    "CF_YJ": "处罚依据",
    "CF_XDR_MC": "行政相对人名称",
    "CF_XDR_SHXYM": "行政相对人代码_1(统一社会信用代码)",
    "CF_XDR_ZDM": "行政相对人代码_2(组织机构代码)",
    "CF_XDR_GSDJ": "行政相对人代码_3(工商登记码)",
    "CF_XDR_SWDJ": "行政相对人代码_4(税务登记号)",
    "CF_XDR_SFZ": "行政相对人代码_5(居民身份证号)",
    "CF_FR": "法定代表人姓名",
    "CF_JG": "处罚结果",
    "CF_JDRQ": "处罚决定日期",
    "CF_JZQ": "处罚截止期",
    "CF_XZJG": "处罚机关",
    "CF_ZT": "当前状态",
    "DFBM": "地方编码",
    "SJC": "数据更新时间戳",
    "BZ": "备注",
}

#: Fields some systems of the 2016 generation add or spell otherwise: the spelling → the
#: template's field (or a field of its own, kept as sent).
VARIANTS_2016: Final[dict[str, str]] = {
    "XK_XDR_MC": "XK_XDR",
    "XK_XZJGDM": "XK_XZJGDM",
    "CF_XDR": "CF_XDR_MC",
    "CF_AJMC": "CF_CFMC",
    "CF_JZRQ": "CF_JZQ",
    "CF_XZJGDM": "CF_XZJGDM",
    "CF_SYFW": "CF_SYFW",
    "CF_SXYZCD": "CF_SXYZCD",
    "CF_GSJZQ": "CF_GSJZQ",
    "CF_BM": "CF_BM",
}
#: Labels of the variant fields (kept in the record as sent).
VARIANT_LABELS: Final[dict[str, str]] = {
    "XK_XZJGDM": "许可机关统一社会信用代码",
    "CF_XZJGDM": "处罚机关统一社会信用代码",
    "CF_SYFW": "公示范围",
    "CF_SXYZCD": "失信严重程度",
    "CF_GSJZQ": "公示截止期",
    "CF_BM": "处罚编码",
}

#: Where each 2016 field goes in the current format. Fields without a place there (地方编码,
#: 数据更新时间戳 …) are kept in the record under their own names. The two 处罚类别 are joined.
FROM_2016: Final[dict[str, str]] = {
    "XK_WSH": "XK_WSH",
    "XK_XMMC": "XK_XKWS",
    "XK_SPLB": "XK_XKLB",
    "XK_NR": "XK_NR",
    "XK_XDR": "XK_XDR_MC",
    "XK_XDR_SHXYM": "XK_XDR_SHXYM",
    "XK_XDR_ZDM": "XK_XDR_ZZJG",
    "XK_XDR_GSDJ": "XK_XDR_GSZC",
    "XK_XDR_SWDJ": "XK_XDR_SWDJ",
    "XK_XDR_SFZ": "XK_XDR_ZJHM",
    "XK_FR": "XK_FRDB",
    "XK_JDRQ": "XK_JDRQ",
    "XK_JZQ": "XK_YXQZI",
    "XK_XZJG": "XK_XKJG",
    "XK_XZJGDM": "XK_XKJGDM",
    "XK_ZT": "XK_ZT",
    "CF_WSH": "CF_WSH",
    "CF_CFMC": "CF_WFXW",
    "CF_CFLB1": "CF_CFLB",
    "CF_CFLB2": "CF_CFLB",
    "CF_SY": "CF_SY",
    "CF_YJ": "CF_YJ",
    "CF_XDR_MC": "CF_XDR_MC",
    "CF_XDR_SHXYM": "CF_XDR_SHXYM",
    "CF_XDR_ZDM": "CF_XDR_ZZJG",
    "CF_XDR_GSDJ": "CF_XDR_GSZC",
    "CF_XDR_SWDJ": "CF_XDR_SWDJ",
    "CF_XDR_SFZ": "CF_XDR_ZJHM",
    "CF_FR": "CF_FRDB",
    "CF_JG": "CF_NR",
    "CF_JDRQ": "CF_JDRQ",
    "CF_JZQ": "CF_YXQ",
    "CF_GSJZQ": "CF_GSJZQ",
    "CF_XZJG": "CF_CFJG",
    "CF_XZJGDM": "CF_CFJGDM",
    "BZ": "BZ",
}

#: Fields whose values must be given in a 2016 row (beyond one identifier of the subject).
REQUIRED_2016: Final[dict[str, tuple[str, ...]]] = {
    "licensing": ("XK_WSH", "XK_XMMC", "XK_XDR", "XK_JDRQ", "XK_XZJG"),
    "penalty": ("CF_WSH", "CF_CFMC", "CF_CFLB1", "CF_SY", "CF_YJ", "CF_XDR_MC", "CF_JG",
                "CF_JDRQ", "CF_XZJG"),
}  # fmt: skip

#: Kept in the record under their own names: they have no place in the current format.
KEPT_2016: Final = frozenset({"DFBM", "SJC", "CF_SYFW", "CF_SXYZCD", "CF_BM", "CF_ZT"})

#: The coded fields of each generation and their tables.
CODED: Final[dict[Generation, dict[str, codes.CodeTable]]] = {
    "current": {
        "XK_XDR_LB": codes.SUBJECT_CATEGORY,
        "CF_XDR_LB": codes.SUBJECT_CATEGORY,
        "XK_XDR_ZJLX": codes.ID_DOCUMENT,
        "CF_XDR_ZJLX": codes.ID_DOCUMENT,
        "XK_FR_ZJLX": codes.ID_DOCUMENT,
        "CF_FR_ZJLX": codes.ID_DOCUMENT,
        "XK_XKLB": codes.LICENCE_CATEGORY,
        "CF_CFLB": codes.PENALTY_CATEGORY,
        "XK_ZT": codes.STATUS_CURRENT,
    },
    "2016": {
        "XK_SPLB": codes.LICENCE_CATEGORY_2016,
        "CF_CFLB1": codes.PENALTY_CATEGORY_2016,
        "CF_CFLB2": codes.PENALTY_CATEGORY_2016,
        "XK_ZT": codes.STATUS_2016,
        "CF_ZT": codes.STATUS_2016,
    },
}
#: 2016 fields whose values may also be written as the later format writes them (the 2016
#: table is read first, then this one).
LATER_2016: Final[dict[str, codes.CodeTable]] = {
    "XK_SPLB": codes.LICENCE_CATEGORY,
    "CF_CFLB1": codes.PENALTY_CATEGORY,
    "CF_CFLB2": codes.PENALTY_CATEGORY,
}
#: Coded fields that may list several values (处罚类别: "罚款;没收违法所得").
MULTIPLE: Final = frozenset({"CF_CFLB", "CF_CFLB1", "CF_CFLB2"})


def spec(kind: str, generation: Generation) -> dict[str, str]:
    """The fields of one kind in one generation, in file order, with their labels."""
    if generation == "2016":
        return LICENSING_2016 if kind == "licensing" else PENALTIES_2016
    return LICENSING if kind == "licensing" else PENALTIES


#: Fields only the 2016 generation has, per kind: one of them in a header makes it a 2016 file.
_MARKERS_2016: Final = {
    kind: frozenset(
        name
        for name in (*spec(kind, "2016"), *VARIANTS_2016)
        if name not in spec(kind, "current") and name.startswith(prefix)
    )
    | {"DFBM", "SJC"}
    for kind, prefix in (("licensing", "XK_"), ("penalty", "CF_"))
}


#: The identifier fields' labels as the 2019 filling rules print them, accepted in headers.
_NUMBERED = ("XDR_SHXYM", "XDR_GSZC", "XDR_ZZJG", "XDR_SWDJ", "XDR_SYDW", "XDR_SHZZ")


def header_labels(kind: str) -> dict[str, str]:
    """Every header cell a file of either generation may carry → its field: the labels,
    the current one's where both generations share a label, in ASCII and full-width
    parentheses, and the 2019 rules' numbered labels (行政相对人代码_1(统一社会信用代码))."""
    prefix = "XK_" if kind == "licensing" else "CF_"
    current = spec(kind, "current")
    found = {label: name for name, label in labels(kind, "2016").items()}
    found.update({label: name for name, label in current.items()})
    found.update(
        (f"行政相对人代码_{n}({current[prefix + name]})", prefix + name)
        for n, name in enumerate(_NUMBERED, 1)
    )
    wide = {label.replace("(", "（").replace(")", "）"): name for label, name in found.items()}
    return {**wide, **found}


def labels(kind: str, generation: Generation) -> dict[str, str]:
    """Every field name a header of this generation may use, with its label."""
    fields = dict(spec(kind, generation))
    if generation == "2016":
        prefix = "XK_" if kind == "licensing" else "CF_"
        fields.update(
            (name, VARIANT_LABELS.get(target) or fields[target])
            for name, target in VARIANTS_2016.items()
            if name.startswith(prefix)
        )
    return fields


def canonical_2016(name: str) -> str:
    """A 2016 field under the template's own name (CF_AJMC → CF_CFMC)."""
    return VARIANTS_2016.get(name, name)


def generation_of(kind: str, fields: Iterable[str]) -> Generation:
    """The generation a header (field codes or labels) is written in.

    >>> generation_of('licensing', ['XK_XDR_MC', 'XK_XKWS', 'XK_ZT'])
    'current'
    >>> generation_of('penalty', ['CF_WSH', 'CF_CFMC', 'CF_CFLB1', 'DFBM'])
    '2016'
    >>> generation_of('licensing', ['项目名称', '审批类别'])
    '2016'
    """
    names = set(fields)
    current = spec(kind, "current")
    if names.issuperset(current) or names.issuperset(current.values()):
        return "current"  # every current field, whatever a system adds beside them
    by_label_2016 = {label: name for name, label in labels(kind, "2016").items()}
    current_labels = set(current.values())
    for name in names:
        code = name if name in by_label_2016.values() else by_label_2016.get(name)
        if code in _MARKERS_2016[kind] and name not in current and name not in current_labels:
            return "2016"
    return "current"


def table(generation: Generation, name: str) -> codes.CodeTable | None:
    """The code table of a field in a generation, if the field is coded."""
    return CODED[generation].get(name)


def export_row(
    kind: str, payload: Mapping[str, str], status: str, generation: Generation
) -> dict[str, str]:
    """A stored record as a row of ``generation``: the national field codes in file order and
    the code of every coded value (what a node reports upward, and reads again unchanged).

    ``payload`` is the record as stored: current field names with labels for coded values
    (2016 records too, mapped when they were read), plus fields kept as sent.
    """
    current_spec = spec(kind, "current")
    if generation == "current":
        # The national format fills its coded fields with text, which is stored: as stored.
        row = {name: payload.get(name, "") for name in current_spec}
        if kind == "licensing":
            row["XK_ZT"] = codes.STATUS_CURRENT.code("有效" if status == "active" else "无效")
        return row
    into = spec(kind, "2016")
    row = dict.fromkeys(into, "")
    for old, new in FROM_2016.items():
        if old in row and old != "CF_CFLB2" and payload.get(new):
            row[old] = payload[new]
    for name in KEPT_2016:
        if name in row and payload.get(name):
            row[name] = payload[name]
    if kind == "penalty":
        parts = values.split_categories(payload.get("CF_CFLB", ""))
        found = [_code_2016(codes.PENALTY_CATEGORY_2016, p) for p in parts]
        found = list(dict.fromkeys(found))
        row["CF_CFLB1"], row["CF_CFLB2"] = (found[0] if found else ""), ";".join(found[1:])
    elif row["XK_SPLB"]:
        row["XK_SPLB"] = _code_2016(codes.LICENCE_CATEGORY_2016, row["XK_SPLB"])
    state = "正常" if status == "active" else "撤销"
    row["XK_ZT" if kind == "licensing" else "CF_ZT"] = codes.STATUS_2016.code(state)
    prefix = "XK_" if kind == "licensing" else "CF_"
    # The 2016 template has one identity number field, a resident ID: a person's own, or an
    # organisation's legal representative's (as the 2016 reader reads it).
    sfz = prefix + "XDR_SFZ"
    if payload.get(prefix + "XDR_ZJLX", "身份证") != "身份证":
        row[sfz] = ""
    elif not row[sfz] and payload.get(prefix + "FR_ZJLX", "身份证") == "身份证":
        row[sfz] = payload.get(prefix + "FR_ZJHM", "")
    return row


def _code_2016(tab: codes.CodeTable, label: str) -> str:
    """The 2016 code of a value, or the value as the later format writes it (which the
    2016 reader accepts too) where the 2016 table has no code for it."""
    found = tab.get(label)
    return tab.code(found) if found else label


# -- value lists, derived from the code tables (one home for each) ---------------------------

#: 相对人类别 values.
SUBJECT_CATEGORIES: Final = codes.SUBJECT_CATEGORY.labels
#: 许可类别 values (行政许可法 Art 12).
LICENCE_CATEGORIES: Final = codes.LICENCE_CATEGORY.labels
#: 处罚类别 values with their default severity tier.
PENALTY_CATEGORIES: Final = codes.PENALTY_TIERS
#: 证件类型 values for persons' identity documents; only 身份证 numbers are validated.
ID_DOCUMENT_TYPES: Final = codes.ID_DOCUMENT.labels
