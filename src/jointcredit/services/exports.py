"""Upward files (归集): what a node reports to the national platform, as a file.

``jointcredit export licensing|penalties|list-entries`` and ``GET /api/v1/exports/{kind}``
write the records of one kind whose current version was recorded since a day (or whose
publication began since then), in the national format — the field codes and code values of
:func:`jointcredit.importing.formats.export_row`, in either generation — or, for list entries,
in the generic list-entry format (``importing.list_entries.FIELDS``), as UTF-8 CSV with a byte
order mark or as XLSX. Such a file imports again unchanged (docs/export.md).

- Only what is publishable: the portal's rule (``store.exports``, which uses the same
  condition). A licence revoked or cancelled since the day is a row whose 当前状态 says so
  (无效 / 撤销), as is a penalty in the 2016 format (处罚 当前状态 撤销): the national platform
  holds a copy it must take down. What the file has no place for — a penalty in the current
  format (no status field), a list entry (likewise), and any record withdrawn on an upheld
  objection or repaired (信用修复), which was not revoked by its department — is left out and
  listed in the summary's ``withdrawals``, for the node to withdraw by the national
  platform's own procedure. A publishable record whose subject the 2016 template has no column
  for (a passport) is left out of a 2016 file and listed in ``left_out``.
- The file carries persons' identifiers in full (the national platform needs them): it is not
  public. It is made readable by its owner only, and every export is one ``export-file`` row
  in the audit log naming who exported which kind since when, how many rows, and the file's
  SHA-256 — written before the file is handed over (renamed into place, or sent).
- Memory stays flat: records are read in batches, the CSV written as they come, an XLSX in
  openpyxl's write-only mode. The file is written beside its target and renamed into place at
  the end: a failed export leaves no half-written file.
"""

from __future__ import annotations

import csv
import datetime as dt
import os
import tempfile
import time
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any, Final, Literal, Protocol, cast, get_args

from sqlalchemy import Engine, RowMapping

from jointcredit.access import Principal, require
from jointcredit.clock import day_start
from jointcredit.clock import today as china_today
from jointcredit.errors import InvalidInputError
from jointcredit.identifiers.mask import mask_identifier
from jointcredit.importing.formats import GENERATIONS, Generation, export_row, spec
from jointcredit.importing.list_entries import FIELDS as LIST_ENTRY_FIELDS
from jointcredit.importing.list_formats import FORMAT_KEY
from jointcredit.jsontext import dumps
from jointcredit.security.digest import file_sha256
from jointcredit.services import audit
from jointcredit.store import exports as store

ExportKind = Literal["licensing", "penalty", "list-entry"]
FileType = Literal["csv", "xlsx"]

#: The names the command line and the API give the kinds → the kind.
KIND_NAMES: Final[Mapping[str, ExportKind]] = {
    "licensing": "licensing",
    "penalties": "penalty",
    "list-entries": "list-entry",
}
#: The record kinds of each export.
RECORD_KINDS: Final[Mapping[ExportKind, tuple[str, ...]]] = {
    "licensing": ("licensing",),
    "penalty": ("penalty",),
    "list-entry": ("red-list", "black-list"),
}
FILE_TYPES: Final[tuple[FileType, ...]] = get_args(FileType)
MEDIA_TYPES: Final[Mapping[FileType, str]] = {
    "csv": "text/csv; charset=utf-8",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}
DEFAULT_GENERATION: Final[Generation] = "current"

#: The columns of an exported list entry: the generic format's, the subject spelt out in
#: columns and ``persons`` a JSON array; neither the whole-subject JSON column nor a national
#: list's own columns (an entry imported in such a format is reported in the generic one).
LIST_ENTRY_COLUMNS: Final[tuple[str, ...]] = tuple(
    name for name in LIST_ENTRY_FIELDS if name not in ("subject", FORMAT_KEY)
)
#: Statuses a row of the file may report beside ``active``: a licence's 当前状态 (both
#: generations) and a 2016 penalty's say the decision no longer stands.
CARRIED_ENDS: Final = frozenset({"revoked", "cancelled"})
#: The columns that identify a row's subject, in either generation (after XK_ / CF_).
_SUBJECT_IDENTIFIERS: Final = frozenset(
    {
        # current
        "XDR_SHXYM", "XDR_GSZC", "XDR_ZZJG", "XDR_SWDJ", "XDR_SYDW", "XDR_SHZZ", "XDR_ZJHM",
        # 2016
        "XDR_ZDM", "XDR_GSDJ", "XDR_SFZ",
    }
)  # fmt: skip
#: Most withdrawals (and records left out) a summary lists; all are counted.
WITHDRAWALS_LISTED: Final = 10_000
#: Data rows an XLSX sheet holds (1,048,576 rows, less the header).
XLSX_MAX_ROWS: Final = 1_048_575
#: Longest text of an XLSX cell (Excel's own limit).
XLSX_MAX_CELL: Final = 32_767

