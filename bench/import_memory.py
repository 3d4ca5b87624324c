"""Peak memory of an import whatever the share of bad rows (issue 14, item 6).

Goal: the import of 300,000 invalid rows and that of 300,000 valid rows each peak under
300 MiB of resident memory, the importing process and its reader process together (before the
fix: 4.1 GB for an 18 MB CSV of 300,000 invalid rows, through the API).

Two penalty CSV files are made once in SCRATCH/memory: ``valid.csv`` with ``jointcredit
generate`` (every row valid) and ``invalid.csv`` with 300,000 short rows, each rejected (a name,
an amount that is not a number, every required field empty: about 18 MB, like the reported
file). Each measurement runs the real command, ``jointcredit import penalties FILE --json``, in a
process of its own on a fresh SQLite registry, while this process polls /proc every 20 ms: the
peak is the largest sum of VmRSS over the importing process and its descendants (the reader
process of files over 4 MiB), and the largest VmHWM of each is reported as well. Measurements
are interleaved and repeated (``--repeats``, default 3); the tables show medians.

    .venv/bin/python bench/import_memory.py [--rows N] [--repeats K]
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

from _common import SCRATCH, log, machine_info, median, save_result, table, warn_if_busy

from jointcredit.importing.formats import PENALTIES

WORKDIR = SCRATCH / "memory"
SCRIPT = Path(sys.executable).with_name("jointcredit")
LIMIT_MIB = 300


def _env(data_dir: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("JOINTCREDIT_")}
    return env | {"JOINTCREDIT_DATA_DIR": str(data_dir)}


def _files(rows: int) -> dict[str, Path]:
    WORKDIR.mkdir(parents=True, exist_ok=True)
    valid = WORKDIR / f"valid-{rows}" / "penalties.csv"
    if not valid.exists():
        log(f"generating {rows:,} valid rows")
        subprocess.run(
            [str(SCRIPT), "generate", str(valid.parent), "--penalties", str(rows),
             "--licensing", "0", "--subjects", str(max(rows // 10, 1))],
            check=True, env=_env(WORKDIR / "data"), capture_output=True,
        )  # fmt: skip
    invalid = WORKDIR / f"invalid-{rows}.csv"
    if not invalid.exists():
        log(f"writing {rows:,} invalid rows")
        with invalid.open("w", encoding="utf-8", newline="") as f:
            writer = csv.writer(f)
            writer.writerow(PENALTIES)
            empty = [""] * (len(PENALTIES) - 3)
            for i in range(rows):
                writer.writerow([f"北京测试{i}科技有限公司", "法人及非法人组织", "x", *empty])
    return {"invalid": invalid, "valid": valid}


def _tree(root: int) -> list[int]:
    """``root`` and every process descending from it, from /proc."""
    parents: dict[int, int] = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                stat = (entry / "stat").read_text()
            except OSError:
                continue
            parents[int(entry.name)] = int(stat[stat.rindex(")") + 2 :].split()[1])
    found = [root]
    for pid in found:
        found.extend(p for p, parent in parents.items() if parent == pid)
    return found


def _status(pid: int, field: str) -> float:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith(field + ":"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return 0.0


def measure(path: Path, run: int) -> dict[str, Any]:
    data_dir = WORKDIR / f"registry-{run}"
    for leftover in data_dir.glob("registry.sqlite3*"):
        leftover.unlink()
    rejects = WORKDIR / "rejects.csv"
    started = time.perf_counter()
    # The summary goes to a file: a pipe nobody reads while polling would block the import.
    answer = WORKDIR / "summary.json"
    with answer.open("wb") as out:
        proc = subprocess.Popen(
            [str(SCRIPT), "import", "penalties", str(path), "--json", "--rejects", str(rejects)],
            env=_env(data_dir),
            stdout=out,
            stderr=subprocess.DEVNULL,
        )
    peak_sum = 0.0
    hwm: dict[int, float] = {}
    while proc.poll() is None:
        pids = _tree(proc.pid)
        peak_sum = max(peak_sum, sum(_status(p, "VmRSS") for p in pids))
        for p in pids:
            hwm[p] = max(hwm.get(p, 0.0), _status(p, "VmHWM"))
        time.sleep(0.02)
    seconds = time.perf_counter() - started
    assert proc.returncode == 0, f"the import failed ({proc.returncode})"
    summary = json.loads(answer.read_text(encoding="utf-8"))
    importer = hwm.pop(proc.pid, 0.0)
    return {
        "peak_mib": round(peak_sum, 1),
        "importer_hwm_mib": round(importer, 1),
        "reader_hwm_mib": round(max(hwm.values(), default=0.0), 1),
        "seconds": round(seconds, 2),
        "rows": summary["rows"],
        "accepted": summary["accepted"] + summary["updated"] + summary["duplicates"],
        "rejected": summary["rejected_rows"],
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--rows", type=int, default=300_000)
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args()
    machine = machine_info()
    warn_if_busy()
    files = _files(args.rows)
    for name, path in files.items():
        log(f"{name}: {path} ({path.stat().st_size / 2**20:.1f} MiB)")
    results: dict[str, list[dict[str, Any]]] = {name: [] for name in files}
    for run in range(args.repeats):
        for name, path in files.items():
            result = measure(path, run)
            log(f"{name} #{run + 1}: {result}")
            results[name].append(result)
    rows = []
    summary: dict[str, Any] = {}
    for name, runs in results.items():
        med = {k: median([r[k] for r in runs]) for k in runs[0]}
        summary[name] = {"median": med, "runs": runs}
        rows.append(
            [name, f"{files[name].stat().st_size / 2**20:.1f}", int(med["rows"]),
             int(med["accepted"]), int(med["rejected"]), med["peak_mib"],
             med["importer_hwm_mib"], med["reader_hwm_mib"], med["seconds"],
             "yes" if max(r["peak_mib"] for r in runs) < LIMIT_MIB else "NO"]
        )  # fmt: skip
    print(
        table(
            [
                "file",
                "MiB",
                "rows",
                "accepted",
                "rejected",
                "peak RSS MiB (tree)",
                "importer VmHWM",
                "reader VmHWM",
                "seconds",
                f"< {LIMIT_MIB} MiB",
            ],
            rows,
        )
    )
    saved = save_result(
        "import_memory", {"rows": args.rows, "repeats": args.repeats}, summary, machine
    )
    log(f"saved to {saved}")


if __name__ == "__main__":
    main()
