"""Reporters sealed to the department that handles them (issue 14, item 4).

Through a real server (uvicorn on loopback) on SQLite and PostgreSQL and the real command line:

- an admin acts for its own department only: keys, staff accounts, webhook subscriptions;
- an operator holding the database, the whole data directory and fresh keys of every role
  cannot read a reporter: every route refuses without the department's passphrase, no key file
  opens the sealed data, the reporter appears nowhere in the bytes; with the passphrase a
  reviewer of the department opens it, audited, and the department's supervisor sees it;
- a report made before the department's key exists is re-sealed by ``init`` and no longer
  opens with the platform key; ``rotate`` re-seals to a new pair and wipes the old one.
"""

from __future__ import annotations

import base64
import contextlib
import json
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey
from cryptography.hazmat.primitives.serialization import load_pem_private_key
from fastapi.routing import iter_route_contexts
from sqlalchemy import Engine, inspect, select, text
from tests.api.server import LiveServer, live_server
from typer.testing import CliRunner

from jointcredit.access import OPERATOR, Principal
from jointcredit.api.app import PREFIX, create_app
from jointcredit.cli.main import app as cli
from jointcredit.errors import IntegrityFailure, PermissionDeniedError
from jointcredit.security import department_keys as pairs
from jointcredit.security.sealing import SealingKey
from jointcredit.services import keys, staff, tipoffs
from jointcredit.settings import get_settings
from jointcredit.store.tables import ROLES, department_keys
from jointcredit.store.tables import reports as reports_table

NAME = "举报人赵密封"
CONTACT = "sealed-reporter-5531@example.org"
ID_NUMBER = "110101198001010010"
PASSPHRASE = "CAAC reviewers keep this phrase: 7 swans over Xizang"
#: Not ASCII: a passphrase may be Chinese, and the header carries it as UTF-8.
NEW_PASSPHRASE = "十二月轮换：秦淮河畔九盏灯笼 nine lanterns"
COMPANY = "91110101JC00000108"
HEADER = "X-Department-Passphrase"


@pytest.fixture
def api(db_url: str) -> Iterator[LiveServer]:
    with live_server(db_url) as server:
        yield server


def cli_run(server: LiveServer, *args: str) -> Any:
    return CliRunner().invoke(
        cli, [*args, "--database", server.database_url], env={"COLUMNS": "300", "NO_COLOR": "1"}
    )


def init_key(server: LiveServer, department: str, passphrase: str, tmp_path: Path) -> Any:
    path = tmp_path / f"{department}.passphrase"
    path.write_text(passphrase + "\n", encoding="utf-8")
    done = cli_run(
        server,
        "reports",
        "department-key",
        "init",
        "--department",
        department,
        "--passphrase-file",
        str(path),
        "--json",
    )
    assert done.exit_code == 0, done.output
    assert passphrase not in done.output
    return json.loads(done.stdout)


def submit(server: LiveServer, department: str) -> int:
    r = server.post(
        "/reports",
        json={
            "department": department,
            "subject": COMPANY,
            "description": "涉嫌虚构交易骗取财政补贴。",
            "reporter": {"name": NAME, "contact": CONTACT, "id_number": ID_NUMBER},
        },
    )
    assert r.status_code == 201, r.text
    report_id: int = r.json()["id"]
    return report_id


def sealed_row(engine: Engine, report_id: int) -> Any:
    with engine.connect() as conn:
        return (
            conn.execute(select(reports_table).where(reports_table.c.id == report_id))
            .mappings()
            .one()
        )


def open_reporter(
    server: LiveServer, report_id: int, passphrase: str | None, department: str = "CAAC"
) -> httpx.Response:
    headers = {HEADER: passphrase.encode()} if passphrase is not None else {}
    return server.get(f"/reports/{report_id}/reporter", "reviewer", department, headers=headers)


def context_of(row: Any) -> bytes:
    return tipoffs._context(row["id"], row["department"], row["subject"], row["received_at"])


# -- an admin acts for its own department ----------------------------------------------------


