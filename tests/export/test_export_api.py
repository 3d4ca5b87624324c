"""``GET /api/v1/exports/{kind}`` through a real server: the supervisor's file, everyone
else refused, bad parameters named, every export audited, nothing cached."""

from __future__ import annotations

import csv
import io
import tempfile
from pathlib import Path

import pytest
from openpyxl import load_workbook
from tests.api.server import LiveServer
from tests.export.samples import load_all

from jointcredit.access import OPERATOR
from jointcredit.importing.formats import PENALTIES
from jointcredit.services import audit
from jointcredit.services.exports import export_file

SINCE = "2000-01-01"


def test_a_supervisor_gets_the_file(
    sqlite_api: LiveServer, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    load_all(sqlite_api.engine, tmp_path)
    # The server (a thread of this process) writes its files here: none may stay.
    scratch = tmp_path / "scratch"
    scratch.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(scratch))
    r = sqlite_api.get("/exports/penalties", "supervisor", params={"since": SINCE})
    assert r.status_code == 200, r.text
    assert r.headers["content-type"] == "text/csv; charset=utf-8"
    assert r.headers["content-disposition"] == (
        'attachment; filename="penalties-current-since-2000-01-01.csv"'
    )
    assert r.headers["cache-control"] == "no-store"
    assert int(r.headers["content-length"]) == len(r.content)
    assert r.content.startswith(b"\xef\xbb\xbf" + ",".join(PENALTIES).encode() + b"\r\n")
    rows = list(csv.DictReader(io.StringIO(r.content.decode("utf-8-sig"), newline="")))
    assert len(rows) == 5 == int(r.headers["x-export-rows"])
    assert r.headers["x-export-withdrawals"] == r.headers["x-export-left-out"] == "0"
    # The same file the command writes.
    local = tmp_path / "penalties.csv"
    export_file(sqlite_api.engine, "penalties", local, since=SINCE, by=OPERATOR)
    assert local.read_bytes() == r.content

    r = sqlite_api.get(
        "/exports/licensing",
        "supervisor",
        params={"since": SINCE, "format": "2016", "type": "xlsx"},
    )
    assert r.status_code == 200, r.text
    assert r.headers["content-type"].startswith("application/vnd.openxmlformats-officedocument")
    assert r.headers["content-disposition"].endswith('-2016-since-2000-01-01.xlsx"')
    book = load_workbook(io.BytesIO(r.content), read_only=True)
    header = next(book.active.iter_rows(values_only=True))
    assert header[:3] == ("XK_WSH", "XK_XMMC", "XK_SPLB")
    book.close()

    r = sqlite_api.get("/exports/list-entries", "supervisor", params={"since": SINCE})
    assert r.status_code == 200 and r.content.startswith(b"\xef\xbb\xbflist_type,subject.name,")
    assert list(scratch.iterdir()) == [], "no copy of the files is left on the server"

    # Each download is one export-file row naming the key that took it.
    rows = audit.page(sqlite_api.engine, by=OPERATOR, limit=10, action="export-file")
    assert [(a["detail"]["kind"], a["role"], a["department"]) for a in rows] == [
        ("list-entry", "supervisor", "NDRC"),
        ("licensing", "supervisor", "NDRC"),
        ("penalty", "operator", None),
        ("penalty", "supervisor", "NDRC"),
    ]
    assert rows[-1]["key_id"] is not None
    assert rows[-1]["detail"]["file"] == "penalties-current-since-2000-01-01.csv"


def test_others_are_refused_and_bad_parameters_named(sqlite_api: LiveServer) -> None:
    params = {"since": SINCE}
    r = sqlite_api.get("/exports/licensing", params=params)
    assert r.status_code == 401 and r.json()["error"]["code"] == "unauthenticated"
    for role in ("initiator", "implementer", "reviewer", "admin"):
        r = sqlite_api.get("/exports/licensing", role, params=params)
        assert r.status_code == 403, (role, r.text)
        assert r.json()["error"]["code"] == "forbidden"
        assert r.headers["cache-control"] == "no-store"

    def problem(path: str, **query: str) -> str:
        r = sqlite_api.get(path, "supervisor", params=query)
        assert r.status_code == 422, r.text
        error = r.json()["error"]
        assert error["code"] == "invalid-input"
        where: str = error["problems"][0]["where"]
        return where

    assert problem("/exports/licensing", since="2026-02-30") == "query.since"
    assert problem("/exports/licensing", since="yesterday") == "query.since"
    assert problem("/exports/licensing", since="2999-01-01") == "query.since"
    assert problem("/exports/licensing") == "query.since"
    assert problem("/exports/licensing", since=SINCE, format="2019") == "query.format"
    assert problem("/exports/list-entries", since=SINCE, format="2016") == "query.format"
    assert problem("/exports/licensing", since=SINCE, type="ods") == "query.type"
    assert problem("/exports/commitments", since=SINCE) == "path.kind"
    assert audit.page(sqlite_api.engine, by=OPERATOR, limit=10, action="export-file") == []
