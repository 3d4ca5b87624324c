"""A small synthetic catalog that lints clean, and a way to break it in one place.

Each test writes the catalog to its own directory, changes one thing and marks the line it
expects a problem on with ``# HERE``: the expected line number is read from the file, so the
tests do not depend on counting lines by hand.
"""

from __future__ import annotations

import textwrap
from dataclasses import dataclass
from pathlib import Path

from jointcredit.catalog import Problem

DEPARTMENTS = """\
- code: SPC
  name_zh: 最高人民法院
  name_en: Supreme People's Court
- code: MPS
  name_zh: 公安部
  name_en: Ministry of Public Security
- code: SAIC
  name_zh: 工商总局
  name_en: State Administration for Industry and Commerce
  superseded_by: SAMR
- code: SAMR
  name_zh: 市场监管总局
  name_en: State Administration for Market Regulation
"""

MATTERS = """\
- code: air-travel
  name_zh: 乘坐民航飞机
  name_en: Air travel
- code: public-bidding
  name_zh: 招标投标
  name_en: Public bidding
"""

LIST_TYPES = """\
- code: defaulters
  kind: black
  name_zh: 失信被执行人名单
  name_en: Judgment defaulters
  initiating_department: SPC
  legal_basis: 某规定第一条
  subject_types: [natural-person, legal-person]
  default_period: P2Y
- code: persons-only
  kind: black
  name_zh: 失信人员名单
  name_en: Dishonest persons
  initiating_department: SPC
  legal_basis: 某规定第二条
  subject_types: [natural-person]
  default_period: null
- code: model-enterprises
  kind: red
  name_zh: 诚信企业
  name_en: Model enterprises
  initiating_department: SAMR
  legal_basis: 某办法第三条
  subject_types: [legal-person]
  default_period: P1Y
"""

MOU = """\
id: mou-test
title_zh: 测试备忘录
title_en: Test memorandum
document_number: 测〔2020〕1号
issued: 2020-01-01
kind: punishment
list_type: defaulters
initiating_department: SPC
signatories: [SPC, MPS]
source: null
measures:
  - id: mou-test/01
    text_zh: 限制失信被执行人乘坐飞机。
    text_en: Restrict air travel.
    category: market
    binding: mandatory
    targets: [subject]
    implementing_departments: [MPS]
    matters: [air-travel]
    legal_basis: 测〔2020〕1号 第1项
"""

BASE = {
    "departments.yaml": DEPARTMENTS,
    "matters.yaml": MATTERS,
    "list-types.yaml": LIST_TYPES,
    "mou-test.yaml": MOU,
}


@dataclass
class Fixture:
    root: Path

    def write(self, name: str, text: str) -> Path:
        path = self.root / name
        path.write_text(textwrap.dedent(text), encoding="utf-8")
        return path

    def replace(self, name: str, old: str, new: str) -> Path:
        path = self.root / name
        text = path.read_text(encoding="utf-8")
        assert old in text, f"{old!r} not in {name}"
        path.write_text(text.replace(old, new, 1), encoding="utf-8")
        return path

    def add_measure(self, yaml_text: str, name: str = "mou-test.yaml") -> Path:
        """Append a measure (indented like the others) to a document's measures."""
        path = self.root / name
        block = textwrap.indent(textwrap.dedent(yaml_text), "  ")
        path.write_text(path.read_text(encoding="utf-8") + block, encoding="utf-8")
        return path

    def line_of(self, name: str, marker: str = "# HERE") -> int:
        lines = (self.root / name).read_text(encoding="utf-8").splitlines()
        hits = [i + 1 for i, line in enumerate(lines) if marker in line]
        assert len(hits) == 1, f"{marker!r} marks {len(hits)} lines of {name}"
        return hits[0]


def only(problems: list[Problem], code: str) -> Problem:
    """The one problem with ``code``; fails listing everything found otherwise."""
    found = [p for p in problems if p.code == code]
    assert len(found) == 1, "\n".join(str(p) for p in problems) or "no problems"
    return found[0]
