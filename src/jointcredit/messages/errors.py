"""The errors a person meets at the command line, in Chinese.

Errors are raised with English messages all through the services (the API answers with them,
tests read them). The ones people commonly meet are recognised here by their code and the
shape of their message, whose parts become the Chinese message's parameters; any other error
is shown in English, as it was raised. A validator's :class:`~.reasons.Reason` inside an error
is written out from the catalog.

>>> from jointcredit.errors import NotFoundError
>>> error_text(NotFoundError("no subject with identifier 91110000600037341L"), "zh")
'未找到代码为91110000600037341L的主体'
>>> error_text(NotFoundError("no subject with identifier 91110000600037341L"), "en")
'no subject with identifier 91110000600037341L'
"""

from __future__ import annotations

import re
from collections.abc import Mapping

from jointcredit.messages.language import Language, current
from jointcredit.messages.reasons import Reason, parsed, render

_FILE = r"(?P<file>.+?)"
_NAME = r"'?(?P<name>[^']*)'?"

#: Error code → (message pattern, Chinese template): the first pattern that matches the whole
#: message gives the Chinese, its named groups the parameters.
_BY_CODE: Mapping[str, tuple[tuple[str, str], ...]] = {
    "not-found": (
        (r"no subject with identifier (?P<id>\S+)", "未找到代码为{id}的主体"),
        (r"no subject with this identifier", "未找到该代码的主体"),
        (r"no credit record with this reference", "未找到该编号的信用记录"),
        (r"no credit record (?P<id>\d+)", "未找到编号为{id}的信用记录"),
        (r"unknown department " + _NAME, "目录中没有部门“{name}”"),
        (r"unknown matter " + _NAME, "目录中没有事项“{name}”"),
        (r"unknown list type " + _NAME, "目录中没有名单类型“{name}”"),
        (r"no proposal (?P<id>\d+)(?: visible to this caller)?", "未找到编号为{id}的提请"),
        (r"no objection (?P<id>\d+)", "未找到编号为{id}的异议申请"),
        (r"no repair application (?P<id>\d+)", "未找到编号为{id}的信用修复申请"),
        (r"no staff account " + _NAME, "没有用户名为“{name}”的工作人员账号"),
        (r"no inspection plan " + _NAME, "没有编号为“{name}”的抽查计划"),
        (r"no report with id (?P<id>\d+)", "未找到编号为{id}的举报"),
        (r"no report (?P<id>\d+)", "未找到编号为{id}的举报"),
        (r"no report with this receipt code", "没有与该回执码对应的举报"),
        (
            r"(?:objection|repair application|report|proposal) (?P<id>\d+) has no attachment "
            r"(?P<aid>\d+)",
            "编号为{id}的案件没有编号为{aid}的附件",
        ),
    ),
    "invalid-input": (
        (r"department:? " + _NAME + r" is not in the catalog", "目录中没有部门“{name}”"),
        (
            r"(?:department|reviewer) " + _NAME + r" is not in the catalog \(its departments: "
            r"`jointcredit departments list`, GET /api/v1/catalog/departments\)",
            "目录中没有部门“{name}”（部门代码见 jointcredit departments list 或 "
            "GET /api/v1/catalog/departments）",
        ),
        (
            r"(?:department|reviewer) " + _NAME + r" was superseded by '(?P<successor>[^']*)', "
            r"which carries its duties: use that department",
            "部门“{name}”已由“{successor}”承继职责：请改用该部门",
        ),
        (r"matter " + _NAME + r" is not in the catalog", "目录中没有事项“{name}”"),
        # Casework: documents, reports.
        (
            r"file: " + _NAME + r" is not a PDF, OFD, PNG or JPEG document",
            "文件“{name}”不是PDF、OFD、PNG或JPEG文档",
        ),
        (r"file: " + _NAME + r" is empty", "文件“{name}”为空"),
        (
            r"file: " + _NAME + r" has (?P<size>[\d,]+) bytes; at most (?P<most>[\d,]+) are taken",
            "文件“{name}”有{size}字节，最多接受{most}字节",
        ),
        (
            r"handler: " + _NAME + r" is not an active staff account of department "
            r"(?P<dept>\S+) that handles reports \(its accounts that do: (?P<accounts>.*)\)",
            "承办人“{name}”不是部门{dept}办理举报的在用工作人员账号（可分派：{accounts}）",
        ),
        (
            r"referred_to: name the catalog department the report goes to",
            "移交部门：请填写承办该举报的目录部门",
        ),
        (
            r"outcome: " + _NAME + r" is not one of (?P<known>.*)",
            "办结结论“{name}”无效，应为以下之一：{known}",
        ),
    ),
    "conflict": (
        (
            r"record (?P<id>\d+) already has an open objection: objection (?P<case>\d+) "
            r"\((?P<status>\S+), due (?P<due>\S+)\); one objection at a time per record",
            "信用记录{id}已有未办结的异议（编号{case}，{due}到期）：同一记录同时只能有一件异议",
        ),
        (
            r"record (?P<id>\d+) already has an open repair application: repair (?P<case>\d+) "
            r"\((?P<status>\S+), due (?P<due>\S+)\); one repair application at a time per "
            r"record",
            "信用记录{id}已有未办结的信用修复申请（编号{case}，{due}到期）：同一记录同时只能有一件申请",
        ),
    ),
    "check-input": (
        (r"department " + _NAME + r" is not in the catalog", "目录中没有部门“{name}”"),
        (r"matter " + _NAME + r" is not in the catalog", "目录中没有事项“{name}”"),
        (
            r"(?P<input>'.*') is not a valid USCC or resident identity number: (?P<reason>.*)",
            "{input}不是有效的统一社会信用代码或身份证号码：{reason}",
        ),
    ),
    "database-not-ready": (
        (
            r"the database is at schema revision none, the code needs (?P<need>\S+): "
            r"run `jointcredit db upgrade`",
            "数据库还没有建表（本程序需要结构版本{need}）：请先运行 jointcredit db upgrade",
        ),
        (
            r"the database is at schema revision (?P<have>\S+), the code needs (?P<need>\S+): "
            r"run `jointcredit db upgrade`",
            "数据库结构版本为{have}，本程序需要{need}：请先运行 jointcredit db upgrade",
        ),
    ),
    "input-file": (
        (_FILE + r": no such file", "{file}：文件不存在"),
        (_FILE + r": is a directory, not a file", "{file}：是目录，不是文件"),
        (_FILE + r": cannot be read \((?P<why>.*)\)", "{file}：无法读取（{why}）"),
        (_FILE + r": cannot be read: (?P<why>.*)", "{file}：无法读取（{why}）"),
        (_FILE + r": the file is empty", "{file}：文件为空"),
        (_FILE + r": the file has no header row", "{file}：文件没有表头行"),
        (_FILE + r": the first sheet is empty", "{file}：第一个工作表为空"),
        (
            _FILE + r": the header lacks (?P<n>\d+) required columns? of the (?P<kind>.+?) "
            r"format: (?P<columns>.*)",
            "{file}：表头缺少{kind}格式的{n}个必填列：{columns}",
        ),
        (_FILE + r": columns appear twice: (?P<columns>.*)", "{file}：以下列重复出现：{columns}"),
        (
            _FILE + r": unknown file type (?P<suffix>'[^']*'); expected one of (?P<known>.*)",
            "{file}：未知的文件类型{suffix}，应为以下之一：{known}",
        ),
        (
            _FILE + r": not a readable XLSX workbook \((?P<why>.*)\)",
            "{file}：不是可读取的XLSX工作簿（{why}）",
        ),
    ),
    "configuration": (
        (
            r"unsupported database URL scheme (?P<scheme>'[^']*'): use sqlite:/// or "
            r"postgresql://",
            "不支持的数据库URL类型{scheme}：请使用 sqlite:/// 或 postgresql://",
        ),
        (
            r"port (?P<port>\d+) on (?P<host>\S+) is in use \(another server\?\): choose one "
            r"with --port",
            "{host}的端口{port}已被占用（另一个服务？）：请用 --port 另选端口",
        ),
    ),
    "unauthenticated": (
        (r"invalid API key", "API密钥无效"),
        (r"invalid or revoked API key", "API密钥无效或已吊销"),
        (
            r"(?P<action>.+) needs an API key \(Authorization: Bearer KEY\)",
            "{action}需要API密钥（Authorization: Bearer KEY）",
        ),
    ),
    "forbidden": ((r"the role (?P<role>\S+) may not (?P<action>.+)", "角色{role}无权{action}"),),
    "passphrase-refused": (
        (
            r"the passphrase does not open department (?P<dept>\S+)'s reporter key",
            "口令无法打开部门{dept}的举报人信息密钥",
        ),
    ),
}

