"""An import killed with ``kill -9`` shows ``interrupted`` with the rows it committed, and its
reader process dies with it (issue 14, item 9).

The real ``jointcredit import`` command on a large generated file (``jointcredit generate``),
its reader in a child process; the real ``kill -9``; then ``jointcredit import jobs --json``,
on SQLite and PostgreSQL. No process of the import may be left (checked in /proc).
"""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select, update

from jointcredit.services.imports import reap_interrupted
from jointcredit.services.registry import open_registry
from jointcredit.store.tables import credit_records, import_jobs

SCRIPT = Path(sys.executable).with_name("jointcredit")

pytestmark = pytest.mark.skipif(not Path("/proc/self/stat").exists(), reason="needs /proc")


def _env(tmp_path: Path, db_url: str, **extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("JOINTCREDIT_")}
    return env | {
        "JOINTCREDIT_DATA_DIR": str(tmp_path / "data"),
        "JOINTCREDIT_DATABASE_URL": db_url,
        **extra,
    }


@pytest.fixture(scope="module")
def big_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("files")
    subprocess.run(
        [str(SCRIPT), "generate", str(out), "--penalties", "30000", "--licensing", "0"],
        check=True,
        capture_output=True,
        env={k: v for k, v in os.environ.items() if not k.startswith("JOINTCREDIT_")}
        | {"JOINTCREDIT_DATA_DIR": str(out / "data")},
        timeout=300,
    )
    return out / "penalties.csv"


def _children(pid: int) -> dict[int, str]:
    """pid → start time (clock ticks since boot) of every process whose parent is ``pid``."""
    found: dict[int, str] = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            fields = (entry / "stat").read_text().rpartition(")")[2].split()
        except OSError:
            continue
        if int(fields[1]) == pid:
            found[int(entry.name)] = fields[19]
    return found


def _alive(pid: int, started: str) -> bool:
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rpartition(")")[2].split()
    except OSError:
        return False
    return fields[19] == started and fields[0] not in ("Z", "X")


def _jobs(tmp_path: Path, db_url: str) -> list[dict[str, Any]]:
    run = subprocess.run(
        [str(SCRIPT), "import", "jobs", "--json"],
        env=_env(tmp_path, db_url),
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert run.returncode == 0, run.stderr
    jobs: list[dict[str, Any]] = json.loads(run.stdout)
    return jobs


def test_kill_9_leaves_an_interrupted_job_and_no_reader(
    db_url: str, tmp_path: Path, big_file: Path
) -> None:
    engine = open_registry(db_url)
    importer = subprocess.Popen(
        [str(SCRIPT), "import", "penalties", str(big_file), "--json"],
        env=_env(
            tmp_path,
            db_url,
            JOINTCREDIT_IMPORT_WORKERS="1",
            JOINTCREDIT_IMPORT_BATCH_SIZE="1000",
        ),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        # Wait until a few batches are committed and the reader runs.
        deadline = time.monotonic() + 120
        committed = 0
        while time.monotonic() < deadline:
            with engine.connect() as conn:
                committed = conn.execute(
                    select(func.coalesce(func.sum(import_jobs.c.accepted), 0))
                ).scalar_one()
            if committed >= 2000:
                break
            assert importer.poll() is None, "the import ended before it could be killed"
            time.sleep(0.2)
        assert committed >= 2000, "no batch was committed in time"
        children = _children(importer.pid)
        assert children, "the import runs its reader in a child process"
        os.kill(importer.pid, signal.SIGKILL)
        importer.wait(timeout=30)
    finally:
        if importer.poll() is None:  # pragma: no cover - only when an assertion failed above
            importer.kill()
            importer.wait()

    # Every process the import started ends with it, without anyone's help.
    deadline = time.monotonic() + 15
    while time.monotonic() < deadline and any(_alive(p, s) for p, s in children.items()):
        time.sleep(0.1)
    left = [p for p, s in children.items() if _alive(p, s)]
    assert not left, f"processes of the killed import are left: {left}"

    [job] = _jobs(tmp_path, db_url)
    assert job["status"] == "interrupted", job
    assert job["kind"] == "penalty" and job["source"].endswith("penalties.csv")
    assert job["pid"] == importer.pid and job["finished_at"] is not None
    assert "ended without finishing" in job["message"]
    with engine.connect() as conn:
        written = conn.execute(
            select(func.count())
            .select_from(credit_records)
            .where(credit_records.c.import_job_id == job["id"])
        ).scalar_one()
    # The counts are those of the committed batches, kept in the transaction of each batch.
    assert job["committed"] >= 2000
    assert 0 < written <= job["accepted"] + job["updated"]
    assert job["rows"] >= job["committed"]
    for key in ("id", "kind", "source", "status", "rows", "accepted", "rejected", "started_at"):
        assert key in job

    # Importing the file again finishes the job's work; the interrupted job stays as it was.
    again = subprocess.run(
        [str(SCRIPT), "import", "penalties", str(big_file), "--json"],
        env=_env(tmp_path, db_url),
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    assert again.returncode == 0, again.stderr
    assert json.loads(again.stdout)["duplicates"] >= job["committed"]
    statuses = [j["status"] for j in _jobs(tmp_path, db_url)]
    assert statuses == ["finished", "interrupted"]
    engine.dispose()


def test_a_job_of_another_host_is_interrupted_only_once_silent(registry: Any) -> None:
    """Of another host only the heartbeat tells: a job silent for longer than
    JOINTCREDIT_IMPORT_STALE_SECONDS is interrupted, a recent one is left running."""
    import datetime as dt

    now = dt.datetime.now(dt.UTC)
    with registry.begin() as conn:
        for beat in (now - dt.timedelta(hours=2), now - dt.timedelta(seconds=30)):
            conn.execute(
                import_jobs.insert().values(
                    kind="penalty",
                    source_name="p.csv",
                    started_at=beat,
                    heartbeat_at=beat,
                    status="running",
                    pid=1,
                    host="another-host.example",
                )
            )
    assert reap_interrupted(registry) == [1]
    with registry.connect() as conn:
        statuses = dict(conn.execute(select(import_jobs.c.id, import_jobs.c.status)).all())
    assert statuses == {1: "interrupted", 2: "running"}
    # A job on this host whose pid is a later process (pid reuse) is gone as well.
    with registry.begin() as conn:
        conn.execute(
            update(import_jobs)
            .where(import_jobs.c.id == 2)
            .values(
                host=socket.gethostname(), pid=os.getpid(), started_at=now - dt.timedelta(days=9)
            )
        )
    assert reap_interrupted(registry) == [2]
