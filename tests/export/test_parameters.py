"""An export's parameters: each error names its parameter as the door names it; who may
export."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from sqlalchemy import Engine

from jointcredit.access import OPERATOR, PUBLIC, Principal
from jointcredit.errors import AuthenticationError, InvalidInputError, PermissionDeniedError
from jointcredit.services.exports import (
    CLI_NAMES,
    HTTP_NAMES,
    export_file,
    export_request,
    file_type_of,
)
from jointcredit.services.registry import open_registry

TODAY = dt.date(2026, 12, 7)


def _refused(where: str, **kw: object) -> InvalidInputError:
    with pytest.raises(InvalidInputError) as caught:
        export_request(**{"kind": "penalties", "since": "2026-01-01", "today": TODAY, **kw})  # type: ignore[arg-type]
    error = caught.value
    assert str(error).startswith(f"{where}: ")
    assert error.problems is not None and error.problems[0]["where"] == where
    return error


def test_a_good_request() -> None:
    made = export_request("penalties", since="2026-01-01", today=TODAY)
    assert (made.kind, made.since, made.generation, made.file_type) == (
        "penalty", dt.date(2026, 1, 1), "current", "csv"
    )  # fmt: skip
    assert made.filename() == "penalties-current-since-2026-01-01.csv"
    made = export_request("list-entries", since=TODAY, generation="current", today=TODAY)
    assert made.generation is None and made.filename() == "list-entries-since-2026-12-07.csv"
    made = export_request("licensing", since="1949-10-01", generation="2016", file_type="xlsx")
    assert made.header()[:2] == ["XK_WSH", "XK_XMMC"]


@pytest.mark.parametrize(
    ("since", "why"),
    [
        ("2026-02-30", "is not a day"),
        ("yesterday", "is not a day"),
        ("20260101", "is not a day"),
        ("2026-12-08", "is after today"),
        ("", "required"),
        (None, "required"),
    ],
)
def test_since_is_a_day_not_after_today(since: str | None, why: str) -> None:
    assert why in str(_refused("query.since", since=since))
    assert why in str(_refused("--since", since=since, names=CLI_NAMES))


def test_format_type_and_kind() -> None:
    _refused("query.format", generation="2019")
    error = _refused("query.format", kind="list-entries", generation="2016")
    assert "list entries have one format" in str(error)
    _refused("query.type", file_type="xls")
    _refused("path.kind", kind="commitments")
    assert HTTP_NAMES["kind"] == "path.kind"
    assert file_type_of(Path("a/b.XLSX")) == "xlsx"
    with pytest.raises(InvalidInputError, match=r"^-o: 'b\.txt': the file name must end in"):
        file_type_of(Path("a/b.txt"))


def test_who_may_export(sqlite_url: str, tmp_path: Path) -> None:
    engine: Engine = open_registry(sqlite_url)
    target = tmp_path / "out.csv"
    try:
        for role in ("initiator", "implementer", "reviewer", "admin"):
            with pytest.raises(PermissionDeniedError):
                export_file(
                    engine, "licensing", target, since="2026-01-01", by=Principal(role, "NDRC", 1)
                )
        with pytest.raises(AuthenticationError):
            export_file(engine, "licensing", target, since="2026-01-01", by=PUBLIC)
        # Errors name the command's options; nothing is written.
        with pytest.raises(InvalidInputError, match=r"^-o: "):
            export_file(engine, "licensing", tmp_path / "out.ods", since="2026-01-01", by=OPERATOR)
        with pytest.raises(InvalidInputError, match=r"^-o: no directory"):
            export_file(
                engine, "licensing", tmp_path / "no" / "out.csv", since="2026-01-01", by=OPERATOR
            )
        summary = export_file(
            engine, "licensing", target, since="2026-01-01", by=Principal("supervisor", "NDRC", 7)
        )
        assert summary.rows == 0 and target.read_bytes().startswith(b"\xef\xbb\xbfXK_XDR_MC,")
        left = [p.name for p in tmp_path.iterdir() if not p.name.startswith("registry")]
        assert left == ["out.csv"]
    finally:
        engine.dispose()
