"""Both generations of the double-publicity formats, and coded values given as codes or labels.

The sample files are written here in each format's own field order (docs/formats.md), with
code values and labels mixed as departments' systems send them.
"""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pytest
from openpyxl import Workbook
from sqlalchemy import Engine, select

from jointcredit.errors import InputFileError
from jointcredit.importing import codes, formats
from jointcredit.services.imports import import_file
from jointcredit.store.tables import credit_records, record_history, subjects

from .rows import licensing_row, penalty_row, resident_id, uscc, write_csv

TODAY = dt.date(2026, 11, 27)


def _import(engine: Engine, path: Path, kind: str):  # type: ignore[no-untyped-def]
    return import_file(engine, kind, path, workers=0, today=TODAY)  # type: ignore[arg-type]


def _bom_csv(path: Path, rows: list[dict[str, str]], fields: list[str]) -> Path:
    return write_csv(path, rows, fields, encoding="utf-8-sig")


def licensing_2016(serial: int, **fields: str) -> dict[str, str]:
    row = dict.fromkeys(formats.LICENSING_2016, "")
    row.update(
        XK_WSH=f"东市监许〔2016〕{serial}号",
        XK_XMMC="食品经营许可",
        XK_SPLB="0",
        XK_NR="预包装食品销售",
        XK_XDR=f"北京测试{serial}餐饮有限公司",
        XK_XDR_SHXYM=uscc(serial),
        XK_FR="李测试",
        XK_JDRQ="2024/03/05",
        XK_JZQ="2029/03/04",
        XK_XZJG="北京市东城区市场监督管理局",
        XK_ZT="0",
        DFBM="110101",
        SJC="2024/03/06",
    )
    row.update(fields)
    return row


def penalty_2016(serial: int, **fields: str) -> dict[str, str]:
    row = dict.fromkeys(formats.PENALTIES_2016, "")
    row.update(
        CF_WSH=f"京东市监罚〔2016〕{serial}号",
        CF_CFMC="虚假宣传案",
        CF_CFLB1="1",
        CF_SY="在网店发布虚假广告",
        CF_YJ="《中华人民共和国广告法》第五十五条",
        CF_XDR_MC=f"北京测试{serial}科技有限公司",
        CF_XDR_SHXYM=uscc(serial),
        CF_FR="王测试",
        CF_JG="罚款人民币伍万元",
        CF_JDRQ="2024/03/05",
        CF_XZJG="北京市东城区市场监督管理局",
        CF_ZT="0",
        DFBM="110101",
        SJC="2024/03/06",
    )
    row.update(fields)
    return row


def _records(engine: Engine) -> list[dict[str, object]]:
    c = credit_records.c
    with engine.connect() as conn:
        rows = conn.execute(
            select(
                c.document_number,
                c.status,
                c.category,
                c.severity,
                c.valid_until,
                c.issuing_authority,
                subjects.c.kind,
                subjects.c.name,
                record_history.c.payload,
            )
            .join(subjects, subjects.c.id == c.subject_id)
            .join(
                record_history,
                (record_history.c.record_id == c.id) & (record_history.c.version == c.version),
            )
            .order_by(c.document_number)
        ).mappings()
        return [
            {**row, "payload": p if isinstance(p := row["payload"], dict) else json.loads(p)}
            for row in rows
        ]


def test_a_2016_licensing_file_with_codes_and_labels(registry: Engine, tmp_path: Path) -> None:
    rows = [
        licensing_2016(1),
        licensing_2016(2, XK_SPLB="特许", XK_ZT="正常"),  # labels where codes stand
        licensing_2016(3, XK_ZT="1"),  # 撤销
        # A natural person: only the identity number identifies the subject.
        licensing_2016(4, XK_XDR="张测试", XK_XDR_SHXYM="", XK_XDR_SFZ=resident_id(4), XK_FR=""),
        licensing_2016(5, XK_ZT="2"),  # 异议 in the department's system
        licensing_2016(6, XK_SPLB="7"),  # no such code
        licensing_2016(7, XK_ZT="正当"),  # no such state
    ]
    path = _bom_csv(tmp_path / "xk2016.csv", rows, list(formats.LICENSING_2016))
    summary = _import(registry, path, "licensing")
    assert (summary.accepted, summary.rejected_rows) == (5, 2), summary.rejected
    errors = {(r["row"], r["field"]): r["error"] for r in summary.rejected}
    assert "not one of 0 普通, 1 特许" in errors[(6, "XK_SPLB")]
    assert "not one of 0 正常, 1 撤销, 2 异议, 3 其他" in errors[(7, "XK_ZT")]

    by_number = {r["document_number"]: r for r in _records(registry)}
    first = by_number["东市监许〔2016〕1号"]
    assert first["status"] == "active" and first["category"] == "普通"
    assert first["issuing_authority"] == "北京市东城区市场监督管理局"
    payload = first["payload"]
    assert payload["XK_XKWS"] == "食品经营许可" and payload["XK_XKLB"] == "普通"
    assert payload["XK_ZT"] == "正常" and payload["DFBM"] == "110101"
    assert payload["XK_XDR_LB"] == "法人及非法人组织" and payload["_format"] == "2016"
    assert str(first["valid_until"]) == "2029-03-04"
    assert by_number["东市监许〔2016〕2号"]["category"] == "特许"
    assert by_number["东市监许〔2016〕3号"]["status"] == "revoked"
    person = by_number["东市监许〔2016〕4号"]
    assert person["kind"] == "natural-person"
    assert person["payload"]["XK_XDR_ZJHM"] == resident_id(4)
    assert by_number["东市监许〔2016〕5号"]["status"] == "active"


