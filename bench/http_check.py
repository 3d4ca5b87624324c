"""The joint check over HTTP under concurrent load, beside a minimal FastAPI endpoint and Datasette.

Goals (issue 4): on loopback, under concurrent load, the service's ``GET /api/v1/check`` on a
10,000,000-record SQLite registry reaches at least half the throughput of a minimal FastAPI
endpoint on the same server settings, and at least 2× the throughput of Datasette serving the
bare row look-up of the same subject from the same SQLite file, all measured in the same run;
and the memory of the serving process with that registry.

The registry is bench/check.py's (built by it, or by this script through its builder, at
/tmp/jcbench-check/check-10m.sqlite3; reused while its build parameters and record count match;
``jointcredit serve`` migrates it on start-up, and every check adds an audit-log row to it).

Four servers, each a process group of its own, started one after another for each --workers
value (uvicorn, the same number of worker processes, 127.0.0.1, access log off):

* jointcredit: ``jointcredit serve --host 127.0.0.1 --port P --workers N --database URL``,
  ``GET /api/v1/check?subject=ID&department=NDRC&matter=enterprise-bond-issuance&as_of=2025-06-30``
  with ``Authorization: Bearer KEY`` (a key made by ``jointcredit keys create`` for the run);
* minimal: bench/_minimal_app.py (one ``async def`` FastAPI endpoint at the same path, taking the
  same query parameters, returning a 4-key JSON object) under
  ``uvicorn --no-access-log --workers N``; the same requests, key header included;
* minimal-sync (a reference, not a goal): the same endpoint as a plain ``def``, which FastAPI
  runs in its thread pool, as it runs the service's check;
* datasette: Datasette (mutable mode, the default: the file is opened ``?mode=ro`` and its schema
  version is checked on every request; ``sql_time_limit_ms`` 5000) as an ASGI app under the same
  uvicorn options (``datasette_app`` below; the ``datasette`` command itself always runs one
  process with the access log on), answering
  ``/DB.json?sql=SELECT r.* FROM subject_identifiers i JOIN credit_records r ON r.subject_id =
  i.subject_id WHERE i.value = :id&id=ID&_shape=array``: the bare rows of the same subject.

Requests: wrk (Debian package) with a Lua script that rotates through a file of request paths,
--paths different ones (the mix of bench/check.py's ``samples()``: 40 % listed organisations,
40 % unlisted organisations, 10 % persons representing a listed organisation, 10 % unknown
identifiers); the warm-up uses another --warmup-paths. For each server: start, wait for it to
answer, check a sample of responses (status 200, JSON, a ``receipt`` in the service's), warm-up
(--warmup seconds, discarded), then the measured run (--duration seconds, --connections,
--threads wrk threads); any non-2xx answer or socket error fails the run. Recorded: requests/s,
latency median/p90/p99 (wrk), CPU seconds of the server's processes, of wrk and of the whole
machine during the run, and RSS (VmRSS now, VmHWM peak, summed over the server's process tree)
after start, after the warm-up and after the run. With --profile S, one more load of S seconds
on the jointcredit server (workers 1, first round) while py-spy samples every busy thread, and
one while it samples the thread holding the GIL: their top functions (not the benchmark's load).

    .venv/bin/python bench/http_check.py --repeats 2 --profile 15   # 10M records; workers 1, 2
    .venv/bin/python bench/http_check.py --subjects 2000 --records 20000 --duration 3 \\
        --warmup 1 --workers 1 --delete                       # smoke test, < 1 min
    .venv/bin/python bench/http_check.py --only minimal --only datasette   # without the service
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import signal
import socket
import sqlite3
import subprocess
import sys
import time
import urllib.parse
from collections import Counter
from pathlib import Path
from typing import Any

from _common import ROOT, log, machine_info, median, save_result, table, warn_if_busy

SCRATCH = Path(os.environ.get("JCBENCH_HTTP_DIR", "/tmp/jcbench-http"))
VENV_BIN = Path(sys.executable).parent
SERVERS = ("jointcredit", "minimal", "minimal-sync", "datasette")
DEPARTMENT = "NDRC"
MATTER = "enterprise-bond-issuance"
AS_OF = "2025-06-30"
SEED = "20250630/http"
BARE_SQL = (
    "SELECT r.* FROM subject_identifiers i JOIN credit_records r "
    "ON r.subject_id = i.subject_id WHERE i.value = :id"
)
PGREP = r"bench/(import_rate|lookup|check)\.py"

LUA = r"""-- written by bench/http_check.py: rotate through a file of request paths
local paths = {}
local n = 0
local i = 0
local headers = {}
local counter = 0

function setup(thread)
  thread:set("tid", counter)
  counter = counter + 1
end

