"""Push delivery: latency from an approved change to its webhook, and throughput to 100
departments.

1. *latency*: a fresh registry, department NDRC subscribed to a receiver on loopback, one
   ``jointcredit worker`` process running (``--interval`` as given: the pause after an idle
   round, which bounds how soon a new message is seen). ``--changes`` times: in one
   transaction write a new judgment-defaulter list entry (validated as an import validates it)
   and ``push.emit`` its ``entry.listed`` messages (23 implementing departments; NDRC's is
   pending, the others feed only), commit, and time until the receiver has NDRC's message
   (signature verified). A random pause of 0-50 ms separates the changes.
2. *throughput*: 100 departments (synthetic codes D001-D100, subscriptions written directly,
   secrets sealed as usual), each with its own path on one of two loopback receivers (threaded
   ``http.server``, verifying every signature, answering 204); ``--messages`` pending messages
   (round robin over the departments, the payload of a real ``entry.listed``) inserted into the
   outbox; then 1 and then 2 ``jointcredit worker`` processes deliver them all (the states reset
   to pending between runs). Rate = messages / (last arrival - first arrival); the wall time
   from starting the workers (start-up included) is given too.

    .venv/bin/python bench/push.py                                   # ~3 min
    .venv/bin/python bench/push.py --changes 20 --messages 2000      # smoke test, ~30 s
    .venv/bin/python bench/push.py --database postgresql+psycopg://postgres@127.0.0.1:5432/test

With --database the given (empty or jointcredit) database is used and its outbox, subscriptions
and the bench's entries are left behind; by default SQLite files in /tmp/jcbench-push/.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import random
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

from _common import ROOT, log, machine_info, median, percentile, save_result, table, warn_if_busy

sys.path.insert(0, str(ROOT))

from tests.check.entries import entry

from jointcredit.access import OPERATOR
from jointcredit.clock import now as clock_now
from jointcredit.security.webhooks import verify
from jointcredit.services import push, subscriptions
from jointcredit.services.imports import make_validator
from jointcredit.services.registry import open_registry
from jointcredit.services.validation import _cell
from jointcredit.store import records
from jointcredit.store import subscriptions as subscription_store
from jointcredit.store.bulk import insert_rows
from jointcredit.store.db import write_transaction
from jointcredit.store.tables import messages

SCRATCH = Path(os.environ.get("JCBENCH_PUSH_DIR", "/tmp/jcbench-push"))
SCRIPT = Path(sys.executable).with_name("jointcredit")


class Receiver:
    """Records arrival times by message id; verifies signatures with the path's secret."""

    def __init__(self) -> None:
        self.secrets: dict[str, str] = {}
        self.arrived: dict[int, float] = {}
        self.bad = 0
        self.count = 0
        self.lock = threading.Lock()
        self.cond = threading.Condition(self.lock)

    def handle(self, path: str, headers: Any, raw: bytes) -> None:
        ok = verify(
            self.secrets.get(path, ""),
            headers.get("X-JointCredit-Timestamp", ""),
            raw,
            headers.get("X-JointCredit-Signature", ""),
        )
        at = time.monotonic()
        message_id = int(headers.get("X-JointCredit-Message-Id", "0"))
        with self.cond:
            self.count += 1
            self.bad += not ok
            self.arrived.setdefault(message_id, at)
            self.cond.notify_all()

    def wait_for(self, message_id: int, timeout: float) -> float:
        with self.cond:
            if not self.cond.wait_for(lambda: message_id in self.arrived, timeout):
                raise TimeoutError(f"message {message_id} did not arrive in {timeout} s")
            return self.arrived[message_id]


