"""Property tests of the import's guarantees: no row lost, idempotence, versioning, order.

Each example imports into a fresh SQLite registry of its own (creating one takes some 25 ms), so
examples never see each other's records. Rows are built from :mod:`.rows`: valid rows vary in the
fields the properties are about, spoiled rows are valid rows with one field made invalid, and the
test knows which field the import must name.
"""

from __future__ import annotations

import csv
import datetime as dt
import os
import tempfile
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import Engine, select

from jointcredit.access import OPERATOR
from jointcredit.identifiers.checkchars import USCC_ALPHABET
from jointcredit.importing.formats import LICENSING, PENALTIES
from jointcredit.importing.validate import RecordKind
from jointcredit.services.imports import ImportSummary, import_file
from jointcredit.services.registry import open_registry, subject_report
from jointcredit.services.registry import summary as registry_summary
from jointcredit.store.tables import (
    credit_records,
    record_history,
    relations,
    subject_identifiers,
    subjects,
)

from .rows import licensing_row, penalty_row, resident_id, uscc, write_csv, write_jsonl

TODAY = dt.date(2026, 11, 27)
RIC_ALPHABET = "0123456789X"
REPRESENTATIVES = ("王测试", "李测试", "赵测试", "欧阳测试")

#: JOINTCREDIT_TEST_EXAMPLES raises the number of examples for a deeper search (default 30).
PROPERTY = settings(
    max_examples=int(os.environ.get("JOINTCREDIT_TEST_EXAMPLES", "30")),
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)


# -- registries and files -------------------------------------------------------------------------


@contextmanager
def fresh_registry() -> Iterator[tuple[Engine, Path]]:
    """An empty, migrated SQLite registry and a directory for files, both gone afterwards."""
    with tempfile.TemporaryDirectory(prefix="jc-prop-") as name:
        directory = Path(name)
        engine = open_registry(f"sqlite:///{directory}/registry.sqlite3")
        try:
            yield engine, directory
        finally:
            engine.dispose()


def write_file(
    directory: Path,
    kind: RecordKind,
    rows: Sequence[Mapping[str, str]],
    fmt: str,
    name: str = "data",
) -> Path:
    spec = LICENSING if kind == "licensing" else PENALTIES
    if fmt == "jsonl":
        return write_jsonl(directory / f"{name}.jsonl", rows)
    encoding = "gb18030" if fmt == "csv-gb18030" else "utf-8"
    return write_csv(directory / f"{name}.csv", rows, spec, encoding)


def run_import(engine: Engine, kind: RecordKind, path: Path, **kwargs: Any) -> ImportSummary:
    return import_file(engine, kind, path, today=TODAY, **kwargs)


def stored_payload(row: Mapping[str, str]) -> dict[str, str]:
    """What the registry keeps of a valid row: its non-empty cells, stripped."""
    return {k: v.strip() for k, v in row.items() if v}


def snapshot(engine: Engine) -> dict[str, Any]:
    """The registry's content without surrogate ids, job ids and timestamps."""
    with engine.connect() as conn:
        identifier = {r.id: r.identifier for r in conn.execute(select(subjects))}
        record_key = {r.id: r.natural_key for r in conn.execute(select(credit_records))}
        volatile = {"id", "subject_id", "import_job_id", "recorded_at", "updated_at"}
        records = {}
        for r in conn.execute(select(credit_records)).mappings():
            row = {k: v for k, v in r.items() if k not in volatile}
            row["subject"] = identifier[r["subject_id"]]
            records[r["natural_key"]] = row
        history = sorted(
            (
                record_key[r.record_id],
                r.version,
                r.event,
                r.status,
                r.content_hash,
                tuple(sorted(r.payload.items())),
            )
            for r in conn.execute(select(record_history))
        )
        people = sorted(
            (r.identifier, r.identifier_type, r.kind, r.name)
            for r in conn.execute(select(subjects))
        )
        ids = sorted(
            (identifier[r.subject_id], r.type, r.value)
            for r in conn.execute(select(subject_identifiers))
        )
        links = sorted(
            (
                identifier[r.organization_id],
                identifier[r.person_id],
                r.role,
                r.valid_from,
                r.valid_until,
            )
            for r in conn.execute(select(relations))
        )
    return {
        "records": records,
        "history": history,
        "subjects": people,
        "identifiers": ids,
        "relations": links,
    }