def test_an_admin_manages_its_own_department_only(api: LiveServer) -> None:
    sat = api.client("admin", "SAT")
    caac_key = keys.create(api.engine, department="CAAC", role="implementer", by=OPERATOR)
    with sat:
        for request in (
            sat.post("/keys", json={"department": "CAAC", "role": "reviewer"}),
            sat.post(f"/keys/{caac_key.id}/rotate"),
            sat.delete(f"/keys/{caac_key.id}"),
            sat.put("/subscriptions/CAAC", json={"url": "https://hooks.example.cn/caac"}),
            sat.get("/subscriptions/CAAC"),
            sat.delete("/subscriptions/CAAC"),
        ):
            assert request.status_code == 403, (request.request.url, request.text)
            assert request.json()["error"]["code"] == "forbidden"
        # The CAAC key still works, and the admin sees its own department's keys only.
        me = api.get("/me", headers={"Authorization": f"Bearer {caac_key.key}"})
        assert me.status_code == 200 and me.json()["department"] == "CAAC"
        listed = sat.get("/keys").json()
        assert listed and {k["department"] for k in listed} == {"SAT"}
        # Its own department: allowed.
        own = sat.post("/keys", json={"department": "SAT", "role": "reviewer"})
        assert own.status_code == 201, own.text
        assert sat.delete(f"/keys/{own.json()['id']}").status_code == 200
        made = sat.put("/subscriptions/SAT", json={"url": "https://hooks.example.cn/sat"})
        assert made.status_code == 200, made.text

    # Staff accounts have no HTTP door: the service is the one every door would use.
    admin_sat = Principal("admin", "SAT", key_id=1)
    password = "a long enough password 42"
    staff.create(
        api.engine,
        username="caac.reviewer",
        password=password,
        department="CAAC",
        role="reviewer",
        by=OPERATOR,
    )
    with pytest.raises(PermissionDeniedError):
        staff.create(
            api.engine,
            username="caac.rogue",
            password=password,
            department="CAAC",
            role="reviewer",
            by=admin_sat,
        )
    with pytest.raises(PermissionDeniedError):
        staff.set_password(api.engine, "caac.reviewer", password + "!", by=admin_sat)
    with pytest.raises(PermissionDeniedError):
        staff.set_active(api.engine, "caac.reviewer", False, by=admin_sat)
    with pytest.raises(PermissionDeniedError):
        staff.listed(api.engine, by=admin_sat, department="CAAC")
    staff.create(
        api.engine,
        username="sat.reviewer",
        password=password,
        department="SAT",
        role="reviewer",
        by=admin_sat,
    )
    assert {a["department"] for a in staff.listed(api.engine, by=admin_sat)} == {"SAT"}
    assert staff.sign_in(api.engine, "caac.reviewer", password).session.role == "reviewer"


# -- the operator with everything ------------------------------------------------------------


def _route_paths(report_id: int) -> list[str]:
    """Every GET route under /api/v1 with its path parameters filled in."""
    values = {
        "report_id": str(report_id),
        "department": "CAAC",
        "identifier": COMPANY,
        "code": "x",
    }
    paths = []
    for route in iter_route_contexts(create_app().routes):
        if "GET" not in (getattr(route, "methods", None) or ()):
            continue
        if not route.path.startswith(PREFIX):
            continue
        path = route.path.removeprefix(PREFIX)
        path = re.sub(r"\{(\w+)(:\w+)?\}", lambda m: values.get(m.group(1), "1"), path)
        paths.append(path)
    assert f"/reports/{report_id}/reporter" in paths
    return paths


def _secret_forms(value: str) -> list[bytes]:
    """How a value could stand in bytes: UTF-8, JSON-escaped, UTF-16."""
    escaped = json.dumps(value)[1:-1]
    return [value.encode(), escaped.encode(), value.encode("utf-16-le")]


def _assert_absent(blob: bytes, where: str) -> None:
    for secret in (NAME, CONTACT, PASSPHRASE, NEW_PASSPHRASE):
        for form in _secret_forms(secret):
            assert form not in blob, f"{secret!r} found in {where}"


