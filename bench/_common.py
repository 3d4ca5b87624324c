"""Shared helpers of the benchmarks: machine description, result files, tables, statistics."""

from __future__ import annotations

import datetime as dt
import json
import os
import platform
import sqlite3
import statistics
import subprocess
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

BENCH = Path(__file__).resolve().parent
ROOT = BENCH.parent
RESULTS = BENCH / "results"
#: Large temporary files (databases, generated inputs) go here, never into the repository.
SCRATCH = Path(os.environ.get("JCBENCH_DIR", "/tmp/jcbench"))


def _cpu_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown"


def _ram_gib() -> float | None:
    try:
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal:"):
                return round(int(line.split()[1]) / 1024 / 1024, 1)
    except OSError:
        pass
    return None


def git_revision() -> str | None:
    try:
        head = subprocess.run(
            ["git", "rev-parse", "--short", "HEAD"],
            cwd=ROOT,
            capture_output=True,
            text=True,
            check=True,
        ).stdout.strip()
        dirty = subprocess.run(
            ["git", "status", "--porcelain", "--untracked-files=no", "src"],
            cwd=ROOT,
            capture_output=True,
            text=True,
            check=True,
        ).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        return None
    return head + ("+dirty-src" if dirty else "")


def machine_info() -> dict[str, Any]:
    import sqlalchemy

    import jointcredit

    return {
        "date": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        "cpu": _cpu_model(),
        "cores": os.cpu_count(),
        "ram_gib": _ram_gib(),
        "os": platform.platform(),
        "python": platform.python_version(),
        "sqlite": sqlite3.sqlite_version,
        "sqlalchemy": sqlalchemy.__version__,
        "jointcredit": getattr(jointcredit, "__version__", None),
        "git": git_revision(),
        "load_average_at_save": list(os.getloadavg()),
    }


def save_result(
    name: str, key: dict[str, Any], result: dict[str, Any], machine: dict[str, Any] | None = None
) -> Path:
    """Add ``result`` to bench/results/NAME.json, replacing an earlier run with the same ``key``
    (the parameters) on the same CPU; runs with other parameters are kept. ``machine``: the
    :func:`machine_info` taken when the run started (default: now)."""
    RESULTS.mkdir(parents=True, exist_ok=True)
    path = RESULTS / f"{name}.json"
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        data = {}
    runs = [
        run
        for run in data.get("runs", [])
        if not (run.get("parameters") == key and run.get("machine", {}).get("cpu") == _cpu_model())
    ]
    runs.append({"parameters": key, "machine": machine or machine_info(), **result})
    data = {"benchmark": name, "runs": runs}
    path.write_text(json.dumps(data, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    return path


def peak_rss_mib() -> tuple[float, float]:
    """Peak resident set size of this process and of its waited-for children, in MiB."""
    import resource

    own = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    children = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    return round(own, 1), round(children, 1)


def vm_hwm_mib(pid: int | str = "self") -> float:
    """Peak resident set size of a process since it started its program (VmHWM), in MiB.

    Unlike ``ru_maxrss``, which survives exec and so starts at the size of the parent that
    forked the process, this is the process's own peak.
    """
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return round(int(line.split()[1]) / 1024, 1)
    except OSError:
        pass
    return 0.0


class ChildrenPeak:
    """Watches this process's children (by polling /proc) and keeps the largest VmHWM seen:
    the peak RSS of a helper process that the code under test starts and ends itself."""

    def __init__(self, interval: float = 0.1) -> None:
        import threading

        self.peak = 0.0
        self._interval = interval
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def __enter__(self) -> ChildrenPeak:
        self._thread.start()
        return self

    def __exit__(self, *_: object) -> None:
        self._stop.set()
        self._thread.join()

    def _run(self) -> None:
        me = str(os.getpid())
        while not self._stop.wait(self._interval):
            for entry in Path("/proc").iterdir():
                if not entry.name.isdigit():
                    continue
                try:
                    stat = (entry / "stat").read_text()
                except OSError:
                    continue
                # "pid (comm) state ppid ...": comm may hold spaces, so split after its ")".
                if stat[stat.rindex(")") + 2 :].split()[1] == me:
                    self.peak = max(self.peak, vm_hwm_mib(entry.name))


def current_rss_mib() -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return round(int(line.split()[1]) / 1024, 1)
    return 0.0


def percentile(values: Sequence[float], p: float) -> float:
    """The ``p``-th percentile (0-100) with linear interpolation, as numpy's default."""
    ordered = sorted(values)
    if not ordered:
        return float("nan")
    k = (len(ordered) - 1) * p / 100
    lo = int(k)
    hi = min(lo + 1, len(ordered) - 1)
    return ordered[lo] + (ordered[hi] - ordered[lo]) * (k - lo)


def median(values: Sequence[float]) -> float:
    return statistics.median(values)


def remove_database(path: Path) -> None:
    for suffix in ("", "-wal", "-shm", "-journal"):
        Path(str(path) + suffix).unlink(missing_ok=True)


def table(headers: Sequence[str], rows: Sequence[Sequence[Any]]) -> str:
    """A plain text table, numbers right-aligned."""
    cells = [[_fmt(v) for v in row] for row in rows]
    widths = [
        max(len(h), *(len(r[i]) for r in cells)) if cells else len(h) for i, h in enumerate(headers)
    ]
    numeric = [
        all(isinstance(row[i], int | float) for row in rows) if rows else False
        for i in range(len(headers))
    ]

    def line(values: Sequence[str]) -> str:
        return "  ".join(
            v.rjust(w) if numeric[i] else v.ljust(w)
            for i, (v, w) in enumerate(zip(values, widths, strict=True))
        )

    out = [line(headers), "  ".join("-" * w for w in widths)]
    out.extend(line(r) for r in cells)
    return "\n".join(out)


def _fmt(value: Any) -> str:
    if isinstance(value, float):
        if value >= 1000:
            return f"{value:,.0f}"
        if value >= 10:
            return f"{value:.1f}"
        return f"{value:.3f}"
    if isinstance(value, int):
        return f"{value:,}"
    return str(value)


def warn_if_busy() -> list[float]:
    """The load average now, with a warning when other work shares the CPUs."""
    load = [round(x, 2) for x in os.getloadavg()]
    cores = os.cpu_count() or 1
    if load[0] > 0.5 * cores:
        log(
            f"warning: load average {load[0]} on {cores} cores: other work is running and the "
            "numbers will be slower and noisier than on an idle machine"
        )
    return load


def log(message: str) -> None:
    print(message, file=sys.stderr, flush=True)
