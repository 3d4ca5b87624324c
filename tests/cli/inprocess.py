"""Running a ``jointcredit`` command in this process, as a wide terminal shows it.

A run of the console script costs a second of start-up; most tests run the command here instead
and keep one run of the real script. The CLI's Rich consoles are made once per process, and one
made while some test's ``COLUMNS`` was set keeps that width: for the run they are made wide.
"""

from __future__ import annotations

import subprocess
from collections.abc import Iterator
from contextlib import contextmanager

from typer.testing import CliRunner

from jointcredit.cli.common import console, err_console
from jointcredit.cli.main import app

ENV = {"COLUMNS": "300", "NO_COLOR": "1"}


@contextmanager
def _wide() -> Iterator[None]:
    saved = [(c, c._width) for c in (console, err_console)]
    try:
        for c, _ in saved:
            c.width = 300
        yield
    finally:
        for c, width in saved:
            c._width = width


def invoke(database: str, *args: str) -> subprocess.CompletedProcess[str]:
    """``jointcredit ARGS --database DATABASE`` (no ``--database`` after ``--help``)."""
    url = [] if "--help" in args else ["--database", database]
    with _wide():
        done = CliRunner().invoke(app, [*args, *url], env=ENV)
    return subprocess.CompletedProcess(list(args), done.exit_code, done.stdout, done.stderr)