function init(args)
  for line in io.lines(args[1]) do
    n = n + 1
    paths[n] = line
  end
  if args[2] ~= nil and args[2] ~= "-" then
    headers["Authorization"] = "Bearer " .. args[2]
  end
  local threads = tonumber(args[3]) or 1
  i = math.floor((tid or 0) * n / threads)
end

function request()
  i = i + 1
  if i > n then i = 1 end
  return wrk.format("GET", paths[i], headers)
end

function done(summary, latency, requests)
  local e = summary.errors
  io.write(string.format(
    'WRKJSON {"requests": %d, "duration_us": %d, "bytes": %d, "connect": %d, "read": %d, ' ..
    '"write": %d, "status": %d, "timeout": %d, "p50_us": %d, "p90_us": %d, "p99_us": %d, ' ..
    '"p999_us": %d, "mean_us": %.1f, "max_us": %d, "stdev_us": %.1f}\n',
    summary.requests, summary.duration, summary.bytes, e.connect, e.read, e.write, e.status,
    e.timeout, latency:percentile(50), latency:percentile(90), latency:percentile(99),
    latency:percentile(99.9), latency.mean, latency.max, latency.stdev))
end
"""


# -- Datasette as an ASGI app under uvicorn --------------------------------------------------------


def datasette_app() -> Any:
    """uvicorn factory (``--factory http_check:datasette_app``): Datasette on the file named by
    JCBENCH_DATASETTE_FILE, as ``datasette FILE --setting sql_time_limit_ms 5000`` builds it
    (immutable instead when JCBENCH_DATASETTE_IMMUTABLE=1). Datasette runs its start-up hooks
    on the first request."""
    from datasette.app import Datasette

    path = os.environ["JCBENCH_DATASETTE_FILE"]
    immutable = os.environ.get("JCBENCH_DATASETTE_IMMUTABLE") == "1"
    ds = Datasette(
        files=[] if immutable else [path],
        immutables=[path] if immutable else [],
        settings={"sql_time_limit_ms": 5000},
    )
    return ds.app()


# -- registry and request files ------------------------------------------------------------------


def registry_ready(path: Path, n_subjects: int, n_records: int) -> tuple[bool, str]:
    """A complete bench/check.py build with these parameters (its alembic revision is left to
    ``jointcredit serve``, which migrates on start-up)."""
    import check

    meta = check._meta_path(path)
    if not path.exists() or not meta.exists() or not check._pools_path(path).exists():
        return False, "no complete build"
    info = json.loads(meta.read_text(encoding="utf-8"))
    if (info.get("build_version"), info.get("subjects"), info.get("records")) != (
        check.BUILD_VERSION,
        n_subjects,
        n_records,
    ):
        return False, "built with other parameters"
    try:
        conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
        count = conn.execute("SELECT count(*) FROM credit_records").fetchone()[0]
        conn.close()
    except sqlite3.Error as exc:
        return False, f"unreadable: {exc}"
    if count != n_records:
        return False, f"{count:,} records instead of {n_records:,}"
    return True, f"{count:,} records"


def ensure_registry(path: Path, n_subjects: int, n_records: int) -> dict[str, Any]:
    import check

    ready, why = registry_ready(path, n_subjects, n_records)
    if ready:
        log(f"reusing {path}: {why}")
    else:
        log(f"building {path} ({n_records:,} records) with bench/check.py's builder: {why}")
        info = check.build(path, n_subjects, n_records)
        info["db_gib"] = check.db_gib(path)
        check._meta_path(path).write_text(json.dumps(info, indent=2) + "\n", encoding="utf-8")
    info = json.loads(check._meta_path(path).read_text(encoding="utf-8"))
    info["built_in_this_run"] = not ready
    info["indexes_added_now"] = add_missing_indexes(path)
    return dict(info)


def add_missing_indexes(path: Path) -> list[str]:
    """Create the indexes that store/tables.py declares and the file lacks: a migration that was
    changed in place after the build leaves the alembic revision equal but the schema behind."""
    from sqlalchemy.dialects import sqlite
    from sqlalchemy.schema import CreateIndex

    from jointcredit.store.tables import metadata

    conn = sqlite3.connect(path)
    existing = {name: kind for kind, name in conn.execute("SELECT type, name FROM sqlite_master")}
    added = []
    for tbl in metadata.sorted_tables:
        if existing.get(tbl.name) != "table":
            continue
        for index in tbl.indexes:
            if index.name in existing:
                continue
            sql = str(CreateIndex(index).compile(dialect=sqlite.dialect()))
            log(f"adding an index the build lacks: {sql} …")
            t = time.perf_counter()
            conn.execute(sql)
            conn.commit()
            added.append(f"{sql} ({time.perf_counter() - t:.0f} s)")
    conn.close()
    return added


def check_path(identifier: str) -> str:
    query = urllib.parse.urlencode(
        {"subject": identifier, "department": DEPARTMENT, "matter": MATTER, "as_of": AS_OF}
    )
    return f"/api/v1/check?{query}"


def datasette_path(db: Path, identifier: str) -> str:
    query = urllib.parse.urlencode({"sql": BARE_SQL, "id": identifier, "_shape": "array"})
    return f"/{urllib.parse.quote(db.stem)}.json?{query}"


def write_paths(db: Path, n_paths: int, n_warm: int) -> tuple[dict[str, Path], dict[str, int]]:
    """Request files: timed and warm-up, for the check/minimal path and for Datasette, the same
    identifiers in the same order."""
    import check

    items = check.samples(db, n_paths + n_warm, f"{SEED}/paths")
    mix = dict(Counter(category for category, _ in items[n_warm:]))
    files: dict[str, Path] = {}
    for part, chunk in (("warm", items[:n_warm]), ("timed", items[n_warm:])):
        for kind, make in (
            ("check", check_path),
            ("datasette", lambda value: datasette_path(db, value)),
        ):
            path = SCRATCH / f"paths-{kind}-{part}.txt"
            path.write_text("".join(make(v) + "\n" for _, v in chunk), encoding="utf-8")
            files[f"{kind}-{part}"] = path
    return files, mix


# -- processes ------------------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _children_map() -> dict[int, list[int]]:
    kids: dict[int, list[int]] = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:
            continue
        ppid = int(stat[stat.rindex(")") + 2 :].split()[1])
        kids.setdefault(ppid, []).append(int(entry.name))
    return kids


def process_tree(root: int) -> list[int]:
    kids = _children_map()
    out, todo = [], [root]
    while todo:
        pid = todo.pop()
        out.append(pid)
        todo.extend(kids.get(pid, []))
    return out


def _status_kib(pid: int, field: str) -> int:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith(field + ":"):
                return int(line.split()[1])
    except OSError:
        pass
    return 0


def memory(root: int) -> dict[str, Any]:
    """VmRSS and VmHWM in MiB, summed over the process tree, and per process."""
    pids = process_tree(root)
    rss = {pid: _status_kib(pid, "VmRSS") for pid in pids}
    hwm = {pid: _status_kib(pid, "VmHWM") for pid in pids}
    return {
        "rss_mib": round(sum(rss.values()) / 1024, 1),
        "hwm_mib": round(sum(hwm.values()) / 1024, 1),
        "processes": len(pids),
        "per_process_rss_mib": [round(rss[p] / 1024, 1) for p in pids],
    }


def cpu_seconds(root: int) -> float:
    """utime + stime of the process tree, in seconds."""
    ticks = os.sysconf("SC_CLK_TCK")
    total = 0
    for pid in process_tree(root):
        try:
            stat = Path(f"/proc/{pid}/stat").read_text()
        except OSError:
            continue
        fields = stat[stat.rindex(")") + 2 :].split()
        total += int(fields[11]) + int(fields[12])
    return total / ticks


def machine_busy_seconds() -> float:
    """CPU seconds the whole machine spent not idle (all cores), from /proc/stat."""
    values = [int(v) for v in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]]
    idle = values[3] + values[4]
    return (sum(values[:8]) - idle) / os.sysconf("SC_CLK_TCK")


class Server:
    def __init__(self, name: str, cmd: list[str], port: int, health: str, env: dict[str, str]):
        self.name, self.cmd, self.port, self.health = name, cmd, port, health
        self.log = SCRATCH / f"server-{name}.log"
        self.proc = subprocess.Popen(
            cmd,
            cwd=ROOT,
            env=os.environ | env,
            stdout=self.log.open("w"),
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )

    @property
    def pid(self) -> int:
        return self.proc.pid

    def wait_ready(self, timeout: float) -> float:
        import http.client

        t0 = time.perf_counter()
        while True:
            if self.proc.poll() is not None:
                raise SystemExit(
                    f"{self.name} server exited ({self.proc.returncode}); its log "
                    f"{self.log}:\n{self.log.read_text()[-3000:]}"
                )
            try:
                conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=5)
                conn.request("GET", self.health)
                status = conn.getresponse().status
                conn.close()
                if status == 200:
                    return round(time.perf_counter() - t0, 2)
            except OSError:
                pass
            if time.perf_counter() - t0 > timeout:
                self.stop()
                raise SystemExit(f"{self.name} server did not answer {self.health} in {timeout} s")
            time.sleep(0.2)

    def stop(self) -> None:
        """SIGTERM to the server's own process group, SIGKILL after 20 s."""
        if self.proc.poll() is None:
            os.killpg(self.proc.pid, signal.SIGTERM)
            try:
                self.proc.wait(20)
            except subprocess.TimeoutExpired:
                os.killpg(self.proc.pid, signal.SIGKILL)
                self.proc.wait()