def _dump(engine: Engine) -> bytes:
    """Every row of every table, as text: what a database dump would hold."""
    out = []
    with engine.connect() as conn:
        for table in inspect(conn).get_table_names():
            for row in conn.execute(text(f'SELECT * FROM "{table}"')):
                out.append(repr(tuple(row)))
    return "\n".join(out).encode()


def _candidate_keys(blob: bytes) -> list[object]:
    """Every way a file's bytes could be a key: raw, base64, PEM."""
    found: list[object] = [blob, blob.strip()]
    for raw in (blob, blob.strip()):
        try:
            found.append(base64.b64decode(raw, validate=True))
        except ValueError:
            continue
    with contextlib.suppress(ValueError, TypeError):
        found.append(load_pem_private_key(blob, password=None))
    return found


def _opens(candidate: object, sealed: str, context: bytes) -> bool:
    attempts = []
    if isinstance(candidate, bytes) and len(candidate) == 32:
        attempts.append(lambda: SealingKey(candidate).open(sealed, context))
        attempts.append(
            lambda: pairs.open_sealed(
                X25519PrivateKey.from_private_bytes(candidate), sealed, context
            )
        )
    if isinstance(candidate, X25519PrivateKey):
        attempts.append(lambda: pairs.open_sealed(candidate, sealed, context))
    for attempt in attempts:
        try:
            attempt()
        except (IntegrityFailure, ValueError):
            continue
        return True
    return False


def test_an_operator_with_everything_cannot_read_a_reporter(
    api: LiveServer, tmp_path: Path
) -> None:
    # A report to a department without a key yet: the platform key file exists and is the
    # operator's, like the rest of the data directory.
    submit(api, "SAT")
    made = init_key(api, "CAAC", PASSPHRASE, tmp_path)
    report_id = submit(api, "CAAC")
    row = sealed_row(api.engine, report_id)
    assert row["key_id"] == made["key_id"]

    # Fresh keys of every role, for the department and for another, as the operator can mint.
    departments = ("CAAC", "SAT")
    for role in ROLES:
        for department in departments:
            api.key(role, department)
    paths = _route_paths(report_id)
    for role in (None, *ROLES):
        for department in departments:
            with api.client(role, department) as client:
                for path in paths:
                    r = client.get(path)
                    _assert_absent(r.content, f"GET {path} as {role} of {department}")
                    if path.endswith("/reporter"):
                        assert r.status_code in (401, 403), (role, department, r.text)
                # Nor with a wrong passphrase.
                wrong = client.get(
                    f"/reports/{report_id}/reporter", headers={HEADER: PASSPHRASE + "?"}
                )
                assert wrong.status_code in (401, 403), (role, department, wrong.text)
                _assert_absent(wrong.content, "a wrong passphrase's answer")
    refused = open_reporter(api, report_id, None)
    assert refused.json()["error"]["code"] == "passphrase-refused"
    assert HEADER in refused.json()["error"]["message"]
    wrong = open_reporter(api, report_id, NEW_PASSPHRASE)
    assert wrong.status_code == 403 and wrong.json()["error"]["code"] == "passphrase-refused"
    assert NEW_PASSPHRASE not in wrong.text

    # The whole data directory and the database: no file is a key that opens it, and neither
    # holds the reporter (nor the passphrase) in any form.
    data_dir = get_settings().data_dir
    files = [p for p in data_dir.rglob("*") if p.is_file()]
    if api.database_url.startswith("sqlite"):
        database = Path(api.database_url.removeprefix("sqlite:///"))
        files += [p for p in database.parent.iterdir() if p.name.startswith(database.name)]
    assert any(p.name == "report-encryption.key" for p in files)
    context = context_of(row)
    for path in files:
        blob = path.read_bytes()
        _assert_absent(blob, str(path))
        for candidate in _candidate_keys(blob):
            assert not _opens(candidate, row["reporter_ciphertext"], context), path
    _assert_absent(_dump(api.engine), "the database")

    # With the passphrase: the reviewer of the department opens it, audited.
    opened = open_reporter(api, report_id, PASSPHRASE)
    assert opened.status_code == 200, opened.text
    assert opened.json()["reporter"] == {"name": NAME, "contact": CONTACT, "id_number": ID_NUMBER}
    # Another department's reviewer, with the passphrase: still not.
    assert open_reporter(api, report_id, PASSPHRASE, "SAT").status_code == 403

    # The department's supervisors see every opening and every refused attempt; another
    # department's do not, and no other role may ask.
    seen = api.get("/reports/openings", "supervisor", "CAAC")
    assert seen.status_code == 200, seen.text
    items = seen.json()["items"]
    assert items[0]["opened"] is True and items[0]["report"] == report_id
    assert items[0]["action"] == "read-reporter" and items[0]["role"] == "reviewer"
    whys = {i["why"] for i in items if not i["opened"]}
    assert whys == {"no-passphrase", "wrong-passphrase"}
    assert api.get("/reports/openings", "supervisor", "SAT").json()["items"] == []
    for role in ("reviewer", "admin", "implementer", "initiator"):
        assert api.get("/reports/openings", role, "CAAC").status_code == 403
    # The passphrase is in no row of the database after all that.
    _assert_absent(_dump(api.engine), "the database after openings")


