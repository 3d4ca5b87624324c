"""``GET /metrics`` on a real server (docs/metrics.md): off by default; on, the checks, imports,
deliveries the service made and the registry's state as the database holds it, on each backend.
"""

from __future__ import annotations

import datetime as dt
import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from prometheus_client import CONTENT_TYPE_LATEST
from prometheus_client.parser import text_string_to_metric_families
from tests.api.server import LiveServer, free_port, live_server
from tests.check.entries import entry
from tests.importing.rows import penalty_row, write_csv
from tests.push.outbox import announce, load_entries

from jointcredit.access import OPERATOR, Principal
from jointcredit.catalog import load_catalog
from jointcredit.importing.formats import PENALTIES
from jointcredit.services import delivery, keys, metrics, proposals, subscriptions
from jointcredit.services.registry import open_registry
from jointcredit.settings import get_settings
from jointcredit.store import audit as audit_store

MATTER = "enterprise-bond-issuance"
PERSON = "110101198001010010"

Samples = dict[tuple[str, frozenset[tuple[str, str]]], float]


def scrape(server: LiveServer) -> Samples:
    r = httpx.get(f"{server.url}/metrics", timeout=30)
    assert r.status_code == 200, r.text
    assert r.headers["content-type"] == CONTENT_TYPE_LATEST
    return {
        (s.name, frozenset(s.labels.items())): s.value
        for family in text_string_to_metric_families(r.text)
        for s in family.samples
    }


def value(samples: Samples, name: str, **labels: str) -> float:
    """The sample's value; 0 for one not exposed (a counter never incremented)."""
    return samples.get((name, frozenset(labels.items())), 0.0)


