"""Issue 14, item 10: unauthenticated writes (reports without a key, the console's and
self-service's sign-in forms) are limited per client address and overall, through real servers;
the counts hold across servers on one database (SQLite and PostgreSQL) and in Redis; a refused
request writes nothing; nothing else is throttled; and wrong passwords from one address do not
lock the account for another.

Client addresses: the whole of 127.0.0.0/8 is loopback on Linux, so a client bound to
127.0.0.2 reaches the server on 127.0.0.1 and is another address to it.
"""

from __future__ import annotations

import os
import re
import socket
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager, suppress
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy import Engine, func, select
from tests.api.server import live_server
from tests.concurrency import at_once

from jointcredit.access import OPERATOR
from jointcredit.errors import AuthenticationError, ConfigurationError
from jointcredit.services import staff, throttle
from jointcredit.services.registry import open_registry
from jointcredit.settings import get_settings
from jointcredit.store.tables import audit_log, rate_counters, reports

REDIS_URL = "redis://127.0.0.1:6379/0"
PASSWORD = "correct horse battery staple 7"
_PRE = re.compile(r'name="pre" value="([^"]+)"')


@pytest.fixture(autouse=True)
def settings(monkeypatch: pytest.MonkeyPatch) -> Iterator[pytest.MonkeyPatch]:
    """The shipped limits (10 reports, 20 sign-ins a minute per address), self-service on;
    a test changes what it needs before it starts its servers."""
    for name in (
        "THROTTLE_WINDOW_SECONDS",
        "THROTTLE_REPORTS_PER_ADDRESS",
        "THROTTLE_REPORTS_OVERALL",
        "THROTTLE_SIGN_INS_PER_ADDRESS",
        "THROTTLE_SIGN_INS_OVERALL",
        "REDIS_URL",
    ):
        monkeypatch.delenv(f"JOINTCREDIT_{name}", raising=False)
    monkeypatch.setenv("JOINTCREDIT_SELF_SERVICE_AUTHENTICATOR", "demo")
    get_settings.cache_clear()
    yield monkeypatch
    get_settings.cache_clear()


def use(monkeypatch: pytest.MonkeyPatch, **values: object) -> None:
    for name, value in values.items():
        monkeypatch.setenv(f"JOINTCREDIT_{name.upper()}", str(value))
    get_settings.cache_clear()


def steady_window(needed: float = 15.0) -> None:
    """Wait, if need be, until the current window has ``needed`` seconds left, so that a
    test's burst is counted in one window (they are aligned to the clock)."""
    window = get_settings().throttle_window_seconds
    left = window - time.time() % window
    if left < needed:
        time.sleep(left + 0.05)


def client(url: str, address: str = "127.0.0.1", **kw: Any) -> httpx.Client:
    return httpx.Client(
        base_url=url,
        transport=httpx.HTTPTransport(local_address=address),
        timeout=30,
        **kw,
    )


def report(n: int = 1) -> dict[str, Any]:
    return {
        "department": "NDRC",
        "subject": "91110101JC00000108",
        "subject_name": "测试1有限公司",
        "category": "contract-fraud",
        "description": f"涉嫌虚构交易骗取财政补贴（{n}）。",
        "reporter": {"name": "举报人", "contact": "13800000000"},
    }


def count(engine: Engine, action: str) -> int:
    with engine.connect() as conn:
        return int(
            conn.execute(
                select(func.count()).select_from(audit_log).where(audit_log.c.action == action)
            ).scalar_one()
        )


def reports_held(engine: Engine) -> int:
    with engine.connect() as conn:
        return int(conn.execute(select(func.count()).select_from(reports)).scalar_one())


def assert_refused_json(r: httpx.Response) -> None:
    assert r.status_code == 429, r.text
    assert r.json()["error"]["code"] == "too-many-requests"
    assert 1 <= int(r.headers["retry-after"]) <= get_settings().throttle_window_seconds


def pre_of(http: httpx.Client, page: str) -> str:
    found = _PRE.search(http.get(page).text)
    assert found, page
    return found.group(1)


# -- reports ---------------------------------------------------------------------------------------