# -- valid rows -----------------------------------------------------------------------------------

_TEXT = st.text(
    alphabet=st.one_of(
        st.characters(min_codepoint=0x4E00, max_codepoint=0x9FA5),
        st.sampled_from("abcXYZ0123456789 ，。、；：“”《》（）,;:\"'\n-_/"),
    ),
    min_size=1,
    max_size=40,
).filter(lambda s: s.strip() != "")


@st.composite
def decision_dates(draw: st.DrawFn, earliest: dt.date = dt.date(2000, 1, 1)) -> tuple[str, dt.date]:
    """A decision date up to TODAY, in one of the spellings departments use."""
    day = draw(st.dates(earliest, TODAY))
    spelling = draw(
        st.sampled_from(
            [
                "{y}-{m:02d}-{d:02d}",
                "{y}/{m}/{d}",
                "{y}年{m}月{d}日",
                "{y}{m:02d}{d:02d}",
                "{y}.{m:02d}.{d:02d}",
            ]
        )
    )
    return spelling.format(y=day.year, m=day.month, d=day.day), day


@st.composite
def amounts(draw: st.DrawFn) -> tuple[str, int]:
    """An amount in 万元 as text, and the number of fen it stands for."""
    whole = draw(st.integers(0, 10**6))
    decimals = draw(st.text(alphabet="0123456789", max_size=6))
    text = f"{whole}.{decimals}" if decimals else str(whole)
    return text, whole * 1_000_000 + int(decimals.ljust(6, "0"))


@dataclass(frozen=True)
class Valid:
    """The varying parts of a valid row; ``build`` makes the row with document number ``index``."""

    subject: int
    representative: int | None  # None: the row names no legal representative
    decided: tuple[str, dt.date]
    amount: tuple[str, int]
    text: str

    def build(self, kind: RecordKind, index: int) -> dict[str, str]:
        if kind == "licensing":
            row = licensing_row(
                self.subject,
                XK_WSH=f"东市监许字〔2023〕第{index:04d}号",
                XK_JDRQ=self.decided[0],
                XK_NR=self.text,
            )
            prefix = "XK_"
        else:
            row = penalty_row(
                self.subject,
                CF_WSH=f"京东市监罚〔2024〕{index}号",
                CF_JDRQ=self.decided[0],
                CF_NR_FK=self.amount[0],
                CF_SY=self.text,
            )
            prefix = "CF_"
        if self.representative is None:
            row[prefix + "FRDB"] = row[prefix + "FR_ZJLX"] = row[prefix + "FR_ZJHM"] = ""
        else:
            row[prefix + "FRDB"] = REPRESENTATIVES[self.representative % len(REPRESENTATIVES)]
            row[prefix + "FR_ZJHM"] = resident_id(self.representative, birth="19700101")
        return row


def valid_parts(
    subjects_: st.SearchStrategy[int] = st.integers(1, 999),
) -> st.SearchStrategy[Valid]:
    return st.builds(
        Valid,
        subject=subjects_,
        representative=st.one_of(st.none(), st.integers(1, 4)),
        decided=decision_dates(),
        amount=amounts(),
        text=_TEXT,
    )


# -- spoiled rows ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class Spoil:
    """One field of a valid row made invalid: a given value, or the check character shifted."""

    field: str
    value: str = ""
    shift: int = 0  # > 0: replace the last character of the valid value, ``shift`` further on
    alphabet: str = ""

    def apply(self, row: dict[str, str]) -> dict[str, str]:
        row = dict(row)
        if self.shift:
            good = row[self.field]
            if not good:  # a legal representative's number on a row that names none
                good = resident_id(123, birth="19700101")
                row[self.field[:3] + "FRDB"] = "钱测试"
            at = self.alphabet.index(good[-1])
            row[self.field] = good[:-1] + self.alphabet[(at + self.shift) % len(self.alphabet)]
        else:
            row[self.field] = self.value
        return row


def _wrong_check(field: str, alphabet: str) -> st.SearchStrategy[Spoil]:
    return st.builds(
        Spoil,
        field=st.just(field),
        shift=st.integers(1, len(alphabet) - 1),
        alphabet=st.just(alphabet),
    )


