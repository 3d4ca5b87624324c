"""Checks answer for the past and the present only, and a bad key is refused on every route.

Through a real server (uvicorn on loopback) on SQLite and PostgreSQL, and through the real
command line: a check or screening ``as_of`` a day after today in China, or before
1949-10-01, is refused (422, exit status 1) and leaves no audit row; a malformed header, an
unknown key or a revoked key gets 401 on every route under /api/v1, the public ones included,
never the public's answer.
"""

from __future__ import annotations

import datetime as dt
import re
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from fastapi.routing import iter_route_contexts
from sqlalchemy import Engine, func, select
from tests.api.server import LiveServer, live_server
from tests.check.entries import entry, write_entries

from jointcredit import clock
from jointcredit.access import OPERATOR
from jointcredit.api.app import PREFIX, create_app
from jointcredit.services import keys
from jointcredit.services.imports import import_file
from jointcredit.store.tables import audit_log

SCRIPT = Path(sys.executable).with_name("jointcredit")
# Listed a month ago: in force today, whatever the list type's default period.
LISTED = entry(141, decided_on=(clock.today() - dt.timedelta(days=30)).isoformat())
COMPANY = LISTED["subject"]["uscc"]
CHECK = {"subject": COMPANY, "matter": "air-travel", "department": "CAAC"}


@pytest.fixture
def api(db_url: str, tmp_path: Path) -> Iterator[LiveServer]:
    with live_server(db_url) as server:
        summary = import_file(
            server.engine, "list-entry", write_entries(tmp_path / "e.jsonl", [LISTED])
        )
        assert summary.accepted == 1
        yield server


def _audit_rows(engine: Engine) -> int:
    with engine.connect() as conn:
        return int(conn.execute(select(func.count()).select_from(audit_log)).scalar_one())


def _tomorrow() -> str:
    return (clock.today() + dt.timedelta(days=1)).isoformat()


# -- as_of --------------------------------------------------------------------------------------


def test_a_check_is_refused_for_a_day_after_today_or_before_1949_10_01(api: LiveServer) -> None:
    with api.client("implementer", "CAAC") as c:
        today = c.get("/check", params=CHECK)
        assert today.status_code == 200, today.text
        assert today.json()["as_of"] == clock.today().isoformat(), "today in China by default"
        assert today.json()["decisions"], "the listed company is punished today"
        before = _audit_rows(api.engine)
        for day in (_tomorrow(), "2999-01-01", "1949-09-30", "0001-01-01"):
            refused = c.get("/check", params=CHECK | {"as_of": day})
            assert refused.status_code == 422, (day, refused.text)
            error = refused.json()["error"]
            assert error["code"] == "invalid-input" and "as_of" in error["message"], error
            assert "receipt" not in refused.text
        assert _audit_rows(api.engine) == before, "a refused check is not a check"
        for day in ("1949-10-01", "2020-03-05", clock.today().isoformat()):
            answered = c.get("/check", params=CHECK | {"as_of": day})
            assert answered.status_code == 200, (day, answered.text)
            assert answered.json()["receipt"]["as_of"] == day


def test_a_screening_is_refused_for_a_day_after_today(api: LiveServer) -> None:
    with api.client("implementer", "CAAC") as c:
        ask = {"matter": "air-travel"}
        upload = {"file": ("ids.txt", f"{COMPANY}\n".encode(), "text/plain")}
        assert c.post("/screen", params=ask, files=upload).status_code == 200
        before = _audit_rows(api.engine)
        for day in (_tomorrow(), "1900-01-01"):
            upload = {"file": ("ids.txt", f"{COMPANY}\n".encode(), "text/plain")}
            refused = c.post("/screen", params=ask | {"as_of": day}, files=upload)
            assert refused.status_code == 422, (day, refused.text)
            assert "as_of" in refused.json()["error"]["message"]
        assert _audit_rows(api.engine) == before


