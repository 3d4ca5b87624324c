"""Credit analysis reports with known answers, on both backends: every figure, the HTML and PDF
documents (no personal data, no script, nothing fetched), the CLI as a real process, bad inputs."""

from __future__ import annotations

import re
import zlib
from pathlib import Path

import pytest
from sqlalchemy import Engine, select
from tests.analysis.world import PERIOD, PERSON_IDS, PERSON_NAMES, REGION, TODAY, build
from tests.cli.test_cli import jointcredit

from jointcredit.access import Principal
from jointcredit.errors import InvalidInputError, PermissionDeniedError
from jointcredit.reports import render
from jointcredit.services import analysis
from jointcredit.store.tables import audit_log

SUPERVISOR = Principal("supervisor", "NDRC", key_id=9401)
FINES = 2 * 5_000_000 + 200_000 + 1_000_000
KINDS = ("penalty", "licensing", "black-list", "red-list", "commitment")


def _pages(data: bytes) -> int:
    """Page objects of a PDF, inside compressed object streams too (no PDF reader is
    installed)."""
    text = data
    # Without trimming the end-of-line before "endstream": a stream's last byte may be "\r"
    # and trimming it broke the stream; the decompressor leaves what follows as unused data.
    for stream in re.findall(rb"stream\r?\n(.*?)endstream", data, re.S):
        try:
            text += zlib.decompressobj().decompress(stream)
        except zlib.error:
            continue
    return len(re.findall(rb"/Type\s*/Page(?![a-zA-Z])", text))


def _kinds(**counts: int) -> dict[str, int]:
    return {k: counts.get(k.replace("-", "_"), 0) for k in KINDS}


def test_every_figure(registry: Engine, tmp_path: Path) -> None:
    build(registry, tmp_path)
    f = analysis.compute(registry, REGION, PERIOD, today=TODAY)
    assert f["region"] == {"code": "33", "name": "浙江省"} and f["sector"] is None
    assert f["period"]["label"] == "2026Q3" and f["as_of"] == "2026-11-02"
    assert f["summary"] == {
        "records": 8,
        "by_kind": {"penalty": 5, "licensing": 1, "black-list": 2},
        "organisations": 6,
        "persons": 2,
        "penalties": 5,
        "fine_fen": FINES,
        "severe_penalties": 1,
        "entries_made": 2,
        "entries_ended": 3,
        "repairs_applied": 3,
        "repairs_approved": 1,
        "not_counted": 1,
    }
    assert [(r["kind"], r["records"], r["subjects"], r["severe"], r["fine_fen"])
            for r in f["by_kind"]] == [
        ("penalty", 5, 5, 1, FINES), ("licensing", 1, 1, 0, 0), ("black-list", 2, 2, 2, 0)
    ]  # fmt: skip
    assert [(r["sector"], r["records"], r["kinds"]) for r in f["by_sector"]] == [
        ("91", 5, _kinds(penalty=3, licensing=1, black_list=1)),
        ("person", 2, _kinds(penalty=1, black_list=1)),
        ("12", 1, _kinds(penalty=1)),
    ]
    trend = f["trend"]
    assert (trend["first_day"], trend["last_day"]) == ("2025-10-01", "2026-09-30")
    assert trend["months"][0] == "2025-10" and len(trend["months"]) == 12
    assert trend["series"] == {
        "penalty": [0, 0, 0, 0, 0, 0, 0, 0, 1, 2, 2, 1],
        "licensing": [0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 0, 0],
        "black-list": [0, 0, 0, 1, 0, 0, 0, 0, 0, 1, 1, 0],
    }
    assert trend["total"] == [0, 0, 0, 1, 0, 0, 0, 0, 1, 4, 3, 1]
    assert [(r["violation"], r["penalties"], r["subjects"], r["fine_fen"])
            for r in f["violations"]] == [
        ("虚假宣传", 3, 3, 10_200_000), ("无证经营", 2, 2, 1_000_000)
    ]  # fmt: skip
    assert [(r["legal_basis"], r["penalties"]) for r in f["legal_bases"]] == [
        ("《中华人民共和国广告法》第五十五条", 4), ("《无证无照经营查处办法》第十三条", 1)
    ]  # fmt: skip
    assert [
        (r["list_type"], r["made"], r["expired"], r["cancelled"], r["repaired"], r["ended"])
        for r in f["lists"]
    ] == [("judgment-defaulters", 2, 1, 1, 0, 2), ("major-tax-violation-parties", 0, 0, 0, 1, 1)]
    assert [(r["kind"], r["applied"], r["approved"], r["rejected"], r["open"])
            for r in f["repairs"]] == [("black-list", 3, 1, 1, 1)]  # fmt: skip
    assert f["subdivisions"]["digits"] == 4
    assert [(r["division"], r["name"], r["records"], r["kinds"])
            for r in f["subdivisions"]["rows"]] == [
        ("3301", "杭州市", 7, _kinds(penalty=4, licensing=1, black_list=2)),
        ("3302", "宁波市", 1, _kinds(penalty=1)),
    ]  # fmt: skip

    # A city compares its districts; a sector narrows every figure.
    city = analysis.compute(registry, "330100", PERIOD, today=TODAY)
    assert city["region"] == {"code": "3301", "name": "杭州市"}
    assert [(r["division"], r["records"]) for r in city["subdivisions"]["rows"]] == [
        ("330102", 6), ("330106", 1)
    ]  # fmt: skip
    institutions = analysis.compute(registry, REGION, PERIOD, "12", today=TODAY)
    assert institutions["sector"] == {"code": "12", "name_zh": "机构编制·事业单位",
                                      "name_en": "public institutions"}  # fmt: skip
    assert institutions["summary"]["records"] == 1 and institutions["summary"]["persons"] == 0
    assert institutions["lists"] == [] and institutions["repairs"] == []
    market = analysis.compute(registry, REGION, PERIOD, "9", today=TODAY)
    assert market["summary"]["by_kind"] == {"penalty": 3, "licensing": 1, "black-list": 1}

    # Another region and an empty quarter.
    beijing = analysis.compute(registry, "11", PERIOD, today=TODAY)
    assert beijing["summary"]["records"] == 1 and beijing["subdivisions"]["digits"] == 6
    empty = analysis.compute(registry, REGION, "2025Q1", today=TODAY)
    assert empty["summary"]["records"] == 0 and empty["by_kind"] == [] and empty["lists"] == []
    page = render.html(empty)
    # Only the trend has something: E2, decided in August 2024.
    assert page.count("None in this period") >= 5 and page.count("<svg") == 1


