"""``jointcredit ids``: validate and mask identifiers given on the command line or in a file.

``ids validate`` reads identifiers from its arguments and, with ``--file FILE`` or ``-``, from a
file or standard input, one per line. A file is read as a stream, a chunk at a time, and each
identifier's line is written as soon as it is checked: a register of a million codes runs in
flat memory, and a pipe gets its answers while it is still being written.
"""

from __future__ import annotations

import codecs
import json
import os
import sys
from collections.abc import Callable, Iterator
from datetime import date
from typing import IO, Annotated

import typer
from rich.console import Console
from rich.markup import escape

from jointcredit.cli.common import print_error
from jointcredit.cli.tables import CliTable
from jointcredit.errors import InputFileError
from jointcredit.identifiers import IdentifierResult, check, mask_identifier
from jointcredit.messages import Reason, render

app = typer.Typer(help="Identifiers: validate, normalise, mask.", no_args_is_help=True)

_Codes = Annotated[
    list[str], typer.Argument(help="Identifiers, one per argument.", show_default=False)
]

#: Standard input, as an argument or as the value of ``--file``.
STDIN = "-"
#: Bytes asked of the file per read; output is flushed before each read, so that a pipe gets
#: the answers for what it has written before the command waits for more.
CHUNK = 1 << 16
#: Longest line read, in bytes. An identifier with its separators takes a few dozen; a longer
#: line (a binary file, a file with no line breaks) is that line's rejection, never held whole.
LINE_MAX = 4096


def _parse_day(value: str | None) -> date | None:
    if value is None:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise typer.BadParameter(f"{value!r} is not a date (YYYY-MM-DD)") from None


# -- reading identifiers from a file -------------------------------------------------------------


class _LineDecoder:
    """Decodes one line of bytes at a time, as UTF-8 or GB18030.

    The rule of :func:`jointcredit.importing.readers.detect_encoding`, taken line by line rather
    than from a sample of the head, which standard input may not have written yet: a UTF-8 BOM
    decides (it is dropped); otherwise UTF-8 until a line is not UTF-8. That line turns the
    stream to GB18030 while every line before it was ASCII (which reads the same in both);
    after a line that was non-ASCII UTF-8, it is an error that names the line.
    """

    def __init__(self, name: str, head: bytes):
        self.name = name
        if head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
            raise InputFileError(
                f"{name}: the file is UTF-16 (it starts with a UTF-16 byte order mark); "
                "save it as UTF-8 or GB18030"
            )
        self.encoding = "utf-8"
        # Why the encoding can no longer turn: a BOM, or a line of non-ASCII UTF-8.
        self.settled = (
            "the file starts with a UTF-8 BOM" if head.startswith(codecs.BOM_UTF8) else ""
        )

    def __call__(self, number: int, line: bytes) -> str:
        try:
            text = line.decode(self.encoding)
        except UnicodeDecodeError as exc:
            # The position, not the bytes: the line may hold a person's identifier.
            where = f"line {number}, byte {exc.start + 1}"
            if self.settled:
                raise InputFileError(
                    f"{self.name}: {where} is not valid {self.encoding.upper()} ({self.settled})"
                ) from None
            self.encoding = "gb18030"
            self.settled = f"line {number} is GB18030 and not UTF-8"
            try:
                text = line.decode(self.encoding)
            except UnicodeDecodeError as exc2:
                raise InputFileError(
                    f"{self.name}: line {number}, byte {exc2.start + 1} is neither UTF-8 "
                    "nor GB18030"
                ) from None
        if not self.settled and not line.isascii():
            self.settled = f"line {number} is UTF-8 and not ASCII"
        return text


def _read_head(raw: IO[bytes]) -> bytes:
    """The first read of ``raw``: at least 4 bytes (a byte order mark), unless there are fewer."""
    head = b""
    while len(head) < 4 and (more := _read_some(raw)):
        head += more
    return head


def _read_some(raw: IO[bytes]) -> bytes:
    # read1: what is there, waiting only when nothing is (a pipe, a terminal); read(): a file.
    read1 = getattr(raw, "read1", None)
    data: bytes = read1(CHUNK) if read1 is not None else raw.read(CHUNK)
    return data


