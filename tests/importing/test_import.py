"""Import of double-publicity files into a real registry, on SQLite and PostgreSQL."""

from __future__ import annotations

import csv
import datetime as dt
import json
from pathlib import Path

import pytest
from openpyxl import Workbook
from sqlalchemy import Engine, func, select

from jointcredit.access import OPERATOR
from jointcredit.errors import InputFileError
from jointcredit.importing.formats import LICENSING, PENALTIES
from jointcredit.services.imports import import_file
from jointcredit.services.registry import subject_report
from jointcredit.store.tables import credit_records, import_jobs, record_history, relations

from .rows import licensing_row, penalty_row, resident_id, uscc, write_csv, write_jsonl

TODAY = dt.date(2026, 11, 27)


def _import(engine: Engine, path: Path, kind: str = "penalty", **kwargs: object):  # type: ignore[no-untyped-def]
    return import_file(engine, kind, path, today=TODAY, **kwargs)  # type: ignore[arg-type]


def _count(engine: Engine, table) -> int:  # type: ignore[no-untyped-def]
    with engine.connect() as conn:
        return int(conn.execute(select(func.count()).select_from(table)).scalar_one())


@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "gb18030"])
def test_good_file_in_each_encoding(registry: Engine, tmp_path: Path, encoding: str) -> None:
    path = write_csv(
        tmp_path / "p.csv", [penalty_row(i) for i in range(1, 21)], PENALTIES, encoding
    )
    summary = _import(registry, path)
    assert (summary.accepted, summary.updated, summary.duplicates, summary.rejected) == (
        20,
        0,
        0,
        [],
    )
    assert summary.encoding == encoding
    report = subject_report(registry, uscc(7), by=OPERATOR)
    assert report.subject["name"] == "北京测试7科技有限公司"
    [record] = report.records
    assert record["document_number"] == "京东市监罚〔2024〕7号"
    assert record["fine_fen"] == 5_000_000  # 5 万元
    assert record["severity"] == "general"
    assert record["publish_until"] == "2025-03-05"
    assert record["payload"]["CF_WFXW"] == "虚假宣传"


def test_importing_the_same_file_again_adds_nothing(registry: Engine, tmp_path: Path) -> None:
    path = write_csv(tmp_path / "p.csv", [penalty_row(i) for i in range(1, 11)], PENALTIES)
    _import(registry, path)
    again = _import(registry, path)
    assert (again.accepted, again.updated, again.duplicates) == (0, 0, 10)
    assert _count(registry, credit_records) == 10
    assert _count(registry, record_history) == 10


def test_a_changed_row_becomes_a_new_version_with_history(registry: Engine, tmp_path: Path) -> None:
    _import(registry, write_csv(tmp_path / "a.csv", [penalty_row(1), penalty_row(2)], PENALTIES))
    changed = penalty_row(1, CF_NR_FK="8", CF_NR="罚款人民币捌万元")
    summary = _import(registry, write_csv(tmp_path / "b.csv", [changed, penalty_row(2)], PENALTIES))
    assert (summary.accepted, summary.updated, summary.duplicates) == (0, 1, 1)
    [record] = subject_report(registry, uscc(1), by=OPERATOR).records
    assert record["version"] == 2 and record["fine_fen"] == 8_000_000
    assert record["payload"]["CF_NR"] == "罚款人民币捌万元"
    with registry.connect() as conn:
        history = conn.execute(
            select(record_history.c.version, record_history.c.event, record_history.c.payload)
            .where(record_history.c.record_id == record["id"])
            .order_by(record_history.c.version)
        ).all()
    assert [(v, e) for v, e, _ in history] == [(1, "created"), (2, "updated")]
    assert history[0][2]["CF_NR_FK"] == "5" and history[1][2]["CF_NR_FK"] == "8"


