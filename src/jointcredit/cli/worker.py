"""``jointcredit worker``: the scheduler's rounds until SIGTERM or SIGINT.

Several workers (on several machines, against one PostgreSQL registry) may run at once: every
job is idempotent and a message is delivered by the worker holding its lease (docs/push.md).
"""

from __future__ import annotations

import logging
import signal
import threading
from types import FrameType

import typer

from jointcredit import logs
from jointcredit.cli.common import DatabaseOption, handle_errors


def configure_logging() -> None:
    """The worker's log on stderr, masked (once; ``serve --worker`` shares it with uvicorn's)."""
    logs.configure()


@handle_errors
def worker(
    once: bool = typer.Option(False, "--once", help="Run one round and exit."),
    interval: float | None = typer.Option(
        None,
        "--interval",
        min=0.01,
        help="Seconds between rounds that found nothing to do "
        "(default JOINTCREDIT_WORKER_INTERVAL_SECONDS).",
    ),
    database: str | None = DatabaseOption,
) -> None:
    """Deliver webhook messages, end expired list entries and flag overdue items, in rounds
    until SIGTERM or SIGINT (the current round finishes first; exit status 0)."""
    from jointcredit.services import metrics
    from jointcredit.services.imports import reap_interrupted
    from jointcredit.services.registry import open_registry
    from jointcredit.services.scheduler import Scheduler
    from jointcredit.settings import get_settings

    configure_logging()
    engine = open_registry(database)
    if get_settings().metrics:
        # Its counts join the server's through the shared directory (docs/metrics.md).
        metrics.enable(metrics.directory())
    reap_interrupted(engine)  # imports whose process died show as interrupted
    stop = threading.Event()

    def on_signal(signum: int, _frame: FrameType | None) -> None:
        logging.getLogger("jointcredit.worker").info(
            "%s: stopping after this round", signal.Signals(signum).name
        )
        stop.set()

    previous = {s: signal.signal(s, on_signal) for s in (signal.SIGTERM, signal.SIGINT)}
    try:
        with Scheduler(engine) as scheduler:
            scheduler.run(stop, once=once, interval=interval)
    finally:
        for s, handler in previous.items():
            signal.signal(s, handler)
        engine.dispose()
        metrics.disable()
