"""The CLI's tables at any terminal width (issue 18): words, codes and identifiers stay whole,
Chinese columns stay readable, and below the narrowest readable table the rows turn into
``label: value`` blocks. Rendered by Rich at a given width, and by the real commands."""

from __future__ import annotations

import io
import json
import os
import re
import string
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from rich.cells import cell_len
from rich.console import Console
from typer.testing import CliRunner

from importing.rows import licensing_row, penalty_row, uscc, write_csv
from jointcredit.cli import common
from jointcredit.cli.main import app
from jointcredit.cli.tables import READABLE, CliTable
from jointcredit.importing.formats import LICENSING, PENALTIES
from jointcredit.services.imports import import_file
from jointcredit.services.registry import open_registry

WIDTHS = (40, 60, 80, 120)
BOX = re.compile(r"^[┏┡└┌├╭╰━─]")


def render(table: CliTable, width: int) -> str:
    console = Console(width=width, record=True, file=io.StringIO())
    console.print(table)
    return console.export_text()


def is_table(out: str) -> bool:
    return any(line.startswith(("┏", "┌")) for line in out.splitlines())


def table_columns(out: str) -> list[list[str]]:
    """Each column's fragments, top to bottom, of a table's body (the header left out)."""
    lines = out.splitlines()
    start = next(i for i, line in enumerate(lines) if line.startswith(("┡", "┌")))
    columns: list[list[str]] = []
    for line in lines[start + 1 :]:
        if BOX.match(line):
            continue
        cells = line.strip().strip("│").split("│")
        columns += [[] for _ in range(len(cells) - len(columns))]
        for column, cell in zip(columns, cells, strict=True):
            column.append(cell.strip())
    return columns


def blocks(out: str, labels: list[str]) -> list[dict[str, list[str]]]:
    """The vertical layout read back: per row, each label's value lines."""
    rows: list[dict[str, list[str]]] = []
    field: list[str] = []
    for line in out.splitlines():
        if line.startswith("─["):
            rows.append({})
            continue
        if not rows:
            continue  # the title
        if line[:1] != " ":
            label = next(lb for lb in sorted(labels, key=len, reverse=True) if line.startswith(lb))
            field = rows[-1].setdefault(label, [])
            line = line[len(label) + 1 :]
        if line.strip():
            field.append(line.strip())
    return rows


def squeeze(text: str) -> str:
    return "".join(text.split())


# -- one table, by hand ---------------------------------------------------------------------


def sample() -> tuple[CliTable, list[list[str]]]:
    rows = [
        [
            "91441324JCMJLLU7XY",
            "龙门县旺越文化传媒有限责任公司",
            "judgment-defaulters （2025）惠龙执000001号",
            "乘坐火车、飞机限制。限制失信被执行人及失信被执行人的法定代表人乘坐列车软卧。",
            "a company on the list travels by air",
        ],
        ["12540324JC3250066F", "丁青县新佳信息中心", "", "短", "clean record"],
    ]
    table = CliTable(title="2 subjects")
    table.add_column("identifier")
    table.add_column("name", cjk=True)
    table.add_column("entry")
    table.add_column("text", cjk=True)
    table.add_column("note")
    for row in rows:
        table.add_row(*row)
    return table, rows


# The narrowest readable table: identifier 18, name 12, entry 22 (the document number), text
# 12, note 7 (its longest word, "company") -- plus 3 cells of box and padding a column, and 1.
THRESHOLD = 18 + READABLE + 22 + READABLE + 7 + 3 * 5 + 1


@pytest.mark.parametrize("width", [*WIDTHS, THRESHOLD - 1, THRESHOLD, 200])
def test_a_table_at_every_width(width: int) -> None:
    table, rows = sample()
    out = render(table, width)
    assert all(cell_len(line) <= width for line in out.splitlines()), out
    words = {w for row in rows for cell in row for w in cell.split() if w.isascii()}
    lines = out.splitlines()
    for word in words:  # identifiers, English words, codes: each whole on one line
        assert any(word in line for line in lines), (word, out)
    assert is_table(out) == (width >= THRESHOLD), out
    if is_table(out):
        columns = table_columns(out)
        for j, column in enumerate(columns):
            assert squeeze("".join(column)) == squeeze("".join(row[j] for row in rows)), out
        # The Chinese columns get a readable width: a line holds at least 6 characters.
        assert max(cell_len(f) for f in columns[1]) >= READABLE - 1, out
    else:
        read = blocks(out, ["identifier", "name", "entry", "text", "note"])
        assert [
            [squeeze("".join(r.get(label, []))) for label in ("identifier", "name", "entry")]
            for r in read
        ] == [[squeeze(c) for c in row[:3]] for row in rows]
        assert [squeeze("".join(r["text"])) for r in read] == [squeeze(r[3]) for r in rows]
    assert "2 subjects" in out


