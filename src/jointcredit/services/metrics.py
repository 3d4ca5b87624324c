"""Prometheus metrics (JOINTCREDIT_METRICS, ``GET /metrics``; every metric in docs/metrics.md).

Two kinds:

- **events** counted where they happen — checks, screenings, imports, webhook deliveries, the
  worker's rounds — by the ``record_*`` functions below, which the use cases call. They are
  kept in prometheus-client's multiprocess mode: each process writes its own memory-mapped
  files in the metrics directory and a scrape adds them up, so ``serve --workers N`` and a
  ``jointcredit worker`` on the same machine answer as one. Only processes that
  :func:`enable` metrics (``jointcredit serve`` and ``jointcredit worker`` with the setting
  on) count; anywhere else — the CLI's one-shot commands, tests, metrics off — every
  ``record_*`` is one test of a module global and returns.
- **state** read from the database when Prometheus scrapes (:class:`RegistryCollector`): the
  outbox per department, overdue cases, the audit log's head — through the indexed queries
  of :mod:`jointcredit.store.metrics`. Whichever process answers reads the same database, so
  these need no sharing.

prometheus-client chooses between in-process and multiprocess values when it is imported, from
PROMETHEUS_MULTIPROC_DIR; :func:`enable` sets it (inherited by uvicorn's worker processes)
and makes the library read it again, so it does not matter what imported the library first.
"""

from __future__ import annotations

import logging
import os
import re
import time
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any, cast

from sqlalchemy import Engine

from jointcredit import __version__
from jointcredit.clock import china_day, utc
from jointcredit.clock import now as clock_now
from jointcredit.settings import Settings, get_settings
from jointcredit.store import metrics as store

if TYPE_CHECKING:
    from prometheus_client.metrics_core import Metric
    from prometheus_client.registry import Collector

log = logging.getLogger("jointcredit.metrics")

#: Where prometheus-client looks for the multiprocess directory.
ENV = "PROMETHEUS_MULTIPROC_DIR"

#: Seconds; a check on SQLite takes a few hundred microseconds, on PostgreSQL a few ms.
CHECK_BUCKETS = (0.0005, 0.001, 0.002, 0.005, 0.01, 0.02, 0.05, 0.1, 0.2, 0.5, 1.0, 2.0, 5.0)

#: A check's matter when the catalog does not know it: keeps the label's values bounded.
UNKNOWN = "unknown"

#: What a check came to (the ``outcome`` label of jointcredit_checks_total).
CHECK_OUTCOMES = ("measures", "clear", "invalid", "denied", "error")


def directory(settings: Settings | None = None) -> Path:
    """The metrics directory: JOINTCREDIT_METRICS_DIR, default metrics/ in the data directory."""
    settings = settings or get_settings()
    return settings.metrics_dir or settings.data_dir / "metrics"


_FILE = re.compile(r"_(\d+)\.db$")