def jointcredit_exe() -> Path:
    return VENV_BIN / "jointcredit"


def serve_help() -> str | None:
    """``jointcredit serve --help``, or None while the command does not exist."""
    done = subprocess.run(
        [str(jointcredit_exe()), "serve", "--help"], capture_output=True, text=True, check=False
    )
    return done.stdout if done.returncode == 0 else None


def make_key(url: str) -> str:
    cmd = [
        str(jointcredit_exe()),
        "keys",
        "create",
        "--department",
        DEPARTMENT,
        "--role",
        "implementer",
        "--name",
        "bench",
        "--json",
        "--database",
        url,
    ]
    done = subprocess.run(cmd, capture_output=True, text=True, check=False)
    if done.returncode != 0:
        raise SystemExit(f"keys create failed ({done.returncode}): {done.stderr[-2000:]}")
    return str(json.loads(done.stdout)["key"])


def start_server(name: str, db: Path, workers: int, immutable: bool) -> tuple[Server, list[str]]:
    port = free_port()
    common = ["--host", "127.0.0.1", "--port", str(port), "--workers", str(workers)]
    if name == "jointcredit":
        help_text = serve_help() or ""
        cmd = [str(jointcredit_exe()), "serve", *common, "--database", f"sqlite:///{db}"]
        notes = []
        if "--log-level" in help_text:
            cmd += ["--log-level", "warning"]
        if "--no-access-log" in help_text:
            cmd.append("--no-access-log")
        elif "--access-log" in help_text:
            notes.append("serve has --access-log, left at its default")
        else:
            notes.append("serve has no access-log option")
        return Server(name, cmd, port, "/api/v1/health", {}), notes
    uvicorn = [str(VENV_BIN / "uvicorn"), "--app-dir", str(ROOT / "bench")]
    options = [*common, "--no-access-log", "--log-level", "warning"]
    if name.startswith("minimal"):
        target = "_minimal_app:app_sync" if name == "minimal-sync" else "_minimal_app:app"
        return Server(name, [*uvicorn, target, *options], port, check_path("x"), {}), []
    env = {"JCBENCH_DATASETTE_FILE": str(db), "JCBENCH_DATASETTE_IMMUTABLE": str(int(immutable))}
    cmd = [*uvicorn, "--factory", "http_check:datasette_app", *options]
    return Server(name, cmd, port, "/-/versions.json", env), []