def test_below_the_threshold_the_rows_are_blocks() -> None:
    table, _ = sample()
    assert render(table, THRESHOLD - 1).splitlines()[:4] == [
        "2 subjects",
        "─[ 1 ]" + "─" * 34,
        "identifier: 91441324JCMJLLU7XY",
        "name:       龙门县旺越文化传媒有限责任公司",
    ]


def test_a_long_label_or_value_goes_below_and_nothing_is_cut() -> None:
    table = CliTable(show_header=False)
    table.add_column()
    table.add_column()
    digest = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
    table.add_row("left out (no column for the subject)", "3")
    table.add_row("sha256", digest)
    table.add_row("  active", "12")
    out = render(table, 40)
    assert not is_table(out)
    lines = out.splitlines()
    assert "left out (no column for the subject): 3" in lines
    # Wider than any line: cut only as the last resort, every character still there.
    assert squeeze("".join(lines[lines.index("sha256:") + 1 :])).startswith(digest)
    assert all(cell_len(line) <= 40 for line in lines)
    wide = render(table, 120)
    assert is_table(wide) and digest in wide and "│   active " in wide


def test_json_detail_breaks_after_commas() -> None:
    table = CliTable()
    table.add_column("id", justify="right")
    table.add_column("detail", fold=True)
    detail = json.dumps({"report": "departments", "period": "2026Q4", "departments": 1870})
    table.add_row("7", detail.replace(" ", ""))
    out = render(table, 40)
    assert is_table(out)
    fragments = table_columns(out)[1]
    assert "".join(fragments) == detail.replace(" ", "")
    assert all(f.endswith(",") for f in fragments[:-1]), out


def test_no_rows() -> None:
    table = CliTable(title="import jobs")
    for header in ("id", "kind", "status", "rows", "committed", "rejected", "started", "source"):
        table.add_column(header)
    assert render(table, 40).splitlines() == ["import jobs", "(no rows)"]
    wide = render(table, 120)
    assert is_table(wide) and "committed" in wide and "(no rows)" not in wide


def test_too_many_cells_is_an_error() -> None:
    table = CliTable()
    table.add_column("one")
    with pytest.raises(ValueError):
        table.add_row("a", "b")


# -- any table ---------------------------------------------------------------------------------

ENGLISH = st.text(string.ascii_lowercase + "-", min_size=1, max_size=14).filter(
    lambda w: w.strip("-")
)
HANZI = st.text(
    st.sampled_from("信用联合奖惩公司有限责任市场监督管理局、。（）〔〕《》"), min_size=1
)
IDENT = st.text(string.ascii_uppercase + string.digits, min_size=18, max_size=18)
KINDS = ("id", "words", "cjk")


def cell(kind: str) -> st.SearchStrategy[str]:
    if kind == "id":
        return IDENT
    if kind == "words":
        return st.lists(ENGLISH, max_size=6).map(" ".join)
    return st.lists(st.one_of(HANZI, ENGLISH), max_size=5).map(" ".join)


@st.composite
def tables(draw: st.DrawFn) -> tuple[list[str], list[list[str]]]:
    kinds = draw(st.lists(st.sampled_from(KINDS), min_size=1, max_size=6))
    rows = draw(st.lists(st.tuples(*(cell(k) for k in kinds)).map(list), max_size=4))
    return kinds, rows


@settings(max_examples=150, deadline=None)
@given(tables(), st.integers(min_value=30, max_value=160))
def test_any_table_keeps_words_whole_and_every_cell(
    drawn: tuple[list[str], list[list[str]]], width: int
) -> None:
    kinds, rows = drawn
    table = CliTable()
    headers = [f"{kind}{n}" for n, kind in enumerate(kinds)]
    for header, kind in zip(headers, kinds, strict=True):
        table.add_column(header, cjk=kind == "cjk")
    for row in rows:
        table.add_row(*row)
    out = render(table, width)
    lines = out.splitlines()
    assert all(cell_len(line) <= width for line in lines), out
    if is_table(out):
        for j, column in enumerate(table_columns(out)):
            assert squeeze("".join(column)) == squeeze("".join(row[j] for row in rows))
            if kinds[j] != "cjk":  # no word split: each fragment's words are the cells' words
                whole = {w for row in rows for w in row[j].split()}
                assert {w for f in column for w in f.split()} <= whole, out
    else:
        read = blocks(out, headers)
        assert len(read) == len(rows)
        for block, row in zip(read, rows, strict=True):
            for header, kind, value in zip(headers, kinds, row, strict=True):
                assert squeeze("".join(block.get(header, []))) == squeeze(value), out
                if kind != "cjk" and max(map(cell_len, [*value.split(), ""])) <= width - 2:
                    assert set(" ".join(block.get(header, [])).split()) == set(value.split())
    for row in rows:  # identifiers: whole, on one line
        for kind, value in zip(kinds, row, strict=True):
            if kind == "id":
                assert any(value in line for line in lines), out