#: How each door names the parameters in its errors.
HTTP_NAMES: Final[Mapping[str, str]] = {
    "since": "query.since",
    "format": "query.format",
    "type": "query.type",
    "kind": "path.kind",
}
CLI_NAMES: Final[Mapping[str, str]] = {
    "since": "--since",
    "format": "--format",
    "type": "-o",
    "kind": "KIND",
}


def _invalid(names: Mapping[str, str], parameter: str, message: str) -> InvalidInputError:
    where = names.get(parameter, parameter)
    return InvalidInputError(f"{where}: {message}", problems=[{"where": where, "message": message}])


@dataclass(frozen=True, slots=True)
class ExportRequest:
    """An export's parameters, checked (:func:`export_request`)."""

    kind: ExportKind
    since: dt.date
    #: The national format's generation; None for list entries (one format).
    generation: Generation | None
    file_type: FileType

    @property
    def name(self) -> str:
        """The kind as the command line and the API name it."""
        return next(name for name, kind in KIND_NAMES.items() if kind == self.kind)

    def header(self) -> list[str]:
        if self.kind == "list-entry":
            return list(LIST_ENTRY_COLUMNS)
        assert self.generation is not None
        return list(spec(self.kind, self.generation))

    def filename(self) -> str:
        """What a download is called: ``penalties-current-since-2026-01-01.csv``."""
        generation = f"-{self.generation}" if self.generation else ""
        return f"{self.name}{generation}-since-{self.since.isoformat()}.{self.file_type}"


def file_type_of(path: Path, names: Mapping[str, str] = CLI_NAMES) -> FileType:
    """The file type a target's extension asks for: ``.csv`` or ``.xlsx``."""
    suffix = path.suffix.lower().lstrip(".")
    if suffix not in FILE_TYPES:
        raise _invalid(names, "type", f"{path.name!r}: the file name must end in .csv or .xlsx")
    return suffix


def export_request(
    kind: str,
    *,
    since: str | dt.date | None,
    generation: str | None = None,
    file_type: str = "csv",
    today: dt.date | None = None,
    names: Mapping[str, str] = HTTP_NAMES,
) -> ExportRequest:
    """The parameters checked, each error naming its parameter as the door (``names``) does.

    ``kind``: ``licensing``, ``penalties`` or ``list-entries`` (or the kind itself);
    ``since``: a day, ``YYYY-MM-DD``, not after today (in China); ``generation``: ``current``
    (the default) or ``2016``, for licensing and penalties only; ``file_type``: csv or xlsx."""
    found = KIND_NAMES.get(kind) or (kind if kind in RECORD_KINDS else None)
    if found is None:
        raise _invalid(names, "kind", f"{kind!r} is not one of " + ", ".join(KIND_NAMES))
    export_kind = cast(ExportKind, found)
    day = today or china_today()
    if since is None or since == "":
        raise _invalid(names, "since", "required: a day, YYYY-MM-DD")
    if isinstance(since, dt.date):
        first = since
    else:
        try:
            if len(since) != 10:
                raise ValueError(since)
            first = dt.date.fromisoformat(since)
        except ValueError:
            raise _invalid(names, "since", f"{since[:40]!r} is not a day, YYYY-MM-DD") from None
    if first > day:
        raise _invalid(names, "since", f"{first} is after today ({day})")
    chosen: Generation | None
    if export_kind == "list-entry":
        if generation not in (None, "", DEFAULT_GENERATION):
            raise _invalid(
                names,
                "format",
                "list entries have one format (the generic list-entry format); "
                "current and 2016 are formats of licensing and penalties",
            )
        chosen = None
    elif generation in (None, ""):
        chosen = DEFAULT_GENERATION
    elif generation in GENERATIONS:
        chosen = generation
    else:
        raise _invalid(
            names, "format", f"{str(generation)[:40]!r} is not one of " + ", ".join(GENERATIONS)
        )
    if file_type not in FILE_TYPES:
        raise _invalid(
            names, "type", f"{str(file_type)[:40]!r} is not one of " + ", ".join(FILE_TYPES)
        )
    return ExportRequest(export_kind, first, chosen, file_type)


