"""The platform's logging: no identity number of a person in any line it writes.

Requests carry persons' identity numbers in their URLs (``/api/v1/check?subject=…``,
``/subjects/…``), error messages and tracebacks carry them in SQL parameters and values, and a
log file is read by more people, and kept longer, than the registry it comes from. So every
handler the platform installs formats through :class:`MaskingFormatter`, which passes the
finished line — message, arguments, traceback and stack included — through
:func:`~jointcredit.identifiers.mask.mask_text`: masking the finished text, not the message,
leaves no way around it (an exception's text, a value formatted by a library).

- :func:`uvicorn_log_config` is the ``log_config`` of ``jointcredit serve`` (and ``demo``):
  uvicorn applies it in the server process and in every worker process it starts;
- :func:`configure` is the same for processes without uvicorn (``jointcredit worker``, every
  other command).

>>> import io
>>> stream = io.StringIO()
>>> handler = logging.StreamHandler(stream)
>>> handler.setFormatter(MaskingFormatter("%(message)s"))
>>> log = logging.getLogger("jointcredit.doctest")
>>> log.addHandler(handler); log.propagate = False
>>> log.warning("GET /api/v1/check?subject=%s", "11010519491231002X")
>>> stream.getvalue()
'GET /api/v1/check?subject=110105********002X\\n'
"""

from __future__ import annotations

import importlib
import logging
import logging.config
import sys
from typing import Any

from jointcredit.identifiers.mask import mask_text

__all__ = ["FORMAT", "MaskingFormatter", "configure", "masked_formatter", "uvicorn_log_config"]

#: Lines of the platform's own loggers outside uvicorn (the worker, the CLI).
FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"


class MaskingFormatter(logging.Formatter):
    """A formatter whose every line has the resident identity numbers in it masked.

    With ``inner`` it masks what that formatter writes (uvicorn's, with their colours and
    fields); without, it formats like :class:`logging.Formatter`.
    """

    def __init__(
        self,
        fmt: str | None = None,
        datefmt: str | None = None,
        *,
        inner: logging.Formatter | None = None,
    ) -> None:
        super().__init__(fmt, datefmt)
        self.inner = inner

    def format(self, record: logging.LogRecord) -> str:
        text = self.inner.format(record) if self.inner is not None else super().format(record)
        return mask_text(text)


def masked_formatter(inner: str = "logging.Formatter", **options: Any) -> MaskingFormatter:
    """The ``()`` factory of a formatter in a :func:`logging.config.dictConfig` dictionary:
    the formatter class named ``inner`` (a dotted path), made with ``options`` and masked.

    By name, so that the dictionary stays plain data that uvicorn can hand to the worker
    processes it spawns."""
    module, _, name = inner.rpartition(".")
    cls = getattr(importlib.import_module(module), name)
    return MaskingFormatter(inner=cls(**options))


def _masked(inner: str, **options: Any) -> dict[str, Any]:
    return {"()": "jointcredit.logs.masked_formatter", "inner": inner, **options}


def uvicorn_log_config() -> dict[str, Any]:
    """uvicorn's own logging configuration (same handlers, streams and line formats) with every
    formatter masked, and the platform's loggers (``jointcredit.*``) and the root logger (the
    libraries') on the same masked handler. uvicorn applies ``--log-level`` and
    ``--no-access-log`` on top of it."""
    return {
        "version": 1,
        "disable_existing_loggers": False,
        "formatters": {
            "default": _masked(
                "uvicorn.logging.DefaultFormatter", fmt="%(levelprefix)s %(message)s"
            ),
            "access": _masked(
                "uvicorn.logging.AccessFormatter",
                fmt='%(levelprefix)s %(client_addr)s - "%(request_line)s" %(status_code)s',
            ),
            "platform": _masked("logging.Formatter", fmt=FORMAT),
        },
        "handlers": {
            "default": {
                "formatter": "default",
                "class": "logging.StreamHandler",
                "stream": "ext://sys.stderr",
            },
            "access": {
                "formatter": "access",
                "class": "logging.StreamHandler",
                "stream": "ext://sys.stdout",
            },
            "platform": {
                "formatter": "platform",
                "class": "logging.StreamHandler",
                "stream": "ext://sys.stderr",
            },
        },
        "loggers": {
            "uvicorn": {"handlers": ["default"], "level": "INFO", "propagate": False},
            "uvicorn.error": {"level": "INFO"},
            "uvicorn.access": {"handlers": ["access"], "level": "INFO", "propagate": False},
            # The platform's lines reach the root's handler: one handler, one format.
            "jointcredit": {"level": "INFO"},
        },
        # Libraries' warnings and errors (and Python's, through captureWarnings): without a
        # handler here they would reach stderr through logging's last resort, unmasked.
        "root": {"handlers": ["platform"], "level": "WARNING"},
    }


class _Stderr(logging.StreamHandler):  # type: ignore[type-arg]
    """Writes to whatever ``sys.stderr`` is when a line is written, not when the handler was
    made: a command run inside another program (a test's capture) keeps working after it."""

    @property
    def stream(self) -> Any:
        return sys.stderr

    @stream.setter
    def stream(self, _value: Any) -> None:
        pass


def configure(level: int = logging.INFO) -> None:
    """Masked logging on stderr for a process without uvicorn (the worker, every command): the
    platform's loggers (``jointcredit.*``) at ``level``, every other logger's warnings and
    errors, all through one masked handler on the root logger. Idempotent: a second call
    changes nothing."""
    logging.getLogger("jointcredit").setLevel(level)
    root = logging.getLogger()
    if not any(isinstance(h.formatter, MaskingFormatter) for h in root.handlers):
        handler = _Stderr()
        handler.setFormatter(MaskingFormatter(FORMAT))
        root.addHandler(handler)
    # Python's warnings, as log lines through the same handler.
    logging.captureWarnings(True)
