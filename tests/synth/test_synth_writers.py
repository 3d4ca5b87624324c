"""The streaming writers: output equals what the standard modules write, in every encoding."""

from __future__ import annotations

import csv
import io
import json
from datetime import date
from pathlib import Path

import pytest
from openpyxl import load_workbook

from jointcredit import synth
from jointcredit.synth.writers import write_rows

FIELDS = ("A", "B", "C")
AWKWARD = [
    {"A": "普通", "B": "a,b", "C": 'say "hi"'},
    {"A": "line\nbreak", "B": "cr\rhere", "C": "back\\slash"},
    {"A": "tab\there", "B": "", "C": "〔2024〕"},
    {"A": "plain", "B": "中文；全角，逗号", "C": "x"},
]


@pytest.fixture(scope="module")
def rows() -> list[dict[str, str]]:
    return list(synth.Generator(seed=9, today=date(2025, 6, 30), subjects=40).penalty_rows(120))


@pytest.mark.parametrize("encoding", synth.ENCODINGS)
def test_csv_decodes_and_round_trips(tmp_path: Path, rows: list[dict[str, str]],
                                     encoding: str) -> None:  # fmt: skip
    path = tmp_path / "p.csv"
    assert write_rows(path, rows, synth.PENALTY_FIELDS, "csv", encoding) == len(rows)
    raw = path.read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf") == (encoding == "utf-8-sig")
    with open(path, encoding=encoding, newline="") as f:
        back = list(csv.DictReader(f))
    assert back == rows


def test_csv_equals_the_csv_module(tmp_path: Path) -> None:
    path = tmp_path / "a.csv"
    write_rows(path, AWKWARD, FIELDS)
    expected = io.StringIO(newline="")
    writer = csv.writer(expected)
    writer.writerow(FIELDS)
    writer.writerows([list(r.values()) for r in AWKWARD])
    assert path.read_bytes().decode("utf-8") == expected.getvalue()


def test_jsonl_equals_the_json_module(tmp_path: Path) -> None:
    path = tmp_path / "a.jsonl"
    assert write_rows(path, AWKWARD, FIELDS, "jsonl") == len(AWKWARD)
    lines = path.read_text("utf-8").splitlines()
    assert lines == [json.dumps(r, ensure_ascii=False, separators=(",", ":")) for r in AWKWARD]
    assert [json.loads(line) for line in lines] == AWKWARD


def test_jsonl_round_trips(tmp_path: Path, rows: list[dict[str, str]]) -> None:
    path = tmp_path / "p.jsonl"
    write_rows(path, rows, synth.PENALTY_FIELDS, "jsonl")
    back = [json.loads(line) for line in path.read_text("utf-8").splitlines()]
    assert back == rows and all(list(r) == list(synth.PENALTY_FIELDS) for r in back)


def test_missing_fields_become_empty(tmp_path: Path) -> None:
    partial = [{"A": "1"}, {"C": "3", "B": "2", "extra": "dropped"}]
    write_rows(tmp_path / "m.csv", partial, FIELDS)
    assert (tmp_path / "m.csv").read_text("utf-8").splitlines() == ["A,B,C", "1,,", ",2,3"]
    write_rows(tmp_path / "m.jsonl", partial, FIELDS, "jsonl")
    back = [json.loads(x) for x in (tmp_path / "m.jsonl").read_text("utf-8").splitlines()]
    assert back == [{"A": "1", "B": "", "C": ""}, {"A": "", "B": "2", "C": "3"}]


def test_sequences_are_accepted(tmp_path: Path, rows: list[dict[str, str]]) -> None:
    write_rows(tmp_path / "d.csv", rows, synth.PENALTY_FIELDS)
    write_rows(tmp_path / "t.csv", [tuple(r.values()) for r in rows], synth.PENALTY_FIELDS)
    assert (tmp_path / "d.csv").read_bytes() == (tmp_path / "t.csv").read_bytes()


def test_xlsx_reads_back(tmp_path: Path, rows: list[dict[str, str]]) -> None:
    path = tmp_path / "penalties.xlsx"
    assert write_rows(path, rows, synth.PENALTY_FIELDS, "xlsx") == len(rows)
    wb = load_workbook(path, read_only=True)
    ws = wb.active
    assert ws is not None and ws.title == "penalties"
    table = [["" if v is None else v for v in r] for r in ws.iter_rows(values_only=True)]
    wb.close()
    assert table[0] == list(synth.PENALTY_FIELDS)
    assert [dict(zip(table[0], r, strict=True)) for r in table[1:]] == rows


def test_empty_and_bad_arguments(tmp_path: Path) -> None:
    assert write_rows(tmp_path / "e.csv", [], FIELDS) == 0
    assert (tmp_path / "e.csv").read_bytes() == b"A,B,C\r\n"
    with pytest.raises(ValueError):
        write_rows(tmp_path / "x.txt", [], FIELDS, "txt")
    with pytest.raises(ValueError):
        write_rows(tmp_path / "x.csv", [], FIELDS, "csv", "latin-1")
