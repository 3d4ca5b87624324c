"""Submitting records, list entries and files over HTTP: the CLI's validation, idempotence,
nobody submitting in another department's name, every write audited."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine
from tests.api.server import LiveServer, live_server
from tests.check.entries import entry
from tests.importing.rows import licensing_row, penalty_row, uscc, write_csv

from jointcredit.access import OPERATOR
from jointcredit.catalog import load_catalog
from jointcredit.importing.formats import LICENSING, PENALTIES
from jointcredit.services import audit
from jointcredit.services.imports import import_file
from jointcredit.settings import get_settings

NDRC = load_catalog().departments["NDRC"].name_zh


def _sent(row: dict[str, str]) -> dict[str, str]:
    """A row as a department's system sends it: empty fields left out."""
    return {k: v for k, v in row.items() if v}


def _ours(row: dict[str, str]) -> dict[str, str]:
    """The row as the key's department's own record (its name as the data source)."""
    return row | {"CF_SJLY" if "CF_SJLY" in row else "XK_LYDW": NDRC}


def _audit(engine: Engine, action: str) -> list[dict[str, Any]]:
    return audit.page(engine, by=OPERATOR, limit=100, action=action)


def test_a_penalty_is_accepted_then_a_duplicate_then_updated(api: LiveServer) -> None:
    row = _sent(penalty_row(1, CF_SJLY=""))  # empty source: the key's department
    first = api.post("/records/penalties", "initiator", json=row)
    assert first.status_code == 201, first.text
    made = first.json()
    assert made["outcome"] == "accepted" and made["version"] == 1
    assert made["kind"] == "penalty"

    again = api.post("/records/penalties", "initiator", json=row)
    assert again.status_code == 201, again.text
    assert again.json()["outcome"] == "duplicate"
    assert again.json()["record"] == made["record"] and again.json()["version"] == 1

    # the filled-in source department is the key's: the same record when named explicitly
    named = api.post("/records/penalties", "initiator", json=row | {"CF_SJLY": NDRC})
    assert named.json()["outcome"] == "duplicate"

    changed = api.post("/records/penalties", "initiator", json=row | {"BZ": "更正"})
    assert changed.status_code == 201
    assert changed.json() | {"audit_entry": 0} == made | {
        "outcome": "updated",
        "version": 2,
        "audit_entry": 0,
    }

    shown = api.get(f"/records/{made['record']}", "initiator").json()
    assert shown["source_department"] == NDRC
    assert [v["actor"] for v in shown["history"]] == [f"key:{_key_id(api)}"] * 2

    rows = [r for r in _audit(api.engine, "submit-record") if r["record_id"] == made["record"]]
    assert [r["detail"]["outcome"] for r in reversed(rows)] == [
        "accepted",
        "duplicate",
        "duplicate",
        "updated",
    ]
    assert {r["department"] for r in rows} == {"NDRC"}
    assert rows[0]["id"] == changed.json()["audit_entry"]


def _key_id(api: LiveServer) -> int:
    me = api.get("/me", "initiator").json()
    key_id: int = me["key_id"]
    return key_id


def test_a_licence_is_accepted(api: LiveServer) -> None:
    r = api.post("/records/licensing", "initiator", json=_sent(_ours(licensing_row(3))))
    assert r.status_code == 201, r.text
    assert r.json()["kind"] == "licensing" and r.json()["outcome"] == "accepted"


def test_the_same_field_errors_as_the_cli(api: LiveServer, tmp_path: Path) -> None:
    bad = _ours(
        penalty_row(
            5,
            CF_NR_FK="-13.69",
            CF_JDRQ="2024-02-30",
            CF_FR_ZJHM="110101198001010011",
            CF_CFLB="罚款;打板子",
        )
    )
    r = api.post("/records/penalties", "initiator", json=_sent(bad))
    assert r.status_code == 422, r.text
    error = r.json()["error"]
    assert error["code"] == "invalid-input"
    summary = import_file(api.engine, "penalty", write_csv(tmp_path / "bad.csv", [bad], PENALTIES))
    cli = [(p["field"], p["error"]) for p in summary.rejected]
    assert len(cli) >= 4
    assert [(p["field"], p["error"]) for p in error["problems"]] == cli
    for field, reason in cli:
        assert f"{field}: {reason}" in error["message"]
    assert not _audit(api.engine, "submit-record")


def test_another_departments_record_is_refused(api: LiveServer) -> None:
    other = load_catalog().departments["SPC"].name_zh
    r = api.post("/records/penalties", "initiator", json=_sent(penalty_row(6, CF_SJLY=other)))
    assert r.status_code == 403, r.text
    assert r.json()["error"]["code"] == "forbidden"
    assert "CF_SJLY" in r.json()["error"]["message"]
    # a local authority's name is not the key's department either
    r = api.post("/records/penalties", "initiator", json=_sent(penalty_row(6)))
    assert r.status_code == 403
    assert not _audit(api.engine, "submit-record")


