"""The national lists' own formats through ``jointcredit import list-entries FILE --format``.

For each of the four formats (court, samr, tax-violations, tax-a-grade) a sample file is
written in the format's own column order — CSV in UTF-8 with BOM, and XLSX — with synthetic
subjects, imported by the real command into a real SQLite registry, and the entries checked:
list type, department, subject, period, the list's own columns kept in the payload, every bad
row a field error naming its column while the good rows go in, and importing the file again
changes nothing. An entry stored from a national format validates again, unchanged, as a
generic entry (what a proposal's approval and a change do). A check of a court defaulter
yields the judgment-defaulter measures.
"""

from __future__ import annotations

import csv
import datetime as dt
import json
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine, select
from tests.importing.national_lists import (
    DECIDED,
    FINANCE,
    GRADED,
    REPRESENTATIVE,
    SAMPLES,
    TODAY,
    Sample,
    court,
    masked,
    person,
    samr,
    write_csv,
    write_xlsx,
)
from tests.importing.rows import uscc
from typer.testing import CliRunner

from jointcredit.access import OPERATOR
from jointcredit.catalog import load_catalog
from jointcredit.cli.main import app
from jointcredit.identifiers.mask import mask_name
from jointcredit.importing.list_formats import FORMATS, own_columns, public_columns
from jointcredit.importing.pipeline import make_validator
from jointcredit.jsontext import dumps
from jointcredit.rules.periods import add_duration
from jointcredit.services.check import check
from jointcredit.services.imports import import_file
from jointcredit.services.registry import open_registry, subject_report
from jointcredit.store.tables import credit_records, record_history

ENV = {"COLUMNS": "300", "NO_COLOR": "1"}
FILED_TEXT = "20240101"


def _cli(url: str, *args: str | Path) -> Any:
    return CliRunner().invoke(app, [*map(str, args), "--database", url], env=ENV)


def _import(url: str, path: Path, list_format: str) -> dict[str, Any]:
    done = _cli(url, "import", "list-entries", path, "--format", list_format, "--json")
    assert done.exit_code == 0, done.stderr or done.stdout
    summary: dict[str, Any] = json.loads(done.stdout)
    return summary


def _entries(engine: Engine, list_type: str) -> list[dict[str, Any]]:
    """The registry's entries of a list type, with their current payload."""
    query = (
        select(credit_records, record_history.c.payload)
        .join(
            record_history,
            (record_history.c.record_id == credit_records.c.id)
            & (record_history.c.version == credit_records.c.version),
        )
        .where(credit_records.c.list_type == list_type)
        .order_by(credit_records.c.id)
    )
    with engine.connect() as conn:
        rows = [dict(r._mapping) for r in conn.execute(query)]
    for row in rows:
        if isinstance(row["payload"], str):
            row["payload"] = json.loads(row["payload"])
    return rows


# -- the formats as data -------------------------------------------------------------------------

#: The columns the issue names for each list, exactly.
NAMED = {
    "court": (
        "案号",
        "执行法院",
        "省份",
        "执行依据文号",
        "做出执行依据单位",
        "生效法律文书确定的义务",
        "被执行人的履行情况",
        "失信被执行人行为具体情形",
        "发布时间",
        "立案时间",
    ),
    "samr": ("列入决定书文号", "列入原因", "列入日期", "作出决定机关"),
    "tax-violations": ("案件性质", "主要违法事实", "相关法律依据及税务处理处罚情况"),
    "tax-a-grade": ("纳税人识别号", "纳税人名称", "评价年度"),
}


def test_each_format_is_data_the_catalog_knows() -> None:
    catalog = load_catalog()
    assert list(FORMATS) == ["court", "samr", "tax-violations", "tax-a-grade"]
    expected = {
        "court": ("judgment-defaulters", "SPC"),
        "samr": ("samr-serious-illegal-dishonest", "SAMR"),
        "tax-violations": ("major-tax-violation-parties", "SAT"),
        "tax-a-grade": ("a-grade-taxpayers", "SAT"),
    }
    for name, fmt in FORMATS.items():
        assert (fmt.list_type, fmt.department) == expected[name]
        assert catalog.list_types[fmt.list_type].initiating_department == fmt.department
        assert set(NAMED[name]) <= set(fmt.columns), name
        columns = set(fmt.columns)
        assert set(fmt.required) <= columns and fmt.name_column in fmt.required
        assert {fmt.name_column, *fmt.identifier_columns, *fmt.date_columns} <= columns
        assert {*fmt.persons, *fmt.person_names, *fmt.not_public, *fmt.value_sets} <= columns
        assert set(fmt.aliases.values()) <= columns and not set(fmt.aliases) & columns
        assert fmt.document_column in columns or fmt.document
        assert all(isinstance(v, str) and v for v in fmt.columns.values())


