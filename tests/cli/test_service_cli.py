"""The service's commands through the installed console script: keys, receipts, the audit log,
``serve`` and the demo's keys.

Every run is a real process of ``jointcredit`` next to the interpreter, with a data directory
and a SQLite registry of the test's own (JOINTCREDIT_* of the calling environment are never
passed on), so option parsing, exit status and output are what an operator gets.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import signal
import sqlite3
import stat
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest
from tests.check.entries import entry, write_entries
from tests.importing.rows import resident_id

from jointcredit.services.imports import import_file
from jointcredit.services.registry import open_registry

SCRIPT = Path(sys.executable).with_name("jointcredit")
TODAY = dt.date(2026, 11, 27)
AS_OF = "2025-01-10"
REP = {"role": "legal-representative", "name": "王测试", "id_number": resident_id(611)}
LISTED = entry(311, persons=[REP])
COMPANY = LISTED["subject"]["uscc"]
ASK = ("--department", "CAAC", "--matter", "air-travel", "--as-of", AS_OF)


def _env(data_dir: Path, database: str | None) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("JOINTCREDIT_")}
    env.update(JOINTCREDIT_DATA_DIR=str(data_dir), COLUMNS="300", NO_COLOR="1")
    if database is not None:
        env["JOINTCREDIT_DATABASE_URL"] = database
    return env


@dataclass
class Site:
    directory: Path
    database: str | None

    @property
    def env(self) -> dict[str, str]:
        return _env(self.directory, self.database)

    def run(self, *args: str | Path, timeout: float = 120) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [str(SCRIPT), *map(str, args)],
            env=self.env,
            cwd=self.directory,
            capture_output=True,
            text=True,
            timeout=timeout,
            check=False,
        )

    def ok(self, *args: str | Path) -> subprocess.CompletedProcess[str]:
        done = self.run(*args)
        assert done.returncode == 0, done.stdout + done.stderr
        return done

    def json(self, *args: str | Path) -> Any:
        return json.loads(self.ok(*args).stdout)


def _flat(text: str) -> str:
    """Output with whitespace collapsed: Rich wraps long lines at the console width."""
    return " ".join(text.split())


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Site:
    directory = tmp_path_factory.mktemp("service")
    database = f"sqlite:///{directory}/registry.sqlite3"
    engine = open_registry(database)
    try:
        summary = import_file(
            engine, "list-entry", write_entries(directory / "e.jsonl", [LISTED]), today=TODAY
        )
    finally:
        engine.dispose()
    assert summary.accepted == 1
    return Site(directory, database)


# -- keys -----------------------------------------------------------------------------------------


def test_keys_create_list_rotate_revoke(site: Site) -> None:
    done = site.ok("keys", "create", "--department", "CAAC", "--role", "implementer", "--json")
    issued = json.loads(done.stdout)  # exactly one JSON object on stdout
    assert isinstance(issued, dict) and {"id", "key"} <= set(issued)
    assert issued["key"].startswith("jc_") and isinstance(issued["id"], int)
    assert (issued["department"], issued["role"]) == ("CAAC", "implementer")
    assert "shown once" in _flat(done.stderr)

    plain = site.ok("keys", "create", "--department", "NDRC", "--role", "admin", "--name", "ops")
    assert "shown once" in _flat(plain.stderr)
    [admin_key] = [w for w in plain.stdout.split() if w.startswith("jc_")]

    listed = site.json("keys", "list", "--json")
    mine = next(k for k in listed if k["id"] == issued["id"])
    assert mine["prefix"] in issued["key"] and mine["active"] is True
    table = site.ok("keys", "list")
    for text in (json.dumps(listed), table.stdout):
        assert issued["key"] not in text and admin_key not in text, "a secret was shown"
        assert issued["key"].split("_", 2)[2] not in text
    assert "ops" in table.stdout and "CAAC" in table.stdout and mine["prefix"] in table.stdout

    rotated = site.json("keys", "rotate", str(issued["id"]), "--json")
    assert {"id", "key"} <= set(rotated) and rotated["id"] != issued["id"]
    assert rotated["key"] != issued["key"] and rotated["role"] == "implementer"
    every = {k["id"]: k for k in site.json("keys", "list", "--all", "--json")}
    assert every[issued["id"]]["replaced_by"] == rotated["id"]
    assert every[issued["id"]]["revoked_at"] and not every[issued["id"]]["active"]
    assert every[rotated["id"]]["active"]

    revoked = site.ok("keys", "revoke", str(rotated["id"]))
    assert f"revoked key {rotated['id']}" in _flat(revoked.stdout)
    active = {k["id"] for k in site.json("keys", "list", "--json")}  # active keys only
    assert rotated["id"] not in active and issued["id"] not in active

    missing = site.run("keys", "revoke", "999999")
    assert missing.returncode == 1 and "no API key with id 999999" in _flat(missing.stderr)
    bad = site.run("keys", "create", "--department", "CAAC", "--role", "king", "--json")
    assert bad.returncode == 1 and bad.stdout == "" and "role 'king'" in _flat(bad.stderr)
    assert "Traceback" not in bad.stderr + missing.stderr


# -- check, receipts ------------------------------------------------------------------------------


def test_saved_check_answer_verifies_offline_and_edits_are_caught(site: Site) -> None:
    answer_file = site.directory / "answer.json"
    done = site.ok("check", COMPANY, *ASK, "--json")
    answer_file.write_text(done.stdout, encoding="utf-8")
    answer = json.loads(done.stdout)
    receipt = answer["receipt"]
    assert answer["decisions"] and receipt["subject"] == COMPANY

    valid = site.ok("receipt", "verify", answer_file)
    assert _flat(valid.stdout).startswith(f"receipt valid: {receipt['id']}")
    for part in (COMPANY, "CAAC", "air-travel", AS_OF, receipt["issued_at"]):
        assert part in _flat(valid.stdout), part

    # With the published key: as PEM, and as the endpoint's whole JSON answer.
    (site.directory / "key.pem").write_text(site.ok("receipt", "key", "--pem").stdout)
    published = site.json("receipt", "key")
    assert set(published) == {"algorithm", "key_id", "public_key_pem", "public_key"}
    (site.directory / "key.json").write_text(json.dumps(published))
    compact = site.directory / "compact.json"
    compact.write_text(json.dumps(answer, separators=(",", ":"), ensure_ascii=True))
    for key in ("key.pem", "key.json"):
        verdict = site.json(
            "receipt", "verify", compact, "--public-key", site.directory / key, "--json"
        )
        assert verdict["valid"] is True and verdict["problems"] == []
        assert verdict["receipt"]["id"] == receipt["id"]

    def edited(name: str, change: Any) -> subprocess.CompletedProcess[str]:
        copy = json.loads(json.dumps(answer))
        change(copy)
        path = site.directory / name
        path.write_text(json.dumps(copy, ensure_ascii=False, indent=2), encoding="utf-8")
        return site.run("receipt", "verify", path)

    def suspend(a: dict[str, Any]) -> None:
        a["decisions"][0]["status"] = "suspended"

    def move(a: dict[str, Any]) -> None:
        a["as_of"] = "2025-01-11"

    status = edited("status.json", suspend)
    assert status.returncode == 1, status.stdout
    assert "the decisions differ" in _flat(status.stderr)
    as_of = edited("as-of.json", move)
    assert as_of.returncode == 1
    assert "as_of: the answer says '2025-01-11', the receipt '2025-01-10'" in _flat(as_of.stderr)
    assert "receipt valid" not in status.stdout + as_of.stdout

    not_json = site.directory / "notes.txt"
    not_json.write_text("this is not JSON\n")
    bad = site.run("receipt", "verify", not_json)
    assert bad.returncode == 1 and "not a check answer: invalid JSON" in _flat(bad.stderr)
    assert "Traceback" not in bad.stderr


def test_check_table_names_its_receipt(site: Site) -> None:
    done = site.ok("check", COMPANY, *ASK)
    assert "opinions-2016-64/07-1" in done.stdout
    assert "receipt " in done.stdout and "audit row" in _flat(done.stdout)


# -- audit ----------------------------------------------------------------------------------------


def test_audit_verify_log_and_history_then_a_tampered_row(site: Site, tmp_path: Path) -> None:
    for _ in range(2):  # at least two rows (row 2 is tampered with below), whatever ran before
        site.ok("check", COMPANY, *ASK)
    intact = site.ok("audit", "verify")
    assert "chain intact, head" in _flat(intact.stdout)
    assert site.json("audit", "verify", "--json")["ok"] is True

    history = site.json("audit", "history", COMPANY, "--json")
    assert history["subject"] == COMPANY
    assert {"at", "department", "role", "action", "matter"} <= set(history["items"][0])
    assert ("check", "air-travel") in {(i["action"], i["matter"]) for i in history["items"]}
    # A check from the terminal is the named department's: the subject sees who looked.
    assert {i["department"] for i in history["items"] if i["action"] == "check"} == {
        ASK[ASK.index("--department") + 1]
    }
    checks = site.json("audit", "log", "--action", "check", "--subject", COMPANY, "--json")
    assert checks and all(r["action"] == "check" and r["subject"] == COMPANY for r in checks)
    assert len(site.json("audit", "log", "--limit", "1", "--json")) == 1

    # Tamper with a copy: past the trigger, one row's matter changed in place.
    copy = tmp_path / "tampered.sqlite3"
    # SQLite's backup, not a file copy: the latest rows may still be in the write-ahead log.
    with (
        sqlite3.connect(site.directory / "registry.sqlite3") as source,
        sqlite3.connect(copy) as dest,
    ):
        source.backup(dest)
    source.close()
    dest.close()
    with sqlite3.connect(copy) as conn:
        conn.execute("DROP TRIGGER audit_log_no_update")
        conn.execute("UPDATE audit_log SET matter = 'rail-travel' WHERE id = 2")
    conn.close()
    tampered = Site(tmp_path, f"sqlite:///{copy}")
    broken = tampered.run("audit", "verify")
    assert broken.returncode == 1
    assert "row 2 was altered" in _flat(broken.stderr), broken.stderr
    verdict = json.loads(tampered.run("audit", "verify", "--json").stdout)
    assert (verdict["ok"], verdict["first_broken"]) == (False, 2)


# -- serve ----------------------------------------------------------------------------------------


def _free_port() -> int:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


@contextmanager
def _serving(site: Site, *options: str) -> Iterator[tuple[subprocess.Popen[str], str]]:
    """``jointcredit serve`` on a free port, once it answers /health."""
    port = _free_port()
    process = subprocess.Popen(
        [str(SCRIPT), "serve", "--port", str(port), *options],
        env=site.env,
        cwd=site.directory,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    base = f"http://127.0.0.1:{port}/api/v1"
    try:
        deadline = time.monotonic() + 30
        while True:
            if process.poll() is not None:
                out, err = process.communicate()
                pytest.fail(f"serve exited with {process.returncode}: {out}{err}")
            try:
                if httpx.get(f"{base}/health", timeout=1).status_code == 200:
                    break
            except httpx.TransportError:
                pass
            if time.monotonic() > deadline:
                pytest.fail("serve did not answer /health within 30 s")
            time.sleep(0.1)
        yield process, base
    finally:
        if process.poll() is None:
            process.kill()
            process.communicate()


@pytest.fixture
def server(site: Site) -> Iterator[tuple[subprocess.Popen[str], str]]:
    with _serving(site, "--no-access-log", "--log-level", "warning") as running:
        yield running


@pytest.mark.parametrize(
    ("options", "client"),
    [
        (("--forwarded-allow-ips", "127.0.0.1"), "203.0.113.7"),  # the proxy is trusted
        (("--forwarded-allow-ips", "192.0.2.1"), "127.0.0.1"),  # another proxy's, not ours
        (("--no-proxy-headers",), "127.0.0.1"),
    ],
)
def test_serve_believes_forwarded_headers_from_its_proxy_only(
    site: Site, options: tuple[str, ...], client: str
) -> None:
    with _serving(site, *options) as (process, base):
        httpx.get(f"{base}/health", headers={"X-Forwarded-For": "203.0.113.7"})
        process.send_signal(signal.SIGINT)
        out, err = process.communicate(timeout=30)
    # The access log names the client as the server saw it; the last health request is ours.
    line = [x for x in (out + err).splitlines() if "GET /api/v1/health" in x][-1]
    assert f"{client}:" in line, line


def test_serve_answers_a_check_with_a_key_made_by_the_cli(
    site: Site, server: tuple[subprocess.Popen[str], str]
) -> None:
    process, base = server
    assert httpx.get(f"{base}/health").json() == {"status": "ok"}
    issued = site.json("keys", "create", "--department", "CAAC", "--role", "implementer", "--json")
    answer = httpx.get(
        f"{base}/check",
        params={"subject": COMPANY, "matter": "air-travel", "as_of": AS_OF},
        headers={"Authorization": f"Bearer {issued['key']}"},
        timeout=30,
    )
    assert answer.status_code == 200, answer.text
    body = answer.json()
    assert body["receipt"]["department"] == "CAAC" and body["decisions"]
    saved = site.directory / "from-http.json"
    saved.write_text(answer.text, encoding="utf-8")
    assert site.run("receipt", "verify", saved).returncode == 0
    assert httpx.get(f"{base}/receipts/key").json()["key_id"] == body["receipt"]["key_id"]
    assert (
        httpx.get(f"{base}/check", params={"subject": COMPANY, "matter": "air-travel"}).status_code
        == 401
    )

    process.send_signal(signal.SIGINT)
    out, err = process.communicate(timeout=30)
    assert process.returncode == 0, err
    assert "Traceback" not in err
    for url in (base, f"{base}/docs", f"{base}/openapi.json", f"{base}/receipts/key"):
        assert url in out, url
    assert "server stopped" in out


# -- demo -----------------------------------------------------------------------------------------


def test_demo_without_serving_makes_keys_once(tmp_path: Path) -> None:
    demo = Site(tmp_path, None)  # the embedded default in the data directory
    args = ("demo", "--subjects", "150", "--licensing", "100", "--penalties", "100")
    first = demo.ok(*args, "--entries", "60", "--no-serve")
    path = tmp_path / "demo-keys.json"
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    saved = json.loads(path.read_text(encoding="utf-8"))["keys"]
    roles = {k["role"] for k in saved}
    assert roles == {"initiator", "implementer", "reviewer", "supervisor", "admin"}
    for item in saved:
        assert item["key"] in first.stdout and isinstance(item["id"], int)
    implementer = next(k for k in saved if k["role"] == "implementer")
    assert (
        f"Bearer {implementer['key']}" in first.stdout and "/api/v1/check?subject=" in first.stdout
    )
    assert "/api/v1/receipts/key" in first.stdout and "/api/v1/docs" in first.stdout
    assert "Uvicorn running" not in first.stdout + first.stderr

    second = demo.ok(*args, "--entries", "60", "--no-serve")
    assert json.loads(path.read_text(encoding="utf-8"))["keys"] == saved
    assert all(k["key"] in second.stdout for k in saved)
    assert len(demo.json("keys", "list", "--all", "--json")) == 6, "no new keys on a second run"

    # A revoked demo key is replaced, the others kept.
    demo.ok("keys", "revoke", str(implementer["id"]))
    demo.ok(*args, "--entries", "60", "--no-serve")
    third = json.loads(path.read_text(encoding="utf-8"))["keys"]
    assert [k for k in third if k["role"] != "implementer"] == [
        k for k in saved if k["role"] != "implementer"
    ]
    renewed = next(k for k in third if k["role"] == "implementer")
    assert renewed["id"] != implementer["id"] and renewed["key"] != implementer["key"]
