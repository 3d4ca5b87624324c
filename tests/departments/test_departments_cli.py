"""Issuing authorities are departments (issue 15): a record whose authority's USCC is a
department's belongs to it at import, or later with ``jointcredit departments match``; the
others are listed by ``departments unmatched``; ``departments list`` shows the hierarchy."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from sqlalchemy import Engine, select

from importing.rows import penalty_row, uscc, write_csv
from jointcredit.importing.formats import PENALTIES
from jointcredit.services.imports import make_validator
from jointcredit.store import records
from jointcredit.store.db import make_engine, write_transaction
from jointcredit.store.tables import audit_log, credit_records, stats_records
from jointcredit.synth.subjects import authority_uscc

from .conftest import Jointcredit

# The fixture departments' USCCs are the synthetic authorities' (synth.subjects.authority_uscc).
ZJ_AMR = authority_uscc("1", "330000")
HZ_AMR = authority_uscc("1", "330100")
JS_DRC = authority_uscc("9", "320000")
UNKNOWN = uscc(900777, region="330102", prefix="11")


def _row(serial: int, code: str, name: str, decided: str = "2024-03-05") -> dict[str, str]:
    return penalty_row(serial, CF_CFJGDM=code, CF_CFJG=name, CF_JDRQ=decided)


def _file(tmp_path: Path) -> Path:
    rows = [
        _row(1, ZJ_AMR, "浙江省市场监督管理局（示例）"),
        _row(2, ZJ_AMR, "浙江省市场监督管理局（示例）"),
        _row(3, HZ_AMR, "杭州市市场监督管理局（示例）"),
        _row(4, JS_DRC, "江苏省发展和改革委员会（示例）"),
        _row(5, UNKNOWN, "杭州市上城区某局（示例）", "2024-05-06"),
        _row(6, UNKNOWN, "杭州市上城区某局（示例）", "2024-04-01"),
    ]
    return write_csv(tmp_path / "penalties.csv", rows, PENALTIES)


def _departments(engine: Engine) -> dict[str, str | None]:
    c = credit_records.c
    with engine.connect() as conn:
        found = conn.execute(select(c.document_number, c.department)).all()
    return {number: department for number, department in found}


def _uncoded(engine: Engine) -> None:
    """A record naming its authority without a code (written before codes were required)."""
    draft = make_validator("penalty", dt.date(2026, 11, 27)).validate(
        1, _row(7, UNKNOWN, "某县某局（示例）")
    )
    assert not isinstance(draft, list), draft
    draft = draft._replace(issuing_authority_code=None, natural_key="uncoded-7")
    with write_transaction(engine) as conn:
        records.write_records(
            conn,
            [draft],
            job_id=None,
            actor="test",
            source_system="test",
            now=dt.datetime.now(dt.UTC),
        )


def test_fixture_departments_have_the_synthetic_authorities_uscc() -> None:
    text = Path(__file__).parents[1] / "fixtures" / "regions" / "departments-regions.yaml"
    content = text.read_text("utf-8")
    for code in (ZJ_AMR, HZ_AMR, JS_DRC):
        assert f"uscc: {code}" in content


def test_import_attributes_and_unmatched_lists_the_others(
    db_url: str, tmp_path: Path, jointcredit: Jointcredit
) -> None:
    done = jointcredit("import", "penalties", _file(tmp_path), "--json", database=db_url)
    assert done.returncode == 0, done.stderr
    assert done.json["accepted"] == 6
    engine = make_engine(db_url)
    try:
        assert _departments(engine) == {
            "京东市监罚〔2024〕1号": "ZJ-AMR",
            "京东市监罚〔2024〕2号": "ZJ-AMR",
            "京东市监罚〔2024〕3号": "HZ-AMR",
            "京东市监罚〔2024〕4号": "JS-DRC",
            "京东市监罚〔2024〕5号": None,
            "京东市监罚〔2024〕6号": None,
        }
        _uncoded(engine)
    finally:
        engine.dispose()

    listed = jointcredit("departments", "unmatched", "--json", database=db_url)
    assert listed.returncode == 0, listed.stderr
    out = listed.json
    assert out["authorities"] == [
        {
            "issuing_authority_code": UNKNOWN,
            "issuing_authority": "杭州市上城区某局（示例）",
            "records": 2,
            "last_decision_date": "2024-05-06",
        }
    ]
    assert (out["authorities_total"], out["authorities_records"]) == (1, 2)
    assert out["uncoded"] == [
        {
            "issuing_authority_code": None,
            "issuing_authority": "某县某局（示例）",
            "records": 1,
            "last_decision_date": "2024-03-05",
        }
    ]
    assert out["uncoded_records"] == 1 and out["pending"] == []

    text = jointcredit("departments", "unmatched", database=db_url)
    assert text.returncode == 0, text.stderr
    assert UNKNOWN in text.stdout and "某县某局（示例）" in text.stdout
    assert "named without a code: 1 record(s)" in text.out


def test_match_attributes_old_records_and_the_statistics_follow(
    db_url: str, tmp_path: Path, jointcredit: Jointcredit
) -> None:
    # Imported before the departments file was added: the records belong to no department.
    done = jointcredit("import", "penalties", _file(tmp_path), database=db_url, catalog=False)
    assert done.returncode == 0, done.stderr
    counted = jointcredit("stats", "refresh", database=db_url, catalog=False)
    assert counted.returncode == 0, counted.stderr
    engine = make_engine(db_url)
    try:
        assert set(_departments(engine).values()) == {None}

        pending = jointcredit("departments", "unmatched", "--json", database=db_url).json
        assert {p["department"]: p["records"] for p in pending["pending"]} == {
            "ZJ-AMR": 2,
            "HZ-AMR": 1,
            "JS-DRC": 1,
        }

        matched = jointcredit("departments", "match", "--json", database=db_url)
        assert matched.returncode == 0, matched.stderr
        out = matched.json
        assert out["records"] == 4
        assert out["departments"] == [
            {"department": "HZ-AMR", "records": 1},
            {"department": "JS-DRC", "records": 1},
            {"department": "ZJ-AMR", "records": 2},
        ]
        assert out["summaries"] is not None
        departments = _departments(engine)
        assert departments["京东市监罚〔2024〕1号"] == "ZJ-AMR"
        assert departments["京东市监罚〔2024〕3号"] == "HZ-AMR"
        assert departments["京东市监罚〔2024〕5号"] is None

        with engine.connect() as conn:
            s = stats_records.c
            buckets = {
                department: n
                for department, n in conn.execute(select(s.department, s.records)).all()
                if n
            }
            actions = conn.execute(
                select(audit_log.c.action).where(audit_log.c.action == "departments-match")
            ).all()
        # The summary counts the records under the department they now belong to, not under
        # the data source department they were counted under before.
        assert buckets.get("ZJ-AMR") == 2 and buckets.get("HZ-AMR") == 1
        assert buckets.get("JS-DRC") == 1
        assert buckets.get("北京市东城区市场监督管理局") == 2
        assert len(actions) == 1

        again = jointcredit("departments", "match", database=db_url)
        assert again.returncode == 0, again.stderr
        assert "no record to attribute" in again.out
        after = jointcredit("departments", "unmatched", "--json", database=db_url).json
        assert after["pending"] == [] and after["authorities_records"] == 2
    finally:
        engine.dispose()


def test_list_shows_the_zhejiang_hierarchy(jointcredit: Jointcredit) -> None:
    listed = jointcredit("departments", "list", "--region", "330000", "--json")
    assert listed.returncode == 0, listed.stderr
    found = [(d["code"], d["depth"], d["parent"]) for d in listed.json]
    assert found == [
        ("ZJ-AMR", 0, None),
        ("HZ-AMR", 1, "ZJ-AMR"),
        ("XH-AMR", 2, "HZ-AMR"),
        ("ZJ-DRC", 0, None),
        ("ZJ-TAX", 0, None),
        ("ZJ-AIC", 0, None),
    ]
    xihu = listed.json[2]
    assert xihu["region"] == "330106" and xihu["region_name"] == "西湖区"
    assert (xihu["level"], xihu["counterpart"], xihu["uscc"]) == ("county", "SAMR", xihu["uscc"])
    assert listed.json[-1]["successor"] == "ZJ-AMR" and listed.json[-1]["uscc"] is None

    text = jointcredit("departments", "list", "--region", "33").stdout.splitlines()
    assert text[0] == "330000 浙江省 (provincial)"
    assert text[3].startswith("      XH-AMR  杭州市西湖区市场监督管理局（示例）")
    assert "330106 西湖区, county" in text[3] and f"USCC {authority_uscc('1', '330106')}" in text[3]
    assert "superseded by ZJ-AMR" in text[-1] and "JS-" not in "\n".join(text)

    # The node's own region is the default; --all shows every department, national first.
    jiangsu = jointcredit("departments", "list", "--json", region="320000").json
    assert {d["code"] for d in jiangsu} == {"JS-DRC", "JS-AMR", "JS-NFRA", "NJ-AMR"}
    everything = jointcredit("departments", "list", "--all", "--json", region="320000").json
    assert everything[0]["region"] is None and {"ZJ-AMR", "JS-AMR", "SAMR"} <= {
        d["code"] for d in everything
    }


def test_a_bad_region_is_refused_with_a_clear_message(jointcredit: Jointcredit) -> None:
    unknown = jointcredit("departments", "list", "--region", "339900")
    assert unknown.returncode == 1
    assert "--region: '339900' is not a division of GB/T 2260" in unknown.err
    malformed = jointcredit("departments", "list", "--region", "33010")
    assert malformed.returncode == 1
    assert "--region: '33010' is not a division code" in malformed.err
    both = jointcredit("departments", "list", "--region", "33", "--all")
    assert both.returncode == 1 and "--region and --all" in both.err
