"""Group commit for the audit log of a busy server process.

Every check writes an audit row before it is answered. Written one transaction per request,
concurrent requests queue on the database's write lock (on SQLite through a sleeping busy
handler), and a server answers a few hundred checks a second. Here one thread writes: a
request hands over its rows and waits; the writer takes every row waiting, writes them in one
transaction, and wakes each request with its row ids. The guarantee is unchanged: no answer
leaves before its audit row is committed, and a request whose row cannot be written fails.
"""

from __future__ import annotations

import asyncio
import queue
import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

from sqlalchemy import Engine

from jointcredit.access import Principal
from jointcredit.services import audit
from jointcredit.store.db import write_transaction


@dataclass(eq=False)
class _Pending:
    by: Principal
    events: Sequence[audit.Event]
    done: threading.Event = field(default_factory=threading.Event)
    ids: list[int] = field(default_factory=list)
    error: BaseException | None = None
    #: Called in the writer thread once the rows are committed (or failed).
    notify: Callable[[], None] | None = None


class AuditWriter:
    """One writer thread per process; :meth:`record` has the signature of
    :func:`jointcredit.services.audit.record` without the engine."""

    def __init__(self, engine: Engine, *, max_batch: int = 1000):
        self._engine = engine
        self._max_batch = max_batch
        self._queue: queue.SimpleQueue[_Pending | None] = queue.SimpleQueue()
        self._thread = threading.Thread(target=self._run, name="audit-writer", daemon=True)
        self._closed = False
        self._thread.start()

    def record(self, by: Principal, events: Sequence[audit.Event]) -> list[int]:
        if self._closed:
            raise RuntimeError("the audit writer is closed")
        pending = _Pending(by, list(events))
        self._queue.put(pending)
        pending.done.wait()
        if pending.error is not None:
            raise pending.error
        return pending.ids

    async def record_async(self, by: Principal, events: Sequence[audit.Event]) -> list[int]:
        """:meth:`record` for a coroutine: waits without holding a thread."""
        if self._closed:
            raise RuntimeError("the audit writer is closed")
        loop = asyncio.get_running_loop()
        future: asyncio.Future[None] = loop.create_future()

        def wake() -> None:
            loop.call_soon_threadsafe(_resolve, future)

        pending = _Pending(by, list(events), notify=wake)
        self._queue.put(pending)
        await future
        if pending.error is not None:
            raise pending.error
        return pending.ids

    def close(self) -> None:
        if not self._closed:
            self._closed = True
            self._queue.put(None)
            self._thread.join(timeout=30)

    def _run(self) -> None:
        stop = False
        while not stop:
            first = self._queue.get()
            if first is None:
                return
            batch = [first]
            while len(batch) < self._max_batch:
                try:
                    item = self._queue.get_nowait()
                except queue.Empty:
                    break
                if item is None:
                    stop = True
                    break
                batch.append(item)
            self._write(batch)

    def _write(self, batch: list[_Pending]) -> None:
        try:
            with write_transaction(self._engine) as conn:
                written = audit.append_groups(conn, [(p.by, p.events) for p in batch])
            for pending, ids in zip(batch, written, strict=True):
                pending.ids = ids
        except Exception:
            # One request's bad row must not fail the others: write them one by one.
            for pending in batch:
                try:
                    with write_transaction(self._engine) as conn:
                        pending.ids = audit.append_many(conn, pending.by, pending.events)
                except Exception as exc:  # handed to the waiting request, which fails
                    pending.error = exc
        for pending in batch:
            pending.done.set()
            if pending.notify is not None:
                pending.notify()


def _resolve(future: asyncio.Future[None]) -> None:
    if not future.done():
        future.set_result(None)