@dataclass(slots=True)
class ExportSummary:
    kind: ExportKind
    generation: Generation | None
    file_type: FileType
    file: str
    since: dt.date
    #: The day publication was judged on.
    day: dt.date
    rows: int = 0
    #: Rows of the file per record status (``active``, ``revoked``, ``cancelled``).
    by_status: Counter[str] = field(default_factory=Counter)
    #: Records that left publication since the day and that the file has no place for: the
    #: node withdraws them by the national platform's own procedure (at most
    #: :data:`WITHDRAWALS_LISTED`; ``withdrawal_count`` counts them all).
    withdrawals: list[dict[str, Any]] = field(default_factory=list)
    withdrawal_count: int = 0
    #: Publishable records the file cannot carry: in the 2016 template, a subject known only
    #: by an identifier the template has no column for (a person's passport, an organisation's
    #: certificate number). A row without any identifier names nobody, and the importer
    #: refuses it; the node reports these in the current format. Listed like withdrawals.
    left_out: list[dict[str, Any]] = field(default_factory=list)
    left_out_count: int = 0
    sha256: str = ""
    audit_entry: int | None = None
    seconds: float = 0.0

    def to_dict(self) -> dict[str, Any]:
        return {
            "kind": self.kind,
            "format": self.generation,
            "type": self.file_type,
            "file": self.file,
            "since": self.since.isoformat(),
            "publishable_on": self.day.isoformat(),
            "rows": self.rows,
            "by_status": dict(sorted(self.by_status.items())),
            "withdrawals": self.withdrawals,
            "withdrawal_count": self.withdrawal_count,
            "withdrawals_truncated": self.withdrawal_count > len(self.withdrawals),
            "left_out": self.left_out,
            "left_out_count": self.left_out_count,
            "sha256": self.sha256,
            "audit_entry": self.audit_entry,
            "seconds": round(self.seconds, 3),
        }


# -- the rows --------------------------------------------------------------------------------


def _payload(row: RowMapping) -> Mapping[str, Any]:
    payload = row["payload"]
    return payload if isinstance(payload, Mapping) else {}


def _text(value: Any) -> str:
    return "" if value is None else str(value)


def list_entry_row(payload: Mapping[str, Any]) -> list[str]:
    """A stored list entry as a row of :data:`LIST_ENTRY_COLUMNS`: the generic keys only."""
    subject = payload.get("subject")
    subject = subject if isinstance(subject, Mapping) else {}
    out: list[str] = []
    for name in LIST_ENTRY_COLUMNS:
        if name.startswith("subject."):
            out.append(_text(subject.get(name.removeprefix("subject."))))
        elif name == "persons":
            persons = payload.get("persons")
            out.append(dumps([_person(p) for p in persons]) if persons else "")
        else:
            out.append(_text(payload.get(name)))
    return out


#: The keys of a person reached through an entry, in the order the import writes them.
_PERSON_KEYS = ("role", "name", "id_number")


def _person(person: Any) -> Any:
    """A person of an entry with its keys in one order, whatever the database kept (PostgreSQL's
    JSONB keeps none): the same entry is the same row on every backend."""
    if not isinstance(person, Mapping):
        return person
    known = {k: person[k] for k in _PERSON_KEYS if k in person}
    return known | {k: person[k] for k in sorted(person) if k not in known}


def _carried(request: ExportRequest, status: str) -> bool:
    """Whether a row of the file reports a record of this status."""
    if status == "active":
        return True
    if status not in CARRIED_ENDS:
        return False
    return request.kind == "licensing" or (
        request.kind == "penalty" and request.generation == "2016"
    )


