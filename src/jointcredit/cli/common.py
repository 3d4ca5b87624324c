"""What every command shares: the registry option, the language, error reporting, JSON output,
progress."""

from __future__ import annotations

import json
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from functools import wraps
from typing import Any, ParamSpec, TypeVar

import typer
from rich.console import Console
from rich.markup import escape
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
from jointcredit.messages import current, is_language, set_language
from jointcredit.messages.errors import error_text

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


def choose_language(lang: str | None) -> None:
    """Set the language of this command's process (``--lang``; JOINTCREDIT_LANG is its
    default, read by the option, and zh when neither is given)."""
    if lang is None:
        set_language(None)  # a command run in-process after one with --lang: the default again
        return
    if not is_language(lang.strip().lower()):
        raise typer.BadParameter(f"{lang!r} is not zh or en", param_hint="'--lang'")
    set_language(lang.strip().lower())  # type: ignore[arg-type]


P = ParamSpec("P")
R = TypeVar("R")

#: What an error line starts with, per language.
_ERROR = {"zh": "错误：", "en": "Error: "}


def print_error(problem: BaseException | str) -> None:
    """One error line on stderr, in the language chosen, masked like a log line: a command's
    stderr ends up in logs (cron, journald)."""
    text = problem if isinstance(problem, str) else error_text(problem)
    err_console.print(f"[bold red]{_ERROR[current()]}[/]{escape(mask_text(text))}", highlight=False)


def handle_errors(func: Callable[P, R]) -> Callable[P, R]:
    """Turn expected errors into one line on stderr and exit status 1; no traceback."""

    @wraps(func)
    def wrapper(*args: P.args, **kwargs: P.kwargs) -> R:
        try:
            return func(*args, **kwargs)
        except (JointCreditError, ValidationError) as exc:
            print_error(exc)
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
