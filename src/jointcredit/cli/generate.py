"""``jointcredit generate``: write synthetic double-publicity import files.

A thin layer over :mod:`jointcredit.synth`: options, a progress bar and a summary.
"""

from __future__ import annotations

import json
import sys
import time
from collections.abc import Iterable, Iterator, Sequence
from datetime import date
from enum import StrEnum
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    TaskID,
    TextColumn,
    TimeRemainingColumn,
)

from jointcredit import synth
from jointcredit.importing import codes, formats
from jointcredit.synth.writers import EXTENSIONS, XLSX_MAX_ROWS

#: Above this many rows a progress bar is shown even when stderr is not a terminal.
_PROGRESS_ROWS = 100_000
#: Rows between progress updates: updating per row would cost more than making the row.
_STEP = 10_000


class Format(StrEnum):
    """Output formats."""

    csv = "csv"
    jsonl = "jsonl"
    xlsx = "xlsx"


class Template(StrEnum):
    """Generations of the double-publicity formats."""

    current = "current"
    t2016 = "2016"


class Encoding(StrEnum):
    """CSV encodings."""

    utf8 = "utf-8"
    utf8_sig = "utf-8-sig"
    gb18030 = "gb18030"


def _counting(rows: Iterable[tuple[str, ...]], progress: Progress | None,
              task: TaskID | None) -> Iterator[tuple[str, ...]]:  # fmt: skip
    """Pass ``rows`` through, advancing the progress bar every ``_STEP`` rows."""
    if progress is None or task is None:
        yield from rows
        return
    pending = 0
    for row in rows:
        yield row
        pending += 1
        if pending == _STEP:
            progress.advance(task, pending)
            pending = 0
    progress.advance(task, pending)


def _as_2016(
    kind: str, rows: Iterable[tuple[str, ...]], fields: Sequence[str]
) -> Iterator[dict[str, str]]:
    """Rows of the current format written as the 2016 template writes them."""
    state = "XK_ZT" if kind == "licensing" else ""
    for values in rows:
        row = {name: value for name, value in zip(fields, values, strict=True) if value}
        status = codes.STATUS_WORDS.get(row.get(state, ""), "active")
        yield formats.export_row(kind, row, status, "2016")


