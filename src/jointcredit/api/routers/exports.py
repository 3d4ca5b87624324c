"""Upward files (归集) for the national platform: `jointcredit export` over HTTP, for a
`supervisor` key (docs/export.md)."""

from __future__ import annotations

import os
import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import IO, Annotated, Literal

from fastapi import APIRouter, Query
from fastapi import Path as PathParam
from fastapi.responses import StreamingResponse

from jointcredit.api import schemas
from jointcredit.api.deps import AuditRecorder, Caller, Registry
from jointcredit.services import exports

router = APIRouter(tags=["exports"])

#: A calendar day as ISO 8601 text (a number is not a date, whatever pydantic would make of it).
DAY = r"^[0-9]{4}-[0-9]{2}-[0-9]{2}$"

_FILE = {"type": "string", "format": "binary"}
_CHUNK = 1 << 16


def _chunks(handle: IO[bytes]) -> Iterator[bytes]:
    with handle:
        while chunk := handle.read(_CHUNK):
            yield chunk


@router.get(
    "/exports/{kind}",
    response_class=StreamingResponse,
    responses=schemas.ERRORS
    | {
        200: {
            "description": "The upward file, as an attachment",
            "content": {media: {"schema": _FILE} for media in exports.MEDIA_TYPES.values()},
        }
    },
    summary="The upward file of one kind",
)
def export(
    registry: Registry,
    caller: Caller,
    recorder: AuditRecorder,
    kind: Annotated[
        Literal["licensing", "penalties", "list-entries"],
        PathParam(description="licensing, penalties or list-entries."),
    ],
    since: Annotated[
        str,
        Query(
            pattern=DAY,
            description="Records whose current version was recorded on or after this day "
            "(China time), or whose publication began on or after it: YYYY-MM-DD, not after "
            "today.",
        ),
    ],
    generation: Annotated[
        Literal["current", "2016"],
        Query(
            alias="format",
            description="Generation of the national format (licensing and penalties); list "
            "entries have one format and accept only the default.",
        ),
    ] = "current",
    file_type: Annotated[
        Literal["csv", "xlsx"],
        Query(alias="type", description="csv: UTF-8 with a byte order mark; xlsx: one sheet."),
    ] = "csv",
) -> StreamingResponse:
    """The records of one kind that the node reports to the national platform, as
    `jointcredit export KIND --since DAY` writes them: only what is publishable, in the
    national field codes and code values (list entries in the generic list-entry format),
    persons' identifiers in full. Needs a `supervisor` key. The file is complete before it is
    sent, and the export is recorded in the audit log (`export-file`) first;
    `X-Export-Rows`, `X-Export-Withdrawals` and `X-Export-Left-Out` count its rows, the
    records that left publication which the file has no place for, and the publishable ones
    the 2016 template cannot carry (`jointcredit export --json` lists both)."""
    directory = Path(tempfile.mkdtemp(prefix="jointcredit-export-"))
    try:
        summary = exports.export_download(
            registry,
            kind,
            directory,
            since=since,
            generation=generation,
            file_type=file_type,
            by=caller,
            recorder=recorder,
        )
    except BaseException:
        shutil.rmtree(directory, ignore_errors=True)
        raise
    path = Path(summary.file)
    # Opened, then removed at once: the open handle keeps the data until it is sent, and no
    # copy of persons' identifiers is left on disk, even when the client goes away.
    try:
        handle = path.open("rb")
        size = os.fstat(handle.fileno()).st_size
    finally:
        shutil.rmtree(directory, ignore_errors=True)
    return StreamingResponse(
        _chunks(handle),
        media_type=exports.MEDIA_TYPES[summary.file_type],
        headers={
            "Content-Disposition": f'attachment; filename="{path.name}"',
            "Content-Length": str(size),
            "Cache-Control": "no-store",
            "X-Export-Rows": str(summary.rows),
            "X-Export-Withdrawals": str(summary.withdrawal_count),
            "X-Export-Left-Out": str(summary.left_out_count),
        },
    )
