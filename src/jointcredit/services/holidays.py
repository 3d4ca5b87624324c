"""The holiday file of the settings (``JOINTCREDIT_HOLIDAYS_FILE``) put in force for this process.

:func:`install` runs in :func:`jointcredit.services.registry.open_registry`, the one door every
command that touches the registry, the server (its lifespan) and the worker pass through: no
deadline is computed before it, and a faulty file stops the start with its errors instead of
counting weekends only in silence.
"""

from __future__ import annotations

from pathlib import Path

from jointcredit.rules import holidays, workdays
from jointcredit.settings import get_settings


def configured_file() -> Path | None:
    return get_settings().holidays_file


def install() -> None:
    """Count with the configured holiday file from now on; nothing to do when it is in force
    already and unchanged (``open_registry`` may run several times in one process: the server
    and its worker thread, the tests).

    Raises :class:`~jointcredit.rules.holidays.HolidayFileError` listing the file's problems.
    Without the setting the calendar in force is left alone: the package's, unless a caller
    (a test) installed another.
    """
    path = configured_file()
    if path is None:
        return
    current = workdays.extra_calendar()
    path = path.expanduser()
    if (
        current is not None
        and current.file == path.resolve()
        and current.stamp == holidays.stamp(path)
    ):
        return
    workdays.use_calendar(holidays.load(path))