@contextmanager
def serving(receiver: Receiver) -> Iterator[str]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def do_POST(self) -> None:
            raw = self.rfile.read(int(self.headers.get("Content-Length", "0")))
            receiver.handle(self.path, self.headers, raw)
            self.send_response(204)
            self.send_header("Content-Length", "0")
            self.end_headers()

        def log_message(self, *_: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    server.request_queue_size = 128
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()


@contextmanager
def workers(url: str, n: int, env: dict[str, str], interval: float) -> Iterator[None]:
    procs = [
        subprocess.Popen(
            [str(SCRIPT), "worker", "--database", url, "--interval", str(interval)],
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
            text=True,
        )
        for _ in range(n)
    ]
    try:
        yield
    finally:
        for p in procs:
            p.send_signal(signal.SIGTERM)
        for p in procs:
            _, err = p.communicate(timeout=60)
            if p.returncode != 0:
                log(f"worker exited with {p.returncode}: {err[-2000:]}")


def _env(key_file: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("JOINTCREDIT_")}
    env["JOINTCREDIT_WEBHOOK_KEY_FILE"] = str(key_file)
    return env


def _fresh(url: str | None, name: str) -> str:
    if url:
        return url
    SCRATCH.mkdir(parents=True, exist_ok=True)
    path = SCRATCH / f"{name}.sqlite3"
    for suffix in ("", "-wal", "-shm"):
        Path(str(path) + suffix).unlink(missing_ok=True)
    return f"sqlite:///{path}"


def approved_change(engine: Any, serial: int, today: dt.date) -> int:
    """Write one list entry and its messages in one transaction; NDRC's message id."""
    cells = {k: _cell(v) for k, v in entry(serial, valid_until="2099-12-31").items()}
    draft = make_validator("list-entry", today).validate(1, cells)
    assert not isinstance(draft, list), draft
    now = clock_now()
    with write_transaction(engine) as conn:
        records.write_records(
            conn, [draft], job_id=None, actor="bench", source_system="bench", now=now
        )
        found = records.record_by_natural_key(conn, draft.natural_key)
        assert found is not None
        ids = push.emit(conn, found["id"], "entry.listed", now=now)
        ndrc = conn.execute(
            messages.select()
            .with_only_columns(messages.c.id)
            .where(messages.c.id.in_(ids), messages.c.department == "NDRC")
        ).scalar_one()
    return int(ndrc)


def latency(args: argparse.Namespace, interval: float, changes: int) -> dict[str, Any]:
    os.environ["JOINTCREDIT_WEBHOOK_KEY_FILE"] = str(SCRATCH / "webhook.key")
    url = _fresh(args.database, f"latency-{interval}")
    engine = open_registry(url)
    receiver = Receiver()
    samples: list[float] = []
    today = dt.date.today()
    with serving(receiver) as base:
        made = subscriptions.subscribe(engine, "NDRC", f"{base}/NDRC", by=OPERATOR)
        receiver.secrets["/NDRC"] = made.secret or ""
        approved_change(engine, 500_000, today)  # warm-up: the worker's first delivery
        with workers(url, 1, _env(SCRATCH / "webhook.key"), interval):
            time.sleep(2.0)
            for i in range(changes):
                time.sleep(random.uniform(0, 0.05))
                start = time.monotonic()
                message_id = approved_change(engine, 500_001 + i, today)
                samples.append((receiver.wait_for(message_id, 60) - start) * 1000)
    engine.dispose()
    return {
        "interval_s": interval,
        "changes": changes,
        "median_ms": round(median(samples), 1),
        "p95_ms": round(percentile(samples, 95), 1),
        "max_ms": round(max(samples), 1),
        "bad_signatures": receiver.bad,
    }


def _payload(engine: Any) -> dict[str, Any]:
    approved_change(engine, 499_999, dt.date.today())
    with engine.connect() as conn:
        payload: dict[str, Any] = conn.execute(
            messages.select().with_only_columns(messages.c.payload).limit(1)
        ).scalar_one()
    return payload


def throughput(args: argparse.Namespace) -> list[dict[str, Any]]:
    os.environ["JOINTCREDIT_WEBHOOK_KEY_FILE"] = str(SCRATCH / "webhook.key")
    url = _fresh(args.database, "throughput")
    engine = open_registry(url)
    payload = _payload(engine)
    with engine.connect() as conn:
        record_id = conn.execute(messages.select().with_only_columns(messages.c.record_id)).scalar()
    departments = [f"D{i:03d}" for i in range(1, args.departments + 1)]
    receivers = [Receiver(), Receiver()]
    results = []
    with serving(receivers[0]) as base0, serving(receivers[1]) as base1:
        now = clock_now()
        with write_transaction(engine) as conn:
            conn.execute(messages.delete())
            for i, d in enumerate(departments):
                secret = f"bench-secret-{d}-" + "x" * 20
                receivers[i % 2].secrets[f"/{d}"] = secret
                subscription_store.add(
                    conn,
                    {
                        "department": d,
                        "url": f"{(base0, base1)[i % 2]}/{d}",
                        "secret_ciphertext": subscriptions.sealer().seal(
                            secret, subscriptions._context(d)
                        ),
                        "list_types": [],
                        "active": True,
                        "created_at": now,
                        "updated_at": now,
                    },
                )
            rows = []
            for n in range(args.messages):
                d = departments[n % len(departments)]
                key = f"bench-{n}"
                rows.append(
                    {
                        "department": d,
                        "event": "entry.listed",
                        "reason": None,
                        "record_id": record_id,
                        "record_version": 1,
                        "subject": payload["entry"]["subject"]["identifier"],
                        "list_type": "judgment-defaulters",
                        "idempotency_key": key,
                        "payload": {**payload, "department": d, "idempotency_key": key},
                        "created_at": now,
                        "state": "pending",
                        "attempts": 0,
                        "next_attempt_at": now,
                    }
                )
            insert_rows(conn, messages, rows)
        for n_workers in args.workers:
            with write_transaction(engine) as conn:
                conn.execute(
                    messages.update().values(
                        state="pending", attempts=0, delivered_at=None, next_attempt_at=clock_now()
                    )
                )
            for r in receivers:
                r.arrived.clear()
                r.count = r.bad = 0
            started = time.monotonic()
            with workers(url, n_workers, _env(SCRATCH / "webhook.key"), 0.2):
                while sum(len(r.arrived) for r in receivers) < args.messages:
                    time.sleep(0.05)
                    if time.monotonic() - started > 1800:
                        raise TimeoutError("throughput run took over 30 minutes")
                ended = time.monotonic()
            arrivals = [t for r in receivers for t in r.arrived.values()]
            span = max(arrivals) - min(arrivals)
            results.append(
                {
                    "workers": n_workers,
                    "departments": len(departments),
                    "messages": args.messages,
                    "messages_per_s": round(args.messages / span, 1),
                    "wall_s": round(ended - started, 2),
                    "requests": sum(r.count for r in receivers),
                    "bad_signatures": sum(r.bad for r in receivers),
                }
            )
            log(f"{n_workers} worker(s): {results[-1]}")
    engine.dispose()
    return results


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--changes", type=int, default=200, help="changes timed (latency)")
    parser.add_argument(
        "--intervals",
        type=float,
        nargs="+",
        default=[0.1, 2.0],
        help="worker --interval values for the latency runs (2.0 is the default setting)",
    )
    parser.add_argument("--messages", type=int, default=20_000)
    parser.add_argument("--departments", type=int, default=100)
    parser.add_argument("--workers", type=int, nargs="+", default=[1, 2])
    parser.add_argument("--database", help="SQLAlchemy URL instead of fresh SQLite files")
    parser.add_argument("--only", choices=("latency", "throughput"))
    args = parser.parse_args()
    SCRATCH.mkdir(parents=True, exist_ok=True)
    machine = machine_info()
    load = warn_if_busy()
    backend = "postgresql" if args.database and "postgres" in args.database else "sqlite"
    out: dict[str, Any] = {"load_average_at_start": load, "backend": backend}
    if args.only in (None, "latency"):
        out["latency"] = [
            latency(args, interval, args.changes if interval < 1 else max(20, args.changes // 5))
            for interval in args.intervals
        ]
        print(
            table(
                ["worker interval s", "changes", "median ms", "p95 ms", "max ms"],
                [
                    [r["interval_s"], r["changes"], r["median_ms"], r["p95_ms"], r["max_ms"]]
                    for r in out["latency"]
                ],
            )
        )
    if args.only in (None, "throughput"):
        out["throughput"] = throughput(args)
        print(
            table(
                ["workers", "departments", "messages", "messages/s", "wall s", "requests"],
                [
                    [
                        r["workers"],
                        r["departments"],
                        r["messages"],
                        r["messages_per_s"],
                        r["wall_s"],
                        r["requests"],
                    ]
                    for r in out["throughput"]
                ],
            )
        )
    key = {
        "changes": args.changes,
        "intervals": args.intervals,
        "messages": args.messages,
        "departments": args.departments,
        "workers": args.workers,
        "backend": backend,
        "only": args.only,
    }
    path = save_result("push", key, out, machine)
    print(json.dumps(out, indent=2))
    log(f"saved to {path}")


if __name__ == "__main__":
    main()