# -- each format through the command line --------------------------------------------------------


@pytest.mark.parametrize("suffix", ["csv", "xlsx"])
@pytest.mark.parametrize("name", list(SAMPLES))
def test_a_sample_file_imports_with_its_own_columns_kept(
    name: str, suffix: str, tmp_path: Path
) -> None:
    url = f"sqlite:///{tmp_path}/registry.sqlite3"
    sample: Sample = SAMPLES[name](100)
    fmt = sample.fmt
    writer = write_csv if suffix == "csv" else write_xlsx
    path = writer(tmp_path / f"{name}.{suffix}", fmt, sample.rows)
    if suffix == "csv":
        assert path.read_bytes().startswith(b"\xef\xbb\xbf" + ",".join(fmt.columns).encode())

    summary = _import(url, path, name)
    assert summary["list_format"] == name
    assert (summary["rows"], summary["accepted"]) == (len(sample.rows), len(sample.good))
    assert summary["rejected_rows"] == len(sample.bad)
    assert [(r["row"], r["field"]) for r in summary["rejected"]] == sample.rejected()
    # The rejects file has the format's own columns.
    with Path(summary["rejects_file"]).open(encoding="utf-8-sig") as f:
        assert f.readline().strip().split(",") == ["row", "field", "error", *fmt.columns]

    engine = open_registry(url)
    try:
        entries = _entries(engine, fmt.list_type)
        list_type = load_catalog().list_types[fmt.list_type]
        assert len(entries) == len(sample.good)
        for entry, row in zip(entries, sample.good, strict=True):
            payload = entry["payload"]
            assert entry["department"] == fmt.department
            assert entry["kind"] == ("black-list" if list_type.kind == "black" else "red-list")
            assert entry["legal_basis"] == list_type.legal_basis  # the catalog's, always
            assert payload["format"] == name and payload["list_type"] == fmt.list_type
            kept = dict(own_columns(payload))
            # Every own column the row filled is kept under its label, as published (a
            # person's identity number masked: the full one is the subject's).
            filled = {k: v for k, v in row.items() if v}
            assert set(kept) == set(filled)
            for label, value in filled.items():
                if payload["subject"]["kind"] == "natural-person" and (
                    label in fmt.identifier_columns
                ):
                    assert kept[label] == masked_as_stored(value)
                elif label in fmt.persons:
                    assert "*" in kept[label] or not any(c.isdigit() for c in value)
                else:
                    assert kept[label] == value, label
            _check_validity(entry, fmt.name, row)
        _check_subjects(engine, name, entries)
        assert all(_revalidates(entry["payload"]) for entry in entries)
    finally:
        engine.dispose()

    # Importing the same file again adds nothing: the entries are known as they are.
    again = _import(url, path, name)
    assert (again["accepted"], again["updated"], again["duplicates"]) == (0, 0, len(sample.good))


def masked_as_stored(number: str) -> str:
    return number[:6] + "*" * 8 + number[-4:]


def _check_validity(entry: dict[str, Any], name: str, row: dict[str, str]) -> None:
    """The period: from the decision date, the list type's default length."""
    if name == "tax-a-grade":
        year = int(row["评价年度"][:4])
        assert year == GRADED
        assert str(entry["valid_from"]) == f"{year + 1}-04-01"
        assert str(entry["valid_until"]) == f"{year + 2}-03-31"
        assert entry["document_number"] == f"{year}年度纳税信用A级"
        return
    assert str(entry["decision_date"]) == DECIDED.isoformat()
    assert str(entry["valid_from"]) == DECIDED.isoformat()
    period = {"court": "P2Y", "samr": "P3Y", "tax-violations": "P3Y"}[name]
    until = add_duration(DECIDED, period) - dt.timedelta(days=1)
    assert str(entry["valid_until"]) == until.isoformat()
    if name == "tax-violations":
        assert entry["document_number"] == f"重大税收违法失信主体公布（{DECIDED.isoformat()}）"


