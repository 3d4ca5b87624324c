"""Screening over HTTP: the same lines as `jointcredit screen`, streamed, audited."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from tests.api.server import LiveServer, live_server
from tests.check.entries import entry, write_entries
from tests.importing.rows import resident_id, uscc
from typer.testing import CliRunner

from jointcredit.access import OPERATOR
from jointcredit.cli.main import app
from jointcredit.services import audit
from jointcredit.services.imports import import_file
from jointcredit.settings import get_settings

MATTER = "enterprise-bond-issuance"
AS_OF = "2025-01-10"
REP = {"role": "legal-representative", "name": "王测试", "id_number": resident_id(701)}


@pytest.fixture
def listed(api: LiveServer, tmp_path: Path) -> LiveServer:
    entries = [entry(701, persons=[REP]), entry(702, kind="natural-person")]
    summary = import_file(api.engine, "list-entry", write_entries(tmp_path / "e.jsonl", entries))
    assert summary.accepted == 2, summary.to_dict()
    return api


def _book(path: Path) -> Path:
    lines = [
        "id_number,name",
        f"{resident_id(701)},王测试",
        f"{uscc(701)},测试701有限公司",
        f"{resident_id(702, birth='19700101')},测试人702",
        "not-a-code,?",
        f"{uscc(799)},unknown",
        "",
        f"{uscc(701)},again",
    ]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def _cli(database: str, path: Path, out: Path) -> list[dict[str, Any]]:
    done = CliRunner().invoke(
        app,
        [
            "screen",
            str(path),
            "--department",
            "NDRC",
            "--matter",
            MATTER,
            "--as-of",
            AS_OF,
            "--database",
            database,
            "-o",
            str(out),
        ],
    )
    assert done.exit_code == 0, done.output
    return [json.loads(line) for line in out.read_text(encoding="utf-8").splitlines()]


def _screen(api: LiveServer, path: Path, role: str = "implementer", **params: str) -> Any:
    with path.open("rb") as f:
        return api.post(
            "/screen",
            role,
            params={"matter": MATTER, "as_of": AS_OF} | params,
            files={"file": (path.name, f)},
        )


def test_screening_matches_the_cli_line_for_line(listed: LiveServer, tmp_path: Path) -> None:
    book = _book(tmp_path / "book.csv")
    r = _screen(listed, book)
    assert r.status_code == 200, r.text
    assert r.headers["content-type"].startswith("application/x-ndjson")
    lines = [json.loads(line) for line in r.text.splitlines()]
    assert lines == _cli(listed.database_url, book, tmp_path / "out.jsonl")
    assert [line["line"] for line in lines] == [1, 2, 3, 4, 5, 7]
    assert lines[3]["error"] and lines[3]["decisions"] == []
    assert {d["status"] for d in lines[1]["decisions"]} == {"applied"}
    assert lines[0]["identifier"] == resident_id(701)

    rows = audit.page(listed.engine, by=OPERATOR, limit=100, action="screen")
    rows = [r for r in rows if r["key_id"] is not None]  # the CLI's are the operator's
    assert len(rows) == 5  # every valid identifier, none for the invalid one
    assert {r["department"] for r in rows} == {"NDRC"}
    assert {r["matter"] for r in rows} == {MATTER}
    assert uscc(701) in {r["subject"] for r in rows}


def test_jsonl_and_plain_files(listed: LiveServer, tmp_path: Path) -> None:
    jsonl = tmp_path / "book.jsonl"
    jsonl.write_text(
        json.dumps({"uscc": uscc(701)}) + "\n" + json.dumps(resident_id(701)) + "\n",
        encoding="utf-8",
    )
    plain = tmp_path / "book.txt"
    plain.write_text(f"{uscc(701)}\n\n{resident_id(701)}\n", encoding="utf-8")
    for path in (jsonl, plain):
        r = _screen(listed, path)
        assert r.status_code == 200, r.text
        lines = [json.loads(line) for line in r.text.splitlines()]
        assert lines == _cli(listed.database_url, path, tmp_path / f"{path.stem}.out.jsonl")
        assert [x["identifier"] for x in lines] == [uscc(701), resident_id(701)]


def test_an_empty_file_is_an_empty_answer(sqlite_api: LiveServer, tmp_path: Path) -> None:
    empty = tmp_path / "empty.csv"
    empty.write_bytes(b"")
    r = _screen(sqlite_api, empty)
    assert r.status_code == 200 and r.text == ""


def test_screening_needs_an_implementer_of_its_own_department(
    sqlite_api: LiveServer, tmp_path: Path
) -> None:
    book = _book(tmp_path / "book.csv")
    with book.open("rb") as f:
        public = sqlite_api.post("/screen", params={"matter": MATTER}, files={"file": f})
    assert public.status_code == 401
    assert _screen(sqlite_api, book, "initiator").status_code == 403
    other = _screen(sqlite_api, book, department="SPC")
    assert other.status_code == 403 and other.json()["error"]["code"] == "forbidden"
    unknown = _screen(sqlite_api, book, matter="no-such-matter")
    assert unknown.status_code == 422 and "matter" in unknown.json()["error"]["message"]
    for day in ("0", "2025-02-30"):
        assert _screen(sqlite_api, book, as_of=day).status_code == 422
    assert not audit.page(sqlite_api.engine, by=OPERATOR, limit=10, action="screen")


@pytest.fixture
def small_uploads(sqlite_url: str, monkeypatch: pytest.MonkeyPatch) -> Iterator[LiveServer]:
    monkeypatch.setenv("JOINTCREDIT_API_MAX_UPLOAD_BYTES", "2048")
    get_settings.cache_clear()
    try:
        with live_server(sqlite_url) as server:
            yield server
    finally:
        monkeypatch.delenv("JOINTCREDIT_API_MAX_UPLOAD_BYTES")
        get_settings.cache_clear()


def test_a_screening_file_over_the_limit_is_413(small_uploads: LiveServer, tmp_path: Path) -> None:
    big = tmp_path / "big.txt"
    big.write_text("".join(f"{uscc(n)}\n" for n in range(1, 200)), encoding="utf-8")
    r = _screen(small_uploads, big)
    assert r.status_code == 413, r.text
    assert r.json()["error"]["code"] == "too-large"
    assert not audit.page(small_uploads.engine, by=OPERATOR, limit=10, action="screen")