def _cli(tmp_path: Path, database: str, *args: str) -> subprocess.CompletedProcess[str]:
    import os

    env = {k: v for k, v in os.environ.items() if not k.startswith("JOINTCREDIT_")}
    env |= {
        "JOINTCREDIT_DATA_DIR": str(tmp_path / "data"),
        "JOINTCREDIT_DATABASE_URL": database,
        "COLUMNS": "300",
        "NO_COLOR": "1",
    }
    return subprocess.run(
        [str(SCRIPT), *args], env=env, capture_output=True, text=True, timeout=120, check=False
    )


def test_the_command_line_refuses_a_check_or_screening_of_the_future(
    sqlite_url: str, tmp_path: Path
) -> None:
    ids = tmp_path / "ids.txt"
    ids.write_text(f"{COMPANY}\n", encoding="utf-8")
    ask = ("--department", "CAAC", "--matter", "air-travel")
    for day in (_tomorrow(), "1949-09-30"):
        for args in (("check", COMPANY, *ask), ("screen", str(ids), *ask)):
            done = _cli(tmp_path, sqlite_url, *args, "--as-of", day)
            assert done.returncode == 1, (args, done.stdout, done.stderr)
            assert "as_of" in done.stderr and day in done.stderr, done.stderr
            assert "Traceback" not in done.stderr
            assert "receipt" not in done.stdout
    done = _cli(tmp_path, sqlite_url, "check", COMPANY, *ask, "--as-of", "1949-10-01", "--json")
    assert done.returncode == 0, done.stderr


# -- bad keys on every route ----------------------------------------------------------------------


def _routes() -> list[tuple[str, str]]:
    """(method, path) of every route under /api/v1, path parameters filled in."""
    found = []
    for route in iter_route_contexts(create_app("sqlite://").routes):
        if not getattr(route, "include_in_schema", False) or not route.path.startswith(PREFIX):
            continue
        path = re.sub(
            r"\{(\w+)[^}]*\}", lambda m: COMPANY if "identifier" in m[1] else "1", route.path
        )
        path = path.replace("/subscriptions/1", "/subscriptions/CAAC")
        path = path.replace("/imports/1", "/imports/penalties")
        for method in sorted(set(route.methods or ()) - {"HEAD"}):
            found.append((method, path))
    return found


def test_every_route_refuses_a_bad_key(api: LiveServer) -> None:
    routes = _routes()
    public = {p for m, p in routes if m == "GET"}
    assert {"/api/v1/health", "/api/v1/catalog", "/api/v1/search"} <= public
    assert len(routes) > 50, "every route of the API"
    revoked = keys.create(api.engine, department="CAAC", role="implementer", name="t", by=OPERATOR)
    keys.revoke(api.engine, revoked.id, by=OPERATOR)
    unknown = "jc_0123456789ab_" + "A" * 43
    bad = {
        "malformed": "Basic dXNlcjpwYXNz",
        "empty bearer": "Bearer",
        "unknown": f"Bearer {unknown}",
        "revoked": f"Bearer {revoked.key}",
    }
    with httpx.Client(base_url=api.url, timeout=30) as c:
        for method, path in routes:
            for what, header in bad.items():
                answer = c.request(
                    method, path, params={"q": "测试"}, headers={"Authorization": header}
                )
                assert answer.status_code == 401, (method, path, what, answer.text)
                assert answer.json()["error"]["code"] == "unauthenticated"
                assert answer.headers["www-authenticate"] == "Bearer"
        # Without a header the public is served as before, and with a good key the caller.
        assert c.get("/api/v1/health").status_code == 200
        assert c.get("/api/v1/catalog").status_code == 200
        assert c.get("/api/v1/search", params={"q": "测试"}).status_code == 200
    with api.client("implementer", "CAAC") as c:
        assert c.get("/catalog").status_code == 200
        assert c.get("/me").json()["department"] == "CAAC"