def read_lines(
    raw: IO[bytes], name: str, before_read: Callable[[], None] = lambda: None
) -> Iterator[tuple[int, str | None]]:
    """``(line number, text)`` for each non-blank line of ``raw``, stripped, in order.

    ``text`` is None for a line longer than :data:`LINE_MAX` bytes, which is skipped unread.
    Line numbers count every line, blank ones too, from 1. ``before_read`` runs before each
    read that may wait. Raises :class:`InputFileError` at a line that cannot be decoded.
    """
    before_read()
    head = _read_head(raw)
    if not head:
        return
    decode = _LineDecoder(name, head)
    if head.startswith(codecs.BOM_UTF8):
        head = head[len(codecs.BOM_UTF8) :]
    number = 0
    pending = b""
    overlong = False  # inside a line longer than LINE_MAX: its bytes are dropped
    chunk = head
    while chunk:
        parts = chunk.split(b"\n")
        parts[0] = pending + parts[0]
        pending = parts.pop()
        for line in parts:
            number += 1
            if overlong or len(line) > LINE_MAX:
                overlong = False
                yield number, None
                continue
            text = decode(number, line).strip()
            if text:
                yield number, text
        if len(pending) > LINE_MAX:
            overlong, pending = True, b""
        before_read()
        chunk = _read_some(raw)
    if overlong or len(pending) > LINE_MAX:
        yield number + 1, None
    elif text := decode(number + 1, pending).strip():
        yield number + 1, text


def _overlong(number: int) -> IdentifierResult:
    return IdentifierResult(
        "", "", None, False, Reason("row.line-not-read", line=number, limit=LINE_MAX), ()
    )


# -- writing results as a stream -----------------------------------------------------------------


def _tsv_field(value: str) -> str:
    return value.replace("\t", " ").replace("\r", " ").replace("\n", " ")


def _tsv_line(number: int | None, r: IdentifierResult) -> str:
    notes = _notes(r, "; ")
    fields = (
        "" if number is None else str(number),
        r.normalized,
        "" if r.type is None else r.type.value,
        "yes" if r.valid else "no",
        notes,
    )
    return "\t".join(map(_tsv_field, fields)) + "\n"


_JSON = json.JSONEncoder(ensure_ascii=False)  # one encoder for a million lines


def _json_line(number: int | None, r: IdentifierResult) -> str:
    return _JSON.encode({"line": number, **r.to_dict()}) + "\n"


def _open_input(path: str) -> tuple[IO[bytes], str]:
    """The file at ``path`` (``-``: standard input) opened for reading bytes, and its name."""
    if path == STDIN:
        return sys.stdin.buffer, "standard input"
    try:
        return open(path, "rb"), path  # closed by the caller
    except FileNotFoundError:
        raise InputFileError(f"{path}: no such file") from None
    except IsADirectoryError:
        raise InputFileError(f"{path}: is a directory, not a file") from None
    except OSError as exc:
        raise InputFileError(f"{path}: cannot be read ({exc.strerror})") from None


def _notes(r: IdentifierResult, sep: str) -> str:
    """The error or the warnings, in the language chosen (--lang, JOINTCREDIT_LANG); the JSON
    keeps the English, as the API does."""
    if r.error is not None:
        return render(r.error)
    return sep.join(map(render, r.warnings))


def _fail(problem: InputFileError) -> typer.Exit:
    print_error(problem)  # masked like a log line (see common.handle_errors)
    return typer.Exit(2)


def _validate_stream(
    sources: list[str | IO[bytes]],
    name: str,
    *,
    day: date | None,
    as_json: bool,
    invalid_only: bool,
) -> None:
    """Check the arguments and the file's lines in order, writing one line each as it goes."""
    out = sys.stdout
    line_of = _json_line if as_json else _tsv_line
    total = invalid = 0

    def results() -> Iterator[tuple[int | None, IdentifierResult]]:
        for source in sources:
            if isinstance(source, str):
                yield None, check(source, today=day)
                continue
            for number, text in read_lines(source, name, out.flush):
                yield number, (_overlong(number) if text is None else check(text, today=day))

    try:
        for number, result in results():
            total += 1
            if not result.valid:
                invalid += 1
            elif invalid_only:
                continue
            out.write(line_of(number, result))
        out.flush()
    except InputFileError as exc:
        raise _fail(exc) from None
    except BrokenPipeError:
        # The reader went away (``| head``): stop quietly; not all were checked.
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, out.fileno())
        raise typer.Exit(1) from None
    if not as_json:
        sys.stderr.write(f"{total} identifiers: {total - invalid} valid, {invalid} invalid\n")
    if invalid:
        raise typer.Exit(code=1)