def test_the_eleventh_report_from_one_address_is_refused_and_writes_nothing(
    db_url: str,
) -> None:
    with live_server(db_url) as api:
        steady_window()
        with client(api.url) as http:
            for n in range(10):
                r = http.post("/api/v1/reports", json=report(n))
                assert r.status_code == 201, r.text
            refused = http.post("/api/v1/reports", json=report(11))
            assert_refused_json(refused)
            # Refused again and again: still nothing written, and nothing counted further.
            for _ in range(5):
                assert http.post("/api/v1/reports", json=report(12)).status_code == 429
        assert reports_held(api.engine) == 10
        assert count(api.engine, "report-submit") == 10
        # Another address has its own allowance ...
        with client(api.url, "127.0.0.2") as other:
            assert other.post("/api/v1/reports", json=report(13)).status_code == 201
        # ... and a department's key is not counted at all.
        key = {"Authorization": f"Bearer {api.key('initiator')}"}
        with client(api.url, headers=key) as keyed:
            assert keyed.post("/api/v1/reports", json=report(14)).status_code == 201
        # A made-up key gets no way round the limit: 401, and nothing written.
        with client(api.url, headers={"Authorization": "Bearer jc_000000000000_x"}) as bad:
            assert bad.post("/api/v1/reports", json=report(15)).status_code == 401
        assert reports_held(api.engine) == 12
        # The table holds digests of addresses, never an address.
        with api.engine.connect() as conn:
            buckets = [b for (b,) in conn.execute(select(rate_counters.c.bucket))]
        assert buckets and not any("127.0.0" in b for b in buckets)


def test_the_limit_for_everyone_holds_whatever_the_address(
    sqlite_url: str, settings: pytest.MonkeyPatch
) -> None:
    use(settings, throttle_reports_overall=5)
    with live_server(sqlite_url) as api:
        steady_window()
        for n, address in enumerate(("127.0.0.2", "127.0.0.3", "127.0.0.4", "127.0.0.5") * 2):
            with client(api.url, address) as http:
                r = http.post("/api/v1/reports", json=report(n))
            assert r.status_code == (201 if n < 5 else 429), (n, r.text)
        assert reports_held(api.engine) == 5


def test_no_other_route_is_throttled(sqlite_url: str, settings: pytest.MonkeyPatch) -> None:
    use(settings, throttle_reports_per_address=1, throttle_sign_ins_per_address=1)
    with live_server(sqlite_url) as api:
        key = {"Authorization": f"Bearer {api.key('implementer')}"}
        params = {"subject": "110101198001010010", "matter": "enterprise-bond-issuance"}
        with client(api.url, headers=key) as http:
            for _ in range(30):
                assert http.get("/api/v1/check", params=params).status_code == 200
        with client(api.url) as http:
            for _ in range(30):
                assert http.get("/console/sign-in").status_code == 200
                assert http.get("/me").status_code == 200
                assert http.get("/api/v1/reports").status_code in (401, 403)
        with api.engine.connect() as conn:
            assert conn.execute(select(func.count()).select_from(rate_counters)).scalar_one() == 0


def test_openapi_documents_429_on_the_throttled_route_only(sqlite_url: str) -> None:
    with live_server(sqlite_url) as api:
        paths = httpx.get(api.url + "/api/v1/openapi.json").json()["paths"]
    assert "429" in paths["/api/v1/reports"]["post"]["responses"]
    assert "429" not in paths["/api/v1/reports"]["get"]["responses"]
    assert "429" not in paths["/api/v1/check"]["get"]["responses"]


# -- the sign-in forms -----------------------------------------------------------------------------


def test_the_21st_console_sign_in_is_a_readable_429_page_and_writes_nothing(
    db_url: str,
) -> None:
    with live_server(db_url) as api:
        staff.create(
            api.engine,
            username="zhang.wei",
            password=PASSWORD,
            department="NDRC",
            role="reviewer",
            by=OPERATOR,
        )
        steady_window()
        with client(api.url) as http:
            pre = pre_of(http, "/console/sign-in")
            for _ in range(20):
                r = http.post(
                    "/console/sign-in",
                    data={"username": "zhang.wei", "password": "wrong-password-1", "pre": pre},
                )
                assert r.status_code == 401, r.text
            failed = count(api.engine, "staff-sign-in-failed")
            assert failed == 20
            refused = http.post(
                "/console/sign-in?lang=en",
                data={"username": "zhang.wei", "password": PASSWORD, "pre": pre},
            )
        assert refused.status_code == 429
        assert 1 <= int(refused.headers["retry-after"]) <= 60
        assert refused.headers["content-type"].startswith("text/html")
        assert "Too many attempts" in refused.text and 'lang="en"' in refused.text
        assert "content-security-policy" in refused.headers  # the portal's headers too
        assert count(api.engine, "staff-sign-in-failed") == failed
        assert count(api.engine, "staff-sign-in") == 0


def test_the_21st_self_service_sign_in_is_refused_in_chinese(db_url: str) -> None:
    with live_server(db_url) as api:
        steady_window()
        with client(api.url) as http:
            pre = pre_of(http, "/me")
            for _ in range(20):
                r = http.post(
                    "/me/sign-in",
                    data={"identifier": "91110101JC00000108", "code": "AAAAAA", "pre": pre},
                )
                assert r.status_code == 401, r.text
            assert count(api.engine, "subject-sign-in-failed") == 20
            refused = http.post(
                "/me/sign-in",
                data={"identifier": "91110101JC00000108", "code": "AAAAAA", "pre": pre},
            )
        assert refused.status_code == 429
        assert int(refused.headers["retry-after"]) >= 1
        assert "尝试次数过多" in refused.text and 'lang="zh-CN"' in refused.text
        assert count(api.engine, "subject-sign-in-failed") == 20