def probe(port: int, paths: list[str], key: str | None, server: str) -> dict[str, Any]:
    """GET a few paths once: every answer must be 200 and JSON (with a receipt from jointcredit).
    Returns the mean body size."""
    import http.client

    sizes = []
    for path in paths:
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
        conn.request("GET", path, headers={"Authorization": f"Bearer {key}"} if key else {})
        response = conn.getresponse()
        body = response.read()
        conn.close()
        if response.status != 200:
            raise SystemExit(
                f"{server}: {path} answered {response.status}: {body[:500]!r} — not measuring"
            )
        data = json.loads(body)
        if server == "jointcredit" and "receipt" not in data:
            raise SystemExit(f"jointcredit: no receipt in the answer to {path}: {body[:500]!r}")
        sizes.append(len(body))
    return {"probed": len(paths), "mean_body_bytes": round(sum(sizes) / len(sizes))}


# -- load ---------------------------------------------------------------------------------------


def wrk(
    port: int, paths: Path, key: str | None, seconds: int, connections: int, threads: int
) -> dict[str, Any]:
    lua = SCRATCH / "rotate.lua"
    lua.write_text(LUA, encoding="utf-8")
    cmd = [
        "wrk",
        "-t",
        str(threads),
        "-c",
        str(connections),
        "-d",
        f"{seconds}s",
        "--timeout",
        "10s",
        "--latency",
        "-s",
        str(lua),
        f"http://127.0.0.1:{port}",
        "--",
        str(paths),
        key or "-",
        str(threads),
    ]
    before = os.times()
    done = subprocess.run(cmd, capture_output=True, text=True, check=False)
    after = os.times()
    if done.returncode != 0:
        raise SystemExit(f"wrk failed ({done.returncode}): {done.stderr}\n{done.stdout}")
    line = next((x for x in done.stdout.splitlines() if x.startswith("WRKJSON ")), None)
    if line is None:
        raise SystemExit(f"no result from wrk:\n{done.stdout}\n{done.stderr}")
    r = json.loads(line[len("WRKJSON ") :])
    r["wrk_cpu_s"] = round(
        after.children_user + after.children_system - before.children_user - before.children_system,
        2,
    )
    r["requests_per_s"] = round(r["requests"] / (r["duration_us"] / 1e6), 1)
    r["text"] = done.stdout[: done.stdout.find("WRKJSON")].rstrip()
    return dict(r)


def wrk_version() -> str:
    done = subprocess.run(["wrk", "-v"], capture_output=True, text=True, check=False)
    return (done.stdout + done.stderr).split("\n")[0]