# -- commands ------------------------------------------------------------------------------------


@app.command()
def validate(
    codes: Annotated[
        list[str] | None,
        typer.Argument(
            help="Identifiers, one per argument; '-' reads standard input, one per line.",
            show_default=False,
        ),
    ] = None,
    file: Annotated[
        str | None,
        typer.Option(
            "--file",
            "-f",
            metavar="FILE",
            help="Also read identifiers from FILE, one per line, after the arguments "
            "('-': standard input). Output is then streamed: tab-separated lines, or JSON "
            "Lines with --json.",
        ),
    ] = None,
    as_json: Annotated[
        bool,
        typer.Option(
            "--json",
            help="Print a JSON array, one object per identifier; JSON Lines when reading a file.",
        ),
    ] = False,
    invalid_only: Annotated[
        bool, typer.Option("--invalid-only", help="Print only the invalid identifiers.")
    ] = False,
    today: Annotated[
        str | None,
        typer.Option(
            "--today",
            metavar="YYYY-MM-DD",
            help="Check birth dates as of this day instead of the current date.",
        ),
    ] = None,
) -> None:
    """Recognise and validate identifiers; exit status 1 when any is invalid.

    From a file or standard input (--file FILE, --file - or the argument -), one identifier
    per line: blank lines are skipped but counted, surrounding spaces and a UTF-8 byte order
    mark dropped; UTF-8, or GB18030. Each is written as soon as it is checked, with its line
    number: one tab-separated line (line, identifier, type, valid yes/no, error or warnings),
    and a count on standard error at the end; with --json, one JSON object per line. A file
    that cannot be read exits with status 2.
    """
    day = _parse_day(today)
    codes = codes or []
    streams = codes.count(STDIN) + (file is not None)
    if not codes and file is None:
        raise typer.BadParameter(
            "no identifiers: give them as arguments, or a file of them (--file FILE; "
            "- for standard input)",
            param_hint="'CODES...' / '--file'",
        )
    if streams > 1:
        raise typer.BadParameter(
            "read one file at a time: '-' and --file both given"
            if file is not None
            else "'-' (standard input) given more than once",
            param_hint="'CODES...' / '--file'",
        )

    if streams == 0:
        results = [check(code, today=day) for code in codes]
        _print_results([r for r in results if not r.valid] if invalid_only else results, as_json)
        if not all(r.valid for r in results):
            raise typer.Exit(code=1)
        return

    # The file is opened before anything is checked: a wrong name fails at once.
    try:
        raw, name = _open_input(file if file is not None else STDIN)
    except InputFileError as exc:
        raise _fail(exc) from None
    sources: list[str | IO[bytes]] = [raw if code == STDIN else code for code in codes]
    if file is not None:
        sources.append(raw)
    try:
        _validate_stream(sources, name, day=day, as_json=as_json, invalid_only=invalid_only)
    finally:
        if raw is not sys.stdin.buffer:
            raw.close()


def _print_results(results: list[IdentifierResult], as_json: bool) -> None:
    """The identifiers given as arguments: a JSON array, or a table."""
    if as_json:
        typer.echo(json.dumps([r.to_dict() for r in results], ensure_ascii=False, indent=2))
        return
    # The normalised form is what gets stored, so it leads; the input only shows where it
    # differs. Codes stay whole: a cut-off code cannot be checked.
    table = CliTable()
    for column in ("identifier", "type", "valid", "error / warnings"):
        table.add_column(column, cjk=column == "error / warnings")
    for r in results:
        shown = escape(r.normalized) or "[dim](empty)[/dim]"
        if r.input != r.normalized:
            shown += f"\n[dim]input: {escape(r.input)}[/dim]"
        notes = _notes(r, "\n")
        table.add_row(
            shown,
            r.type or "—",
            "[green]yes[/green]" if r.valid else "[red]no[/red]",
            escape(notes),
        )
    Console().print(table)


@app.command()
def mask(codes: _Codes) -> None:
    """Print each identifier as public pages show it: personal identifiers masked.

    An identifier whose type cannot be told is masked entirely.
    """
    for code in codes:
        result = check(code)
        typer.echo(mask_identifier(result.normalized, result.type))