def test_same_key_twice_in_one_file_is_two_versions(registry: Engine, tmp_path: Path) -> None:
    rows = [penalty_row(1), penalty_row(1, CF_NR_FK="6"), penalty_row(1, CF_NR_FK="6")]
    summary = _import(registry, write_csv(tmp_path / "p.csv", rows, PENALTIES))
    assert (summary.accepted, summary.updated, summary.duplicates) == (1, 1, 1)


BAD_ROWS = [
    (
        {"CF_XDR_SHXYM": uscc(3)[:-1] + ("1" if uscc(3)[-1] == "0" else "0")},
        "CF_XDR_SHXYM",
        "check character",
    ),
    ({"CF_JDRQ": "2027-01-01"}, "CF_JDRQ", "in the future"),
    ({"CF_JDRQ": "2024-02-30"}, "CF_JDRQ", "not a calendar date"),
    ({"CF_JDRQ": "yesterday"}, "CF_JDRQ", "not a date"),
    ({"CF_NR_FK": "-2"}, "CF_NR_FK", "negative"),
    ({"CF_NR_FK": "五万"}, "CF_NR_FK", "not a number"),
    ({"CF_XDR_SHXYM": ""}, "CF_XDR_SHXYM", "no"),
    ({"CF_WSH": ""}, "CF_WSH", "required"),
    ({"CF_CFLB": "罚金"}, "CF_CFLB", "not one of 警告, 通报批评"),
    ({"CF_XDR_LB": "公司"}, "CF_XDR_LB", "not one of"),
    ({"CF_FR_ZJHM": "110101198001010011"}, "CF_FR_ZJHM", "check"),
    ({"CF_CFJGDM": "not-a-code"}, "CF_CFJGDM", ""),
]


@pytest.mark.parametrize(("fields", "field", "message"), BAD_ROWS)
def test_a_bad_row_is_rejected_with_row_field_and_reason(
    sqlite_url: str, tmp_path: Path, fields: dict[str, str], field: str, message: str
) -> None:
    from jointcredit.services.registry import open_registry

    engine = open_registry(sqlite_url)
    rows = [penalty_row(1), penalty_row(2), penalty_row(3, **fields), penalty_row(4)]
    path = write_csv(tmp_path / "p.csv", rows, PENALTIES)
    summary = _import(engine, path)
    assert summary.accepted == 3, "good rows around a bad one are all kept"
    assert summary.rejected_rows == 1
    assert {"row": 3, "field": field} in [
        {"row": r["row"], "field": r["field"]} for r in summary.rejected
    ]
    assert any(message in r["error"] for r in summary.rejected if r["field"] == field)
    with (tmp_path / "p.rejects.csv").open(encoding="utf-8-sig", newline="") as f:
        [reject] = list(csv.DictReader(f))
    assert reject["row"] == "3" and field in reject["field"]
    assert reject["CF_XDR_MC"] == rows[2]["CF_XDR_MC"], "the rejects file keeps the row as read"


def test_every_problem_of_a_row_is_reported(registry: Engine, tmp_path: Path) -> None:
    row = penalty_row(1, CF_JDRQ="2099-01-01", CF_NR_FK="-1", CF_WSH="")
    summary = _import(registry, write_csv(tmp_path / "p.csv", [row], PENALTIES))
    assert sorted(r["field"] for r in summary.rejected) == ["CF_JDRQ", "CF_NR_FK", "CF_WSH"]
    assert summary.rejected_rows == 1 and summary.accepted == 0


def test_missing_columns_make_the_file_unreadable(registry: Engine, tmp_path: Path) -> None:
    fields = [f for f in PENALTIES if f not in ("CF_WSH", "CF_JDRQ")]
    path = write_csv(tmp_path / "p.csv", [penalty_row(1)], fields)
    with pytest.raises(
        InputFileError, match=r"lacks 2 required columns of the penalty format: CF_WSH, CF_JDRQ"
    ):
        _import(registry, path)
    with registry.connect() as conn:
        assert conn.execute(select(import_jobs.c.status)).scalar_one() == "failed"


