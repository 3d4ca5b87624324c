"""Every string of the public portal in Chinese (the default) and English.

One dictionary per language with the same keys (a test checks it, and that every key a template
uses exists). Chinese is authoritative: the policy's terms (双公示, 红名单, 黑名单, 信用修复) come
first; the English is a translation for foreign readers.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping

LANGUAGES = ("zh", "en")
DEFAULT = "zh"
#: ``<html lang>`` per language.
HTML_LANG = {"zh": "zh-CN", "en": "en"}

ZH: dict[str, str] = {
    "site.name": "信用联合奖惩公示查询",
    "site.tagline": "守信联合激励和失信联合惩戒信息公示（国发〔2016〕33号）",
    "nav.label": "主导航",
    "nav.skip": "跳到主要内容",
    "nav.home": "首页",
    "nav.red": "红名单",
    "nav.black": "黑名单",
    "nav.about": "说明",
    "lang.switch": "English",
    "lang.switch_label": "Switch to English",
    "footer.basis": "依据《国务院关于建立完善守信联合激励和失信联合惩戒制度"
    "加快推进社会诚信建设的指导意见》（国发〔2016〕33号）公示。",
    "footer.masking": "自然人身份证号码与姓名均已脱敏；"
    "超出公示期限、已信用修复、已撤销或异议处理中的信息不予公示。",
    "footer.api": "开放接口",
    "search.label": "名称或统一社会信用代码",
    "search.hint": "输入企业名称（可输入部分名称）、统一社会信用代码；自然人须输入完整身份证号码。",
    "search.button": "查询",
    "search.title": "查询结果",
    "search.results_for": "“{query}”的查询结果",
    "search.results_for_masked": "身份证号码 {query} 的查询结果",
    "search.none": "没有找到可公示的信用信息。",
    "search.none_hint": "请检查输入，或改用统一社会信用代码查询。未在公示期内的信息不予显示。",
    "search.total": "共 {total} 条",
    "search.over": "超过 {total} 条，请输入更完整的名称",
    "search.reason.identifier": "代码完全匹配",
    "search.reason.name": "名称完全匹配",
    "search.reason.brand": "字号匹配",
    "search.reason.prefix": "名称开头匹配",
    "search.reason.contains": "名称包含",
    "home.title": "信用信息公示查询",
    "home.intro": "查询行政许可、行政处罚（“双公示”）信息以及守信红名单、失信黑名单。"
    "所有信息均在公示期限内，由认定部门依法公布。",
    "home.lists": "名单公示",
    "home.red_text": "守信联合激励对象，如纳税信用A级纳税人。",
    "home.black_text": "失信联合惩戒对象，如失信被执行人、重大税收违法失信主体。",
    "home.what_title": "公示范围",
    "home.what_1": "行政许可和行政处罚信息在公示期限内公示；轻微处罚默认不公示。",
    "home.what_2": "红名单、黑名单信息在有效期内公示，注明列入依据、认定部门和有效期。",
    "home.what_3": "已信用修复、已撤销、已移出或异议处理中的信息不予公示。",
    "home.what_4": "自然人的身份证号码和姓名脱敏显示，只能以完整身份证号码查询。",
    "subject.basic": "基本信息",
    "subject.name": "名称",
    "subject.kind": "主体类型",
    "subject.identifier": "统一社会信用代码",
    "subject.identifier_person": "身份证号码（已脱敏）",
    "subject.identifier_other": "证照号码",
    "subject.region": "登记地区",
    "subject.as_of": "公示信息截至 {day}",
    "subject.none_kind": "无",
    "subject.truncated": "信息较多，每类仅显示最近 {n} 条。",
    "subject.csv": "下载本页信息（CSV）",
    "subject.sections": "本页内容",
    "kind.legal-person": "法人",
    "kind.other-organization": "非法人组织",
    "kind.individual-business": "个体工商户",
    "kind.natural-person": "自然人",
    "record.red-list": "守信红名单",
    "record.black-list": "失信黑名单",
    "record.penalty": "行政处罚",
    "record.licensing": "行政许可",
    "record.commitment": "信用承诺",
    "field.list_type": "名单类型",
    "field.department": "认定部门",
    "field.issuing_authority": "决定机关",
    "field.document_number": "文书号",
    "field.decision_date": "决定日期",
    "field.valid_from": "有效期自",
    "field.valid_until": "有效期至",
    "field.period": "有效期",
    "field.open_ended": "长期",
    "field.legal_basis": "依据",
    "field.category": "类别",
    "field.severity": "失信程度",
    "field.fine": "罚款金额",
    "field.confiscated": "没收金额",
    "field.publish_until": "公示截止",
    "field.reference": "记录编号",
    "field.subject": "主体名称",
    "field.identifier": "统一社会信用代码/证件号码",
    "field.region": "地区",
    "field.kind": "主体类型",
    "field.CF_WFXW": "违法行为类型",
    "field.CF_CFLB": "处罚类别",
    "field.CF_NR": "处罚内容",
    "field.XK_XKWS": "许可文书",
    "field.XK_XKZS": "许可证书",
    "field.XK_XKBH": "许可编号",
    "field.XK_NR": "许可内容",
    "field.XK_YXQZ": "许可有效期自",
    "field.XK_YXQZI": "许可有效期至",
    "severity.minor": "轻微",
    "severity.general": "一般",
    "severity.severe": "严重",
    "money.yuan": "{amount} 元",
    "list.red.title": "守信红名单",
    "list.black.title": "失信黑名单",
    "list.red.intro": "守信联合激励对象名单。"
    "以下为有效期内的名单信息，注明认定部门、列入依据和有效期。",
    "list.black.intro": "失信联合惩戒对象名单。"
    "以下为有效期内的名单信息；已移出、已信用修复或异议处理中的不予显示。",
    "list.filters": "筛选条件",
    "list.any": "全部",
    "list.list_type": "名单类型",
    "list.region": "地区",
    "list.department": "认定部门",
    "list.from": "决定日期自",
    "list.to": "决定日期至",
    "list.apply": "筛选",
    "list.reset": "清除条件",
    "list.total": "共 {total} 条",
    "list.showing": "共 {total} 条，当前显示第 {first}–{last} 条",
    "list.empty": "没有符合条件的名单信息。",
    "list.csv": "下载本页（CSV）",
    "list.caption": "{title}（第 {first}–{last} 条）",
    "list.person": "自然人",
    "pager.label": "分页",
    "pager.previous": "上一页",
    "pager.next": "下一页",
    "pager.page": "第 {page} 页",
    "about.title": "说明",
    "about.p1": "本平台依据国发〔2016〕33号文件，"
    "公示行政许可、行政处罚信息和守信红名单、失信黑名单，供社会公众查询。",
    "about.p2": "公示期限：一般行政处罚信息自决定之日起公示一年，严重的公示三年，轻微的默认不公示"
    "（依照信用修复的有关规定）；"
    "名单信息在有效期内公示。",
    "about.p3": "信用主体对公示信息有异议的，可向认定部门提出；异议处理期间该信息暂停公示。"
    "符合条件的，可申请信用修复，修复后不再公示。",
    "about.p4": "为保护个人信息，自然人的身份证号码仅显示前六位和后四位，姓名仅显示姓氏；"
    "自然人信息只能以完整身份证号码查询，不提供按姓名浏览。",
    "about.p5": "页面不依赖脚本，也不加载任何外部资源。",
    "csv.header.kind": "信息类别",
    "error.title": "出错了",
    "error.404.title": "未找到",
    "error.404.text": "没有找到该页面或可公示的信息。未在公示期内的信息不予显示。",
    "error.422.title": "输入有误",
    "error.422.text": "请检查输入后重试。",
    "error.405.title": "不支持的请求方式",
    "error.405.text": "请通过页面上的链接和表单访问。",
    "error.500.title": "服务暂时不可用",
    "error.500.text": "请稍后重试。",
    "error.home": "返回首页",
    "error.detail": "原因：{detail}",
}

EN: dict[str, str] = {
    "site.name": "Joint Credit Public Inquiry",
    "site.tagline": "Joint incentives for trustworthiness and joint punishment of trust-breaking "
    "(State Council Guo Fa [2016] No. 33)",
    "nav.label": "Main navigation",
    "nav.skip": "Skip to main content",
    "nav.home": "Home",
    "nav.red": "Red list",
    "nav.black": "Black list",
    "nav.about": "About",
    "lang.switch": "中文",
    "lang.switch_label": "切换到中文",
    "footer.basis": "Published under the State Council's Guiding Opinions on joint incentives and "
    "joint punishment (Guo Fa [2016] No. 33).",
    "footer.masking": "Persons' identity numbers and names are masked; records past their "
    "publication period, repaired, withdrawn or under objection are not shown.",
    "footer.api": "Open API",
    "search.label": "Name or Unified Social Credit Code",
    "search.hint": "Type an organisation's name (part of it will do) or its Unified Social Credit "
    "Code; a person only by the full identity number.",
    "search.button": "Search",
    "search.title": "Search results",
    "search.results_for": "Results for “{query}”",
    "search.results_for_masked": "Results for identity number {query}",
    "search.none": "No published credit information found.",
    "search.none_hint": "Check what you typed, or search by the Unified Social Credit Code. "
    "Information outside its publication period is not shown.",
    "search.total": "{total} found",
    "search.over": "more than {total} found: type more of the name",
    "search.reason.identifier": "code matches",
    "search.reason.name": "name matches",
    "search.reason.brand": "trade name matches",
    "search.reason.prefix": "name starts with it",
    "search.reason.contains": "name contains it",
    "home.title": "Public credit information inquiry",
    "home.intro": "Search administrative licences and penalties (“double publicity”) and the red "
    "and black lists. Everything shown is inside its publication period, as published by the "
    "deciding department.",
    "home.lists": "The lists",
    "home.red_text": "Subjects of joint incentives, such as grade-A taxpayers.",
    "home.black_text": "Subjects of joint punishment, such as judgment defaulters and major tax "
    "violators.",
    "home.what_title": "What is published",
    "home.what_1": "Licences and penalties during their publication period; minor penalties are "
    "not published by default.",
    "home.what_2": "Red- and black-list entries while in effect, with legal basis, deciding "
    "department and period.",
    "home.what_3": "Nothing that was repaired, withdrawn, removed or is under objection.",
    "home.what_4": "Persons' identity numbers and names are masked; a person is found by the full "
    "identity number only.",
    "subject.basic": "Basic information",
    "subject.name": "Name",
    "subject.kind": "Kind",
    "subject.identifier": "Unified Social Credit Code",
    "subject.identifier_person": "Identity number (masked)",
    "subject.identifier_other": "Registration number",
    "subject.region": "Registered in",
    "subject.as_of": "Published information as of {day}",
    "subject.none_kind": "None",
    "subject.truncated": "Many records: only the latest {n} of each kind are shown.",
    "subject.csv": "Download this page (CSV)",
    "subject.sections": "On this page",
    "kind.legal-person": "Legal person",
    "kind.other-organization": "Other organisation",
    "kind.individual-business": "Individual business",
    "kind.natural-person": "Natural person",
    "record.red-list": "Red list",
    "record.black-list": "Black list",
    "record.penalty": "Administrative penalties",
    "record.licensing": "Administrative licences",
    "record.commitment": "Credit commitments",
    "field.list_type": "List",
    "field.department": "Deciding department",
    "field.issuing_authority": "Deciding authority",
    "field.document_number": "Document number",
    "field.decision_date": "Decided on",
    "field.valid_from": "In effect from",
    "field.valid_until": "In effect until",
    "field.period": "Period",
    "field.open_ended": "open-ended",
    "field.legal_basis": "Legal basis",
    "field.category": "Category",
    "field.severity": "Severity",
    "field.fine": "Fine",
    "field.confiscated": "Confiscated",
    "field.publish_until": "Published until",
    "field.reference": "Record reference",
    "field.subject": "Subject",
    "field.identifier": "Code / ID number",
    "field.region": "Region",
    "field.kind": "Kind",
    "field.CF_WFXW": "Type of violation",
    "field.CF_CFLB": "Penalty type",
    "field.CF_NR": "Penalty",
    "field.XK_XKWS": "Licence document",
    "field.XK_XKZS": "Certificate",
    "field.XK_XKBH": "Licence number",
    "field.XK_NR": "Licensed activity",
    "field.XK_YXQZ": "Licence valid from",
    "field.XK_YXQZI": "Licence valid until",
    "severity.minor": "minor",
    "severity.general": "general",
    "severity.severe": "severe",
    "money.yuan": "CNY {amount}",
    "list.red.title": "Red list",
    "list.black.title": "Black list",
    "list.red.intro": "Subjects of joint incentives. Entries in effect, with deciding department, "
    "legal basis and period.",
    "list.black.intro": "Subjects of joint punishment. Entries in effect; removed, repaired or "
    "disputed entries are not shown.",
    "list.filters": "Filters",
    "list.any": "Any",
    "list.list_type": "List",
    "list.region": "Region",
    "list.department": "Deciding department",
    "list.from": "Decided from",
    "list.to": "Decided until",
    "list.apply": "Filter",
    "list.reset": "Clear filters",
    "list.total": "{total} entries",
    "list.showing": "{total} entries, showing {first}–{last}",
    "list.empty": "No entries match these filters.",
    "list.csv": "Download this page (CSV)",
    "list.caption": "{title} (entries {first}–{last})",
    "list.person": "Natural person",
    "pager.label": "Pages",
    "pager.previous": "Previous",
    "pager.next": "Next",
    "pager.page": "Page {page}",
    "about.title": "About",
    "about.p1": "This platform publishes administrative licences and penalties and the red and "
    "black lists under Guo Fa [2016] No. 33, for the public to inquire.",
    "about.p2": "Publication periods: a general penalty is published for one year from its "
    "decision, a severe one for three, a minor one not by default (NDRC rules on credit repair); "
    "list entries while in effect.",
    "about.p3": "A subject may object to published information with the deciding department; "
    "while the objection is handled the information is not published. Repaired information is "
    "no longer published.",
    "about.p4": "To protect personal information a person's identity number shows only its first "
    "six and last four characters and a name only the surname; persons are found by the full "
    "identity number only, never browsed by name.",
    "about.p5": "The pages need no scripts and load nothing from elsewhere.",
    "csv.header.kind": "Record kind",
    "error.title": "Error",
    "error.404.title": "Not found",
    "error.404.text": "No such page or no published information. Information outside its "
    "publication period is not shown.",
    "error.422.title": "Invalid input",
    "error.422.text": "Please check what you entered and try again.",
    "error.405.title": "Method not allowed",
    "error.405.text": "Please use the links and forms of the pages.",
    "error.500.title": "Service unavailable",
    "error.500.text": "Please try again later.",
    "error.home": "Back to the home page",
    "error.detail": "Reason: {detail}",
}


def _merge_parts() -> None:
    """Add each signed-in part's strings (:mod:`jointcredit.web.strings`) to ``ZH`` and ``EN``."""
    from importlib import import_module

    from jointcredit.web.strings import PARTS

    for part in PARTS:
        module = import_module(f"jointcredit.web.strings.{part}")
        for target, extra in ((ZH, module.ZH), (EN, module.EN)):
            twice = set(target) & set(extra)
            if twice:
                raise RuntimeError(f"strings.{part} redefines {sorted(twice)}")
            target.update(extra)


_merge_parts()

CATALOGS: Mapping[str, Mapping[str, str]] = {"zh": ZH, "en": EN}


def choose(asked: str | None, cookie: str | None) -> str:
    """The page's language: ``?lang=`` first, then the cookie, else Chinese."""
    for value in (asked, cookie):
        if value in LANGUAGES:
            return value
    return DEFAULT


def translator(lang: str) -> Callable[..., str]:
    """``t(key, **values)`` for ``lang``. A missing key shows itself, so a gap is visible on
    the page (and the catalog test fails) rather than breaking it."""
    messages = CATALOGS[lang]

    def t(key: str, **values: object) -> str:
        text = messages.get(key, key)
        return text.format(**values) if values else text

    return t


__all__ = ["CATALOGS", "DEFAULT", "HTML_LANG", "LANGUAGES", "choose", "translator"]