def test_only_an_initiator_submits(api: LiveServer) -> None:
    row = _sent(_ours(penalty_row(7)))
    assert api.post("/records/penalties", json=row).status_code == 401
    for role in ("implementer", "reviewer", "supervisor", "admin"):
        r = api.post("/records/penalties", role, json=row)
        assert r.status_code == 403, (role, r.text)


def test_unknown_fields_are_refused(sqlite_api: LiveServer) -> None:
    r = sqlite_api.post(
        "/records/penalties", "initiator", json=_sent(_ours(penalty_row(8))) | {"CF_X": "1"}
    )
    assert r.status_code == 422
    assert "CF_X" in r.json()["error"]["message"]
    nul = sqlite_api.post(
        "/records/penalties", "initiator", json=_sent(_ours(penalty_row(8, CF_SY="a\x00b")))
    )
    assert nul.status_code == 422
    assert nul.json()["error"]["problems"][0]["field"] == "CF_SY"


def test_list_entries_only_for_the_keys_department(api: LiveServer) -> None:
    # A list entry is proposed for review (docs/review.md), not written: 202 with the proposal.
    mine = entry(11, department="SPC")
    r = api.post("/list-entries", "initiator", department="SPC", json=mine)
    assert r.status_code == 202, r.text
    made = r.json()
    assert (made["action"], made["status"], made["record_id"]) == ("create", "submitted", None)
    assert made["payload"]["subject"]["uscc"] == mine["subject"]["uscc"]
    again = api.post("/list-entries", "initiator", department="SPC", json=mine)
    assert again.status_code == 409, again.text
    assert f"proposal {made['id']}" in again.json()["error"]["message"]
    assert api.get(f"/subjects/{mine['subject']['uscc']}", "initiator").status_code == 404

    theirs = api.post("/list-entries", "initiator", json=entry(12, department="SPC"))
    assert theirs.status_code == 403, theirs.text
    assert "department" in theirs.json()["error"]["message"]

    # without a department, the key's is taken
    implied = {k: v for k, v in entry(13).items() if k != "department"}
    r = api.post("/list-entries", "initiator", department="SPC", json=implied)
    assert r.status_code == 202, r.text
    assert r.json()["department"] == "SPC"
    approved = api.post(f"/proposals/{r.json()['id']}/approve", "reviewer", department="SPC")
    assert approved.status_code == 200, approved.text
    record = approved.json()["record_id"]
    assert api.get(f"/records/{record}", "initiator").json()["department"] == "SPC"

    bad = api.post(
        "/list-entries",
        "initiator",
        department="SPC",
        json=entry(14, department="SPC", persons=[{"role": "boss", "name": "x", "id_number": "1"}]),
    )
    assert bad.status_code == 422
    assert bad.json()["error"]["problems"] == [
        {
            "field": "persons[0].role",
            "error": "'boss' is not one of legal-representative, "
            "principal-responsible-person, directly-responsible-person, actual-controller",
        }
    ]
    assert [r["detail"]["proposal"] for r in reversed(_audit(api.engine, "propose"))] == [
        made["id"],
        r.json()["id"],
    ]
    assert not _audit(api.engine, "submit-record")


def _penalties_csv(path: Path) -> Path:
    rows = [
        _ours(penalty_row(21)),
        _ours(penalty_row(22)),
        _ours(penalty_row(23, CF_NR_FK="-1")),
        penalty_row(24),  # the district bureau's record: not this key's department
    ]
    return write_csv(path, rows, PENALTIES)


def test_a_file_is_imported_row_by_row(api: LiveServer, tmp_path: Path) -> None:
    path = _penalties_csv(tmp_path / "我的处罚.csv")
    with path.open("rb") as f:
        r = api.post("/imports/penalties", "initiator", files={"file": (path.name, f, "text/csv")})
    assert r.status_code == 200, r.text
    summary = r.json()
    assert summary["kind"] == "penalty" and summary["format"] == "csv"
    assert summary["file"] == "我的处罚.csv"
    assert (summary["rows"], summary["accepted"], summary["rejected_rows"]) == (4, 2, 2)
    assert {(p["row"], p["field"]) for p in summary["rejected"]} == {
        (3, "CF_NR_FK"),
        (4, "CF_SJLY"),
    }
    assert "rejects_file" not in summary
    assert "/tmp" not in r.text and "jointcredit-upload" not in r.text

    with path.open("rb") as f:
        again = api.post("/imports/penalties", "initiator", files={"file": (path.name, f)}).json()
    assert (again["accepted"], again["duplicates"], again["rejected_rows"]) == (0, 2, 2)

    rows = _audit(api.engine, "submit-file")
    assert [r["detail"]["import_job"] for r in reversed(rows)] == [
        summary["import_job"],
        again["import_job"],
    ]
    assert rows[-1]["detail"]["accepted"] == 2 and rows[-1]["detail"]["rejected_rows"] == 2
    assert rows[-1]["result_digest"].startswith("sha256:")