def generate(
    out_dir: Annotated[
        Path,
        typer.Argument(
            help="Directory for the files (created if missing).", file_okay=False, metavar="OUT_DIR"
        ),
    ],
    licensing: Annotated[int, typer.Option(min=0, help="Licensing rows.")] = 2000,
    penalties: Annotated[int, typer.Option(min=0, help="Penalty rows.")] = 1000,
    subjects: Annotated[
        int, typer.Option(min=1, help="Distinct subjects the rows draw on.")
    ] = 1000,
    fmt: Annotated[
        Format,
        typer.Option(
            "--format",
            help="csv, jsonl (UTF-8) or xlsx (streamed, but slow: some 4,000 rows/s, "
            "practical up to ~1M rows; at most 1,048,575 rows per file).",
        ),
    ] = Format.csv,
    encoding: Annotated[
        Encoding | None,
        typer.Option(help="CSV encoding (default utf-8). JSON Lines is always UTF-8."),
    ] = None,
    seed: Annotated[int, typer.Option(help="Random seed: same seed, same files.")] = 0,
    today: Annotated[
        str | None,
        typer.Option(
            help="Reference date YYYY-MM-DD: decisions fall in the 5 years up to it. "
            "Default: today."
        ),
    ] = None,
    template: Annotated[
        Template,
        typer.Option(
            help="The double-publicity format: the current one (2019; 28 and 30 fields) or "
            "the 2016 template still sent by many systems (codes for its coded values) — "
            "docs/formats.md.",
        ),
    ] = Template.current,
    bad_rows: Annotated[
        int,
        typer.Option(
            min=0,
            help="Spoil this many penalty rows on purpose (bad check character, future or "
            "impossible date, negative or non-numeric amount, missing identifier); "
            "they are listed in OUT_DIR/penalties.bad.json.",
        ),
    ] = 0,
) -> None:
    """Write synthetic licensing and penalty files in the national double-publicity formats.

    Writes OUT_DIR/licensing.<ext> and OUT_DIR/penalties.<ext>, streamed with flat memory.

    Every synthetic USCC embeds an organisation code starting with "JC", the synthetic marker.
    """
    try:
        ref = date.fromisoformat(today) if today else date.today()
    except ValueError:
        raise typer.BadParameter(f"not a date YYYY-MM-DD: {today}", param_hint="--today") from None
    if bad_rows > penalties:
        raise typer.BadParameter(f"{bad_rows} bad rows but only {penalties} penalty rows",
                                 param_hint="--bad-rows")  # fmt: skip
    if encoding is not None and fmt is not Format.csv:
        raise typer.BadParameter("only CSV files take an encoding", param_hint="--encoding")
    if fmt is Format.xlsx and max(licensing, penalties) > XLSX_MAX_ROWS:
        raise typer.BadParameter(f"an XLSX sheet holds at most {XLSX_MAX_ROWS:,} rows",
                                 param_hint="--format")  # fmt: skip

    if bad_rows and template is Template.t2016:
        raise typer.BadParameter("bad rows are made in the current format only",
                                 param_hint="--bad-rows")  # fmt: skip

    out_dir.mkdir(parents=True, exist_ok=True)
    ext = EXTENSIONS[fmt.value]
    enc = (encoding or Encoding.utf8).value
    gen = synth.Generator(seed=seed, today=ref, subjects=subjects)
    started = time.perf_counter()
    gen.subjects()  # made up front, so that the rates below are rates of writing rows
    subjects_seconds = time.perf_counter() - started
    plan = gen.plan_bad_rows(penalties, bad_rows)
    jobs: tuple[tuple[Path, Iterable[Any], Sequence[str], int], ...] = (
        (out_dir / f"licensing.{ext}", gen.licensing_values(licensing), synth.LICENSING_FIELDS,
         licensing),
        (out_dir / f"penalties.{ext}", gen.penalty_values(penalties, plan), synth.PENALTY_FIELDS,
         penalties),
    )  # fmt: skip
    if template is Template.t2016:
        jobs = tuple(
            (path, _as_2016(kind, rows, fields), list(formats.spec(kind, "2016")), n)
            for kind, (path, rows, fields, n) in zip(("licensing", "penalty"), jobs, strict=True)
        )

    err = Console(stderr=True)
    show = err.is_terminal or licensing + penalties > _PROGRESS_ROWS
    progress = Progress(TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(),
                        TimeRemainingColumn(), console=err, transient=True,
                        disable=not show)  # fmt: skip
    written: list[tuple[Path, int, float]] = []
    with progress:
        for path, rows, fields, n in jobs:
            task = progress.add_task(path.name, total=n)
            started = time.perf_counter()
            count = synth.write_rows(path, _counting(rows, progress, task), fields,
                                     fmt=fmt.value, encoding=enc)  # fmt: skip
            written.append((path, count, time.perf_counter() - started))

    sidecar = out_dir / "penalties.bad.json"
    if plan:
        sidecar.write_text(json.dumps([b.to_dict() for b in plan], ensure_ascii=False, indent=1)
                           + "\n", encoding="utf-8")  # fmt: skip
    elif sidecar.exists():
        sidecar.unlink()  # a stale list would point at rows that are fine now

    out = Console(file=sys.stdout, highlight=False, soft_wrap=True)
    for path, count, seconds in written:
        rate = f", {count / seconds:,.0f} rows/s" if seconds > 0 and count else ""
        out.print(f"wrote {path}: {count:,} rows{rate}")
    if plan:
        out.print(f"wrote {sidecar}: {len(plan)} bad rows in {written[1][0].name}")
    out.print(f"{subjects:,} subjects ({subjects_seconds:.1f} s), seed {seed}, "
              f"today {ref.isoformat()}"
              + (f", {enc}" if fmt is Format.csv else ""))  # fmt: skip