def _withdrawal(row: RowMapping) -> dict[str, Any]:
    """What the node needs to find a record at the national platform: the decision, its
    authority and the subject — a person's identity number masked (the summary is printed)."""
    return {
        "kind": row["kind"],
        "status": row["status"],
        "document_number": row["document_number"],
        "issuing_authority": row["issuing_authority"],
        "decision_date": row["decision_date"].isoformat(),
        "list_type": row["list_type"],
        "subject": mask_identifier(row["subject_identifier"], row["subject_identifier_type"]),
        "changed_at": _stamp(row["changed_at"]),
    }


def _stamp(value: dt.datetime) -> str:
    if value.tzinfo is None:
        value = value.replace(tzinfo=dt.UTC)
    return value.astimezone(dt.UTC).isoformat()


# -- the files -------------------------------------------------------------------------------


class _Sheet(Protocol):
    def write(self, values: Sequence[str]) -> None: ...
    def close(self) -> None: ...


class _Csv:
    """UTF-8 with a byte order mark (spreadsheet programs on Chinese Windows need it, the
    importer accepts it), CRLF line ends, every value as it is stored."""

    def __init__(self, path: Path):
        self.out: IO[str] = path.open("w", encoding="utf-8-sig", newline="")
        self.writer = csv.writer(self.out, lineterminator="\r\n")

    def write(self, values: Sequence[str]) -> None:
        self.writer.writerow(values)

    def close(self) -> None:
        self.out.close()


class _Xlsx:
    """One sheet in openpyxl's write-only mode (rows go to a temporary file as they come);
    every cell a text cell, so that a code keeps its leading zeros, a date stays text and a
    value starting with ``=`` is never a formula."""

    def __init__(self, path: Path, title: str):
        from openpyxl import Workbook  # slow to import; only XLSX needs it
        from openpyxl.cell import WriteOnlyCell

        self.path = path
        self.book = Workbook(write_only=True)
        self.sheet = self.book.create_sheet(title)
        self.cell = WriteOnlyCell
        self.rows = -1  # the header is not a data row

    def _cell(self, value: str) -> Any:
        if not value:
            return None
        cell = self.cell(self.sheet, value=value)
        cell.data_type = "s"
        return cell

    def write(self, values: Sequence[str]) -> None:
        self.rows += 1
        if self.rows > XLSX_MAX_ROWS:
            raise InvalidInputError(
                f"an XLSX sheet holds at most {XLSX_MAX_ROWS:,} rows; this export has more: "
                "export as CSV"
            )
        for value in values:
            if len(value) > XLSX_MAX_CELL:
                raise InvalidInputError(
                    f"a value of {len(value):,} characters (row {self.rows}) is longer "
                    f"than an XLSX cell holds ({XLSX_MAX_CELL:,}): export as CSV"
                )
        self.sheet.append([self._cell(v) for v in values])

    def close(self) -> None:
        self.book.save(self.path)


def _open(request: ExportRequest, path: Path) -> _Sheet:
    if request.file_type == "xlsx":
        return _Xlsx(path, request.name)
    return _Csv(path)


def _write(engine: Engine, request: ExportRequest, path: Path, summary: ExportSummary) -> None:
    query = store.ExportQuery(
        RECORD_KINDS[request.kind], day_start(request.since), request.since, summary.day
    )
    header = request.header()
    identifiers = [name for name in header if name.removeprefix("XK_").removeprefix("CF_")
                   in _SUBJECT_IDENTIFIERS]  # fmt: skip
    sheet = _open(request, path)
    try:
        sheet.write(header)
        with engine.connect() as conn:
            if conn.dialect.name == "postgresql":
                # One snapshot for the whole file, however long it takes to write.
                conn = conn.execution_options(isolation_level="REPEATABLE READ")
            for row in store.exported_records(conn, query):
                status = row["status"]
                if not _carried(request, status):
                    summary.withdrawal_count += 1
                    if len(summary.withdrawals) < WITHDRAWALS_LISTED:
                        summary.withdrawals.append(_withdrawal(row))
                    continue
                if request.generation is None:
                    values = list_entry_row(_payload(row))
                else:
                    exported = export_row(request.kind, _payload(row), status, request.generation)
                    if not any(exported.get(name) for name in identifiers):
                        summary.left_out_count += 1
                        if len(summary.left_out) < WITHDRAWALS_LISTED:
                            summary.left_out.append(_withdrawal(row))
                        continue
                    values = [exported.get(name, "") for name in header]
                sheet.write(values)
                summary.rows += 1
                summary.by_status[status] += 1
    finally:
        sheet.close()