def test_the_cli_import_is_unchanged(api: LiveServer, tmp_path: Path) -> None:
    # The operator may import any department's file: the rule is the API's.
    summary = import_file(api.engine, "penalty", _penalties_csv(tmp_path / "p.csv"))
    assert (summary.accepted, summary.rejected_rows) == (3, 1)


def test_list_entry_files_and_licensing_files(sqlite_api: LiveServer, tmp_path: Path) -> None:
    path = tmp_path / "entries.jsonl"
    path.write_text(
        json.dumps(entry(31, department="SPC"), ensure_ascii=False)
        + "\n"
        + json.dumps(entry(32, department="NDRC"), ensure_ascii=False)
        + "\n",
        encoding="utf-8",
    )
    with path.open("rb") as f:
        r = sqlite_api.post(
            "/imports/list-entries", "initiator", department="SPC", files={"file": (path.name, f)}
        )
    assert r.status_code == 200, r.text
    summary = r.json()
    assert (summary["accepted"], summary["rejected_rows"]) == (1, 1)
    assert summary["rejected"][0]["field"] == "department"
    # The valid row is a proposal, not yet an entry; the same file again proposes nothing new.
    (proposal,) = summary["proposals"]
    shown = sqlite_api.get(f"/proposals/{proposal}", "reviewer", department="SPC").json()
    assert (shown["status"], shown["payload"]["subject"]["uscc"]) == ("submitted", uscc(31))
    assert sqlite_api.get(f"/subjects/{uscc(31)}", "initiator").status_code == 404
    with path.open("rb") as f:
        again = sqlite_api.post(
            "/imports/list-entries", "initiator", department="SPC", files={"file": (path.name, f)}
        ).json()
    assert (again["accepted"], again["duplicates"], again["proposals"]) == (0, 1, [])
    assert _audit(sqlite_api.engine, "submit-file")[-1]["detail"]["proposals"] == 1

    lic = write_csv(tmp_path / "lic.csv", [_ours(licensing_row(33))], LICENSING)
    with lic.open("rb") as f:
        r = sqlite_api.post("/imports/licensing", "initiator", files={"file": (lic.name, f)})
    assert r.status_code == 200 and r.json()["accepted"] == 1


def test_file_problems_are_client_errors(sqlite_api: LiveServer, tmp_path: Path) -> None:
    r = sqlite_api.post(
        "/imports/penalties", "initiator", files={"file": ("book.pdf", b"%PDF-1.4")}
    )
    assert r.status_code == 422 and r.json()["error"]["code"] == "input-file"
    r = sqlite_api.post(
        "/imports/penalties", "initiator", files={"file": ("p.csv", b"CF_XDR_MC\nx\n")}
    )
    assert r.status_code == 422 and "lacks" in r.json()["error"]["message"]
    assert (
        sqlite_api.post(
            "/imports/nonsense", "initiator", files={"file": ("p.csv", b"a")}
        ).status_code
        == 422
    )
    assert sqlite_api.post("/imports/penalties", files={"file": ("p.csv", b"a")}).status_code == 401
    assert (
        sqlite_api.post("/imports/penalties", "implementer", files={"file": ("p.csv", b"a")})
    ).status_code == 403


@pytest.fixture
def small_uploads(sqlite_url: str, monkeypatch: pytest.MonkeyPatch) -> Iterator[LiveServer]:
    monkeypatch.setenv("JOINTCREDIT_API_MAX_UPLOAD_BYTES", "4096")
    get_settings.cache_clear()
    try:
        with live_server(sqlite_url) as server:
            yield server
    finally:
        monkeypatch.delenv("JOINTCREDIT_API_MAX_UPLOAD_BYTES")
        get_settings.cache_clear()


def test_an_upload_over_the_limit_is_413(small_uploads: LiveServer, tmp_path: Path) -> None:
    big = write_csv(tmp_path / "big.csv", [_ours(penalty_row(n)) for n in range(1, 40)], PENALTIES)
    assert big.stat().st_size > 4096
    with big.open("rb") as f:
        r = small_uploads.post("/imports/penalties", "initiator", files={"file": (big.name, f)})
    assert r.status_code == 413, r.text
    assert r.json()["error"]["code"] == "too-large"
    small = write_csv(tmp_path / "small.csv", [_ours(penalty_row(1))], PENALTIES)
    with small.open("rb") as f:
        ok = small_uploads.post("/imports/penalties", "initiator", files={"file": (small.name, f)})
    assert ok.status_code == 200, ok.text


def test_an_overlong_document_number_is_refused_on_every_backend(api: LiveServer) -> None:
    row = _ours(
        penalty_row(
            41,
            CF_XDR_MC="张测试",
            CF_XDR_LB="自然人",
            CF_XDR_SHXYM="",
            CF_FRDB="",
            CF_FR_ZJLX="",
            CF_FR_ZJHM="",
            CF_XDR_ZJLX="护照号",
            CF_XDR_ZJHM="E" + "1" * 80,
        )
    )
    r = api.post("/records/penalties", "initiator", json=_sent(row))
    assert r.status_code == 422, r.text
    assert r.json()["error"]["problems"][0]["field"] == "CF_XDR_ZJHM"