def _check_subjects(engine: Engine, name: str, entries: list[dict[str, Any]]) -> None:
    """The subjects the entries name, and the persons reached through them."""
    if name == "court":
        company, defaulter = (entry["payload"]["subject"] for entry in entries)
        assert company == {"name": "测试100有限公司", "kind": "legal-person", "uscc": uscc(100)}
        assert defaulter == {
            "name": "张测试101",
            "kind": "natural-person",
            "id_number": person(101),
        }
        # The legal representative has no identifier: a column only, no person reference.
        assert entries[0]["payload"]["persons"] == []
        assert entries[0]["payload"]["法定代表人或者负责人姓名"] == "王测试"
    elif name == "tax-violations":
        company, individual = entries
        assert company["payload"]["persons"] == [
            {
                "role": "legal-representative",
                "name": "王测试",
                "id_number": person(100, "19750505"),
            }
        ]
        # The finance head's number is published masked: a column only.
        assert company["payload"][FINANCE].endswith(masked(person(600, "19850505")))
        assert company["payload"][REPRESENTATIVE] == (
            f"王测试，男，居民身份证，{masked_as_stored(person(100, '19750505'))}"
        )
        report = subject_report(engine, uscc(100), by=OPERATOR)
        assert [(r["role"], r["other_identifier"]) for r in report.relations] == [
            ("legal-representative", person(100, "19750505"))
        ]
        assert individual["payload"]["subject"]["kind"] == "natural-person"
        assert individual["payload"]["subject"]["id_number"] == person(101, "19700303")
    else:
        for entry in entries:
            assert entry["payload"]["subject"]["kind"] == "legal-person"
            assert entry["payload"]["subject"]["uscc"] in {uscc(n) for n in range(100, 110)}


def _revalidates(payload: dict[str, Any]) -> bool:
    """The stored entry, validated again as a generic entry (a proposal's approval does so),
    is the same entry: same natural key and content."""
    cells = {
        k: v if isinstance(v, str) else ("" if v is None else dumps(v))
        for k, v in sorted(payload.items())
        if not k.startswith("_")
    }
    generic = make_validator("list-entry", TODAY).validate(1, cells)
    assert not isinstance(generic, list), generic
    stored: dict[str, Any] = json.loads(generic.payload)
    return stored == {k: v for k, v in payload.items() if not k.startswith("_")}


# -- errors of the file and of the option --------------------------------------------------------


def test_an_unknown_format_is_refused_naming_the_accepted_ones(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path}/registry.sqlite3"
    path = write_csv(tmp_path / "c.csv", court(1).fmt, court(1).good)
    done = _cli(url, "import", "list-entries", path, "--format", "pdf", "--json")
    assert done.exit_code == 1
    assert "'pdf' is not a list-entry format" in done.stderr
    assert "generic, court, samr, tax-violations, tax-a-grade" in done.stderr
    assert not (tmp_path / "registry.sqlite3").exists()  # refused before anything is opened


def test_a_header_without_a_required_column_names_it_and_the_format(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path}/registry.sqlite3"
    sample = court(1)
    columns = [c for c in sample.fmt.columns if c != "案号"]
    path = tmp_path / "c.csv"
    path.write_text(",".join(columns) + "\n", encoding="utf-8-sig")
    done = _cli(url, "import", "list-entries", path, "--format", "court")
    assert done.exit_code == 1
    assert "表头缺少court list-entry格式的1个必填列：案号" in done.stderr


def test_a_court_file_is_not_a_generic_one(tmp_path: Path) -> None:
    """Without --format the generic format applies, and a court file lacks its columns."""
    url = f"sqlite:///{tmp_path}/registry.sqlite3"
    path = write_csv(tmp_path / "c.csv", court(1).fmt, court(1).good)
    done = _cli(url, "import", "list-entries", path)
    assert done.exit_code == 1 and "list_type" in done.stderr


def test_published_header_spellings_are_read(tmp_path: Path) -> None:
    """The market regulator's pages spell some headers otherwise (gsxt): read the same."""
    url = f"sqlite:///{tmp_path}/registry.sqlite3"
    sample = samr(200)
    spelled = {
        "统一社会信用代码": "统一社会信用代码/注册号",
        "列入原因": "列入严重违法失信企业名单（黑名单）原因",
        "作出决定机关": "作出决定机关（列入）",
    }
    rows = [{spelled.get(k, k): v for k, v in row.items()} for row in sample.good]
    path = tmp_path / "gsxt.csv"
    with path.open("w", encoding="utf-8-sig", newline="") as f:
        writer = csv.DictWriter(f, [spelled.get(c, c) for c in sample.fmt.columns])
        writer.writeheader()
        writer.writerows(rows)
    summary = _import(url, path, "samr")
    assert summary["accepted"] == 2 and summary["warnings"] == []
    engine = open_registry(url)
    try:
        [first, _] = _entries(engine, "samr-serious-illegal-dishonest")
    finally:
        engine.dispose()
    assert first["payload"]["作出决定机关"] == "北京市东城区市场监督管理局"
    assert first["payload"]["列入原因"].startswith("因生产经营")