@settings(max_examples=60, deadline=None)
@given(tables())
def test_wider_never_goes_back_to_blocks(drawn: tuple[list[str], list[list[str]]]) -> None:
    kinds, rows = drawn
    table = CliTable()
    for n, kind in enumerate(kinds):
        table.add_column(f"c{n}", cjk=kind == "cjk")
    for row in rows:
        table.add_row(*row)
    layouts = [is_table(render(table, width)) for width in range(30, 200, 7)]
    assert layouts == sorted(layouts)


# -- the commands --------------------------------------------------------------------------------

NAME = "内蒙古自治区呼和浩特市测试{n}国际贸易与物流有限责任公司"


@pytest.fixture(scope="module")
def registry(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    data_dir = tmp_path_factory.mktemp("tables")
    url = f"sqlite:///{data_dir}/registry.sqlite3"
    engine = open_registry(url)
    # Licences: public for years, so the public search finds the three of them.
    penalties = [penalty_row(1, CF_XDR_MC=NAME.format(n=1))]
    licences = [licensing_row(n, XK_XDR_MC=NAME.format(n=n)) for n in (1, 2, 3)]
    import_file(engine, "penalty", write_csv(data_dir / "p.csv", penalties, PENALTIES))
    import_file(engine, "licensing", write_csv(data_dir / "l.csv", licences, LICENSING))
    engine.dispose()
    yield url


def cli(url: str, width: int, *args: str) -> str:
    runner = CliRunner(env={"COLUMNS": str(width), "JOINTCREDIT_DATABASE_URL": url})
    # The shared console read COLUMNS when it was made (pytest-xdist's workers set it to 80):
    # a terminal of the width the test gives, as a fresh process would have.
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(common.console, "_width", width)
        done = runner.invoke(app, list(args))
    assert done.exit_code == 0, done.output
    return done.stdout


def test_the_command_honours_columns(registry: str) -> None:
    """The installed script, as a terminal of 60 columns runs it: the blocks."""
    script = Path(sys.executable).with_name("jointcredit")
    env = {k: v for k, v in os.environ.items() if not k.startswith("JOINTCREDIT_")}
    env.update(COLUMNS="60", JOINTCREDIT_DATABASE_URL=registry)
    done = subprocess.run(
        [script, "subjects", "search", "测试"], capture_output=True, text=True, env=env, check=True
    )
    assert done.stdout.splitlines()[1:4] == [
        "─[ 1 ]" + "─" * 34,
        "#:          1",
        "name:       内蒙古自治区呼和浩特市测试1国际贸易与物流有限责",
    ]


@pytest.mark.parametrize("width", WIDTHS)
def test_subjects_show_and_search_at_every_width(registry: str, width: int) -> None:
    shown = cli(registry, width, "subjects", "show", uscc(1))
    found = cli(registry, width, "subjects", "search", "测试")
    for out in (shown, found):
        assert all(cell_len(line) <= width for line in out.splitlines()), out
    shown_lines = shown.splitlines()
    for whole in (
        "京东市监罚〔2024〕1号",
        "东市监许字〔2023〕第0001号",
        "2024-03-05",
        "2023-06-01",
    ):
        assert any(whole in line for line in shown_lines), (whole, shown)
    assert squeeze(NAME.format(n=1)) in squeeze(shown)
    for n in (1, 2, 3):
        assert any(uscc(n) in line for line in found.splitlines()), found
    # 8 columns with a 19-cell document number need about 110 columns; 5 need 70.
    assert is_table(shown) == (width >= 120)
    assert is_table(found) == (width >= 80)
    if is_table(found):
        names = table_columns(found)[1]
        assert min(cell_len(f) for f in names) >= 2 * 3, "no name squeezed to a character or two"
    else:
        read = blocks(found, ["#", "name", "kind", "identifier", "match"])
        assert {squeeze("".join(r["name"])) for r in read} == {NAME.format(n=n) for n in (1, 2, 3)}


def test_json_does_not_depend_on_the_width(registry: str) -> None:
    for args in (["subjects", "show", uscc(1), "--json"], ["subjects", "search", "测试", "--json"]):
        narrow, wide = (cli(registry, width, *args) for width in (40, 300))
        assert narrow == wide
        json.loads(narrow)
