"""A webhook receiver on loopback for tests and benchmarks: a threaded HTTP server that records
every delivery (path, idempotency key, message id, body, whether the signature verifies) and
answers slowly or fails on demand."""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from jointcredit.security.webhooks import verify


@dataclass(frozen=True)
class Delivery:
    path: str
    key: str
    message_id: int
    event: str
    body: dict[str, Any]
    signature_ok: bool
    at: float


@dataclass
class Receiver:
    """What the server received, and how it answers: ``secrets`` per path (to verify),
    ``delay`` seconds before answering, ``fail`` (path, key) → how many attempts still get a
    500."""

    url: str
    secrets: dict[str, str] = field(default_factory=dict)
    delay: float = 0.0
    fail_first: int = 0
    status: int = 204
    #: Deliveries answered with 2xx; ``attempts`` counts every request.
    deliveries: list[Delivery] = field(default_factory=list)
    attempts: int = 0
    on_delivery: Callable[[Delivery], None] | None = None
    _failed: dict[str, int] = field(default_factory=dict)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def answer(self, path: str, headers: Any, raw: bytes) -> int:
        if self.delay:
            time.sleep(self.delay)
        key = headers.get("Idempotency-Key", "")
        secret = self.secrets.get(path)
        ok = secret is not None and verify(
            secret,
            headers.get("X-JointCredit-Timestamp", ""),
            raw,
            headers.get("X-JointCredit-Signature", ""),
        )
        body = json.loads(raw)
        with self._lock:
            tried = self._failed.get(key, 0)
            self.attempts += 1
            if tried < self.fail_first:
                self._failed[key] = tried + 1
                return 500
            if self.status >= 300:
                return self.status
            delivery = Delivery(
                path,
                key,
                int(headers.get("X-JointCredit-Message-Id", "0")),
                headers.get("X-JointCredit-Event", ""),
                body,
                ok,
                time.monotonic(),
            )
            self.deliveries.append(delivery)
        if self.on_delivery is not None:
            self.on_delivery(delivery)
        return self.status

    def count(self) -> int:
        with self._lock:
            return len(self.deliveries)

    def wait_for(self, n: int, timeout: float = 15.0) -> None:
        deadline = time.monotonic() + timeout
        while self.count() < n:
            if time.monotonic() > deadline:
                raise AssertionError(f"received {self.count()} deliveries, expected {n}")
            time.sleep(0.02)

    def keys(self) -> set[str]:
        with self._lock:
            return {d.key for d in self.deliveries}


@contextmanager
def receiver(**options: Any) -> Iterator[Receiver]:
    """A receiver on a free loopback port until the block ends."""
    holder: dict[str, Receiver] = {}

    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def do_POST(self) -> None:
            raw = self.rfile.read(int(self.headers.get("Content-Length", "0")))
            status = holder["r"].answer(self.path, self.headers, raw)
            self.send_response(status)
            self.send_header("Content-Length", "0")
            self.end_headers()

        def log_message(self, *_: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    made = holder["r"] = Receiver(f"http://127.0.0.1:{server.server_address[1]}", **options)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield made
    finally:
        server.shutdown()
        server.server_close()