def _set(field: str, values: st.SearchStrategy[str]) -> st.SearchStrategy[Spoil]:
    return st.builds(Spoil, field=st.just(field), value=values)


_FUTURE = st.dates(TODAY + dt.timedelta(days=1), dt.date(2199, 12, 31)).map(dt.date.isoformat)
_IMPOSSIBLE = st.builds(
    "{}-{}".format,
    st.integers(1950, 2026),
    st.sampled_from(
        ["02-30", "02-31", "04-31", "06-31", "09-31", "11-31", "13-01", "00-10", "01-00", "01-32"]
    ),
)
_NOT_A_DATE = st.sampled_from(
    ["yesterday", "2024-3", "03/05/2024", "2024035", "二〇二四年三月五日"]
)
_LONG_AGO = st.dates(dt.date(1900, 1, 1), dt.date(1949, 9, 30)).map(dt.date.isoformat)
_EMPTY = st.sampled_from(["", " ", "\t "])
_NEGATIVE = amounts().map(lambda a: "-" + a[0])
_NOT_A_NUMBER = st.one_of(
    st.sampled_from(
        ["五万", "1,000", "n/a", "约2", "0.5万", "1e3", ".5", "5.", "1 000", "0.1234567"]
    ),
    st.text(alphabet="abc万元-+,. 0123456789", min_size=1, max_size=8).filter(
        lambda s: s.strip() != "" and not _is_amount(s.strip())
    ),
)


def _is_amount(text: str) -> bool:
    whole, _, decimals = text.partition(".")
    return whole.isdigit() and (decimals == "" if "." not in text else decimals.isdigit())


_REQUIRED = {
    "penalty": (
        "CF_XDR_MC",
        "CF_XDR_LB",
        "CF_WSH",
        "CF_WFXW",
        "CF_SY",
        "CF_YJ",
        "CF_CFLB",
        "CF_NR",
        "CF_JDRQ",
        "CF_CFJG",
        "CF_CFJGDM",
        "CF_SJLY",
        "CF_SJLYDM",
        "CF_NR_FK",
    ),  # CF_NR_FK: the rows are all 罚款, which needs the amount
    "licensing": (
        "XK_XDR_MC",
        "XK_XDR_LB",
        "XK_XKWS",
        "XK_WSH",
        "XK_XKLB",
        "XK_NR",
        "XK_JDRQ",
        "XK_XKJG",
        "XK_XKJGDM",
        "XK_LYDW",
        "XK_LYDWDM",
    ),
}


def spoils(kind: RecordKind) -> st.SearchStrategy[Spoil]:
    p = "XK_" if kind == "licensing" else "CF_"
    common = [
        _wrong_check(p + "XDR_SHXYM", USCC_ALPHABET),
        _wrong_check(p + "FR_ZJHM", RIC_ALPHABET),
        _wrong_check(p + ("XKJGDM" if kind == "licensing" else "CFJGDM"), USCC_ALPHABET),
        _wrong_check(p + ("LYDWDM" if kind == "licensing" else "SJLYDM"), USCC_ALPHABET),
        _set(p + "JDRQ", st.one_of(_FUTURE, _IMPOSSIBLE, _NOT_A_DATE)),
        _set(p + "XDR_SHXYM", _EMPTY),  # an organisation without any identifier
        _set(p + "XDR_LB", st.sampled_from(["公司", "企业", "法人组织"])),
        st.sampled_from(_REQUIRED[kind]).flatmap(lambda field: _set(field, _EMPTY)),
    ]
    if kind == "penalty":
        specific = [
            _set("CF_NR_FK", st.one_of(_NEGATIVE, _NOT_A_NUMBER)),
            _set("CF_NR_WFFF", st.one_of(_NEGATIVE, _NOT_A_NUMBER)),
            _set("CF_CFLB", st.sampled_from(["罚金", "处分", "罚款;罚金", "警告、记过"])),
            _set("CF_YXQ", _LONG_AGO),  # before any decision date the rows have
            _set("CF_GSJZQ", _LONG_AGO),
        ]
    else:
        specific = [
            _set("XK_XKLB", st.sampled_from(["许可", "特殊", "普通许可"])),
            _set("XK_ZT", st.sampled_from(["过期", "暂停", "valid"])),
            _set("XK_YXQZ", st.one_of(_IMPOSSIBLE, _NOT_A_DATE)),
            # The rows' licences start on 2023-06-01.
            _set(
                "XK_YXQZI",
                st.dates(dt.date(1990, 1, 1), dt.date(2023, 5, 31)).map(dt.date.isoformat),
            ),
        ]
    return st.one_of(*common, *specific)