def wait_for_idle(limit: float, cores: float) -> dict[str, Any]:
    """Wait until the machine, measured over 3 s, is busy for less than ``cores`` CPUs (the
    idle server included), polling every 10 s, at most ``limit`` seconds."""
    started = time.monotonic()
    while True:
        b0 = machine_busy_seconds()
        time.sleep(3)
        busy = (machine_busy_seconds() - b0) / 3
        waited = time.monotonic() - started
        if busy < cores or waited >= limit:
            if busy >= cores:
                log(f"machine still busy ({busy:.2f} CPUs) after {waited:.0f} s: going on")
            return {"waited_s": round(waited), "busy_cores": round(busy, 2)}
        log(f"waiting: the machine is busy ({busy:.2f} CPUs) …")
        time.sleep(10)


def wait_for_quiet(limit: float = 600, every: float = 20) -> dict[str, Any]:
    """Wait until no other benchmark script runs (pgrep), at most ``limit`` seconds."""
    started = time.monotonic()
    while True:
        found = subprocess.run(["pgrep", "-f", PGREP], capture_output=True, text=True)
        others = [p for p in found.stdout.split() if p and int(p) != os.getpid()]
        waited = time.monotonic() - started
        if not others or waited >= limit:
            if others:
                log(f"other benchmarks still running after {waited:.0f} s: going on")
            return {"waited_s": round(waited), "gave_up": bool(others)}
        log(f"waiting: other benchmark running (pids {' '.join(others)}) …")
        time.sleep(every)