def test_a_2016_penalty_file_as_xlsx_with_the_variant_names(
    registry: Engine, tmp_path: Path
) -> None:
    # Provincial systems name 处罚名称 CF_AJMC; the second category goes to CF_CFLB2.
    fields = ["CF_AJMC" if f == "CF_CFMC" else f for f in formats.PENALTIES_2016]
    rows = [
        {("CF_AJMC" if k == "CF_CFMC" else k): v for k, v in r.items()}
        for r in (
            penalty_2016(1),
            penalty_2016(2, CF_CFLB1="警告", CF_CFLB2="2"),
            penalty_2016(3, CF_CFLB1="4", CF_ZT="1"),
            penalty_2016(4, CF_CFLB1="罚金"),
        )
    ]
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.append(fields)
    for row in rows:
        sheet.append([row[f] for f in fields])
    path = tmp_path / "cf2016.xlsx"
    book.save(path)
    summary = _import(registry, path, "penalty")
    assert (summary.accepted, summary.rejected_rows) == (3, 1), summary.rejected
    assert summary.rejected[0]["field"] == "CF_CFLB1"
    assert "not one of 0 警告, 1 罚款" in summary.rejected[0]["error"]

    by_number = {r["document_number"]: r for r in _records(registry)}
    fine = by_number["京东市监罚〔2016〕1号"]
    assert fine["category"] == "罚款" and fine["severity"] == "general"
    assert fine["payload"]["CF_WFXW"] == "虚假宣传案"
    assert fine["payload"]["CF_NR"] == "罚款人民币伍万元"
    assert fine["payload"]["CF_ZT"] == "正常"
    two = by_number["京东市监罚〔2016〕2号"]
    assert two["category"] == "警告;没收违法所得;没收非法财物"
    # 暂扣或者吊销许可证、暂扣或者吊销执照 does not say which: the lesser reading.
    revoked = by_number["京东市监罚〔2016〕3号"]
    assert revoked["category"] == "暂扣许可证件" and revoked["status"] == "revoked"


def test_a_2016_header_of_chinese_labels(registry: Engine, tmp_path: Path) -> None:
    fields = list(formats.LICENSING_2016)
    labels = [formats.LICENSING_2016[f] for f in fields]
    row = licensing_2016(1)
    path = tmp_path / "labels.csv"
    with path.open("w", encoding="utf-8-sig", newline="") as f:
        import csv

        writer = csv.writer(f)
        writer.writerow(labels)
        writer.writerow([row[name] for name in fields])
    summary = _import(registry, path, "licensing")
    assert summary.accepted == 1, summary.rejected
    (record,) = _records(registry)
    assert record["issuing_authority"] == "北京市东城区市场监督管理局"


def test_a_2016_file_without_a_required_column_is_unreadable(
    registry: Engine, tmp_path: Path
) -> None:
    fields = [f for f in formats.PENALTIES_2016 if f != "CF_XZJG"]
    path = _bom_csv(tmp_path / "short.csv", [penalty_2016(1)], fields)
    with pytest.raises(InputFileError, match="CF_XZJG"):
        _import(registry, path, "penalty")


