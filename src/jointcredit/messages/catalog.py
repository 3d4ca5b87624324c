"""Every reason a validator gives, by code: (English, Chinese) templates.

The English is what ``str()`` of the reason has always said (tests and clients read it); the
Chinese is what a person reads by default. Templates are ``str.format`` strings over the
reason's parameters; ``!c`` shows a character as a reader can see it (U+XXXX when not). A
character's position counts from 1, as people count. No template holds a whole identifier:
a reason names the part that is wrong, so that a person's identity number is never repeated.

Codes are stable (the console and tests key on them); a new reason gets a new code.
"""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType

_USCC_CHARS_EN = "(digits and upper-case letters except I, O, S, V, Z)"
_USCC_CHARS_ZH = "（可用数字和除I、O、S、V、Z以外的大写字母）"

_IDENTIFIERS: dict[str, tuple[str, str]] = {
    # -- USCC (identifiers.uscc) -----------------------------------------------------------------
    "uscc.length": (
        "a USCC has 18 characters, got {got}",
        "统一社会信用代码应为18位，实为{got}位",
    ),
    "uscc.character": (
        "character {char!r} at position {position} is not a USCC character " + _USCC_CHARS_EN,
        "第{position}位字符“{char!c}”不是统一社会信用代码允许的字符" + _USCC_CHARS_ZH,
    ),
    "uscc.checksum": (
        "check character is {got!r}, expected {expected!r}",
        "校验码应为“{expected}”，实为“{got}”",
    ),
    "uscc.unknown-department": (
        "registration department {department!r} (position 1) is not a known department",
        "第1位登记管理部门代码“{department}”不是已知的登记管理部门",
    ),
    "uscc.unknown-category": (
        "category {category!r} (position 2) is not a known category of department"
        " {department} ({department_name})",
        "第2位机构类别代码“{category}”不是登记管理部门{department}（{department_name}）已知的机构类别",
    ),
    "uscc.unknown-region": (
        "region {region} (positions 3–8) is not a known division code",
        "第3—8位登记管理机关行政区划码{region}不是已知的行政区划代码",
    ),
    "uscc.orgcode-checksum": (
        "organisation code {orgcode} (positions 9–17) fails its own check:"
        " check character is {got!r}, expected {expected!r}",
        "第9—17位组织机构代码{orgcode}本身的校验码不符：应为“{expected}”，实为“{got}”",
    ),
    # -- resident identity number (identifiers.ric) ----------------------------------------------
    "ric.length": (
        "a resident identity number has 18 characters, got {got}",
        "身份证号码应为18位，实为{got}位",
    ),
    "ric.check-character": (
        "check character {char!r} (position 18) is neither a digit nor X",
        "第18位校验码“{char!c}”既不是数字也不是X",
    ),
    "ric.character": (
        "character {char!r} at position {position} is not a digit",
        "第{position}位字符“{char!c}”不是数字",
    ),
    "ric.birth-date": (
        "birth date {date} (positions 7–14) is not a date",
        "出生日期无效：第7—14位“{date}”不是有效日期",
    ),
    "ric.birth-future": (
        "birth date {date} (positions 7–14) is in the future (today is {today})",
        "出生日期无效：第7—14位“{date}”晚于今天（{today}）",
    ),
    "ric.birth-early": (
        "birth date {date} (positions 7–14) is before {earliest}",
        "出生日期无效：第7—14位“{date}”早于{earliest}",
    ),
    "ric.checksum": (
        "check character is {got!r}, expected {expected!r}",
        "校验码错误：应为“{expected}”，实为“{got}”",
    ),
    "ric.unknown-division": (
        "division {division} (positions 1–6) is not a known division code",
        "第1—6位行政区划代码{division}不是已知的行政区划代码",
    ),
    # -- organisation code (identifiers.orgcode) -------------------------------------------------
    "orgcode.length": (
        "an organisation code has 9 characters, got {got}",
        "组织机构代码应为9位，实为{got}位",
    ),
    "orgcode.check-character": (
        "check character {char!r} (position 9) is neither a digit nor X",
        "第9位校验码“{char!c}”既不是数字也不是X",
    ),
    "orgcode.character": (
        "character {char!r} at position {position} is not a digit or upper-case letter",
        "第{position}位字符“{char!c}”不是数字或大写字母",
    ),
    "orgcode.checksum": (
        "check character is {got!r}, expected {expected!r}",
        "校验码应为“{expected}”，实为“{got}”",
    ),
    # -- registration number (identifiers.regnum) ------------------------------------------------
    "regnum.length": (
        "a registration number has 15 digits, got {got}",
        "注册号应为15位数字，实为{got}位",
    ),
    "regnum.character": (
        "character {char!r} at position {position} is not a digit",
        "第{position}位字符“{char!c}”不是数字",
    ),
    "regnum.unknown-office": (
        "office {office} (positions 1–6) is not a known division code",
        "第1—6位登记机关代码{office}不是已知的行政区划代码",
    ),
    "regnum.check-digit": (
        "check digit is {got!r}, expected {expected!r}"
        " (numbers issued before GS15-2006 may lack one)",
        "校验位应为“{expected}”，实为“{got}”（GS15-2006施行前发放的注册号可能没有有效校验位）",
    ),
    # -- an identifier of unknown type (identifiers.classify) ------------------------------------
    "id.empty": ("empty input", "未输入代码"),
    "id.character": (
        "character {char!r} at position {position} is not used by any identifier",
        "第{position}位字符“{char!c}”不是任何代码使用的字符",
    ),
    "id.fifteen-not-digits": (
        "15 characters but character {char!r} at position {position} is not a digit;"
        " a registration number has 15 digits",
        "共15位，但第{position}位字符“{char!c}”不是数字；注册号应为15位数字",
    ),
    "id.length": (
        "{got} characters: expected 9 (organisation code), 15 (registration number)"
        " or 18 (USCC or resident identity number)",
        "共{got}位：组织机构代码应为9位，注册号为15位，统一社会信用代码和身份证号码为18位",
    ),
    "id.also-uscc": (
        "also a valid USCC; read as a resident identity number",
        "也是有效的统一社会信用代码；按身份证号码处理",
    ),
    "id.also-ric": (
        "also a valid resident identity number; read as a USCC because its division code"
        " is unknown or its birth date is before 1900",
        "也是有效的身份证号码；因其行政区划代码未知或出生日期早于1900年，按统一社会信用代码处理",
    ),
}

