"""No full personal identifier leaves through a public door (issue 14, items 1 and 3).

Random valid resident identity numbers — 18 characters with their check character and the old
15-digit form, with plausible birth dates — are planted into random fields of imported licences,
penalties and list entries (licence numbers, contents, notes, names, document numbers, issuing
authorities, legal bases …). The records are published; then every public answer about them is
fetched from a real server — the portal's subject page and CSV, the search page, the red and
black lists and their CSV, the API's public subject, records, record and search answers — and
the credit analysis report is rendered, and each is scanned byte for byte for the planted
numbers (also with a lowercase ``x``). The public inspection list is checked on both databases.

Beside it: public records are named by an opaque reference (row ids cannot be walked, a forged
reference finds nothing, the portal's links work); sensitive answers carry
``Cache-Control: no-store``; the SQLite registry and its WAL are created mode 0600.
"""

from __future__ import annotations

import datetime as dt
import itertools
import re
import stat
from collections.abc import Iterator
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any

import httpx
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from tests.api.server import LiveServer, live_server
from tests.check.entries import entry, write_entries
from tests.importing.rows import licensing_row, penalty_row, uscc, write_csv

from jointcredit.access import OPERATOR
from jointcredit.clock import today
from jointcredit.identifiers.checkchars import ric_check_char
from jointcredit.importing.formats import LICENSING, PENALTIES
from jointcredit.inspection.draw import Inspector
from jointcredit.inspection.rates import Rates, load_rates
from jointcredit.reports import render
from jointcredit.services import analysis, inspections
from jointcredit.services.imports import import_file
from jointcredit.store.db import make_engine

# -- planted numbers -----------------------------------------------------------------------------

_REGIONS = ("110101", "110105", "310104", "440305", "500103", "650102")


@st.composite
def resident_ids(draw: st.DrawFn) -> str:
    """A valid resident identity number: 18 characters with its check character (which may be
    X), or the first-generation 15 digits (two-digit year, no check character)."""
    region = draw(st.sampled_from(_REGIONS) | st.from_regex(r"[1-6][0-9]{5}", fullmatch=True))
    born = draw(st.dates(dt.date(1900, 1, 1), dt.date(2020, 12, 31)))
    serial = draw(st.integers(0, 999))
    if draw(st.booleans()):
        body = f"{region}{born:%Y%m%d}{serial:03d}"
        return body + ric_check_char(body)
    return f"{region}{born:%y%m%d}{serial:03d}"


#: Free-text and naming fields of each kind that the public can read in one form or another.
LICENSING_FIELDS = (
    "XK_XDR_MC", "XK_XKWS", "XK_WSH", "XK_XKZS", "XK_XKBH", "XK_NR", "XK_XKJG", "XK_LYDW", "BZ",
)  # fmt: skip
PENALTY_FIELDS = (
    "CF_XDR_MC", "CF_WSH", "CF_WFXW", "CF_SY", "CF_YJ", "CF_NR", "CF_CFJG", "CF_SJLY", "BZ",
)  # fmt: skip
ENTRY_FIELDS = ("name", "document_number", "legal_basis")
#: What stands around a planted number: nothing, or text that is not a digit.
AFFIXES = ("", " ", "证号", "（", "）", "号", "持证人身份证", "：")


@st.composite
def planted(draw: st.DrawFn, fields: tuple[str, ...]) -> dict[str, str]:
    """One to three fields, each holding a planted number with text around it."""
    chosen = draw(st.lists(st.sampled_from(fields), min_size=1, max_size=3, unique=True))
    return {
        name: draw(st.sampled_from(AFFIXES)) + draw(resident_ids()) + draw(st.sampled_from(AFFIXES))
        for name in chosen
    }


_NUMBER = re.compile(r"[0-9]{15}(?:[0-9]{2}[0-9X])?")


def numbers_in(fields: dict[str, str]) -> set[str]:
    return {n for value in fields.values() for n in _NUMBER.findall(value)}


