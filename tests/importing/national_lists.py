"""Sample files of the national lists' own formats, written in each format's own column order
(UTF-8 with BOM, and XLSX), with synthetic subjects: identifiers are computed, organisation
codes carry the marker "JC", names are 测试…; no real company or person.

Each sample has good rows and bad rows; :data:`SAMPLES` says which rows are bad and which
column each one's error names.
"""

from __future__ import annotations

import contextlib
import csv
import datetime as dt
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path

from openpyxl import Workbook
from tests.importing.rows import org_code, resident_id, uscc

from jointcredit import clock
from jointcredit.importing.list_formats import FORMATS, ListFormat

#: Today in China: entries decided shortly before it are in effect and published, so that the
#: portal shows them.
TODAY = clock.today()
DECIDED = TODAY - dt.timedelta(days=20)
FILED = TODAY - dt.timedelta(days=200)
#: The last year whose A-grade results are out (published on 1 April of the following year).
GRADED = TODAY.year - 1 if dt.date(TODAY.year, 4, 1) <= TODAY else TODAY.year - 2
FUTURE = TODAY + dt.timedelta(days=10)


def court_date(day: dt.date) -> str:
    """发布时间 as the court's pages write it."""
    return f"{day.year}年{day.month:02d}月{day.day:02d}日"


def person(serial: int, birth: str = "19800101") -> str:
    """A synthetic resident identity number (Beijing 东城区)."""
    return resident_id(serial, birth=birth)


def masked(number: str) -> str:
    """A resident identity number as the lists publish it."""
    return number[:4] + "*" * 10 + number[-4:]


@dataclass(frozen=True)
class Sample:
    fmt: ListFormat
    good: list[dict[str, str]]
    #: Bad rows and the column their error names.
    bad: list[tuple[dict[str, str], str]]

    @property
    def rows(self) -> list[dict[str, str]]:
        """The good rows, then the bad ones."""
        return self.good + [row for row, _ in self.bad]

    def rejected(self) -> list[tuple[int, str]]:
        """(row number, column) of the errors the bad rows give (rows count from 1)."""
        first = len(self.good) + 1
        return [(first + i, column) for i, (_, column) in enumerate(self.bad)]


def court(serial: int) -> Sample:
    company, defaulter = serial, serial + 1
    base = {
        "执行法院": "北京市东城区人民法院",
        "省份": "北京",
        "执行依据文号": f"（{FILED.year}）京0101民初{serial}号",
        "立案时间": FILED.strftime("%Y%m%d"),
        "做出执行依据单位": "北京市东城区人民法院",
        "生效法律文书确定的义务": "被告偿还原告借款本金人民币十万元及利息",
        "被执行人的履行情况": "全部未履行",
        "失信被执行人行为具体情形": "有履行能力而拒不履行生效法律文书确定义务",
        "发布时间": court_date(DECIDED),
    }
    good = [
        base
        | {
            "被执行人姓名/名称": f"测试{company}有限公司",
            "身份证号码/组织机构代码": uscc(company),
            "法定代表人或者负责人姓名": "王测试",
            "案号": f"（{DECIDED.year}）京0101执{company}号",
        },
        base
        | {
            "被执行人姓名/名称": f"张测试{defaulter}",
            "性别": "男",
            "年龄": "45",
            "身份证号码/组织机构代码": person(defaulter),
            "案号": f"（{DECIDED.year}）京0101执{defaulter}号",
            "未履行部分": "100000",
        },
    ]
    bad = [
        (
            base
            | {
                "被执行人姓名/名称": "李测试",
                "身份证号码/组织机构代码": masked(person(serial + 2)),
                "案号": f"（{DECIDED.year}）京0101执{serial + 2}号",
            },
            "身份证号码/组织机构代码",
        ),
        (
            base
            | {
                "被执行人姓名/名称": f"测试{serial + 3}有限公司",
                "身份证号码/组织机构代码": uscc(serial + 3),
                "案号": f"（{DECIDED.year}）京0101执{serial + 3}号",
                "发布时间": f"{DECIDED.year}年13月05日",
            },
            "发布时间",
        ),
        (
            base
            | {
                "被执行人姓名/名称": f"测试{serial + 4}有限公司",
                "身份证号码/组织机构代码": uscc(serial + 4),
            },
            "案号",
        ),
    ]
    return Sample(FORMATS["court"], good, bad)