def measure(
    name: str,
    db: Path,
    files: dict[str, Path],
    workers: int,
    args: argparse.Namespace,
) -> dict[str, Any]:
    import check

    quiet = {"waited_s": 0, "skipped": True} if args.no_wait else wait_for_quiet()
    prewarm_s = None
    if not name.startswith("minimal") and not args.no_prewarm:
        prewarm_s = check.prewarm(db)
    server, notes = start_server(name, db, workers, args.datasette_immutable)
    try:
        ready_s = server.wait_ready(args.start_timeout)
        key = make_key(f"sqlite:///{db}") if name == "jointcredit" else None
        if name.startswith("minimal"):
            key = "minimal-app-ignores-this-header-0123456789"
        kind = "datasette" if name == "datasette" else "check"
        timed = files[f"{kind}-timed"].read_text(encoding="utf-8").splitlines()
        step = max(1, len(timed) // 20)
        probed = probe(server.port, timed[::step][:20], key, name)
        mem_start = memory(server.pid)
        idle = wait_for_idle(args.idle_wait, args.idle_cores)
        load = [round(x, 2) for x in os.getloadavg()]
        warm = wrk(
            server.port, files[f"{kind}-warm"], key, args.warmup, args.connections, args.threads
        )
        mem_warm = memory(server.pid)
        cpu0, busy0 = cpu_seconds(server.pid), machine_busy_seconds()
        run = wrk(
            server.port, files[f"{kind}-timed"], key, args.duration, args.connections, args.threads
        )
        cpu1, busy1 = cpu_seconds(server.pid), machine_busy_seconds()
        mem_end = memory(server.pid)
        profile = None
        if name == "jointcredit" and args.profile and workers == 1:
            profile = {
                mode: py_spy(server.pid, server.port, files, key, args, gil=mode == "gil")
                for mode in ("wall", "gil")
            }
    finally:
        server.stop()
    for label, r in (("warm-up", warm), ("run", run)):
        errors = {k: r[k] for k in ("connect", "read", "write", "status", "timeout") if r[k]}
        if errors:
            raise SystemExit(
                f"{name} (workers {workers}), {label}: errors {errors} (status = non-2xx/3xx "
                f"answers) out of {r['requests']:,} requests; server log {server.log}"
            )
    server_cpu = round(cpu1 - cpu0, 2)
    busy = round(busy1 - busy0, 2)
    seconds = run["duration_us"] / 1e6
    result = {
        "server": name,
        "workers": workers,
        "command": " ".join(server.cmd),
        "notes": notes,
        "ready_seconds": ready_s,
        "probe": probed,
        "prewarm_seconds": prewarm_s,
        "page_cache_fraction": (None if name.startswith("minimal") else check._cached_fraction(db)),
        "wait": quiet,
        "load_average_before": load,
        "idle_wait": idle,
        "warmup": {k: warm[k] for k in ("requests", "requests_per_s", "p50_us", "p99_us")},
        "run": {k: v for k, v in run.items() if k != "text"},
        "wrk_output": run["text"],
        "requests_per_s": run["requests_per_s"],
        "p50_ms": round(run["p50_us"] / 1000, 2),
        "p90_ms": round(run["p90_us"] / 1000, 2),
        "p99_ms": round(run["p99_us"] / 1000, 2),
        "non_2xx": run["status"],
        "cpu": {
            "server_s": server_cpu,
            "wrk_s": run["wrk_cpu_s"],
            "machine_busy_s": busy,
            "other_s": round(busy - server_cpu - run["wrk_cpu_s"], 2),
            "other_cores": round((busy - server_cpu - run["wrk_cpu_s"]) / seconds, 2),
            "seconds": round(seconds, 1),
            "server_ms_per_request": round(server_cpu * 1000 / max(run["requests"], 1), 3),
        },
        "memory": {"after_start": mem_start, "after_warmup": mem_warm, "after_run": mem_end},
    }
    if profile is not None:
        result["profile"] = profile
    log(
        f"{name} workers={workers}: {run['requests_per_s']:,.0f} req/s, median "
        f"{result['p50_ms']} ms, p99 {result['p99_ms']} ms; CPU server {server_cpu} s, wrk "
        f"{run['wrk_cpu_s']} s, machine {busy} s of {2 * seconds:.0f}; RSS "
        f"{mem_end['rss_mib']} MiB"
    )
    return result


def measure_clean(
    name: str, db: Path, files: dict[str, Path], workers: int, args: argparse.Namespace
) -> dict[str, Any]:
    """:func:`measure`, repeated (at most --tries times) while other work took more than
    --max-other CPUs during the measured run; the least disturbed try is kept."""
    tries: list[dict[str, Any]] = []
    for attempt in range(1, args.tries + 1):
        r = measure(name, db, files, workers, args)
        tries.append(r)
        if r["cpu"]["other_cores"] <= args.max_other:
            break
        log(
            f"other work took {r['cpu']['other_cores']} CPUs during the run (limit "
            f"{args.max_other}): " + ("measuring again" if attempt < args.tries else "keeping it")
        )
    best = min(tries, key=lambda r: r["cpu"]["other_cores"])
    best["tries"] = [
        {"requests_per_s": r["requests_per_s"], "other_cores": r["cpu"]["other_cores"]}
        for r in tries
    ]
    best["disturbed"] = best["cpu"]["other_cores"] > args.max_other
    return best


# -- profile -------------------------------------------------------------------------------------


def _library(filename: str) -> str:
    """py-spy shortens file names to the sys.path entry: "sqlalchemy/engine/base.py" →
    "sqlalchemy", "jointcredit/services/check.py" → "jointcredit.services", "threading.py" →
    "stdlib threading" (or a module of the standard library)."""
    parts = filename.split("/")
    if filename.startswith("/") or filename.startswith("<"):
        return filename
    if parts[0] == "jointcredit" and len(parts) > 2:
        return f"jointcredit.{parts[1]}"
    if len(parts) == 1:
        return "stdlib " + parts[0].removesuffix(".py")
    return parts[0]


def py_spy(
    pid: int, port: int, files: dict[str, Path], key: str | None, a: Any, gil: bool
) -> dict[str, Any]:
    """Sample the server with py-spy (100 Hz; py-spy pauses the process for each sample) during
    another load of ``a.profile`` seconds, which is not the benchmark's. ``gil``: only the
    thread that holds the GIL (where the Python CPU time goes; SQLite and waits release it),
    else every thread not idle (waits in threading/queue are counted apart)."""
    exe = shutil.which("py-spy") or str(VENV_BIN / "py-spy")
    raw = SCRATCH / f"profile-{'gil' if gil else 'wall'}.txt"
    raw.unlink(missing_ok=True)
    spy = subprocess.Popen(
        [
            exe,
            "record",
            "--pid",
            str(pid),
            "--duration",
            str(a.profile),
            "--rate",
            "100",
            "--format",
            "raw",
            "--output",
            str(raw),
            *(["--gil"] if gil else []),
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )
    time.sleep(1)
    load = wrk(port, files["check-timed"], key, a.profile, a.connections, a.threads)
    _, err = spy.communicate()
    if spy.returncode != 0 or not raw.exists():
        log(f"py-spy failed ({spy.returncode}): {err[-1000:]}")
        return {"error": err[-1000:]}
    return summarise_profile(raw) | {
        "mode": "gil" if gil else "wall",
        "seconds": a.profile,
        "requests_per_s_while_sampled": load["requests_per_s"],
    }


#: Leaf functions of a thread that waits (py-spy's own idle detection does not catch them here).
WAITS = {"Condition.wait", "Event.wait", "Queue.get", "Semaphore.acquire", "Thread.join"}
WAIT_MODULES = {"stdlib threading", "stdlib queue"}


def summarise_profile(raw: Path) -> dict[str, Any]:
    """Top lists from py-spy's raw (collapsed) stacks. Samples of threads waiting in
    threading/queue are counted apart, by the function that waits (the idle thread pool,
    requests waiting for the audit writer, ...); the rest ("busy") are ranked by own time
    (the innermost frame), by library, and inclusive time. The event loop's innermost Python
    frame is ``Runner.run`` while uvloop's C code runs (HTTP parsing, sockets, or epoll)."""
    own: Counter[str] = Counter()
    inclusive: Counter[str] = Counter()
    libraries: Counter[str] = Counter()
    waits: Counter[str] = Counter()
    total = busy = 0
    for line in raw.read_text(encoding="utf-8").splitlines():
        stack, _, count_text = line.rpartition(" ")
        if not stack:
            continue
        count = int(count_text)
        functions = []
        for frame in stack.split(";"):
            name, _, where = frame.partition(" (")
            functions.append((name, _library(where.rsplit(":", 1)[0])))
        total += count
        if functions[-1][0] in WAITS:
            caller = next(
                (f for f in reversed(functions) if f[1] not in WAIT_MODULES), functions[0]
            )
            waits[f"{caller[0]} ({caller[1]})"] += count
            continue
        busy += count
        own[f"{functions[-1][0]} ({functions[-1][1]})"] += count
        libraries[functions[-1][1]] += count
        for name, library in set(functions):
            inclusive[f"{name} ({library})"] += count

    def top(counter: Counter[str], n: int, of: int) -> list[list[Any]]:
        return [[k, round(100 * v / max(of, 1), 1)] for k, v in counter.most_common(n)]

    return {
        "samples": total,
        "busy_samples": busy,
        "waiting_of_all": top(waits, 10, total),
        "self_top_of_busy": top(own, 30, busy),
        "self_by_library_of_busy": top(libraries, 20, busy),
        "inclusive_top_of_busy": top(inclusive, 60, busy),
        "raw": str(raw),
    }


# -- report --------------------------------------------------------------------------------------


def ratios(results: list[dict[str, Any]], workers: int) -> dict[str, Any]:
    rps: dict[str, float] = {}
    for name in SERVERS:
        values = [
            r["requests_per_s"] for r in results if r["server"] == name and r["workers"] == workers
        ]
        if values:
            rps[name] = median(values)
    out: dict[str, Any] = {"workers": workers, "requests_per_s_median": rps}
    if "jointcredit" in rps and "minimal" in rps:
        x = rps["jointcredit"] / rps["minimal"]
        out["check_to_minimal"] = {"ratio": round(x, 3), "goal": 0.5, "met": x >= 0.5}
    if "jointcredit" in rps and "datasette" in rps:
        x = rps["jointcredit"] / rps["datasette"]
        out["check_to_datasette"] = {"ratio": round(x, 2), "goal": 2, "met": x >= 2}
    return out


def report(results: list[dict[str, Any]], summary: list[dict[str, Any]], records: int) -> None:
    rows = []
    for r in results:
        m = r["memory"]
        rows.append(
            [
                r["server"],
                r["workers"],
                r["requests_per_s"],
                r["p50_ms"],
                r["p90_ms"],
                r["p99_ms"],
                r["run"]["requests"],
                r["non_2xx"],
                r["cpu"]["server_ms_per_request"],
                "/".join(
                    f"{r['cpu'][k] / r['cpu']['seconds']:.2f}"
                    for k in ("server_s", "wrk_s", "other_s")
                )
                + (" (disturbed)" if r.get("disturbed") else ""),
                f"{m['after_start']['rss_mib']:.0f}/{m['after_warmup']['rss_mib']:.0f}/"
                f"{m['after_run']['rss_mib']:.0f} ({m['after_run']['hwm_mib']:.0f})",
            ]
        )
    print()
    print(
        table(
            [
                "server",
                "workers",
                "req/s",
                "p50 ms",
                "p90 ms",
                "p99 ms",
                "requests",
                "non-2xx",
                "server CPU ms/req",
                "CPUs server/wrk/other",
                "RSS MiB start/warm/end (peak)",
            ],
            rows,
        )
    )
    scale = "" if records == 10_000_000 else f" (at {records:,} records, not 10,000,000)"
    for s in summary:
        parts = []
        if "check_to_minimal" in s:
            g = s["check_to_minimal"]
            parts.append(
                f"check/minimal {g['ratio']:.2f} (goal ≥ 0.5: {'met' if g['met'] else 'NOT met'})"
            )
        if "check_to_datasette" in s:
            g = s["check_to_datasette"]
            parts.append(
                f"check/datasette {g['ratio']:.2f} (goal ≥ 2: {'met' if g['met'] else 'NOT met'})"
            )
        if parts:
            print(f"workers {s['workers']}: " + "; ".join(parts) + scale)
    for r in results:
        for p in (r.get("profile") or {}).values():
            if "error" in p:
                continue
            print(
                f"\npy-spy ({p['mode']}), jointcredit workers {r['workers']}, {p['seconds']} s, "
                f"{p['samples']:,} samples, {p['busy_samples']:,} busy (load "
                f"{p['requests_per_s_while_sampled']:,.0f} req/s while sampled)"
            )
            if p["waiting_of_all"]:
                print(table(["waiting (thread's function)", "% of all"], p["waiting_of_all"]))
                print()
            print(table(["busy, own time: library", "%"], p["self_by_library_of_busy"][:12]))
            print()
            print(table(["busy, own time: function", "%"], p["self_top_of_busy"][:20]))
            print()
            print(table(["busy, inclusive: function", "%"], p["inclusive_top_of_busy"][:40]))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--subjects", type=int, default=1_000_000)
    parser.add_argument("--records", type=int, default=10_000_000)
    parser.add_argument("--db", type=Path, help="registry file (default: bench/check.py's)")
    parser.add_argument("--duration", type=int, default=30, help="seconds of each measured run")
    parser.add_argument("--warmup", type=int, default=10, help="seconds of warm-up per server")
    parser.add_argument("--connections", type=int, default=16)
    parser.add_argument("--threads", type=int, default=1, help="wrk threads")
    parser.add_argument(
        "--workers", type=int, action="append", help="uvicorn workers (repeatable; default 1 2)"
    )
    parser.add_argument("--repeats", type=int, default=1, help="rounds of all servers")
    parser.add_argument("--paths", type=int, default=50_000, help="different timed requests")
    parser.add_argument("--warmup-paths", type=int, default=5_000)
    parser.add_argument("--only", choices=SERVERS, action="append", help="repeatable")
    parser.add_argument(
        "--profile", type=int, default=0, help="py-spy the service (workers 1) for S seconds"
    )
    parser.add_argument(
        "--datasette-immutable", action="store_true", help="Datasette in immutable mode"
    )
    parser.add_argument(
        "--no-prewarm",
        action="store_true",
        help="do not read the registry file into the OS "
        "page cache before the jointcredit and datasette servers start",
    )
    parser.add_argument(
        "--no-wait", action="store_true", help="do not wait for other benchmark scripts to end"
    )
    parser.add_argument("--start-timeout", type=float, default=300)
    parser.add_argument(
        "--idle-cores",
        type=float,
        default=0.3,
        help="before each warm-up, wait until the machine is busy for fewer CPUs than this",
    )
    parser.add_argument("--idle-wait", type=float, default=900, help="at most seconds")
    parser.add_argument(
        "--max-other",
        type=float,
        default=0.25,
        help="measure again when other work took more CPUs than this during the run",
    )
    parser.add_argument("--tries", type=int, default=3, help="of each measurement, at most")
    parser.add_argument("--delete", action="store_true", help="delete the registry at the end")
    args = parser.parse_args()

    machine = machine_info()
    load_at_start = warn_if_busy()
    servers = [s for s in SERVERS if s in (args.only or SERVERS)]
    workers = args.workers or [1, 2]
    if shutil.which("wrk") is None:
        raise SystemExit("wrk is not installed (apt-get install wrk)")
    if "jointcredit" in servers and serve_help() is None:
        raise SystemExit("`jointcredit serve` does not exist yet (use --only minimal/datasette)")
    import check

    SCRATCH.mkdir(parents=True, exist_ok=True)
    db = args.db or check.db_path(args.records)
    build = ensure_registry(db, args.subjects, args.records)
    t = time.perf_counter()
    files, mix = write_paths(db, args.paths, args.warmup_paths)
    made = time.perf_counter() - t
    log(f"request files: {args.paths:,} + {args.warmup_paths:,} paths in {made:.0f} s")

    results = []
    for n in range(args.repeats):
        for w in workers:
            for name in servers:
                log(f"round {n + 1}: {name}, workers {w} …")
                results.append(measure_clean(name, db, files, w, args))
                if "profile" in results[-1]:
                    args.profile = 0  # once
    summary = [ratios(results, w) for w in workers]
    report(results, summary, args.records)

    key = {
        "subjects": args.subjects,
        "records": args.records,
        "servers": servers,
        "workers": workers,
        "duration": args.duration,
        "connections": args.connections,
        "threads": args.threads,
        "datasette_immutable": args.datasette_immutable,
    }
    saved = save_result(
        "http_check",
        key,
        {
            "database": str(db),
            "db_gib": check.db_gib(db),
            "build": build,
            "load_average_at_start": load_at_start,
            "department": DEPARTMENT,
            "matter": MATTER,
            "as_of": AS_OF,
            "datasette_sql": BARE_SQL,
            "paths": {"timed": args.paths, "warmup": args.warmup_paths, "mix": mix},
            "warmup_seconds": args.warmup,
            "repeats": args.repeats,
            "wrk": wrk_version(),
            "results": results,
            "summary": summary,
        },
        machine,
    )
    print(f"\nresults: {saved}")
    if args.delete:
        from _common import remove_database

        remove_database(db)
        check._meta_path(db).unlink(missing_ok=True)
        check._pools_path(db).unlink(missing_ok=True)
    for f in SCRATCH.glob("paths-*.txt"):
        f.unlink()


if __name__ == "__main__":
    main()