# -- files ----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class File:
    kind: RecordKind
    fmt: str
    parts: list[tuple[Valid, Spoil | None]]

    @property
    def rows(self) -> list[dict[str, str]]:
        """The rows; row i (from 1) has document number i, so that no key repeats."""
        out = []
        for index, (valid, spoil) in enumerate(self.parts, start=1):
            row = valid.build(self.kind, index)
            out.append(spoil.apply(row) if spoil else row)
        return out

    @property
    def spoiled(self) -> dict[int, str]:
        """Row number → the field spoiled in it."""
        return {n: s.field for n, (_, s) in enumerate(self.parts, start=1) if s is not None}


@st.composite
def files(
    draw: st.DrawFn,
    *,
    max_rows: int = 12,
    spoiled: bool = True,
    subjects_: st.SearchStrategy[int] = st.integers(1, 999),
) -> File:
    kind: RecordKind = draw(st.sampled_from(["penalty", "licensing"]))
    fmt = draw(st.sampled_from(["csv", "csv-gb18030", "jsonl"]))
    spoil = st.one_of(st.none(), spoils(kind)) if spoiled else st.none()
    parts = draw(st.lists(st.tuples(valid_parts(subjects_), spoil), min_size=1, max_size=max_rows))
    return File(kind, fmt, parts)


def _record(engine: Engine, row: Mapping[str, str], kind: RecordKind) -> dict[str, Any]:
    p = "XK_" if kind == "licensing" else "CF_"
    report = subject_report(engine, row[p + "XDR_SHXYM"], by=OPERATOR)
    matching = [r for r in report.records if r["document_number"] == row[p + "WSH"]]
    assert len(matching) == 1, (row[p + "WSH"], [r["document_number"] for r in report.records])
    return matching[0]


# -- the properties -------------------------------------------------------------------------------


@PROPERTY
@given(file=files())
def test_no_row_is_lost(file: File) -> None:
    rows, spoiled = file.rows, file.spoiled
    with fresh_registry() as (engine, directory):
        path = write_file(directory, file.kind, rows, file.fmt)
        s = run_import(engine, file.kind, path)

        assert s.rows == len(rows)
        assert s.accepted + s.updated + s.duplicates + s.rejected_rows == s.rows
        assert (s.accepted, s.updated, s.duplicates) == (len(rows) - len(spoiled), 0, 0)
        assert s.rejected_rows == len(spoiled)
        # Each spoiled row is rejected naming the spoiled field, and only that field.
        reported: dict[int, set[str]] = {}
        for item in s.rejected:
            reported.setdefault(item["row"], set()).add(item["field"])
        assert reported == {n: {field} for n, field in spoiled.items()}
        if spoiled:
            rejects_file = path.with_name(path.stem + ".rejects.csv")
            with rejects_file.open(encoding="utf-8-sig", newline="") as f:
                assert [int(r["row"]) for r in csv.DictReader(f)] == sorted(spoiled)

        for n, (row, (valid, _)) in enumerate(zip(rows, file.parts, strict=True), start=1):
            if n in spoiled:
                continue
            record = _record(engine, row, file.kind)
            assert record["payload"] == stored_payload(row)
            assert record["decision_date"] == valid.decided[1].isoformat()
            assert record["version"] == 1
            if file.kind == "penalty":
                assert record["fine_fen"] == valid.amount[1]


@PROPERTY
@given(file=files())
def test_importing_the_same_file_again_changes_nothing(file: File) -> None:
    valid = len(file.rows) - len(file.spoiled)
    with fresh_registry() as (engine, directory):
        path = write_file(directory, file.kind, file.rows, file.fmt)
        first = run_import(engine, file.kind, path)
        before = snapshot(engine)
        again = run_import(engine, file.kind, path)
        assert (again.accepted, again.updated, again.duplicates) == (0, 0, valid)
        assert again.rejected == first.rejected and again.rejected_rows == first.rejected_rows
        assert snapshot(engine) == before