def test_current_format_codes_and_labels_make_the_same_record(
    registry: Engine, tmp_path: Path
) -> None:
    labelled = [
        licensing_row(1),
        licensing_row(2, XK_XKLB="特许", XK_ZT="无效"),
        licensing_row(
            3,
            XK_XDR_LB="自然人",
            XK_XDR_MC="赵测试",
            XK_XDR_SHXYM="",
            XK_XDR_ZJLX="身份证",
            XK_XDR_ZJHM=resident_id(3),
            XK_FRDB="",
            XK_FR_ZJLX="",
            XK_FR_ZJHM="",
        ),
    ]
    coded = [
        {**labelled[0], "XK_XKLB": "01", "XK_ZT": "1", "XK_FR_ZJLX": "01"},
        {**labelled[1], "XK_XKLB": "02", "XK_ZT": "2"},
        {**labelled[2], "XK_XDR_LB": "01", "XK_XDR_ZJLX": "01"},
    ]
    first = _import(
        registry, write_csv(tmp_path / "a.csv", labelled, formats.LICENSING), "licensing"
    )
    assert first.accepted == 3, first.rejected
    again = _import(registry, write_csv(tmp_path / "b.csv", coded, formats.LICENSING), "licensing")
    assert (again.accepted, again.updated, again.duplicates) == (0, 0, 3), again.rejected
    statuses = {r["document_number"]: r["status"] for r in _records(registry)}
    assert sorted(statuses.values()) == ["active", "active", "cancelled"]


def test_an_unknown_code_names_the_accepted_values(registry: Engine, tmp_path: Path) -> None:
    rows = [
        penalty_row(1, CF_XDR_LB="07"),
        penalty_row(2, CF_FR_ZJLX="09"),
        penalty_row(3, CF_FR_ZJLX="其他-军官证", CF_FR_ZJHM="军字第000001号"),
        penalty_row(4, CF_CFLB="罚款;17"),
    ]
    summary = _import(registry, write_csv(tmp_path / "p.csv", rows, formats.PENALTIES), "penalty")
    errors = {r["field"]: r["error"] for r in summary.rejected}
    assert summary.accepted == 1
    assert "not one of 法人及非法人组织, 自然人, 个体工商户" in errors["CF_XDR_LB"]
    assert "01 身份证" in errors["CF_FR_ZJLX"] and "其他-" in errors["CF_FR_ZJLX"]
    assert "'17' is not one of 警告" in errors["CF_CFLB"]


def test_generation_is_told_by_the_header() -> None:
    assert formats.generation_of("licensing", list(formats.LICENSING)) == "current"
    assert formats.generation_of("licensing", [*formats.LICENSING, "DFBM"]) == "current"
    assert formats.generation_of("penalty", list(formats.PENALTIES_2016)) == "2016"
    assert formats.generation_of("penalty", list(formats.PENALTIES_2016.values())) == "2016"


def test_export_rows_read_back_as_they_were() -> None:
    payload = {**licensing_row(1), "XK_ZT": "有效"}
    payload = {k: v for k, v in payload.items() if v}
    current = formats.export_row("licensing", payload, "active", "current")
    assert list(current) == list(formats.LICENSING) and current["XK_ZT"] == "1"
    old = formats.export_row("licensing", payload, "revoked", "2016")
    assert list(old) == list(formats.LICENSING_2016)
    assert (old["XK_SPLB"], old["XK_ZT"], old["XK_XMMC"]) == ("0", "1", "食品经营许可决定书")
    penalty = {k: v for k, v in penalty_row(1, CF_CFLB="罚款;通报批评").items() if v}
    row = formats.export_row("penalty", penalty, "active", "2016")
    assert (row["CF_CFLB1"], row["CF_CFLB2"], row["CF_ZT"]) == ("1", "通报批评", "0")
    assert codes.PENALTY_CATEGORY_2016.code("没收非法财物") == "2"


def test_headers_of_the_2019_rules_numbered_labels(registry: Engine, tmp_path: Path) -> None:
    import csv

    numbered = {
        "CF_XDR_SHXYM": "行政相对人代码_1（统一社会信用代码）",
        "CF_XDR_GSZC": "行政相对人代码_2（工商注册号）",
    }
    header = [numbered.get(name, formats.PENALTIES[name]) for name in formats.PENALTIES]
    assert set(header) <= set(formats.header_labels("penalty"))
    row = penalty_row(1)
    path = tmp_path / "numbered.csv"
    with path.open("w", encoding="utf-8-sig", newline="") as f:
        writer = csv.writer(f)
        writer.writerow(header)
        writer.writerow([row[name] for name in formats.PENALTIES])
    summary = _import(registry, path, "penalty")
    assert summary.accepted == 1 and summary.warnings == [], (summary.rejected, summary.warnings)