def test_a_generic_entry_may_carry_its_lists_own_columns(tmp_path: Path) -> None:
    """``format`` in a generic entry keeps the named list's own columns (checked as that
    format checks them), and only for that list's entries."""
    validator = make_validator("list-entry", TODAY)
    entry = {
        "list_type": "judgment-defaulters",
        "subject": dumps({"name": "测试9有限公司", "kind": "legal-person", "uscc": uscc(9)}),
        "document_number": "（2024）京0101执9号",
        "decided_on": DECIDED.isoformat(),
        "department": "SPC",
        "legal_basis": "法释〔2017〕7号第一条",
        "format": "court",
        "执行法院": "北京市东城区人民法院",
        "案号": "（2024）京0101执9号",
        "立案时间": "2099-01-01",
    }
    bad = validator.validate(1, entry)
    assert isinstance(bad, list) and [e.field for e in bad] == ["立案时间"]
    good = validator.validate(1, entry | {"立案时间": FILED_TEXT})
    assert not isinstance(good, list)
    payload = json.loads(good.payload)
    assert payload["format"] == "court" and own_columns(payload)[0] == (
        "执行法院",
        "北京市东城区人民法院",
    )
    wrong = validator.validate(1, entry | {"立案时间": FILED_TEXT, "format": "samr"})
    assert isinstance(wrong, list) and [e.field for e in wrong] == ["format"]
    assert validator.check_header(["list_type", "format", "案号"])[1] == []
    assert validator.check_header(["list_type", "案号"])[1] == ["案号"]


# -- the check ----------------------------------------------------------------------------------


def test_a_checked_court_defaulter_draws_the_judgment_defaulter_measures(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path}/registry.sqlite3"
    sample = court(300)
    summary = _import(url, write_csv(tmp_path / "c.csv", sample.fmt, sample.good), "court")
    assert summary["accepted"] == 2
    engine = open_registry(url)
    try:
        for identifier in (uscc(300), person(301)):
            result = check(engine, identifier, department="CAAC", matter="air-travel").to_dict()
            flights = [d for d in result["decisions"] if d["measure"] == "opinions-2016-64/07-1"]
            assert len(flights) == 1, result["decisions"]
            [d] = flights
            assert (d["kind"], d["status"], d["list_type"]) == (
                "punishment",
                "applied",
                "judgment-defaulters",
            )
            assert d["document_number"].startswith(f"（{DECIDED.year}）京0101执30")
    finally:
        engine.dispose()


# -- what the public sees of the own columns ----------------------------------------------------


def test_public_columns_mask_persons_and_leave_out_personal_ones() -> None:
    sample = court(400)
    validator = make_validator("list-entry", TODAY, list_format="court")
    draft = validator.validate(1, sample.good[1])
    assert not isinstance(draft, list)
    shown = public_columns(json.loads(draft.payload))
    number = person(401)
    assert shown["被执行人姓名/名称"] == mask_name("张测试401") == "张*****"
    assert shown["身份证号码/组织机构代码"] == masked_as_stored(number)
    assert "性别" not in shown and "年龄" not in shown and "生效法律文书确定的义务" not in shown
    assert shown["案号"] == sample.good[1]["案号"]
    assert number not in json.dumps(shown, ensure_ascii=False)


def test_a_reading_child_process_reads_the_format_alike(tmp_path: Path) -> None:
    """Large files are read in a child process, which gets the format as a plain string."""
    sample = samr(500)
    path = write_csv(tmp_path / "samr.csv", sample.fmt, sample.rows)
    outcomes = []
    for workers in (0, 1):
        engine = open_registry(f"sqlite:///{tmp_path}/registry{workers}.sqlite3")
        try:
            summary = import_file(engine, "list-entry", path, workers=workers, list_format="samr")
            entries = _entries(engine, "samr-serious-illegal-dishonest")
        finally:
            engine.dispose()
        outcomes.append((summary.accepted, summary.rejected, [e["content_hash"] for e in entries]))
    assert outcomes[0] == outcomes[1] and outcomes[0][0] == len(sample.good)