def test_a_file_with_a_key_twice_imported_again_changes_nothing(
    sqlite_url: str, tmp_path: Path
) -> None:
    engine = open_registry(sqlite_url)
    try:
        path = write_csv(
            tmp_path / "p.csv", [penalty_row(1), penalty_row(1, CF_NR_FK="6")], PENALTIES
        )
        first = run_import(engine, "penalty", path)
        assert (first.accepted, first.updated, first.duplicates) == (1, 1, 0)
        history = registry_summary(engine)["history"]
        again = run_import(engine, "penalty", path)
        assert (again.accepted, again.updated, again.duplicates) == (0, 0, 2)
        assert registry_summary(engine)["history"] == history
    finally:
        engine.dispose()


# Non-key fields and valid values for them (the key: authority code, document number, subject).
_CHANGES = {
    "penalty": {
        "CF_XDR_MC": _TEXT.map(lambda s: "北京" + s.strip()[:50] + "有限公司"),
        "CF_FRDB": st.sampled_from(["钱测试", "孙测试", "司马测试"]),
        "CF_FR_ZJHM": st.integers(500, 999).map(lambda n: resident_id(n, birth="19880808")),
        "CF_WFXW": _TEXT,
        "CF_SY": _TEXT,
        "CF_YJ": _TEXT,
        "CF_NR": _TEXT,
        "CF_NR_FK": amounts().map(lambda a: a[0]),
        "CF_JDRQ": decision_dates().map(lambda d: d[0]),
        "CF_CFLB": st.sampled_from(["罚款;警告", "罚款、没收违法所得", "警告;罚款"]),
        "CF_CFJG": _TEXT,
        "CF_SJLY": _TEXT,
        "CF_GSJZQ": st.dates(TODAY, dt.date(2030, 1, 1)).map(dt.date.isoformat),
        "BZ": _TEXT,
    },
    "licensing": {
        "XK_XDR_MC": _TEXT.map(lambda s: "北京" + s.strip()[:50] + "有限公司"),
        "XK_FRDB": st.sampled_from(["钱测试", "孙测试", "司马测试"]),
        "XK_XKWS": _TEXT,
        "XK_XKLB": st.sampled_from(["特许", "认可", "核准", "登记", "其他"]),
        "XK_XKZS": _TEXT,
        "XK_XKBH": _TEXT,
        "XK_NR": _TEXT,
        "XK_JDRQ": decision_dates().map(lambda d: d[0]),
        "XK_YXQZI": st.sampled_from(["长期", "2030-12-31", "2099-12-31"]),
        "XK_ZT": st.sampled_from(["注销", "撤销", "吊销"]),
        "XK_XKJG": _TEXT,
        "BZ": _TEXT,
    },
}


@st.composite
def changes(draw: st.DrawFn) -> tuple[File, int, str, str]:
    """A file of valid rows, a row number in it, a non-key field and a new value for it."""
    file = draw(files(max_rows=6, spoiled=False))
    n = draw(st.integers(1, len(file.parts)))
    field = draw(st.sampled_from(sorted(_CHANGES[file.kind])))
    old = file.rows[n - 1][field]
    new = draw(_CHANGES[file.kind][field].filter(lambda v: v.strip() != old.strip()))
    return file, n, field, new


@PROPERTY
@given(change=changes())
def test_a_changed_row_is_a_new_version_with_history(change: tuple[File, int, str, str]) -> None:
    file, n, field, new = change
    rows = file.rows
    changed = [dict(row) for row in rows]
    changed[n - 1][field] = new
    with fresh_registry() as (engine, directory):
        run_import(engine, file.kind, write_file(directory, file.kind, rows, file.fmt, "a"))
        s = run_import(engine, file.kind, write_file(directory, file.kind, changed, file.fmt, "b"))
        assert (s.accepted, s.updated, s.duplicates, s.rejected_rows) == (0, 1, len(rows) - 1, 0)

        record = _record(engine, changed[n - 1], file.kind)
        assert record["version"] == 2
        assert record["payload"] == stored_payload(changed[n - 1])
        with engine.connect() as conn:
            history = conn.execute(
                select(record_history.c.version, record_history.c.event, record_history.c.payload)
                .where(record_history.c.record_id == record["id"])
                .order_by(record_history.c.version)
            ).all()
        assert [(v, e) for v, e, _ in history] == [(1, "created"), (2, "updated")]
        assert history[0].payload == stored_payload(rows[n - 1])
        assert history[1].payload == stored_payload(changed[n - 1])
        assert history[0].payload.get(field) == (rows[n - 1][field].strip() or None)
        assert history[1].payload[field] == new.strip()
        for m, row in enumerate(rows, start=1):
            if m != n:
                assert _record(engine, row, file.kind)["version"] == 1