# -- before the key; init and rotate ---------------------------------------------------------


def test_a_report_made_before_the_key_is_resealed_by_init_and_rotate(
    api: LiveServer, tmp_path: Path
) -> None:
    report_id = submit(api, "SAT")
    before = sealed_row(api.engine, report_id)
    platform = tipoffs.sealer()
    assert before["key_id"] == platform.key_id
    assert platform.open(before["reporter_ciphertext"], context_of(before))["name"] == NAME
    # Nobody opens a report under the platform key, passphrase or not.
    waiting = open_reporter(api, report_id, PASSPHRASE, "SAT")
    assert waiting.status_code == 409 and "department-key init" in waiting.text

    # A weak passphrase is refused, clearly, without being repeated.
    weak = tmp_path / "weak"
    weak.write_text("sat-2026\n", encoding="utf-8")
    done = cli_run(
        api,
        "reports",
        "department-key",
        "init",
        "--department",
        "SAT",
        "--passphrase-file",
        str(weak),
    )
    assert done.exit_code == 1 and "at least 20 characters" in done.output
    assert "sat-2026" not in done.output

    made = init_key(api, "SAT", PASSPHRASE, tmp_path)
    assert made["resealed"] == 1
    after = sealed_row(api.engine, report_id)
    assert after["key_id"] == made["key_id"]
    with pytest.raises(IntegrityFailure):
        platform.open(after["reporter_ciphertext"], context_of(after))
    opened = open_reporter(api, report_id, PASSPHRASE, "SAT")
    assert opened.status_code == 200, opened.text
    assert opened.json()["reporter"]["name"] == NAME
    # A second init is refused: rotate replaces a key.
    again = cli_run(
        api,
        "reports",
        "department-key",
        "init",
        "--department",
        "SAT",
        "--passphrase-file",
        str(tmp_path / "SAT.passphrase"),
    )
    assert again.exit_code == 1 and "rotate" in again.output

    # Reports made after init are sealed to the department's key at once.
    later = submit(api, "SAT")
    assert sealed_row(api.engine, later)["key_id"] == made["key_id"]

    # Rotate: a wrong current passphrase is refused; with the right one, a new pair under the
    # new passphrase, every report re-sealed, the old private key wiped.
    with api.engine.connect() as conn:
        old = (
            conn.execute(select(department_keys).where(department_keys.c.key_id == made["key_id"]))
            .mappings()
            .one()
        )
    old_private = pairs.unlock(
        old["private_sealed"], PASSPHRASE, department="SAT", key_id=made["key_id"]
    )
    new_file = tmp_path / "new.passphrase"
    new_file.write_text(NEW_PASSPHRASE + "\n", encoding="utf-8")
    wrong_file = tmp_path / "wrong.passphrase"
    wrong_file.write_text(NEW_PASSPHRASE + "\n", encoding="utf-8")
    rotate = ("reports", "department-key", "rotate", "--department", "SAT")
    refused = cli_run(
        api, *rotate, "--passphrase-file", str(wrong_file), "--new-passphrase-file", str(new_file)
    )
    assert refused.exit_code == 1 and "口令无法打开" in refused.output
    assert NEW_PASSPHRASE not in refused.output
    done = cli_run(
        api,
        *rotate,
        "--passphrase-file",
        str(tmp_path / "SAT.passphrase"),
        "--new-passphrase-file",
        str(new_file),
        "--json",
    )
    assert done.exit_code == 0, done.output
    rotated = json.loads(done.stdout)
    assert rotated["replaces"] == made["key_id"] and rotated["resealed"] == 2
    for rid in (report_id, later):
        row = sealed_row(api.engine, rid)
        assert row["key_id"] == rotated["key_id"]
        with pytest.raises(IntegrityFailure):
            pairs.open_sealed(old_private, row["reporter_ciphertext"], context_of(row))
        assert open_reporter(api, rid, PASSPHRASE, "SAT").status_code == 403
        assert open_reporter(api, rid, NEW_PASSPHRASE, "SAT").status_code == 200
    with api.engine.connect() as conn:
        retired = (
            conn.execute(select(department_keys).where(department_keys.c.key_id == made["key_id"]))
            .mappings()
            .one()
        )
    assert retired["retired_at"] is not None and retired["private_sealed"] == ""

    listed = cli_run(api, "reports", "department-key", "list", "--json")
    assert listed.exit_code == 0, listed.output
    rows = {(r["department"], r["key_id"]): r for r in json.loads(listed.stdout)}
    assert rows[("SAT", rotated["key_id"])]["reports"] == 2
    assert rows[("SAT", made["key_id"])]["retired_at"] is not None


