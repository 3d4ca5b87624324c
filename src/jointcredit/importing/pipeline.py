"""The reading side of an import: a file's rows read, checked against their format and
validated into record drafts, handed on in bounded batches — in this process, or in a child
process that dies with its parent.

It lives apart from the writing side (services.imports) so that the child process imports
only what reading and validation need, not the database layer: less memory per import.
"""

from __future__ import annotations

import ctypes
import datetime as dt
import itertools
import multiprocessing
import os
import signal
import sys
import threading
import time
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from queue import Empty
from typing import Any, Literal, Protocol

from jointcredit.errors import InputFileError, InvalidInputError
from jointcredit.importing.readers import RowProblem, Source
from jointcredit.importing.text import INVISIBLE, strip_invisible
from jointcredit.importing.validate import FieldError, RowValidator
from jointcredit.messages.reasons import Reason
from jointcredit.record_drafts import RecordDraft

ImportKind = Literal["licensing", "penalty", "list-entry"]


class Validator(Protocol):
    """Turns one row into a record draft or the problems found in it."""

    @property
    def spec(self) -> Mapping[str, str]: ...

    def check_header(self, fields: list[str]) -> tuple[list[str], list[str]]: ...

    def validate(self, number: int, raw: Mapping[str, str]) -> RecordDraft | list[FieldError]: ...


def make_validator(
    kind: ImportKind,
    today: dt.date,
    departments: Mapping[str, str] | None = None,
    list_format: str | None = None,
) -> Validator:
    """The validator of one import kind; list entries are checked against the catalog.
    ``departments`` (authority USCC → department code) attributes licensing and penalty
    records to the department their issuing authority is; list entries name theirs.
    ``list_format``: a national list's own format (importing.list_formats) that a file of list
    entries is in; None or "generic": the generic format."""
    if kind == "list-entry":
        from jointcredit.catalog import load_catalog
        from jointcredit.importing.list_entries import ListEntryValidator, NationalListValidator
        from jointcredit.importing.list_formats import FORMATS, GENERIC, choice

        catalog = load_catalog()
        names = {code: d.name_zh for code, d in catalog.departments.items()}
        try:
            chosen = choice(list_format)
        except ValueError as exc:
            raise InvalidInputError(f"--format: {exc}") from None
        if chosen != GENERIC:
            return NationalListValidator(FORMATS[chosen], catalog.list_types, names, today=today)
        return ListEntryValidator(catalog.list_types, names, today=today)
    if list_format not in (None, "generic"):
        raise InvalidInputError(
            f"--format: {kind} files have one format; it applies to list entries"
        )
    return RowValidator(kind, today=today, departments=departments)


@dataclass(slots=True)
class Batch:
    """What the reading side hands to the writing side: validated drafts and rejected rows."""

    drafts: list[RecordDraft]
    rejects: list[tuple[int, Mapping[str, str] | RowProblem, list[FieldError]]]
    rows: int
    done: int
    total: int
    warnings: list[str] = field(default_factory=list)
    #: Characters of the rows held: a batch is handed on when it is full in rows or in size.
    chars: int = 0

    def full(self, rows: int) -> bool:
        return (
            len(self.drafts) >= rows
            or len(self.rejects) >= min(rows, _REJECTS_PER_BATCH)
            or len(self.warnings) >= rows
            or self.chars >= _BATCH_CHARS
        )


#: Most characters of row text one batch holds, whatever its rows: 30 fields of 4,000
#: characters make a 5,000-row batch of 600 million, rejected or not.
_BATCH_CHARS = 8 << 20
#: Rejected rows go to a file, not to the database: small batches of them cost nothing and
#: keep what is in flight small.
_REJECTS_PER_BATCH = 1000


@dataclass(slots=True)
class Opened:
    """Sent once the header has been checked."""

    encoding: str | None
    warnings: list[str]


def _invisible_warning(number: int, fields: list[str], values: Mapping[str, str]) -> str:
    found = sorted({f"U+{ord(c):04X}" for name in fields for c in INVISIBLE.findall(values[name])})
    return (
        f"row {number}, {', '.join(fields)}: invisible or bidirectional control characters "
        f"removed ({', '.join(found)})"
    )


def produce(
    path: Path,
    kind: ImportKind,
    encoding: str | None,
    today: dt.date,
    batch_size: int,
    departments: Mapping[str, str] | None = None,
    list_format: str | None = None,
) -> Iterator[Opened | Batch]:
    """Read and validate ``path``: first an :class:`Opened`, then batches of rows.
    ``departments``, ``list_format``: as :func:`make_validator` takes them (``departments``
    passed in, so that a reading child process need not load the catalog)."""
    source = Source(path, encoding=encoding)
    validator = make_validator(kind, today, departments, list_format)
    warnings: list[str] = []
    label = kind if list_format in (None, "generic") else f"{list_format} {kind}"
    rows = checked_header(source.rows(), source, validator, warnings, label)
    first = next(rows, None)
    yield Opened(source.encoding if source.format != "xlsx" else None, warnings)
    if first is None:
        return
    batch = Batch([], [], 0, 0, 0)
    for number, values in itertools.chain((first,), rows):
        batch.rows += 1
        if isinstance(values, RowProblem):
            batch.rejects.append((number, values, [FieldError(number, values.field, values.error)]))
            continue
        batch.chars += sum(map(len, values.values()))
        cleaned, stripped = strip_invisible(values)
        if stripped:
            batch.warnings.append(_invisible_warning(number, stripped, values))
        try:
            result = validator.validate(number, cleaned)
        except Exception as exc:  # one row's surprise is that row's rejection, not the file's
            result = [FieldError(number, "-", Reason("row.failed", detail=f"{exc!r:.200}"))]
        if isinstance(result, list):
            batch.rejects.append((number, values, result))
        else:
            batch.drafts.append(result)
        if batch.full(batch_size):
            batch.done, batch.total = source.bytes_read, total(source)
            yield batch
            batch = Batch([], [], 0, 0, 0)
    batch.done = batch.total = total(source)
    yield batch