def _ties(file: File) -> bool:
    """Whether an organisation has two legal representatives on one decision date."""
    seen: dict[tuple[int, dt.date], set[int]] = {}
    for valid, spoil in file.parts:
        if spoil is None and valid.representative is not None:
            seen.setdefault((valid.subject, valid.decided[1]), set()).add(valid.representative)
    return any(len(people) > 1 for people in seen.values())


@PROPERTY
@given(file=files(subjects_=st.integers(1, 4)), data=st.data())
def test_the_order_of_the_rows_does_not_matter(file: File, data: st.DataObject) -> None:
    """Distinct document numbers, so no key repeats; subjects and representatives do repeat.

    Each import writes in batches of a drawn size: neither order nor batching may change the
    records, nor the relations.
    """
    order = data.draw(st.permutations(range(len(file.parts))), label="order")
    sizes = [data.draw(st.sampled_from([1, 2, 3, 5000]), label="batch size") for _ in "ab"]
    rows = file.rows
    shuffled = [rows[i] for i in order]
    wsh = ("XK_" if file.kind == "licensing" else "CF_") + "WSH"
    results = []
    for these, size in zip((rows, shuffled), sizes, strict=True):
        with fresh_registry() as (engine, directory):
            path = write_file(directory, file.kind, these, file.fmt)
            s = run_import(engine, file.kind, path, batch_size=size)
            rejected = sorted(these[r["row"] - 1][wsh] for r in s.rejected)
            results.append(
                ((s.accepted, s.updated, s.duplicates, s.rejected_rows), rejected, snapshot(engine))
            )
    (counts_a, rejected_a, a), (counts_b, rejected_b, b) = results
    assert counts_a == counts_b
    assert rejected_a == rejected_b
    assert a["records"] == b["records"]
    assert a["history"] == b["history"]
    assert a["subjects"] == b["subjects"]
    assert a["identifiers"] == b["identifiers"]
    assert a["relations"] == b["relations"]


_A = {"CF_FRDB": "甲测试", "CF_FR_ZJHM": resident_id(11)}
_B = {"CF_FRDB": "乙测试", "CF_FR_ZJHM": resident_id(22)}


def _relations(
    directory: Path, rows: list[dict[str, str]], name: str, **kwargs: Any
) -> list[tuple[str, str, str | None]]:
    with fresh_registry() as (engine, _):
        run_import(
            engine, "penalty", write_csv(directory / f"{name}.csv", rows, PENALTIES), **kwargs
        )
        report = subject_report(engine, uscc(1), by=OPERATOR)
        return sorted(
            (r["other_name"], r["valid_from"], r["valid_until"]) for r in report.relations
        )


def test_representatives_on_one_day_do_not_depend_on_the_order(tmp_path: Path) -> None:
    rows = [
        penalty_row(1, CF_WSH="W1", CF_JDRQ="2024-01-01", **_A),
        penalty_row(1, CF_WSH="W2", CF_JDRQ="2024-01-01", **_B),
    ]
    assert _relations(tmp_path, rows, "a") == _relations(tmp_path, rows[::-1], "b")


def test_representative_periods_do_not_depend_on_batches(tmp_path: Path) -> None:
    b1 = penalty_row(1, CF_WSH="W1", CF_JDRQ="2024-01-01", **_B)
    a2 = penalty_row(1, CF_WSH="W2", CF_JDRQ="2024-02-01", **_A)
    b3 = penalty_row(1, CF_WSH="W3", CF_JDRQ="2024-03-01", **_B)
    together = _relations(tmp_path, [b1, a2, b3], "together")
    one_by_one = _relations(tmp_path, [a2, b3, b1], "one-by-one", batch_size=1)
    assert one_by_one == together