def test_extra_columns_are_ignored_with_a_warning(registry: Engine, tmp_path: Path) -> None:
    row = penalty_row(1) | {"EXTRA": "x"}
    summary = _import(registry, write_csv(tmp_path / "p.csv", [row], [*PENALTIES, "EXTRA"]))
    assert summary.accepted == 1
    assert summary.warnings == ["columns not in the format, ignored: EXTRA"]


def test_chinese_labels_as_header(registry: Engine, tmp_path: Path) -> None:
    row = {PENALTIES[k]: v for k, v in penalty_row(1).items()}
    summary = _import(registry, write_csv(tmp_path / "p.csv", [row], list(PENALTIES.values())))
    assert summary.accepted == 1


def test_a_row_with_the_wrong_number_of_fields(registry: Engine, tmp_path: Path) -> None:
    path = write_csv(tmp_path / "p.csv", [penalty_row(1), penalty_row(2)], PENALTIES)
    lines = path.read_text(encoding="utf-8").splitlines()
    lines.insert(2, "only,three,fields")
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    summary = _import(registry, path)
    assert summary.accepted == 2
    assert summary.rejected == [
        {"row": 2, "field": "-", "error": "row has 3 fields, the header has 30"}
    ]


def test_quoted_newlines_inside_a_field(registry: Engine, tmp_path: Path) -> None:
    row = penalty_row(1, CF_SY='第一行\n第二行, 含逗号"引号"')
    summary = _import(registry, write_csv(tmp_path / "p.csv", [row, penalty_row(2)], PENALTIES))
    assert summary.accepted == 2 and summary.rows == 2
    [record] = subject_report(registry, uscc(1), by=OPERATOR).records
    assert record["payload"]["CF_SY"] == '第一行\n第二行, 含逗号"引号"'


def test_empty_file_and_header_only(registry: Engine, tmp_path: Path) -> None:
    empty = tmp_path / "empty.csv"
    empty.write_bytes(b"")
    with pytest.raises(InputFileError, match="empty"):
        _import(registry, empty)
    header_only = write_csv(tmp_path / "h.csv", [], PENALTIES)
    summary = _import(registry, header_only)
    assert (summary.rows, summary.accepted) == (0, 0)


def test_wrong_encoding_rejects_rows_naming_the_field(registry: Engine, tmp_path: Path) -> None:
    path = write_csv(tmp_path / "p.csv", [penalty_row(1), penalty_row(2)], PENALTIES, "gb18030")
    summary = _import(registry, path, encoding="utf-8")
    # The header is ASCII, so the file opens; every row with Chinese text is refused, not garbled.
    assert summary.accepted == 0 and summary.rejected_rows == 2
    assert any("not valid in the file's encoding" in r["error"] for r in summary.rejected)


def test_json_lines(registry: Engine, tmp_path: Path) -> None:
    path = write_jsonl(tmp_path / "p.jsonl", [penalty_row(1), penalty_row(2)])
    with path.open("a", encoding="utf-8") as f:
        f.write("{not json\n")
        f.write("[1, 2]\n")
        f.write(json.dumps(penalty_row(3), ensure_ascii=False) + "\n")
    summary = _import(registry, path)
    assert summary.accepted == 3
    assert [(r["row"], r["field"]) for r in summary.rejected] == [(3, "-"), (4, "-")]
    assert "expected a JSON object" in summary.rejected[1]["error"]


def test_xlsx(registry: Engine, tmp_path: Path) -> None:
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.append(list(PENALTIES))
    for i in (1, 2):
        row = penalty_row(i)
        values: list[object] = [row[k] for k in PENALTIES]
        values[list(PENALTIES).index("CF_JDRQ")] = dt.datetime(2024, 3, 5)  # a real date cell
        values[list(PENALTIES).index("CF_NR_FK")] = 5.5  # a number cell
        sheet.append(values)
    path = tmp_path / "p.xlsx"
    book.save(path)
    summary = _import(registry, path)
    assert summary.accepted == 2, summary.rejected
    [record] = subject_report(registry, uscc(2), by=OPERATOR).records
    assert record["decision_date"] == "2024-03-05" and record["fine_fen"] == 5_500_000