_IMPORTS: dict[str, tuple[str, str]] = {
    # -- any row (importing.validate, importing.text, importing.pipeline) ------------------------
    "row.required": ("required field is empty", "必填项为空"),
    "row.bad-bytes": (
        "contains bytes that are not valid in the file's encoding",
        "含有不符合文件编码的字节",
    ),
    "row.control": (
        "contains the control character U+{codepoint:04X}, which is not allowed",
        "含有不允许的控制字符U+{codepoint:04X}",
    ),
    "row.surrogate": (
        "contains an unpaired surrogate U+{codepoint:04X}, which is not allowed",
        "含有不允许的未配对代理字符U+{codepoint:04X}",
    ),
    "row.too-long": ("longer than {limit} characters", "超过{limit}个字符"),
    "row.unvalidated": ("row could not be validated", "该行无法校验"),
    "row.failed": (
        "the row could not be validated ({detail})",
        "该行无法校验（{detail}）",
    ),
    # -- a row the reader cannot split (importing.readers) ---------------------------------------
    "row.unclosed-quote": (
        "unreadable CSV ({detail}): an unclosed quote?",
        "CSV无法读取（{detail}）：是否有未闭合的引号？",
    ),
    "row.width": (
        "row has {got} fields, the header has {width}",
        "该行有{got}个字段，表头有{width}个",
    ),
    "row.beyond-header": (
        "row has values beyond the header's {width} columns",
        "该行在表头的{width}列之外还有值",
    ),
    "row.line-too-long": ("line longer than {limit} characters", "该行超过{limit}个字符"),
    "row.json": (
        "not valid JSON: {detail} at column {column}",
        "不是有效的JSON：第{column}列，{detail}",
    ),
    "row.line-not-read": (
        "line {line} is longer than {limit} bytes; not read",
        "第{line}行超过{limit}字节，未读取",
    ),
    "row.json-depth": ("nested deeper than {limit} levels", "嵌套超过{limit}层"),
    "row.json-object": (
        "expected a JSON object, got {kind}",
        "应为JSON对象，实为{kind}",
    ),
    # -- coded values (importing.codes) ----------------------------------------------------------
    "code.not-accepted": (
        "{value!r} is not one of {accepted}",
        "“{value}”不是可填的值：{accepted}",
    ),
    "code.values": ("{values}", "{values}"),
    "code.values-codes": ("{values} (codes {codes})", "{values}（代码{codes}）"),
    "code.values-prefix": (
        "{values}, or {prefix}… naming another",
        "{values}，或以“{prefix}”开头写明其他名称",
    ),
    "code.values-codes-prefix": (
        "{values} (codes {codes}), or {prefix}… naming another",
        "{values}（代码{codes}），或以“{prefix}”开头写明其他名称",
    ),
    "status.not-accepted": (
        "{value!r} is not one of {accepted} (or 注销, 撤销, 撤回, 吊销)",
        "“{value}”不是可填的值：{accepted}（或注销、撤销、撤回、吊销）",
    ),
    # -- cell values (importing.values) ----------------------------------------------------------
    "date.future": ("{day} is in the future", "{day}是将来的日期"),
    "date.too-early": ("{day} is before {earliest}", "{day}早于{earliest}"),
    "date.not-a-date": (
        "{text!r} is not a date (expected YYYY-MM-DD)",
        "“{text}”不是日期（应为YYYY-MM-DD）",
    ),
    "date.not-calendar": ("{text!r} is not a calendar date", "“{text}”不是有效日期"),
    "amount.negative": ("{text!r} is negative", "“{text}”是负数"),
    "amount.separators": (
        "{text!r} is not a number (write digits and a decimal point, no separators)",
        "“{text}”不是数字（只写数字和小数点，不加分隔符）",
    ),
    "amount.not-number": ("{text!r} is not a number", "“{text}”不是数字"),
    "amount.too-large": (
        "{text!r} is more than the limit of {limit} 万元 (10 万亿元)",
        "“{text}”超过上限{limit}万元（10万亿元）",
    ),
    "amount.decimals": (
        "{text!r} has more than 6 decimal places (万元 to the fen)",
        "“{text}”超过6位小数（以万元计，精确到分）",
    ),
    # -- double-publicity rows (importing.validate) ----------------------------------------------
    "subject.person-needs-document": (
        "a natural person needs an identity document number",
        "自然人须填写证件号码",
    ),
    "subject.business-needs-id": (
        "an individual business needs a unified social credit code or a registration number",
        "个体工商户须填写统一社会信用代码或注册号",
    ),
    "subject.organisation-needs-id": (
        "an organisation needs a unified social credit code or another registration"
        " identifier; the row has none",
        "法人及非法人组织须填写统一社会信用代码或其他登记证照号码，该行均未填写",
    ),
    "period.ends-before-start": (
        "ends ({until}) before it starts ({start})",
        "有效期截止日期（{until}）早于起始日期（{start}）",
    ),
    "period.ends-before-decision": (
        "ends ({until}) before the decision date ({decided})",
        "有效期截止日期（{until}）早于决定日期（{decided}）",
    ),
    "date.before-decision": (
        "{day} is before the decision date {decided}",
        "{day}早于决定日期{decided}",
    ),
    "penalty.fine-needed": (
        "a 罚款 penalty needs the fine amount",
        "处罚类别含罚款，须填写罚款金额",
    ),
    # -- list entries (importing.list_entries) ---------------------------------------------------
    "list.not-list-type": (
        "{value!r} is not a list type of the catalog",
        "“{value}”不是目录中的名单类型",
    ),
    "list.not-department": (
        "{value!r} is not a department of the catalog",
        "“{value}”不是目录中的部门",
    ),
    "list.until-before-from": (
        "{until} is before valid_from {start}",
        "有效期截止日期{until}早于起始日期{start}",
    ),
    "list.format-of-other-type": (
        "{name} is the format of list type {list_type} only",
        "{name}格式只用于名单类型{list_type}",
    ),
    "list.subject-object": (
        "expected an object with name, kind and uscc or id_number",
        "应为含name、kind以及uscc或id_number的JSON对象",
    ),
    "list.kind-not-listed": (
        "list type {list_type} lists {kinds}, not {kind}",
        "名单类型{list_type}只列入{kinds}，不列入{kind}",
    ),
    "list.person-needs-id": (
        "a natural person needs a resident identity number",
        "自然人须填写身份证号码",
    ),
    "list.organisation-needs-uscc": (
        "an organisation needs a unified social credit code",
        "组织须填写统一社会信用代码",
    ),
    "list.persons-json": ("not valid JSON: {detail}", "不是有效的JSON：{detail}"),
    "list.persons-array": (
        "expected a JSON array of objects with role, name and id_number",
        "应为JSON数组，每项是含role、name和id_number的对象",
    ),
    "list.persons-of-organisation": (
        "only an organisation's entry names persons reached through it",
        "只有组织的名单条目才能列出关联人员",
    ),
    "list.person-object": (
        "expected an object with role, name and id_number",
        "应为含role、name和id_number的对象",
    ),
    "list.not-whole-number": ("{value!r} is not a whole number", "“{value}”不是整数"),
    "list.not-year": (
        "{value!r} is not a year (expected e.g. 2024)",
        "“{value}”不是年份（应如2024）",
    ),
    "list.year-too-early": ("{year} is before {first}", "{year}年早于{first}年"),
    "list.year-unpublished": (
        "the results for {year} are published on {published}, after today ({today})",
        "{year}年度的结果于{published}公布，晚于今天（{today}）",
    ),
    "list.id-masked": (
        "the identity number is masked: a full identifier is needed to identify the subject"
        " in the registry",
        "身份证号码已脱敏：须有完整号码才能在登记库中确定主体",
    ),
    "list.orgcode-alone": (
        "an organisation code (组织机构代码) alone cannot identify the subject in the registry:"
        " give the unified social credit code",
        "仅凭组织机构代码无法在登记库中确定主体：请填写统一社会信用代码",
    ),
    "list.not-identifier": (
        "neither a resident identity number nor a unified social credit code ({detail}): the"
        " registry identifies a listed subject by one of these (an organisation code, a"
        " registration number or an old tax registration number is not enough)",
        "既不是身份证号码也不是统一社会信用代码（{detail}）：登记库以两者之一确定名单主体"
        "（组织机构代码、注册号或旧税务登记号都不够）",
    ),
    "list.person-needs-name": (
        "a person's identity number needs the person's name beside it",
        "填写人员的身份证号码时须同时填写其姓名",
    ),
    "list.person-id-invalid": (
        "the resident identity number is not valid: {detail}",
        "身份证号码无效：{detail}",
    ),
}

#: Code → (English template, Chinese template).
CATALOG: Mapping[str, tuple[str, str]] = MappingProxyType(_IDENTIFIERS | _IMPORTS)

__all__ = ["CATALOG"]