# -- the server ----------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    """One live server on SQLite for the whole property (a server per example would cost
    seconds each); every example adds subjects of its own."""
    directory = tmp_path_factory.mktemp("privacy")
    with live_server(f"sqlite:///{directory}/registry.sqlite3") as live:
        yield live


_serials = itertools.count(5000)


@dataclass
class Planted:
    serial: int
    company: str
    numbers: set[str]
    month: dt.date  # the penalty's decision month, that example's alone


def plant(
    engine: Any,
    directory: Path,
    licence: dict[str, str],
    penalty: dict[str, str],
    listed: dict[str, str],
) -> Planted:
    """Import a licence, a penalty and a black-list entry of a new company with the planted
    fields; all three are published today."""
    serial = next(_serials)
    company = uscc(serial)
    day = today()
    recent = (day - dt.timedelta(days=30)).isoformat()
    # Each example's penalty in a month of its own, so that its violation and legal basis lead
    # the analysis report of that month.
    # (2005 to 2024: in the past, and in the years the working-day calendar knows.)
    months = (serial - 5000) % 240
    month = dt.date(2005 + months // 12, months % 12 + 1, 1)
    name = f"北京测试{serial}有限公司"
    licences = [
        licensing_row(
            serial, **{"XK_XDR_MC": name, "XK_JDRQ": recent, "XK_YXQZ": recent, **licence}
        )
    ]
    decided = (month + dt.timedelta(days=4)).isoformat()
    penalties = [
        penalty_row(
            serial, **{"CF_XDR_MC": name, "CF_JDRQ": decided, "CF_GSJZQ": "2099-12-31", **penalty}
        )
    ]
    made = entry(serial, decided_on=day.isoformat())
    made["subject"]["name"] = listed.get("name", name)
    made.update({k: v for k, v in listed.items() if k != "name"})
    files = (
        ("licensing", write_csv(directory / f"l{serial}.csv", licences, LICENSING)),
        ("penalty", write_csv(directory / f"p{serial}.csv", penalties, PENALTIES)),
        ("list-entry", write_entries(directory / f"e{serial}.jsonl", [made])),
    )
    for kind, path in files:
        summary = import_file(engine, kind, path)
        assert summary.accepted == 1, summary.to_dict()
    numbers = numbers_in(licence) | numbers_in(penalty) | numbers_in(listed)
    return Planted(serial, company, numbers, month)


def assert_clean(what: str, body: bytes, numbers: set[str]) -> None:
    for number in numbers:
        for form in {number, number.lower()}:
            assert form.encode() not in body, f"{what} shows the full number {form}"


def public_answers(
    live: LiveServer, company: str, serial: int
) -> Iterator[tuple[str, httpx.Response]]:
    """Every public answer about ``company``: (what, response), all of them 200."""
    day = today().isoformat()
    with httpx.Client(base_url=live.url, timeout=30) as web:
        for path in (
            f"/subjects/{company}",
            f"/subjects/{company}?format=csv",
            f"/search?q=测试{serial}",
            f"/lists/black?from={day}&to={day}&limit=100",
            f"/lists/black?from={day}&to={day}&limit=100&format=csv",
            f"/api/v1/subjects/{company}",
            f"/api/v1/subjects/{company}/records?limit=500",
            f"/api/v1/search?q=测试{serial}",
            f"/api/v1/search?q={company}",
        ):
            r = web.get(path)
            assert r.status_code == 200, (path, r.status_code, r.text[:300])
            yield path, r
        records = web.get(f"/api/v1/subjects/{company}/records?limit=500").json()["items"]
        assert len(records) == 3
        for record in records:
            path = f"/api/v1/records/{record['ref']}"
            r = web.get(path)
            assert r.status_code == 200, (path, r.text[:300])
            yield path, r


@settings(
    max_examples=25,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    licence=planted(LICENSING_FIELDS),
    penalty=planted(PENALTY_FIELDS),
    listed=planted(ENTRY_FIELDS),
)
def test_no_public_answer_holds_a_full_resident_id(
    server: LiveServer,
    tmp_path_factory: pytest.TempPathFactory,
    licence: dict[str, str],
    penalty: dict[str, str],
    listed: dict[str, str],
) -> None:
    directory = tmp_path_factory.mktemp("rows")
    made = plant(server.engine, directory, licence, penalty, listed)
    assert made.numbers
    for what, response in public_answers(server, made.company, made.serial):
        assert_clean(what, response.content, made.numbers)
    figures = analysis.compute(server.engine, "11", f"{made.month:%Y-%m}")
    assert figures["summary"]["penalties"] >= 1
    assert_clean("the analysis report", render.html(figures).encode(), made.numbers)


# -- one fixed example on both databases, with the public inspection list -------------------------

FIXED = "11010519491231002X"
FIXED_15 = "110105491231002"


def test_planted_numbers_stay_masked_on_both_databases(db_url: str, tmp_path: Path) -> None:
    with live_server(db_url) as live:
        made = plant(
            live.engine,
            tmp_path,
            {"XK_XKBH": FIXED, "XK_NR": f"持证人{FIXED_15}", "BZ": f"备注 {FIXED}"},
            {"CF_NR": f"罚款（{FIXED}）", "CF_YJ": FIXED_15, "CF_WSH": f"罚字{FIXED}号"},
            {"legal_basis": f"依据{FIXED}", "document_number": f"（2024）执{FIXED_15}号"},
        )
        assert made.numbers == {FIXED, FIXED_15}
        masked = []
        for what, response in public_answers(live, made.company, made.serial):
            assert_clean(what, response.content, made.numbers)
            masked.append("110105********002X" in response.text)
        assert any(masked), "the planted numbers are shown masked, not dropped"
        # A number typed among other words is not written back by the search, page or API.
        for path in (f"/search?q=测试 {FIXED}", f"/api/v1/search?q=测试{FIXED_15}"):
            r = httpx.get(live.url + path, timeout=30)
            assert r.status_code == 200, r.text
            assert_clean(path, r.content, made.numbers)

        # The public inspection list: an organisation's name and an inspection's note.
        engine = live.engine
        base = load_rates()
        every = Rates("t", "t", "t", dict.fromkeys(base.rates, Decimal(1)), "0" * 16, "t.yaml")
        staff = [Inspector(f"I{k}", f"检查员{k}", "SAMR") for k in range(3)]
        code = inspections.plan(
            engine, by=OPERATOR, name=f"检查 {FIXED}", department="SAMR", rates=every,
            inspectors=staff,
        )["code"]  # fmt: skip
        inspections.publish(engine, code, by=OPERATOR)
        document = inspections.public_plan(engine, code, by=OPERATOR)
        for item in document["subjects"]:
            inspections.record_result(
                engine, code, item["identifier"], by=OPERATOR, outcome="no-problem",
                note=f"负责人身份证 {FIXED}",
            )  # fmt: skip
        inspections.publish(engine, code, by=OPERATOR, results=True)
        r = httpx.get(f"{live.url}/api/v1/inspections/{code}", timeout=30)
        assert r.status_code == 200, r.text
        assert made.company in r.text, "organisations' codes stay whole"
        assert_clean("the inspection list", r.content, made.numbers)
        assert "110105********002X" in r.text


# -- public references ---------------------------------------------------------------------------


@pytest.fixture(scope="module")
def published(server: LiveServer, tmp_path_factory: pytest.TempPathFactory) -> Planted:
    return plant(server.engine, tmp_path_factory.mktemp("refs"), {}, {}, {})


def test_row_ids_cannot_be_walked_without_a_key(server: LiveServer, published: Planted) -> None:
    with server.client() as public:
        for record_id in range(1, 40):
            r = public.get(f"/records/{record_id}")
            assert r.status_code == 404, (record_id, r.text)
            # Exactly the answer for a record that does not exist.
            assert r.json() == public.get("/records/999999999").json()
        listed = public.get(f"/subjects/{published.company}/records").json()["items"]
    assert listed and all(r["id"] is None for r in listed)
    refs = [r["ref"] for r in listed]
    assert all(re.fullmatch(r"[a-z2-7]{26}", ref) for ref in refs)
    # With a key the row id still works (the shared view, audited).
    shared = server.get(f"/subjects/{published.company}/records", "implementer").json()["items"]
    by_ref = {r["ref"]: r["id"] for r in shared}
    assert set(refs) <= set(by_ref)
    for ref in refs:
        one = server.get(f"/records/{by_ref[ref]}", "implementer")
        assert one.status_code == 200 and one.json()["ref"] == ref
        assert server.get(f"/records/{ref}", "implementer").json()["id"] == by_ref[ref]


def test_a_forged_or_altered_reference_finds_nothing(
    server: LiveServer, published: Planted
) -> None:
    listed = server.get(f"/subjects/{published.company}/records").json()["items"]
    ref = listed[0]["ref"]
    assert server.get(f"/records/{ref}").status_code == 200
    assert server.get(f"/records/{ref.upper()}").status_code == 200
    nothing = server.get("/records/999999999").json()
    for index in (0, 12, 25):
        changed = ref[:index] + ("b" if ref[index] != "b" else "c") + ref[index + 1 :]
        r = server.get(f"/records/{changed}")
        assert r.status_code == 404 and r.json() == nothing, changed
    for forged in ("a" * 26, "22222222222222222222222222", "abcdefghijklmnopqrstuvwxyz"):
        assert server.get(f"/records/{forged}").status_code == 404, forged
    # Even with a key, a forged reference names nothing.
    assert server.get(f"/records/{'a' * 26}", "implementer").status_code == 404


def test_the_portal_links_records_by_reference(server: LiveServer, published: Planted) -> None:
    page = httpx.get(f"{server.url}/subjects/{published.company}", timeout=30)
    assert page.status_code == 200
    links = re.findall(r'href="/api/v1/records/([^"]+)"', page.text)
    assert len(links) == 3, "every record on the page links to its public reference"
    shown = set()
    for ref in links:
        assert not ref.isdigit()
        r = httpx.get(f"{server.url}/api/v1/records/{ref}", timeout=30)
        assert r.status_code == 200, r.text
        shown.add(r.json()["document_number"])
        assert f'id="r-{ref}"' in page.text
    assert len(shown) == 3


def test_the_public_api_shows_no_payload_field_the_portal_hides(
    server: LiveServer, published: Planted
) -> None:
    listed = server.get(f"/subjects/{published.company}/records").json()["items"]
    for record in listed:
        assert "CF_SY" not in record["payload"], "a penalty's facts may name other people"
    from jointcredit.services.public import PAYLOAD_SHOWN

    for record in listed:
        one = server.get(f"/records/{record['ref']}").json()
        for payload in (record["payload"], one["payload"]):
            assert set(payload) <= set(PAYLOAD_SHOWN.get(record["kind"], ()))
            assert "CF_SY" not in payload and "CF_FR_ZJHM" not in payload
    penalty = next(r for r in listed if r["kind"] == "penalty")
    assert penalty["payload"]["CF_NR"] == "罚款人民币伍万元"
    assert "在网店发布虚假广告" not in server.get(f"/records/{penalty['ref']}").text


# -- no-store ------------------------------------------------------------------------------------


def test_sensitive_answers_are_not_stored(server: LiveServer, published: Planted) -> None:
    company = published.company
    key = {"Authorization": f"Bearer {server.key('implementer', 'CAAC')}"}
    base = server.url + "/api/v1"
    check = httpx.get(f"{base}/check", params={"subject": company, "matter": "air-travel"},
                      headers=key, timeout=30)  # fmt: skip
    assert check.status_code == 200, check.text
    assert check.headers["cache-control"] == "no-store"
    for path in (f"/subjects/{company}", f"/subjects/{company}/records", "/me"):
        shared = httpx.get(base + path, headers=key, timeout=30)
        assert shared.status_code == 200, shared.text
        assert shared.headers["cache-control"] == "no-store", path
    # Refused or not, the check's and reporters' answers are never stored.
    for path in ("/check", "/reports", "/reports/1/reporter"):
        assert httpx.get(base + path, timeout=30).headers["cache-control"] == "no-store", path
    reviewer = {"Authorization": f"Bearer {server.key('reviewer')}"}
    assert (
        httpx.get(base + "/reports", headers=reviewer, timeout=30).headers["cache-control"]
        == "no-store"
    )
    # A signed-in console page: its session cookie.
    console = httpx.get(server.url + "/console", cookies={"jc_console": "x"}, timeout=30)
    assert console.headers["cache-control"] == "no-store"
    # The public portal and the public API stay cacheable as before.
    assert (
        httpx.get(f"{server.url}/subjects/{company}", timeout=30).headers["cache-control"]
        == "no-cache"
    )
    assert "no-store" not in httpx.get(f"{base}/catalog", timeout=30).headers.get(
        "cache-control", ""
    )


# -- file modes ----------------------------------------------------------------------------------


def _mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def test_the_sqlite_registry_and_its_wal_are_owner_only(tmp_path: Path) -> None:
    import os

    old = os.umask(0o022)  # the usual umask: files 0644 unless we say otherwise
    try:
        path = tmp_path / "data" / "registry.sqlite3"
        engine = make_engine(f"sqlite:///{path}")
        with engine.begin() as conn:
            conn.exec_driver_sql("CREATE TABLE t (x)")
            conn.exec_driver_sql("INSERT INTO t VALUES (1)")
            wal = path.with_name(path.name + "-wal")
            shm = path.with_name(path.name + "-shm")
            assert wal.exists() and shm.exists()
            assert _mode(path) == 0o600
            assert _mode(wal) == 0o600
            assert _mode(shm) == 0o600
        engine.dispose()
        assert _mode(path.parent) == 0o700

        # A registry made before (world-readable) is tightened when it is opened.
        older = tmp_path / "older.sqlite3"
        make_engine(f"sqlite:///{older}").dispose()
        older.chmod(0o644)
        engine = make_engine(f"sqlite:///{older}")
        with engine.begin() as conn:
            conn.exec_driver_sql("CREATE TABLE t (x)")
        assert _mode(older) == 0o600
        assert _mode(older.with_name(older.name + "-wal")) == 0o600
        engine.dispose()
    finally:
        os.umask(old)