def test_not_an_xlsx(registry: Engine, tmp_path: Path) -> None:
    path = tmp_path / "p.xlsx"
    path.write_bytes(b"this is not a zip file")
    with pytest.raises(InputFileError, match="not a readable XLSX"):
        _import(registry, path)


def test_legal_representatives_become_relations_with_periods(
    registry: Engine, tmp_path: Path
) -> None:
    first = penalty_row(1, CF_JDRQ="2022-01-10", CF_WSH="A1")
    successor = penalty_row(
        1,
        CF_JDRQ="2024-06-01",
        CF_WSH="A2",
        CF_FRDB="赵测试",
        CF_FR_ZJHM=resident_id(777, birth="19850202"),
    )
    _import(registry, write_csv(tmp_path / "p.csv", [successor, first], PENALTIES))
    report = subject_report(registry, uscc(1), by=OPERATOR)
    periods = sorted((r["other_name"], r["valid_from"], r["valid_until"]) for r in report.relations)
    assert periods == [("王测试", "2022-01-10", "2024-06-01"), ("赵测试", "2024-06-01", None)]
    person = subject_report(registry, resident_id(777, birth="19850202"), by=OPERATOR)
    assert person.subject["kind"] == "natural-person"
    assert [r["role"] for r in person.relations] == ["legal-representative"]
    assert _count(registry, relations) == 2


def test_natural_persons_and_individual_businesses(registry: Engine, tmp_path: Path) -> None:
    person = penalty_row(
        1,
        CF_XDR_MC="孙测试",
        CF_XDR_LB="自然人",
        CF_XDR_SHXYM="",
        CF_FRDB="",
        CF_FR_ZJLX="",
        CF_FR_ZJHM="",
        CF_XDR_ZJLX="身份证",
        CF_XDR_ZJHM=resident_id(5, birth="19900909").lower(),
    )
    business = penalty_row(
        2, CF_XDR_MC="东城区测试便利店", CF_XDR_LB="个体工商户", CF_XDR_SHXYM=uscc(2, prefix="92")
    )
    nobody = penalty_row(3, CF_XDR_LB="自然人", CF_XDR_SHXYM="", CF_XDR_ZJHM="")
    summary = _import(
        registry, write_csv(tmp_path / "p.csv", [person, business, nobody], PENALTIES)
    )
    assert summary.accepted == 2
    assert summary.rejected == [
        {
            "row": 3,
            "field": "CF_XDR_ZJHM",
            "error": "a natural person needs an identity document number",
        }
    ]
    assert (
        subject_report(registry, resident_id(5, birth="19900909"), by=OPERATOR).subject["kind"]
        == "natural-person"
    )
    assert (
        subject_report(registry, uscc(2, prefix="92"), by=OPERATOR).subject["kind"]
        == "individual-business"
    )


def test_legacy_identifiers_and_promotion_to_uscc(registry: Engine, tmp_path: Path) -> None:
    """A subject first known by its registration number is found again when its USCC arrives."""
    from jointcredit.identifiers.checkchars import mod_11_10_check_digit

    regnum = "11010100000001"
    regnum += mod_11_10_check_digit(regnum)
    old = penalty_row(1, CF_XDR_SHXYM="", CF_XDR_GSZC=regnum, CF_WSH="OLD")
    new = penalty_row(1, CF_XDR_GSZC=regnum, CF_WSH="NEW")
    _import(registry, write_csv(tmp_path / "a.csv", [old], PENALTIES))
    assert (
        subject_report(registry, regnum, by=OPERATOR).subject["identifier_type"]
        == "registration-number"
    )
    _import(registry, write_csv(tmp_path / "b.csv", [new], PENALTIES))
    report = subject_report(registry, uscc(1), by=OPERATOR)
    assert report.subject["identifier"] == uscc(1)
    assert len(report.records) == 2
    assert {(i["type"], i["value"]) for i in report.identifiers} == {
        ("registration-number", regnum),
        ("uscc", uscc(1)),
    }