def _audit_event(request: ExportRequest, summary: ExportSummary) -> audit.Event:
    return audit.Event(
        "export-file",
        result_digest=f"sha256:{summary.sha256}",
        detail={
            "kind": request.kind,
            "format": request.generation,
            "type": request.file_type,
            "since": request.since.isoformat(),
            "file": Path(summary.file).name,
            "rows": summary.rows,
            "by_status": dict(sorted(summary.by_status.items())),
            "withdrawals": summary.withdrawal_count,
            "left_out": summary.left_out_count,
        },
    )


def export_file(
    engine: Engine,
    kind: str,
    target: Path,
    *,
    since: str | dt.date | None,
    by: Principal,
    generation: str | None = None,
    today: dt.date | None = None,
    recorder: audit.Recorder | None = None,
) -> ExportSummary:
    """Write the upward file of ``kind`` to ``target`` (CSV or XLSX by its extension) and
    record the export in the audit log: ``jointcredit export``.

    Needs the ``export`` permission (a supervisor's key, or the operator). The parameters are
    checked (:func:`export_request`, errors naming the command's options); the file is written
    beside ``target`` (owner-only), its export recorded (``recorder``, default one transaction
    of its own), then renamed to ``target``. On any failure — the registry, the disk, the audit
    row — the partial file is removed and ``target`` is left as it was."""
    require(by, "export")
    day = today or china_today()
    request = export_request(
        kind,
        since=since,
        generation=generation,
        file_type=file_type_of(target, CLI_NAMES),
        today=day,
        names=CLI_NAMES,
    )
    if not target.parent.is_dir():
        raise InvalidInputError(f"-o: no directory {target.parent}")
    return _export(engine, request, target, by=by, day=day, recorder=recorder)


def export_download(
    engine: Engine,
    kind: str,
    directory: Path,
    *,
    since: str | None,
    by: Principal,
    generation: str | None = None,
    file_type: str = "csv",
    today: dt.date | None = None,
    recorder: audit.Recorder | None = None,
) -> ExportSummary:
    """:func:`export_file` for the API: the file written into ``directory`` (a temporary one
    the caller removes after sending it) under its download name (``summary.file``), errors
    naming the query parameters."""
    require(by, "export")
    day = today or china_today()
    request = export_request(
        kind, since=since, generation=generation, file_type=file_type, today=day, names=HTTP_NAMES
    )
    return _export(
        engine, request, directory / request.filename(), by=by, day=day, recorder=recorder
    )


def _export(
    engine: Engine,
    request: ExportRequest,
    target: Path,
    *,
    by: Principal,
    day: dt.date,
    recorder: audit.Recorder | None,
) -> ExportSummary:
    started = time.perf_counter()
    summary = ExportSummary(
        request.kind, request.generation, request.file_type, str(target), request.since, day
    )
    handle, name = tempfile.mkstemp(dir=target.parent, prefix=f".{target.name}.", suffix=".part")
    os.close(handle)
    partial = Path(name)
    try:
        _write(engine, request, partial, summary)
        summary.sha256 = file_sha256(partial)
        summary.seconds = time.perf_counter() - started
        record = recorder or audit.direct(engine)
        [summary.audit_entry] = record(by, [_audit_event(request, summary)])
        os.replace(partial, target)
    except BaseException:
        partial.unlink(missing_ok=True)
        raise
    return summary


__all__ = [
    "CLI_NAMES",
    "DEFAULT_GENERATION",
    "FILE_TYPES",
    "HTTP_NAMES",
    "KIND_NAMES",
    "LIST_ENTRY_COLUMNS",
    "MEDIA_TYPES",
    "ExportKind",
    "ExportRequest",
    "ExportSummary",
    "FileType",
    "export_download",
    "export_file",
    "export_request",
    "file_type_of",
    "list_entry_row",
]