def samr(serial: int) -> Sample:
    def row(n: int, **fields: str) -> dict[str, str]:
        return {
            "统一社会信用代码": uscc(n),
            "企业名称": f"北京测试{n}食品有限公司",
            "列入决定书文号": f"京东市监列〔{DECIDED.year}〕{n}号",
            "列入原因": "因生产经营添加非食用物质的食品，受到吊销许可证件的行政处罚，"
            "依据《市场监督管理严重违法失信名单管理办法》第六条列入",
            "作出决定机关": "北京市东城区市场监督管理局",
            "列入日期": DECIDED.isoformat(),
        } | fields

    good = [row(serial), row(serial + 1)]
    bad = [
        (row(serial + 2, 列入日期=f"{DECIDED.year}-02-30"), "列入日期"),
        (row(serial + 3, 列入决定书文号=""), "列入决定书文号"),
        # An organisation code alone identifies no subject of the registry.
        (row(serial + 4, 统一社会信用代码=org_code(serial + 4)), "统一社会信用代码"),
    ]
    return Sample(FORMATS["samr"], good, bad)


REPRESENTATIVE = "法定代表人或者负责人姓名、性别、证件名称及号码"
FINANCE = "负有直接责任的财务负责人姓名、性别、证件名称及号码"


def tax_violations(serial: int) -> Sample:
    def row(n: int, **fields: str) -> dict[str, str]:
        return {
            "纳税人名称": f"北京测试{n}商贸有限公司",
            "纳税人识别号": uscc(n),
            "组织机构代码": org_code(n),
            "注册地址": "北京市东城区测试路1号",
            REPRESENTATIVE: f"王测试，男，居民身份证，{person(n, '19750505')}",
            FINANCE: f"赵测试，女，居民身份证，{masked(person(n + 500, '19850505'))}",
            "负有直接责任的中介机构信息及其从业人员信息": "无",
            "案件性质": "虚开增值税专用发票",
            "主要违法事实": "经国家税务总局北京市税务局第一稽查局检查，发现其在"
            f"{FILED.year}年虚开增值税专用发票，价税合计一百万元。",
            "相关法律依据及税务处理处罚情况": "依照《中华人民共和国税收征收管理法》等相关法律法规"
            "的有关规定，对其处以追缴税款的行政处理、处以罚款的行政处罚，并依法移送公安机关。",
            "统一社会信用代码": "",
            "检查机关": "国家税务总局北京市税务局第一稽查局",
            "发布时间": DECIDED.isoformat(),
        } | fields

    individual = person(serial + 1, "19700303")
    good = [
        row(serial),
        row(
            serial + 1,
            纳税人名称=f"钱测试{serial + 1}",
            纳税人识别号=individual,
            组织机构代码="",
            **{REPRESENTATIVE: "", FINANCE: ""},
        ),
    ]
    bad = [
        (row(serial + 2, 纳税人识别号=masked(person(serial + 2))), "纳税人识别号"),
        (row(serial + 3, 发布时间=FUTURE.isoformat()), "发布时间"),
        (row(serial + 4, 案件性质=""), "案件性质"),
    ]
    return Sample(FORMATS["tax-violations"], good, bad)


def tax_a_grade(serial: int) -> Sample:
    def row(n: int, **fields: str) -> dict[str, str]:
        return {
            "纳税人识别号": uscc(n),
            "纳税人名称": f"北京测试{n}科技有限公司",
            "信用级别": "A",
            "评价年度": str(GRADED),
            "税务机关": "国家税务总局北京市东城区税务局",
        } | fields

    good = [row(serial), row(serial + 1, 评价年度=f"{GRADED}年度")]
    bad = [
        # An old 15-character tax registration number is not the USCC the registry needs.
        (row(serial + 2, 纳税人识别号="110101" + org_code(serial + 2)), "纳税人识别号"),
        (row(serial + 3, 评价年度="二〇二三"), "评价年度"),
        (row(serial + 4, 纳税人名称=""), "纳税人名称"),
        (row(serial + 5, 信用级别="B"), "信用级别"),
    ]
    return Sample(FORMATS["tax-a-grade"], good, bad)


SAMPLES = {
    "court": court,
    "samr": samr,
    "tax-violations": tax_violations,
    "tax-a-grade": tax_a_grade,
}


def write_csv(path: Path, fmt: ListFormat, rows: Iterable[Mapping[str, str]]) -> Path:
    """CSV in UTF-8 with BOM, the columns in the format's own order."""
    with path.open("w", encoding="utf-8-sig", newline="") as f:
        writer = csv.DictWriter(f, list(fmt.columns))
        writer.writeheader()
        writer.writerows(rows)
    return path


def write_xlsx(path: Path, fmt: ListFormat, rows: Iterable[Mapping[str, str]]) -> Path:
    """XLSX, the columns in the format's own order; a decision date that is an ISO date
    becomes a real date cell, as spreadsheet programs write it."""
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    columns = list(fmt.columns)
    sheet.append(columns)
    for row in rows:
        values: list[object] = [row.get(c, "") or None for c in columns]
        if fmt.date_column is not None:
            at = columns.index(fmt.date_column)
            with contextlib.suppress(ValueError):
                values[at] = dt.datetime.fromisoformat(str(row.get(fmt.date_column)))
        sheet.append(values)
    book.save(path)
    return path