def _running(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # someone else's process: running
        return True
    return True


def prepare_directory(path: Path) -> list[Path]:
    """Create ``path`` and remove what earlier processes left in it; returns what was removed.

    ``jointcredit serve`` calls it once, before its workers start: counters begin again at
    zero with each start, as Prometheus expects of a restarted target. The files of processes
    still running other than this one — a ``jointcredit worker`` sharing the directory — are
    kept: removing a file a live process has mapped would lose its counts without a word.
    """
    path.mkdir(parents=True, exist_ok=True)
    removed = []
    for file in path.glob("*.db"):
        found = _FILE.search(file.name)
        pid = int(found.group(1)) if found else None
        if pid is not None and pid != os.getpid() and _running(pid):
            continue
        file.unlink(missing_ok=True)
        removed.append(file)
    return removed


class _Events:
    """The event metrics of this process (one set, made by :func:`enable`)."""

    def __init__(self) -> None:
        from prometheus_client import Counter, Gauge, Histogram

        # registry=None: nothing registers with the library's global registry; a scrape reads
        # every process's files instead (MultiProcessCollector).
        self.checks = Counter(
            "jointcredit_checks",
            "Checks answered or refused, by matter and outcome.",
            ["matter", "outcome"],
            registry=None,
        )
        self.check_seconds = Histogram(
            "jointcredit_check_seconds",
            "Time to answer a check (look-up and decision, before the audit row is written).",
            ["matter"],
            buckets=CHECK_BUCKETS,
            registry=None,
        )
        self.screened = Counter(
            "jointcredit_screened_lines",
            "Lines of bulk screenings, by matter and outcome (answered, invalid).",
            ["matter", "outcome"],
            registry=None,
        )
        self.imports = Counter(
            "jointcredit_imports",
            "Imported files (uploads through the API and the console), by kind, file format "
            "and outcome (finished, failed).",
            ["kind", "format", "outcome"],
            registry=None,
        )
        self.import_rows = Counter(
            "jointcredit_import_rows",
            "Rows of imported files by kind and result (accepted, updated, duplicate, rejected).",
            ["kind", "result"],
            registry=None,
        )
        self.deliveries = Counter(
            "jointcredit_deliveries",
            "Webhook delivery attempts settled, by department and outcome (delivered, retry, "
            "failed, to_feed, lost).",
            ["department", "outcome"],
            registry=None,
        )
        self.rounds = Counter(
            "jointcredit_worker_rounds",
            "Rounds of the scheduler (jointcredit worker, serve --worker), by result (ok, error).",
            ["result"],
            registry=None,
        )
        self.last_round = Gauge(
            "jointcredit_worker_last_round_timestamp_seconds",
            "When a scheduler's round last ended (Unix time; the latest of all processes).",
            registry=None,
            multiprocess_mode="max",
        )


_events: _Events | None = None
_directory: Path | None = None
_previous_env: str | None = None


def enable(path: Path) -> None:
    """Count events in this process, in files under ``path`` (created if missing). Again with
    another directory (tests), the counts start afresh there."""
    global _events, _directory, _previous_env
    if _events is not None and _directory == path:
        return
    path.mkdir(parents=True, exist_ok=True)
    from prometheus_client import values

    if _events is None:
        _previous_env = os.environ.get(ENV)
    else:
        values.close_all_multiprocess_files()  # type: ignore[no-untyped-call]
    os.environ[ENV] = str(path)  # inherited by the processes this one starts
    # The library read the variable when it was first imported: make it read it again.
    values.ValueClass = values.get_value_class()  # type: ignore[no-untyped-call]
    _events = _Events()
    _directory = path


def disable() -> None:
    """Stop counting in this process and close its files (tests; the worker on exit)."""
    global _events, _directory
    if _events is None:
        return
    from prometheus_client import values

    _events = None
    _directory = None
    values.close_all_multiprocess_files()  # type: ignore[no-untyped-call]
    if _previous_env is None:
        os.environ.pop(ENV, None)
    else:
        os.environ[ENV] = _previous_env
    values.ValueClass = values.get_value_class()  # type: ignore[no-untyped-call]


def enabled() -> bool:
    return _events is not None


# -- events ------------------------------------------------------------------------------------


def record_check(matter: str, outcome: str, seconds: float | None = None) -> None:
    """One check: ``outcome`` one of :data:`CHECK_OUTCOMES`; ``seconds`` when answered."""
    events = _events
    if events is None:
        return
    events.checks.labels(matter, outcome).inc()
    if seconds is not None:
        events.check_seconds.labels(matter).observe(seconds)


def record_screen(matter: str, answered: int, invalid: int) -> None:
    events = _events
    if events is None:
        return
    if answered:
        events.screened.labels(matter, "answered").inc(answered)
    if invalid:
        events.screened.labels(matter, "invalid").inc(invalid)


def record_import(kind: str, file_format: str, outcome: str, rows: dict[str, int]) -> None:
    """One imported file; ``rows``: result → count (accepted, updated, duplicate, rejected)."""
    events = _events
    if events is None:
        return
    events.imports.labels(kind, file_format, outcome).inc()
    for result, n in rows.items():
        if n:
            events.import_rows.labels(kind, result).inc(n)


def record_deliveries(settled: Iterable[tuple[str, str]]) -> None:
    """Settled webhook attempts as (department, outcome)."""
    events = _events
    if events is None:
        return
    for department, outcome in settled:
        events.deliveries.labels(department, outcome).inc()


def record_round(failed: bool) -> None:
    events = _events
    if events is None:
        return
    events.rounds.labels("error" if failed else "ok").inc()
    events.last_round.set(time.time())


# -- state, read at scrape time ----------------------------------------------------------------


class RegistryCollector:
    """The registry's state as gauges, read from the database at each scrape (a
    prometheus-client collector). A database that does not answer gives
    ``jointcredit_database_up 0`` and none of the others, not a failed scrape."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine

    def collect(self) -> Iterator[Metric]:
        from prometheus_client.core import GaugeMetricFamily

        info = GaugeMetricFamily(
            "jointcredit_build_info", "The running version (always 1).", labels=["version"]
        )
        info.add_metric([__version__], 1)
        yield info
        started = time.perf_counter()
        try:
            families = list(self._from_database())
        except Exception as exc:  # any driver error: the database is down, the process is not
            log.error("metrics: the database did not answer: %s", str(exc).splitlines()[0])
            families = []
        up = GaugeMetricFamily(
            "jointcredit_database_up", "Whether the scrape's queries on the registry succeeded."
        )
        up.add_metric([], 1 if families else 0)
        yield up
        yield from families
        took = GaugeMetricFamily(
            "jointcredit_metrics_query_seconds",
            "Time this scrape's queries on the registry took.",
        )
        took.add_metric([], time.perf_counter() - started)
        yield took

    def _from_database(self) -> Iterator[Metric]:
        from prometheus_client.core import GaugeMetricFamily

        from jointcredit.services.scheduler import OVERDUE

        now = clock_now()
        today = china_day(now)
        with self.engine.connect() as conn:
            outbox = store.undelivered(conn)
            overdue = {
                kind: store.overdue(conn, table, statuses, today)
                for kind, table, statuses in OVERDUE
            }
            head = store.audit_head(conn)

        depth = GaugeMetricFamily(
            "jointcredit_outbox_undelivered_messages",
            "Outbox messages not yet delivered to a department's webhook, by department and "
            "state (pending, failed).",
            labels=["department", "state"],
        )
        lag = GaugeMetricFamily(
            "jointcredit_outbox_oldest_undelivered_age_seconds",
            "Age of the oldest undelivered outbox message per department (delivery lag).",
            labels=["department"],
        )
        oldest: dict[str, Any] = {}
        for row in outbox:
            depth.add_metric([row["department"], row["state"]], int(row["n"]))
            first = utc(row["oldest"])
            if first is not None and (
                row["department"] not in oldest or first < oldest[row["department"]]
            ):
                oldest[row["department"]] = first
        for department, first in sorted(oldest.items()):
            lag.add_metric([department], max(0.0, (now - first).total_seconds()))
        yield depth
        yield lag

        cases = GaugeMetricFamily(
            "jointcredit_overdue_cases",
            "Cases waiting for their department past their due day (proposals awaiting review, "
            "objections awaiting verification, repairs awaiting acceptance or decision, reports "
            "not yet closed), by kind and department.",
            labels=["kind", "department"],
        )
        for kind, rows in overdue.items():
            for row in rows:
                cases.add_metric([kind, row["department"] or UNKNOWN], int(row["n"]))
        yield cases

        rows_total = GaugeMetricFamily(
            "jointcredit_audit_rows", "Rows in the audit log (the id of its last row)."
        )
        rows_total.add_metric([], int(head["id"]) if head else 0)
        yield rows_total
        if head is not None:
            last = GaugeMetricFamily(
                "jointcredit_audit_last_entry_timestamp_seconds",
                "When the audit log's last row was written (Unix time).",
            )
            last.add_metric([], utc(head["at"]).timestamp())
            yield last


def exposition(engine: Engine) -> tuple[bytes, str]:
    """The text a scrape gets, and its content type: every process's events in the metrics
    directory, and the registry's state read now."""
    from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, generate_latest
    from prometheus_client.multiprocess import MultiProcessCollector

    registry = CollectorRegistry(auto_describe=False)
    if _directory is not None:
        MultiProcessCollector(registry, path=str(_directory))  # type: ignore[no-untyped-call]
    # Not a subclass of the library's Collector: that would import prometheus-client (75 ms)
    # in every process, metrics on or off.
    registry.register(cast("Collector", RegistryCollector(engine)))
    return generate_latest(registry), CONTENT_TYPE_LATEST
