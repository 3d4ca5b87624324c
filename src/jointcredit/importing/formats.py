"""The national double-publicity formats (双公示, 2019): field names in file order.

Licensing has 28 fields, penalties 30 (DOMAIN.md, "Double publicity records"). A file's header
must carry exactly these names; their order in the file may differ.
"""

from __future__ import annotations

from typing import Final

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

#: 相对人类别 values.
SUBJECT_CATEGORIES: Final = ("法人及非法人组织", "自然人", "个体工商户")

#: 许可类别 values (行政许可法 Art 12).
LICENCE_CATEGORIES: Final = ("普通", "特许", "认可", "核准", "登记", "其他")

#: 处罚类别 values (行政处罚法 Art 9), with the severity tier a penalty of that kind falls in
#: by default (信用修复管理办法, NDRC Order 36); the most severe category of a decision wins.
PENALTY_CATEGORIES: Final[dict[str, str]] = {
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

#: 证件类型 values for persons' identity documents; only 身份证 numbers are validated.
ID_DOCUMENT_TYPES: Final = (
    "身份证",
    "护照号",
    "港澳居民来往内地通行证",
    "台湾居民来往大陆通行证",
    "外国人永久居留身份证",
)