# -- the console -----------------------------------------------------------------------------


def test_the_console_opens_a_reporter_with_the_passphrase_only(
    api: LiveServer, tmp_path: Path
) -> None:
    from tests.web.console import Console

    init_key(api, "CAAC", PASSPHRASE, tmp_path)
    report_id = submit(api, "CAAC")
    reviewer = Console(api.url, api.engine, "caac.reviewer", "reviewer", "CAAC")
    other = Console(api.url, api.engine, "sat.reviewer", "reviewer", "SAT")
    supervisor = Console(api.url, api.engine, "caac.supervisor", "supervisor", "CAAC")
    try:
        assert 'href="/console/reports"' in reviewer.get("/console").text
        listed = reviewer.get("/console/reports")
        assert listed.status_code == 200 and f"/console/reports/{report_id}/reporter" in listed.text
        _assert_absent(listed.content, "the reports page")
        path = f"/console/reports/{report_id}/reporter"
        # No form token: refused before the passphrase is even looked at.
        forged = reviewer.http.post(path, data={"csrf": "forged", "passphrase": PASSPHRASE})
        assert forged.status_code == 403 and NAME not in forged.text
        for attempt in ("", NEW_PASSPHRASE):
            refused = reviewer.post(path, {"passphrase": attempt})
            assert refused.status_code == 403, refused.text
            _assert_absent(refused.content, "a refused opening")
            assert NEW_PASSPHRASE not in refused.text
        # Another department's reviewer, with the right passphrase: not its report.
        elsewhere = other.post(path, {"passphrase": PASSPHRASE})
        assert elsewhere.status_code in (403, 404) and NAME not in elsewhere.text
        opened = reviewer.post(path, {"passphrase": PASSPHRASE})
        assert opened.status_code == 200, opened.text
        assert NAME in opened.text and CONTACT in opened.text
        assert PASSPHRASE not in opened.text
        assert opened.headers["cache-control"] == "no-store"
        # The department's supervisor sees the opening and the refused attempts.
        assert 'href="/console/openings"' in supervisor.get("/console").text
        seen = supervisor.get("/console/openings")
        assert seen.status_code == 200, seen.text
        assert "caac.reviewer" in seen.text and "wrong-passphrase" in seen.text
        assert "no-passphrase" in seen.text
        assert reviewer.get("/console/openings").status_code == 403
        assert supervisor.get("/console/reports").status_code == 403
    finally:
        for console in (reviewer, other, supervisor):
            console.close()
    _assert_absent(_dump(api.engine), "the database after console openings")
