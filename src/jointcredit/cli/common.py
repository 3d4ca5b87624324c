"""What every command shares: the registry option, error reporting, JSON output, progress."""

from __future__ import annotations

import json
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from functools import wraps
from typing import Any, ParamSpec, TypeVar

import typer
from rich.console import Console
from rich.progress import (
    BarColumn,
    DownloadColumn,
    MofNCompleteColumn,
    Progress,
    TextColumn,
    TimeElapsedColumn,
    TimeRemainingColumn,
)
from stdnum.exceptions import ValidationError

from jointcredit.errors import JointCreditError
from jointcredit.identifiers.mask import mask_text

console = Console()
# Error messages are one line each, whatever the width: wrapped, a path breaks in two.
err_console = Console(stderr=True, soft_wrap=True)

DatabaseOption = typer.Option(
    None,
    "--database",
    "-d",
    envvar="JOINTCREDIT_DATABASE_URL",
    help="SQLAlchemy URL of the registry (default: SQLite in the data directory).",
    show_envvar=True,
)

P = ParamSpec("P")
R = TypeVar("R")


def handle_errors(func: Callable[P, R]) -> Callable[P, R]:
    """Turn expected errors into one line on stderr and exit status 1; no traceback."""

    @wraps(func)
    def wrapper(*args: P.args, **kwargs: P.kwargs) -> R:
        try:
            return func(*args, **kwargs)
        except (JointCreditError, ValidationError) as exc:
            # Masked like a log line: a command's stderr ends up in logs (cron, journald).
            err_console.print(
                f"[bold red]error:[/] {mask_text(str(exc))}", highlight=False, markup=True
            )
            raise typer.Exit(1) from None

    return wrapper


def print_json(value: Any) -> None:
    sys.stdout.write(json.dumps(value, ensure_ascii=False, indent=2, default=str) + "\n")


@contextmanager
def progress_bar(description: str, *, in_bytes: bool) -> Iterator[Callable[[int, int], None]]:
    """A transient progress bar on stderr when it is a terminal; silent otherwise."""
    columns: list[Any] = [
        TextColumn("[progress.description]{task.description}"),
        BarColumn(),
        DownloadColumn() if in_bytes else MofNCompleteColumn(),
        TimeElapsedColumn(),
        TimeRemainingColumn(),
    ]
    with Progress(
        *columns, console=err_console, transient=True, disable=not err_console.is_terminal
    ) as bar:
        task = bar.add_task(description, total=None)

        def update(done: int, total: int) -> None:
            # A total of 0 means "unknown" (a stream of identifiers): count without a bar end.
            bar.update(task, completed=done, total=total or None)

        yield update