_COMPILED = {
    code: tuple((re.compile(pattern, re.S), zh) for pattern, zh in entries)
    for code, entries in _BY_CODE.items()
}

#: The error codes with Chinese messages (docs/configuration.md#languages lists them).
COVERED: tuple[str, ...] = tuple(_BY_CODE)


def error_text(exc: BaseException, lang: Language | None = None) -> str:
    """The message of ``exc`` in ``lang`` (default: the language chosen): a validator's reason
    from the catalog, a common error from its pattern, any other error in English."""
    lang = lang or current()
    first = exc.args[0] if len(exc.args) == 1 else None
    if isinstance(first, Reason):
        return render(first, lang)
    message = str(exc)
    if lang == "en":
        return message
    for code in _codes(exc):
        for pattern, zh in _COMPILED.get(code, ()):
            found = pattern.fullmatch(message)
            if found is not None:
                params = found.groupdict()
                if "reason" in params:  # a validator's reason, written into the message
                    params["reason"] = render(parsed(params["reason"]) or params["reason"], lang)
                return zh.format(**params)
    return message


def _codes(exc: BaseException) -> list[str]:
    """The codes of ``exc``'s class and of the classes it derives from, most specific first
    (a subclass without a pattern of its own is read as its parent)."""
    seen: list[str] = []
    for cls in type(exc).__mro__:
        code = cls.__dict__.get("code")
        if isinstance(code, str) and code not in seen:
            seen.append(code)
    return seen


__all__ = ["COVERED", "error_text"]
