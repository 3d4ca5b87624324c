"""Running a job in several threads that start together, as several workers or requests would."""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any


def at_once(job: Callable[[], Any], threads: int = 2) -> list[Any]:
    """Run ``job`` in ``threads`` threads that start together; their results. Fails if any
    raised."""
    barrier = threading.Barrier(threads)
    results: list[Any] = []
    errors: list[BaseException] = []

    def run() -> None:
        barrier.wait()
        try:
            results.append(job())
        except BaseException as exc:  # reported below, with the other threads' results
            errors.append(exc)

    started = [threading.Thread(target=run) for _ in range(threads)]
    for t in started:
        t.start()
    for t in started:
        t.join()
    assert not errors, errors
    return results