def test_licensing(registry: Engine, tmp_path: Path) -> None:
    rows = [
        licensing_row(1),
        licensing_row(2, XK_YXQZI="长期", XK_ZT="注销"),
        licensing_row(3, XK_YXQZI="2020-01-01"),
        licensing_row(4, XK_XKLB="许可"),
    ]
    summary = _import(registry, write_csv(tmp_path / "l.csv", rows, LICENSING), kind="licensing")
    assert summary.accepted == 2
    assert sorted((r["row"], r["field"]) for r in summary.rejected) == [
        (3, "XK_YXQZI"),
        (4, "XK_XKLB"),
    ]
    [record] = subject_report(registry, uscc(2), by=OPERATOR).records
    assert (record["status"], record["valid_until"], record["kind"]) == (
        "cancelled",
        None,
        "licensing",
    )


def test_reading_in_a_worker_process_gives_the_same_result(sqlite_url: str, tmp_path: Path) -> None:
    from jointcredit.services.registry import open_registry

    rows = [penalty_row(i) for i in range(1, 40)] + [penalty_row(99, CF_JDRQ="2099-01-01")]
    path = write_csv(tmp_path / "p.csv", rows, PENALTIES)
    engine = open_registry(sqlite_url)
    summary = _import(engine, path, workers=1, batch_size=7)
    assert (summary.accepted, summary.rejected_rows, summary.rows) == (39, 1, 40)
    again = _import(engine, path, workers=1)
    assert again.duplicates == 39


def test_two_imports_at_once_into_one_sqlite_file(sqlite_url: str, tmp_path: Path) -> None:
    """Concurrent writers wait for each other instead of failing with 'database is locked'."""
    from concurrent.futures import ThreadPoolExecutor

    from jointcredit.services.registry import open_registry

    engine = open_registry(sqlite_url)
    files = [
        write_csv(
            tmp_path / f"p{n}.csv",
            [penalty_row(i, CF_WSH=f"F{n}-{i}") for i in range(1, 400)],
            PENALTIES,
        )
        for n in range(3)
    ]
    with ThreadPoolExecutor(3) as pool:
        results = list(pool.map(lambda p: _import(engine, p, batch_size=50), files))
    assert [r.accepted for r in results] == [399, 399, 399]
    assert _count(engine, credit_records) == 3 * 399
    assert _count(engine, record_history) == 3 * 399


def test_a_row_the_database_refuses_costs_only_itself(registry: Engine, tmp_path: Path) -> None:
    """Validation should catch everything the database refuses; should a row slip through, the
    batch is retried row by row and only that row is rejected, with the database's reason."""
    from jointcredit.services import imports

    path = write_csv(tmp_path / "p.csv", [penalty_row(i) for i in (1, 2, 3)], PENALTIES)
    summary = imports.ImportSummary("penalty", str(path), "csv", "utf-8", job_id=0)
    validator = imports.make_validator("penalty", TODAY)
    drafts = [validator.validate(n, penalty_row(n)) for n in (1, 2, 3)]
    assert all(not isinstance(d, list) for d in drafts)
    # A draft no validator would produce: a negative fine, which a CHECK constraint refuses.
    drafts[1] = drafts[1]._replace(fine_fen=-1)  # type: ignore[union-attr]
    rejects = imports._Rejects(tmp_path / "r.csv", PENALTIES, 10, summary)
    writer = imports._Writer(registry, None, "test", "file:p.csv", summary, rejects)
    writer.write(drafts)  # type: ignore[arg-type]
    rejects.close()
    assert (summary.accepted, summary.rejected_rows) == (2, 1)
    [problem] = summary.rejected
    assert problem["row"] == 2 and "refused by the database" in problem["error"]
    assert _count(registry, credit_records) == 2
