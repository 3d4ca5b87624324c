"""No person's identity number in any line the platform logs.

The real ``jointcredit serve`` (a process of its own, access log on, on a free loopback port, a
data directory and a SQLite registry of the test's own) answers checks of persons — known and
unknown, in query strings and in paths, of the API and of the portal — and a check that fails
inside (the audit log refuses its row: a traceback with the SQL and its parameters); then
``jointcredit worker --once`` delivers a message to a department whose system refuses it,
quoting the person. Everything the two processes wrote, stdout and stderr, is searched: no full
identity number, but their masked forms, so the lines were written.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import signal
import socket
import sqlite3
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import httpx
import pytest
from tests.check.entries import entry
from tests.importing.rows import resident_id

from jointcredit import clock
from jointcredit.access import OPERATOR, Principal
from jointcredit.identifiers.mask import mask_resident_id
from jointcredit.services import keys, proposals, subscriptions
from jointcredit.services.proposals import Request
from jointcredit.services.registry import open_registry
from jointcredit.settings import get_settings

SCRIPT = Path(sys.executable).with_name("jointcredit")
# A person on the judgment defaulters' list since a month ago: in force today.
LISTED = entry(
    9301,
    kind="natural-person",
    decided_on=(clock.today() - dt.timedelta(days=30)).isoformat(),
)
KNOWN = LISTED["subject"]["id_number"]
UNKNOWN = resident_id(9302, birth="19851231")
IN_PATH = resident_id(9303, birth="19900101")
FIRST_GENERATION = "110105491231002"  # the old 15-digit form
PERSONS = (KNOWN, UNKNOWN, IN_PATH, FIRST_GENERATION)
INITIATOR = Principal("initiator", "SPC", key_id=9001)
REVIEWER = Principal("reviewer", "SPC", key_id=9002)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


class _Refusing(BaseHTTPRequestHandler):
    """A department's system that refuses every message, quoting the person it was about."""

    def do_POST(self) -> None:
        body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
        text = f"rejected: {body['entry']['subject']['identifier']} unknown here".encode()
        self.send_response(500)
        self.send_header("Content-Length", str(len(text)))
        self.end_headers()
        self.wfile.write(text)

    def log_message(self, *_: Any) -> None:
        pass


@pytest.fixture
def site(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[dict[str, Any]]:
    """A data directory and registry of the test's own, with a person listed and pushed to a
    department (CAAC) whose webhook refuses."""
    data = tmp_path / "data"
    env = {k: v for k, v in os.environ.items() if not k.startswith("JOINTCREDIT_")}
    env |= {
        "JOINTCREDIT_DATA_DIR": str(data),
        "JOINTCREDIT_DATABASE_URL": f"sqlite:///{tmp_path}/registry.sqlite3",
        "JOINTCREDIT_WEBHOOK_MAX_ATTEMPTS": "1",
        "COLUMNS": "300",
        "NO_COLOR": "1",
    }
    for name, value in env.items():
        if name.startswith("JOINTCREDIT_"):
            monkeypatch.setenv(name, value)
    get_settings.cache_clear()
    hook = ThreadingHTTPServer(("127.0.0.1", 0), _Refusing)
    threading.Thread(target=hook.serve_forever, daemon=True).start()
    engine = open_registry(env["JOINTCREDIT_DATABASE_URL"])
    try:
        subscriptions.subscribe(
            engine, "CAAC", f"http://127.0.0.1:{hook.server_port}/hook", by=OPERATOR
        )
        proposal = proposals.submit(engine, Request("create", entry=LISTED), by=INITIATOR)
        proposals.approve(engine, proposal["id"], by=REVIEWER)
        key = keys.create(engine, department="CAAC", role="implementer", name="t", by=OPERATOR)
        yield {"env": env, "key": key.key, "database": tmp_path / "registry.sqlite3"}
    finally:
        engine.dispose()
        hook.shutdown()
        get_settings.cache_clear()


def _assert_masked(output: str, *, expect: tuple[str, ...]) -> None:
    for number in PERSONS:
        assert number not in output, f"{number} in the log:\n{output}"
    for number in expect:
        assert mask_resident_id(number) in output, f"{number} was not logged at all:\n{output}"


# One process, and worker processes that uvicorn starts with the log configuration it was given.
@pytest.mark.parametrize("workers", [1, 2])
def test_the_servers_log_holds_no_identity_number(site: dict[str, Any], workers: int) -> None:
    port = _free_port()
    server = subprocess.Popen(
        [
            str(SCRIPT),
            "serve",
            "--port",
            str(port),
            "--log-level",
            "info",
            "--workers",
            str(workers),
        ],
        env=site["env"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            assert server.poll() is None, server.communicate()
            try:
                if httpx.get(f"{base}/api/v1/health", timeout=1).status_code == 200:
                    break
            except httpx.TransportError:
                pass
            assert time.monotonic() < deadline, "serve did not answer /api/v1/health"
            time.sleep(0.1)
        auth = {"Authorization": f"Bearer {site['key']}"}
        with httpx.Client(base_url=base, headers=auth, timeout=30) as c:
            for person in (KNOWN, UNKNOWN, KNOWN.lower()):
                answer = c.get("/api/v1/check", params={"subject": person, "matter": "air-travel"})
                assert answer.status_code == 200, answer.text
            assert c.get(f"/api/v1/check?subject={KNOWN}&matter=air-travel").json()["decisions"]
            assert c.get(f"/api/v1/subjects/{KNOWN}").status_code == 200
            assert c.get(f"/api/v1/subjects/{IN_PATH}").status_code == 404
            assert c.get(f"/api/v1/search?q={FIRST_GENERATION}").status_code == 200
        assert httpx.get(f"{base}/subjects/{IN_PATH}").status_code == 404  # the portal
        # A failure inside: the audit log refuses the check's row (its SQL parameters hold the
        # person's number), the check is not answered and the server logs the traceback.
        with sqlite3.connect(site["database"]) as db:
            db.execute(
                "CREATE TRIGGER refuse_audit BEFORE INSERT ON audit_log "
                "BEGIN SELECT RAISE(ABORT, 'audit log refused'); END"
            )
        failed = httpx.get(
            f"{base}/api/v1/check",
            params={"subject": KNOWN, "matter": "air-travel"},
            headers=auth,
            timeout=30,
        )
        assert failed.status_code == 500
        assert KNOWN not in failed.text
        with sqlite3.connect(site["database"]) as db:
            db.execute("DROP TRIGGER refuse_audit")
    finally:
        server.send_signal(signal.SIGINT)
        out, err = server.communicate(timeout=60)
    output = out + err
    assert "Traceback" in output and "audit log refused" in output, output
    assert "GET /api/v1/check?subject=" in output, "the access log was written"
    _assert_masked(output, expect=(KNOWN, UNKNOWN, IN_PATH, FIRST_GENERATION))


def test_the_workers_log_holds_no_identity_number(site: dict[str, Any]) -> None:
    done = subprocess.run(
        [str(SCRIPT), "worker", "--once"],
        env=site["env"],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    output = done.stdout + done.stderr
    assert "failed after 1 attempts" in output, output
    _assert_masked(output, expect=(KNOWN,))
