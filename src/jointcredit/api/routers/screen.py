"""Bulk screening: every identifier of an uploaded file checked, streamed back line by line."""

from __future__ import annotations

import datetime as dt
import json
import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Annotated, Any

from fastapi import APIRouter, File, Query, UploadFile
from fastapi.responses import StreamingResponse
from starlette.background import BackgroundTask

from jointcredit.api import schemas
from jointcredit.api.deps import AuditRecorder, Caller, Registry
from jointcredit.errors import InvalidInputError
from jointcredit.importing.identifiers_file import CSV_SUFFIXES, JSONL_SUFFIXES, read_identifiers
from jointcredit.services.check import screen_audited

router = APIRouter(tags=["screen"])

#: Codes: no control characters (they can name nothing in the catalog).
CODE = r"^[^\x00-\x1f\x7f]+$"

#: A calendar day as ISO 8601 text (a number is not a date, whatever pydantic would make of it).
DAY = r"^[0-9]{4}-[0-9]{2}-[0-9]{2}$"

NDJSON = "application/x-ndjson"


def _day(text: str | None) -> dt.date | None:
    if text is None:
        return None
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        raise InvalidInputError(f"query.as_of: {text!r} is not a date") from None


_LINE_SCHEMA: dict[str, Any] = {
    "type": "string",
    "description": "JSON Lines: one object per input line, in order, as `jointcredit screen` "
    "writes them: `line`, `input`, `error`, and for a valid identifier `identifier`, "
    "`subject`, `as_of`, `catalog_version`, `decisions`.",
}


def _suffix(filename: str | None) -> str:
    suffix = Path((filename or "").replace("\\", "/")).suffix.lower()
    return suffix if suffix in (*CSV_SUFFIXES, *JSONL_SUFFIXES) else ".txt"


def _lines(first: Any, rest: Iterator[Any], tmp: str) -> Iterator[bytes]:
    try:
        if first is not None:
            yield (json.dumps(first.to_dict(), ensure_ascii=False) + "\n").encode()
        for item in rest:
            yield (json.dumps(item.to_dict(), ensure_ascii=False) + "\n").encode()
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


@router.post(
    "/screen",
    response_class=StreamingResponse,
    responses=schemas.ERRORS
    | {
        200: {
            "description": "One JSON object per input line",
            "content": {NDJSON: {"schema": _LINE_SCHEMA}},
        }
    },
    summary="Screen a file of identifiers",
)
def screen(
    registry: Registry,
    caller: Caller,
    recorder: AuditRecorder,
    file: Annotated[
        UploadFile,
        File(
            description="CSV (a column identifier, uscc or id_number, else the first), JSON "
            "Lines (.jsonl) or one identifier per line; the suffix decides."
        ),
    ],
    matter: Annotated[
        str,
        Query(
            min_length=1,
            max_length=64,
            pattern=CODE,
            description="Matter of the check (catalog code).",
        ),
    ],
    department: Annotated[
        str | None,
        Query(
            max_length=64,
            pattern=CODE,
            description="Checking department (catalog code); default: the key's department, "
            "and no other.",
        ),
    ] = None,
    as_of: Annotated[
        str | None,
        Query(pattern=DAY, description="Date the checks answer for, YYYY-MM-DD (default: today)."),
    ] = None,
) -> StreamingResponse:
    """Check every identifier of the file, as `jointcredit screen FILE` does, and stream one
    line of JSON per input line, in order: an invalid identifier gets its `error`, never
    dropped. Needs an `implementer` key, for its own department; each batch of checks is
    recorded in the audit log (one `screen` row per subject) before its lines are sent. At
    most JOINTCREDIT_API_MAX_UPLOAD_BYTES (413 above)."""
    tmp = tempfile.mkdtemp(prefix="jointcredit-screen-")
    try:
        path = Path(tmp) / f"identifiers{_suffix(file.filename)}"
        with path.open("wb") as out:
            shutil.copyfileobj(file.file, out, 1 << 20)
        results = screen_audited(
            registry,
            read_identifiers(path),
            by=caller,
            department=department or caller.department or "",
            matter=matter,
            as_of=_day(as_of),
            recorder=recorder,
        )
        # The first line is computed here, so that a refused caller or an unknown department
        # or matter is answered with its error status, not with a broken stream.
        first = next(results, None)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    return StreamingResponse(
        _lines(first, results, tmp),
        media_type=NDJSON,
        background=BackgroundTask(shutil.rmtree, tmp, ignore_errors=True),
    )
