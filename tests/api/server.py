"""A real jointcredit HTTP server on loopback for tests: uvicorn in a thread, a free port."""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

import httpx
import uvicorn
from sqlalchemy import Engine

from jointcredit.access import OPERATOR
from jointcredit.api.app import create_app
from jointcredit.services import keys
from jointcredit.services.registry import open_registry


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


@dataclass
class LiveServer:
    """A running server: its base URL, its registry, and keys made on demand."""

    url: str
    database_url: str
    engine: Engine
    _keys: dict[tuple[str, str], str] = field(default_factory=dict)

    def key(self, role: str, department: str = "NDRC") -> str:
        """A key (cached per role and department) for ``role`` acting for ``department``."""
        found = self._keys.get((role, department))
        if found is None:
            issued = keys.create(
                self.engine, department=department, role=role, name="test", by=OPERATOR
            )
            found = self._keys[(role, department)] = issued.key
        return found

    def client(self, role: str | None = None, department: str = "NDRC") -> httpx.Client:
        headers = {"Authorization": f"Bearer {self.key(role, department)}"} if role else {}
        return httpx.Client(base_url=self.url + "/api/v1", headers=headers, timeout=30)

    def get(
        self, path: str, role: str | None = None, department: str = "NDRC", **kw: Any
    ) -> httpx.Response:
        with self.client(role, department) as c:
            return c.get(path, **kw)

    def post(
        self, path: str, role: str | None = None, department: str = "NDRC", **kw: Any
    ) -> httpx.Response:
        with self.client(role, department) as c:
            return c.post(path, **kw)


@contextmanager
def live_server(database_url: str) -> Iterator[LiveServer]:
    engine = open_registry(database_url)
    port = free_port()
    config = uvicorn.Config(
        create_app(database_url),
        host="127.0.0.1",
        port=port,
        log_level="warning",
        access_log=False,
        lifespan="on",
    )
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not server.started:
        if not thread.is_alive() or time.monotonic() > deadline:
            raise RuntimeError("the test server did not start")
        time.sleep(0.02)
    try:
        yield LiveServer(f"http://127.0.0.1:{port}", database_url, engine)
    finally:
        server.should_exit = True
        thread.join(timeout=10)
        engine.dispose()