def test_the_document_holds_no_personal_data_and_nothing_active(
    registry: Engine, tmp_path: Path
) -> None:
    build(registry, tmp_path)
    figures = analysis.report(registry, by=SUPERVISOR, region=REGION, period=PERIOD)
    page = render.html(figures)
    for text in (*PERSON_NAMES, *PERSON_IDS):
        assert text not in page, text
    assert "<script" not in page.lower() and "<!--" not in page
    links = set(re.findall(r"https?://[^\s\"'<>)]+", page))
    assert links <= {"http://www.w3.org/2000/svg", "http://www.w3.org/1999/xlink"}, links
    assert page.count("<svg") == 7  # kinds, sectors, trend, violations, lists, repairs, regions
    assert "浙江省（33）信用分析报告" in page and "Credit analysis report" in page
    assert "112,000.00" in page and "虚假宣传" in page and "杭州市" in page
    with registry.connect() as conn:
        detail = conn.execute(
            select(audit_log.c.detail).where(audit_log.c.action == "read-analysis")
        ).scalar_one()
    assert detail == {"report": "credit-analysis", "region": "33", "period": "2026Q3",
                      "sector": None, "records": 8}  # fmt: skip
    with pytest.raises(PermissionDeniedError):
        analysis.report(
            registry, by=Principal("initiator", "SAT", key_id=1), region=REGION, period=PERIOD
        )


@pytest.mark.parametrize(
    ("region", "period", "sector", "named"),
    [
        ("", "2026Q3", None, "region: give a division code"),
        ("3x", "2026Q3", None, "region: '3x' is not a division code"),
        ("990000", "2026Q3", None, "region: '990000' is not a known division code"),
        ("33", "2026Q5", None, "period: '2026Q5' is not a period"),
        ("33", "2026Q3", "Z9", "sector: 'Z9' is not a sector code"),
        ("33", "2026Q3", "94", "sector: '94' is not a sector code"),
    ],
)
def test_bad_inputs_are_named(region: str, period: str, sector: str | None, named: str) -> None:
    with pytest.raises(InvalidInputError, match=re.escape(named)):
        analysis.compute(None, region, period, sector)  # type: ignore[arg-type]


def test_sectors_and_windows() -> None:
    assert analysis.parse_sector(" 91 ") == "91" and analysis.parse_sector("n") == "N"
    assert analysis.sector_name("person") == ("自然人", "natural persons")
    assert analysis.sector_name("9") == ("工商", "market regulation (工商: enterprises)")
    year = analysis.trend_window(analysis.parse_period("2026"))
    assert [d.isoformat() for d in year] == ["2025-01-01", "2026-12-31"]
    month = analysis.trend_window(analysis.parse_period("2026-02"))
    assert month[0].isoformat() == "2025-03-01"
    assert [analysis.subdivision_digits(c) for c in ("33", "11", "3301", "330102")] == [
        4, 6, 6, None
    ]  # fmt: skip
    with pytest.raises(InvalidInputError, match=r"-o: 'r\.docx' must end in \.html or \.pdf"):
        render.output_format("r.docx")


def test_cli_writes_html_and_pdf(sqlite_url: str, tmp_path: Path) -> None:
    from jointcredit.services.registry import open_registry

    engine = open_registry(sqlite_url)
    build(engine, tmp_path)
    engine.dispose()
    html_file, pdf_file = tmp_path / "zj.html", tmp_path / "zj.pdf"
    run = jointcredit("report", "--region", "33", "--period", "2026Q3", "-o", html_file,
                      data_dir=tmp_path, database=sqlite_url)  # fmt: skip
    assert run.returncode == 0, run.stderr
    assert "HTML report" in run.out and "8 records" in run.out
    assert "浙江省（33）信用分析报告" in html_file.read_text(encoding="utf-8")
    run = jointcredit("report", "--region", "3301", "--period", "2026Q3", "--sector", "91",
                      "-o", pdf_file, data_dir=tmp_path, database=sqlite_url)  # fmt: skip
    assert run.returncode == 0, run.stderr
    data = pdf_file.read_bytes()
    assert data.startswith(b"%PDF-") and data.rstrip().endswith(b"%%EOF")
    assert len(data) > 20_000 and _pages(data) >= 2
    for args, named in (
        (("--region", "33", "--period", "2026Q3", "-o", tmp_path / "r.txt"), "-o:"),
        (("--region", "990000", "--period", "2026Q3", "-o", html_file), "region: '990000'"),
        (("--region", "33", "--period", "Q3", "-o", html_file), "period: 'Q3'"),
        (("--region", "33", "--period", "2026Q3", "--sector", "x", "-o", html_file), "sector:"),
    ):
        run = jointcredit("report", *args, data_dir=tmp_path, database=sqlite_url)
        assert run.returncode == 1 and named in run.err, run.err