@pytest.fixture
def metrics_on(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    folder = tmp_path / "metrics"
    monkeypatch.setenv("JOINTCREDIT_METRICS", "true")
    monkeypatch.setenv("JOINTCREDIT_METRICS_DIR", str(folder))
    monkeypatch.setenv("JOINTCREDIT_WEBHOOK_KEY_FILE", str(tmp_path / "webhook-secrets.key"))
    monkeypatch.setenv("JOINTCREDIT_WEBHOOK_MAX_ATTEMPTS", "1")
    monkeypatch.setenv("JOINTCREDIT_WEBHOOK_TIMEOUT_SECONDS", "2")
    get_settings.cache_clear()
    yield folder
    metrics.disable()
    monkeypatch.undo()
    get_settings.cache_clear()


@pytest.fixture
def metered(db_url: str, metrics_on: Path) -> Iterator[LiveServer]:
    with live_server(db_url) as server:
        yield server


def test_off_by_default_there_is_no_metrics_route(sqlite_api: LiveServer) -> None:
    assert not get_settings().metrics
    assert httpx.get(f"{sqlite_api.url}/metrics").status_code == 404
    assert not metrics.enabled()


def test_checks_are_counted_by_matter_and_outcome_with_their_latency(
    metered: LiveServer,
) -> None:
    before = scrape(metered)
    params = {"subject": PERSON, "matter": MATTER}
    for _ in range(3):
        assert metered.get("/check", "implementer", params=params).status_code == 200
    bad = metered.get("/check", "implementer", params=params | {"subject": "110101198001010011"})
    assert bad.status_code == 422, bad.text
    unknown = metered.get("/check", "implementer", params=params | {"matter": "no-such-matter"})
    assert unknown.status_code == 422, unknown.text
    assert metered.get("/check", "initiator", params=params).status_code == 403

    after = scrape(metered)

    def grew(name: str, **labels: str) -> float:
        return value(after, name, **labels) - value(before, name, **labels)

    assert grew("jointcredit_checks_total", matter=MATTER, outcome="clear") == 3
    assert grew("jointcredit_checks_total", matter=MATTER, outcome="invalid") == 1
    assert grew("jointcredit_checks_total", matter="unknown", outcome="invalid") == 1
    assert grew("jointcredit_checks_total", matter=MATTER, outcome="denied") == 1
    assert grew("jointcredit_check_seconds_count", matter=MATTER) == 3
    assert 0 < grew("jointcredit_check_seconds_sum", matter=MATTER) < 30
    assert value(after, "jointcredit_check_seconds_bucket", matter=MATTER, le="+Inf") == 3
    # The look-ups were audited, and the audit rows are the log's, counted from its head.
    with metered.engine.connect() as conn:
        rows = audit_store.count(conn)
    assert rows >= 3
    assert value(after, "jointcredit_audit_rows") == rows
    last = value(after, "jointcredit_audit_last_entry_timestamp_seconds")
    assert abs(last - dt.datetime.now(dt.UTC).timestamp()) < 600
    assert value(after, "jointcredit_database_up") == 1
    # A scrape reads no subject and is not audited itself.
    with metered.engine.connect() as conn:
        assert audit_store.count(conn) == rows


def test_an_upload_counts_its_rows_and_rejects(metered: LiveServer, tmp_path: Path) -> None:
    ndrc = load_catalog().departments["NDRC"].name_zh
    rows = [
        penalty_row(21) | {"CF_SJLY": ndrc},
        penalty_row(22) | {"CF_SJLY": ndrc},
        penalty_row(23, CF_NR_FK="-1") | {"CF_SJLY": ndrc},  # a negative fine: rejected
    ]
    path = write_csv(tmp_path / "penalties.csv", rows, PENALTIES)
    with path.open("rb") as f:
        r = metered.post("/imports/penalties", "initiator", files={"file": (path.name, f)})
    assert r.status_code == 200, r.text
    assert (r.json()["accepted"], r.json()["rejected_rows"]) == (2, 1)

    samples = scrape(metered)
    imports = "jointcredit_imports_total"
    assert value(samples, imports, kind="penalty", format="csv", outcome="finished") == 1
    assert value(samples, "jointcredit_import_rows_total", kind="penalty", result="accepted") == 2
    assert value(samples, "jointcredit_import_rows_total", kind="penalty", result="rejected") == 1


def test_outbox_depth_lag_and_failed_deliveries_per_department(
    metered: LiveServer, tmp_path: Path
) -> None:
    # NDRC's webhook listens nowhere; MPS has none (it reads the feed: nothing undelivered).
    url = f"http://127.0.0.1:{free_port()}/hook"
    subscriptions.subscribe(metered.engine, "NDRC", url, by=OPERATOR)
    records = load_entries(metered.engine, tmp_path, range(1, 4))
    announce(metered.engine, records, {"NDRC", "MPS"})

    waiting = scrape(metered)
    depth = "jointcredit_outbox_undelivered_messages"
    assert value(waiting, depth, department="NDRC", state="pending") == 3
    assert (depth, frozenset({("department", "MPS"), ("state", "pending")})) not in waiting
    lag = waiting[
        ("jointcredit_outbox_oldest_undelivered_age_seconds", frozenset({("department", "NDRC")}))
    ]
    assert 0 <= lag < 600

    # One attempt allowed (JOINTCREDIT_WEBHOOK_MAX_ATTEMPTS=1): the refused ones fail.
    stats = delivery.deliver_once(metered.engine)
    assert stats.failed == 3
    failed = scrape(metered)
    assert value(failed, depth, department="NDRC", state="failed") == 3
    assert value(failed, depth, department="NDRC", state="pending") == 0
    assert value(failed, "jointcredit_deliveries_total", department="NDRC", outcome="failed") == 3


def test_overdue_cases_by_kind_and_department(metered: LiveServer) -> None:
    initiator = Principal("initiator", "SPC", key_id=101)
    long_ago = dt.datetime(2026, 9, 30, 2, 0, tzinfo=dt.UTC)
    proposals.submit(
        metered.engine, proposals.Request("create", entry=entry(95)), by=initiator, now=long_ago
    )
    proposals.submit(metered.engine, proposals.Request("create", entry=entry(96)), by=initiator)
    samples = scrape(metered)
    assert value(samples, "jointcredit_overdue_cases", kind="proposal", department="SPC") == 1
    assert value(samples, "jointcredit_overdue_cases", kind="objection", department="SPC") == 0


# -- several processes: `jointcredit serve --workers 2` and `jointcredit worker` -----------------

SCRIPT = Path(sys.executable).with_name("jointcredit")


def _pids(folder: Path, prefix: str) -> set[int]:
    return {int(f.stem.rsplit("_", 1)[1]) for f in folder.glob(f"{prefix}_*.db")}


def test_serve_with_two_workers_adds_up_every_process(tmp_path: Path) -> None:
    database = f"sqlite:///{tmp_path}/registry.sqlite3"
    engine = open_registry(database)
    try:
        key = keys.create(engine, department="NDRC", role="implementer", by=OPERATOR).key
    finally:
        engine.dispose()
    env = {k: v for k, v in os.environ.items() if not k.startswith("JOINTCREDIT_")}
    env |= {
        "JOINTCREDIT_DATA_DIR": str(tmp_path),
        "JOINTCREDIT_DATABASE_URL": database,
        "JOINTCREDIT_METRICS": "true",
    }
    env.pop(metrics.ENV, None)
    folder = tmp_path / "metrics"  # the default: metrics/ in the data directory
    # What an earlier run left: five checks of a process that has ended. Not counted again.
    stale = subprocess.run(
        [
            sys.executable,
            "-c",
            "import sys; from pathlib import Path; from jointcredit.services import metrics;"
            "metrics.enable(Path(sys.argv[1]));"
            f"[metrics.record_check({MATTER!r}, 'clear', 0.001) for _ in range(5)]",
            str(folder),
        ],
        env=env,
        check=True,
    )
    assert stale.returncode == 0 and _pids(folder, "counter")
    left = _pids(folder, "counter")

    port = free_port()
    base = f"http://127.0.0.1:{port}"
    process = subprocess.Popen(
        [str(SCRIPT), "serve", "--port", str(port), "--workers", "2", "--no-access-log"],
        env=env,
        cwd=tmp_path,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        deadline = time.monotonic() + 60
        while True:
            assert process.poll() is None, process.communicate()
            try:
                if httpx.get(f"{base}/api/v1/health", timeout=1).status_code == 200:
                    break
            except httpx.TransportError:
                pass
            assert time.monotonic() < deadline, "serve did not answer /health within 60 s"
            time.sleep(0.1)
        assert not _pids(folder, "counter") & left, "the ended process's counts were kept"

        # Each check on a new connection, until both workers have answered some.
        checks = 0
        headers = {"Authorization": f"Bearer {key}"}
        params = {"subject": PERSON, "matter": MATTER}
        while checks < 10 or (len(_pids(folder, "counter")) < 2 and checks < 1000):
            r = httpx.get(f"{base}/api/v1/check", params=params, headers=headers, timeout=30)
            assert r.status_code == 200, r.text
            checks += 1
        assert len(_pids(folder, "counter")) == 2, f"one worker answered all {checks} checks"

        worker = subprocess.run(
            [str(SCRIPT), "worker", "--once"], env=env, cwd=tmp_path, capture_output=True
        )
        assert worker.returncode == 0, worker.stderr

        for _ in range(4):  # whichever worker answers the scrape, the same sums
            r = httpx.get(f"{base}/metrics", timeout=30)
            assert r.status_code == 200
            samples = {
                (s.name, frozenset(s.labels.items())): s.value
                for family in text_string_to_metric_families(r.text)
                for s in family.samples
            }
            assert value(samples, "jointcredit_checks_total", matter=MATTER, outcome="clear") == (
                checks
            )
            assert value(samples, "jointcredit_check_seconds_count", matter=MATTER) == checks
            assert value(samples, "jointcredit_worker_rounds_total", result="ok") == 1
            assert value(samples, "jointcredit_audit_rows") >= checks
    finally:
        process.send_signal(signal.SIGINT)
        out, err = process.communicate(timeout=30)
    assert process.returncode == 0, err
    assert f"{base}/metrics" in out