def _die_with_parent(parent: int) -> None:
    """Make this (reader) process end when the importing process does, however that ends:
    ``kill -9`` of the parent runs no clean-up, and an orphaned reader would go on reading.

    On Linux the kernel sends SIGKILL when the parent dies (prctl PR_SET_PDEATHSIG); everywhere
    a thread also watches the parent's pid, which covers a parent that died before the prctl.
    """
    if sys.platform.startswith("linux"):
        try:
            libc = ctypes.CDLL(None, use_errno=True)
            libc.prctl(_PR_SET_PDEATHSIG, int(signal.SIGKILL), 0, 0, 0)
        except (OSError, AttributeError):  # no prctl here: the watching thread remains
            pass

    def watch() -> None:
        while os.getppid() == parent:
            time.sleep(0.5)
        os._exit(1)

    if os.getppid() != parent:
        os._exit(1)
    threading.Thread(target=watch, name="jointcredit-parent-watch", daemon=True).start()


_PR_SET_PDEATHSIG = 1
_IN_FLIGHT = 1


def produce_into(queue: Any, parent: int, *args: Any) -> None:
    """Worker process: run :func:`produce` and pass everything, errors included, to ``queue``."""
    _die_with_parent(parent)
    try:
        for item in produce(*args):
            queue.put(item)
    except BaseException as exc:  # handed to the parent, which raises it
        queue.put(exc)
    queue.put(None)


@contextmanager
def _main_not_rerun() -> Iterator[None]:
    """Start a spawned process without running this program's main module again in it.

    A spawned child imports the parent's ``__main__`` (the ``jointcredit`` command: every
    command and service, some 40 MiB) before it runs its target, which lives in this module and
    needs none of it. Hiding the main module's file and spec while the child is prepared
    leaves the child with what the reader needs.
    """
    main = sys.modules.get("__main__")
    if main is None:
        yield
        return
    saved: dict[str, Any] = {
        name: main.__dict__[name] for name in ("__file__", "__spec__") if name in main.__dict__
    }
    main.__dict__.pop("__file__", None)
    main.__dict__["__spec__"] = None
    try:
        yield
    finally:
        main.__dict__.pop("__spec__", None)
        main.__dict__.update(saved)


def from_worker(args: tuple[Any, ...]) -> Iterator[Opened | Batch]:
    """Run :func:`produce` in a child process so that validation overlaps database writes."""
    # spawn, not fork: the parent may hold database connections and threads (the web service).
    context = multiprocessing.get_context("spawn")
    # One batch in the queue while the parent writes another and the child reads a third keeps
    # both processes busy; more would only hold memory.
    queue = context.Queue(maxsize=_IN_FLIGHT)
    worker = context.Process(target=produce_into, args=(queue, os.getpid(), *args), daemon=True)
    with _main_not_rerun():
        worker.start()
    try:
        while True:
            try:
                item = queue.get(timeout=1.0)
            except Empty:
                if worker.is_alive():
                    continue
                raise InputFileError(
                    f"the process reading the file stopped unexpectedly (exit code "
                    f"{worker.exitcode})"
                ) from None
            if item is None:
                break
            if isinstance(item, BaseException):
                raise item
            yield item
    finally:
        if worker.is_alive():
            worker.terminate()
        worker.join()


def total(source: Source) -> int:
    return source.size if source.format != "xlsx" else max(source.bytes_read, 1)


def checked_header(
    rows: Iterator[tuple[int, Mapping[str, str] | RowProblem]],
    source: Source,
    validator: Validator,
    warnings: list[str],
    kind: str,
) -> Iterator[tuple[int, Mapping[str, str] | RowProblem]]:
    """Check the columns once the reader has seen the header; accept Chinese labels too."""
    first = next(rows, None)
    if source.format == "jsonl":
        # JSON objects may leave empty fields out: only unknown keys are worth a warning.
        rename: dict[str, str] = {}
    else:
        rename = _label_map(
            source.fields, getattr(validator, "labels", None) or _by_label(validator.spec)
        )
        fields = [rename.get(name, name) for name in source.fields]
        missing, unknown = validator.check_header(fields)
        duplicated = sorted({name for name in fields if fields.count(name) > 1})
        if duplicated:
            raise InputFileError(
                f"{source.path.name}: columns appear twice: {', '.join(duplicated)}"
            )
        if missing:
            raise InputFileError(
                f"{source.path.name}: the header lacks {len(missing)} required "
                f"column{'s' if len(missing) > 1 else ''} of the {kind} format: "
                + ", ".join(missing)
            )
        if unknown:
            warnings.append("columns not in the format, ignored: " + ", ".join(unknown))
    if first is None:
        return
    yield _renamed(first, rename)
    if rename:
        for row in rows:
            yield _renamed(row, rename)
    else:
        yield from rows


def _by_label(spec: Mapping[str, str]) -> dict[str, str]:
    return {label: name for name, label in spec.items()}


def _label_map(fields: list[str], by_label: Mapping[str, str]) -> dict[str, str]:
    """Header cells that are labels (label → field name), renamed to their fields."""
    names = set(by_label.values())
    return {f: by_label[f] for f in fields if f in by_label and f not in names}


def _renamed(
    row: tuple[int, Mapping[str, str] | RowProblem], rename: dict[str, str]
) -> tuple[int, Mapping[str, str] | RowProblem]:
    number, values = row
    if not rename or isinstance(values, RowProblem):
        return row
    return number, {rename.get(k, k): v for k, v in values.items()}