def test_the_two_forms_count_apart(sqlite_url: str, settings: pytest.MonkeyPatch) -> None:
    use(settings, throttle_sign_ins_per_address=2)
    with live_server(sqlite_url) as api:
        steady_window()
        with client(api.url) as http:
            for _ in range(2):
                assert http.post("/console/sign-in", data={}).status_code != 429
            assert http.post("/console/sign-in", data={}).status_code == 429
            assert http.post("/me/sign-in", data={}).status_code != 429


# -- across processes ------------------------------------------------------------------------------


def test_servers_on_one_database_share_the_counts(db_url: str) -> None:
    with ExitStack() as stack:
        first = stack.enter_context(live_server(db_url))
        second = stack.enter_context(live_server(db_url))
        steady_window()
        answers = []
        for n in range(12):
            with client((first, second)[n % 2].url) as http:
                answers.append(http.post("/api/v1/reports", json=report(n)).status_code)
        assert answers == [201] * 10 + [429, 429]
        assert reports_held(first.engine) == 10


@contextmanager
def serve(database_url: str, data_dir: Path) -> Iterator[str]:
    """``jointcredit serve`` as a process of its own on ``database_url``; its base URL."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    env = {k: v for k, v in os.environ.items() if not k.startswith("JOINTCREDIT_")}
    env.update(JOINTCREDIT_DATA_DIR=str(data_dir), JOINTCREDIT_DATABASE_URL=database_url)
    process = subprocess.Popen(
        [
            str(Path(sys.executable).parent / "jointcredit"),
            *("serve", "--port", str(port), "--no-access-log", "--log-level", "warning"),
        ],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            if process.poll() is not None:
                pytest.fail(f"serve exited with {process.returncode}: {process.stderr.read()}")
            with suppress(httpx.TransportError):
                if httpx.get(f"{base}/api/v1/health", timeout=1).status_code == 200:
                    break
            if time.monotonic() > deadline:
                pytest.fail("serve did not answer /api/v1/health within 60 s")
            time.sleep(0.1)
        yield base
    finally:
        process.terminate()
        try:
            process.communicate(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()
            process.communicate()


def test_two_serve_processes_on_one_database_share_the_counts(db_url: str, tmp_path: Path) -> None:
    engine = open_registry(db_url)  # migrated once, before either process starts
    try:
        with serve(db_url, tmp_path) as first, serve(db_url, tmp_path) as second:
            steady_window(25)
            answers = []
            for n in range(12):
                with client((first, second)[n % 2]) as http:
                    answers.append(http.post("/api/v1/reports", json=report(n)).status_code)
        assert answers == [201] * 10 + [429, 429]
        assert reports_held(engine) == 10
        assert count(engine, "report-submit") == 10
    finally:
        engine.dispose()


def test_requests_at_once_are_counted_exactly(db_url: str) -> None:
    """Twenty reports from one address at the same moment, on two servers: the atomic upsert
    lets exactly ten through, however the requests interleave."""
    with ExitStack() as stack:
        servers = [stack.enter_context(live_server(db_url)) for _ in range(2)]
        steady_window(25)
        turn = iter(range(20))

        def post() -> int:
            n = next(turn)
            with client(servers[n % 2].url) as http:
                return http.post("/api/v1/reports", json=report(n)).status_code

        answers = at_once(post, threads=20)
        assert sorted(answers) == [201] * 10 + [429] * 10
        assert reports_held(servers[0].engine) == 10


#: CI sets it: a Redis that cannot be reached fails these tests instead of skipping them.
REQUIRE_REDIS = os.environ.get("JOINTCREDIT_REQUIRE_REDIS", "") not in ("", "0", "false")


def _no_redis(reason: str) -> None:
    if REQUIRE_REDIS:
        pytest.fail(reason + " (JOINTCREDIT_REQUIRE_REDIS is set)")
    pytest.skip(reason)


def redis_or_skip() -> Any:
    try:
        import redis
    except ImportError:
        _no_redis("the redis package is not installed (pip install 'jointcredit[redis]')")
    client = redis.Redis.from_url(REDIS_URL, socket_connect_timeout=1)
    try:
        client.ping()
    except redis.RedisError as exc:
        _no_redis(f"Redis not reachable at {REDIS_URL}: {exc}")
    return client


def test_with_redis_servers_share_the_counts_there(
    db_url: str, settings: pytest.MonkeyPatch
) -> None:
    redis_client = redis_or_skip()
    # Redis is shared by every test running at once: an address of this test's own, and no
    # limit for everyone (tested below on buckets of its own).
    address = f"127.{uuid.uuid4().int % 250 + 1}.{uuid.uuid4().int % 250}.{uuid.uuid4().int % 250}"
    use(settings, redis_url=REDIS_URL, throttle_reports_overall=0)
    with ExitStack() as stack:
        first = stack.enter_context(live_server(db_url))
        second = stack.enter_context(live_server(db_url))
        steady_window()
        answers = []
        for n in range(12):
            with client((first, second)[n % 2].url, address) as http:
                answers.append(http.post("/api/v1/reports", json=report(n)).status_code)
        assert answers == [201] * 10 + [429, 429]
        window = get_settings().throttle_window_seconds
        start = int(time.time() // window) * window
        key = f"jointcredit:throttle:reports:{throttle.address_key(address)}:{start}"
        assert int(redis_client.get(key)) == 10
        assert 0 < redis_client.ttl(key) <= 2 * window
        with first.engine.connect() as conn:
            assert conn.execute(select(func.count()).select_from(rate_counters)).scalar_one() == 0


def test_redis_counts_the_limit_for_everyone(sqlite_url: str) -> None:
    redis_or_skip()
    from jointcredit.store.throttle import DatabaseCounters, redis_counters

    engine = open_registry(sqlite_url)
    try:
        counters = redis_counters(REDIS_URL, DatabaseCounters(engine))
        rule = throttle.Rule(f"test-{uuid.uuid4().hex}", per_address=3, overall=5)
        now = (time.time() // 60) * 60 + 1
        got = [throttle.admit(counters, rule, f"192.0.2.{n % 4}", now=now) for n in range(8)]
        assert got[:5] == [None] * 5 and got[5:] == [59] * 3
    finally:
        engine.dispose()


def test_a_dead_redis_falls_back_on_the_database(
    sqlite_url: str, settings: pytest.MonkeyPatch
) -> None:
    pytest.importorskip("redis")
    use(settings, redis_url="redis://127.0.0.1:1/0", throttle_reports_per_address=2)
    with live_server(sqlite_url) as api:
        steady_window()
        with client(api.url) as http:
            got = [http.post("/api/v1/reports", json=report(n)).status_code for n in range(3)]
        assert got == [201, 201, 429]


def test_a_redis_setting_that_cannot_work_stops_the_start(settings: pytest.MonkeyPatch) -> None:
    pytest.importorskip("redis")
    from jointcredit.api.app import create_app

    use(settings, redis_url="not-a-redis-url")
    with pytest.raises(ConfigurationError, match="JOINTCREDIT_REDIS_URL"):
        create_app("sqlite://")


# -- lock-out --------------------------------------------------------------------------------------


def test_wrong_passwords_from_one_address_do_not_lock_the_account_for_another(
    db_url: str,
) -> None:
    limit = get_settings().web_login_max_failures
    with live_server(db_url) as api:
        staff.create(
            api.engine,
            username="li.na",
            password=PASSWORD,
            department="NDRC",
            role="initiator",
            by=OPERATOR,
        )

        def sign_in(address: str, password: str) -> int:
            with client(api.url, address) as http:
                pre = pre_of(http, "/console/sign-in")
                r = http.post(
                    "/console/sign-in",
                    data={"username": "li.na", "password": password, "pre": pre},
                )
                return r.status_code

        for _ in range(limit):
            assert sign_in("127.0.0.2", "wrong-password-1") == 401
        # The stranger's address is locked out, even with the right password ...
        assert sign_in("127.0.0.2", PASSWORD) == 401
        # ... the member at another address is not.
        assert sign_in("127.0.0.1", PASSWORD) == 303
        with api.engine.connect() as conn:
            whys = [
                d["why"]
                for (d,) in conn.execute(
                    select(audit_log.c.detail).where(audit_log.c.action == "staff-sign-in-failed")
                )
            ]
        assert whys == ["password"] * limit + ["locked"]


def test_the_lock_is_per_account_and_address_in_the_service(registry: Engine) -> None:
    staff.create(
        registry,
        username="wang.fang",
        password=PASSWORD,
        department="NDRC",
        role="initiator",
        by=OPERATOR,
    )
    limit = get_settings().web_login_max_failures
    for _ in range(limit):
        with pytest.raises(AuthenticationError):
            staff.sign_in(registry, "wang.fang", "wrong-password-1", address="198.51.100.7")
    with pytest.raises(AuthenticationError):
        staff.sign_in(registry, "wang.fang", PASSWORD, address="198.51.100.7")
    assert staff.sign_in(registry, "wang.fang", PASSWORD, address="203.0.113.9").token
    # A new password (or enabling the account) lifts every lock.
    staff.set_password(registry, "wang.fang", PASSWORD + "x", by=OPERATOR)
    assert staff.sign_in(registry, "wang.fang", PASSWORD + "x", address="198.51.100.7").token
