"""The tables the CLI prints, readable at any terminal width (issue 18).

Left to itself, Rich shrinks every column of a table wider than the terminal in proportion:
English words split mid-word, an 18-character code breaks across two lines and a Chinese
column ends up one or two characters wide. A :class:`CliTable` knows what each column holds,
lays the cells out itself and lets Rich only draw the box:

- a cell breaks at spaces only, never inside a word, code, date or number; a column whose
  cells are Chinese text (``cjk=True``: names, authorities, measure texts) also breaks between
  Chinese characters, as Chinese is written, but stays at least :data:`READABLE` cells wide;
  a column of compact data (``fold=True``: JSON) breaks after commas, else anywhere;
- when the terminal is narrower than the narrowest such table, the rows are printed one block
  each, ``label: value`` lines (like ``psql``'s ``\\x``), the values wrapping under an indent.

Output that is not a terminal is laid out for 80 columns, as Rich does (or ``COLUMNS``);
scripts read ``--json``, whose output never depends on the width.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Literal

from rich.cells import cell_len
from rich.console import Console, ConsoleOptions, JustifyMethod, RenderResult
from rich.table import Table
from rich.text import Text

#: The narrowest a Chinese column gets in a table (cells: 6 characters); narrower, the table
#: turns into blocks instead.
READABLE = 12

# Line-breaking rules of Chinese text (避头尾): no line starts with closing punctuation and
# none ends with an opening one, so these stick to their neighbour.
_CLOSING = set("、。，．：；！？）〕】」』》〉”’…％,.:;!?)]}%")
_OPENING = set("（〔【「『《〈“‘([{")
_WORDS = re.compile(r"\S+")
_AFTER_COMMAS = re.compile(r"[^,]*,|[^,]+")

#: Where a column's cells may break: at spaces; also between Chinese characters; anywhere.
Breaks = Literal["words", "cjk", "fold"]
_ORDER: tuple[Breaks, ...] = ("words", "cjk", "fold")


@dataclass
class _Column:
    header: str
    breaks: Breaks
    justify: JustifyMethod
    style: str | None
    min_width: int | None
    cells: list[str | Text] = field(default_factory=list)


class CliTable:
    """A table whose columns say how their cells may break; print it with ``console.print``.

    ``add_column``/``add_row`` follow Rich's ``Table``; the layout (table or blocks) is chosen
    when it is printed, for the width it is printed at.
    """

    def __init__(
        self,
        *,
        title: str | Text | None = None,
        show_header: bool = True,
        title_justify: JustifyMethod = "center",
        expand: bool = False,
    ) -> None:
        """``expand``: the table takes the whole width, the widest column the room left."""
        self.title = title
        self.expand = expand
        self.show_header = show_header
        self.title_justify = title_justify
        self.columns: list[_Column] = []
        self.row_count = 0

    def add_column(
        self,
        header: str = "",
        *,
        cjk: bool = False,
        fold: bool = False,
        justify: JustifyMethod = "left",
        style: str | None = None,
        min_width: int | None = None,
    ) -> None:
        """``cjk``: the cells hold Chinese text, which may break between characters (the
        column stays ``min_width`` or :data:`READABLE` cells wide); ``fold``: the cells are
        compact data without spaces (JSON), which breaks after commas or, if it must,
        anywhere. Other cells break at spaces only, so identifiers, codes, dates and numbers
        always stay whole."""
        breaks: Breaks = "fold" if fold else "cjk" if cjk else "words"
        self.columns.append(_Column(header, breaks, justify, style, min_width))

    def add_row(self, *cells: str | Text | None) -> None:
        if len(cells) > len(self.columns):
            raise ValueError(f"{len(cells)} cells for {len(self.columns)} columns")
        padded = [*cells, *[None] * (len(self.columns) - len(cells))]
        for column, cell in zip(self.columns, padded, strict=True):
            column.cells.append("" if cell is None else cell)
        self.row_count += 1

    def __rich_console__(self, console: Console, options: ConsoleOptions) -> RenderResult:
        width = options.max_width
        cells = [[_text(console, c) for c in column.cells] for column in self.columns]
        headers = [Text(c.header) if self.show_header else Text() for c in self.columns]
        title = None if self.title is None else _text(console, self.title)
        narrowest = [
            _narrowest(c, h, t) for c, h, t in zip(self.columns, headers, cells, strict=True)
        ]
        if sum(narrowest) + _chrome(len(self.columns)) <= width:
            natural = [_natural([h, *t]) for h, t in zip(headers, cells, strict=True)]
            widths = _allot(narrowest, natural, width - _chrome(len(self.columns)))
            if self.expand and widths:
                widest = max(range(len(widths)), key=natural.__getitem__)
                widths[widest] += width - _chrome(len(widths)) - sum(widths)
            yield from self._table(title, headers, cells, widths, width)
        else:
            yield from self._blocks(title, headers, cells, width)

    def _table(
        self,
        title: Text | None,
        headers: list[Text],
        cells: list[list[Text]],
        widths: list[int],
        width: int,
    ) -> RenderResult:
        table_width = sum(widths) + _chrome(len(widths))
        if title is not None and cell_len(title.plain) > table_width:
            # A title wider than the table would wrap in its narrow box: above it instead.
            yield _joined(_wrap(title, width, "cjk"), style="table.title")
        # Given as it came: Rich styles a title string (italic), never a Text.
        table = Table(
            title=None if title is None or cell_len(title.plain) > table_width else self.title,
            show_header=self.show_header,
            title_justify=self.title_justify,
        )
        for column, header, w in zip(self.columns, headers, widths, strict=True):
            table.add_column(
                _joined(_wrap(header, w, "words")),
                width=w,
                justify=column.justify,
                style=column.style,
                no_wrap=True,
            )
        for i in range(self.row_count):
            table.add_row(
                *(
                    _joined(_wrap(column_cells[i], w, column.breaks))
                    for column, column_cells, w in zip(self.columns, cells, widths, strict=True)
                )
            )
        yield table

    def _blocks(
        self, title: Text | None, headers: list[Text], cells: list[list[Text]], width: int
    ) -> RenderResult:
        lines: list[Text] = []
        if title is not None:
            lines += [_styled(line, "table.title") for line in _wrap(title, width, "cjk")]
        if self.show_header:
            labelled = [
                [
                    (h, col[i], c.breaks)
                    for h, col, c in zip(headers, cells, self.columns, strict=True)
                ]
                for i in range(self.row_count)
            ]
        else:
            # A table without a header is one record already: its first column labels the rest.
            labelled = [
                [
                    (
                        cells[0][i],
                        Text("  ").join(col[i] for col in cells[1:]),
                        max(
                            (c.breaks for c in self.columns[1:]), key=_ORDER.index, default="words"
                        ),
                    )
                ]
                for i in range(self.row_count)
            ]
        label_width = max((cell_len(lb.plain) for row in labelled for lb, _, _ in row), default=0)
        indent = min(label_width + 2, max(8, width // 2))
        for n, row in enumerate(labelled, 1):
            if self.show_header:
                rule = f"─[ {n} ]"
                lines.append(Text(rule + "─" * max(0, min(width, 40) - len(rule)), style="dim"))
            for label, value, breaks in row:
                lines += _labelled(label, value, breaks, indent, width)
        if not self.row_count:
            lines.append(Text("(no rows)", style="dim"))
        yield _joined(lines)


def _labelled(label: Text, value: Text, breaks: Breaks, indent: int, width: int) -> list[Text]:
    """``label: value``, the value's lines under an indent; a long label (or a value that
    cannot break to fit beside it) puts the value on the lines below, unless it is short."""
    shown = Text(label.plain + ":", style="table.header") if label.plain else Text()
    value_width = width - indent
    fits = breaks == "fold" or _widest_unit(value, breaks) <= value_width
    if not value.plain.strip():
        return _wrap(shown, width, "words")
    if fits and cell_len(shown.plain) < indent:
        lines = _wrap(value, value_width, breaks)
        first = shown + Text(" " * (indent - cell_len(shown.plain))) + lines[0]
        return [first, *(Text(" " * indent) + line for line in lines[1:])]
    if "\n" not in value.plain and cell_len(shown.plain) + 1 + cell_len(value.plain) <= width:
        return [shown + Text(" ") + value]
    out = _wrap(shown, width, "words") if shown.plain else []
    under = indent if fits else 2
    return out + [Text(" " * under) + line for line in _wrap(value, width - under, breaks)]


def _text(console: Console, cell: str | Text) -> Text:
    # As Rich's table renders a string cell: console markup, no highlighting.
    if isinstance(cell, Text):
        return cell.copy()
    return console.render_str(cell, highlight=False)


def _chrome(columns: int) -> int:
    """Cells a table's box and padding take: a border either side of each column, and one
    space of padding either side of each cell."""
    return 3 * columns + 1


def _narrowest(column: _Column, header: Text, cells: Sequence[Text]) -> int:
    """The narrowest the column gets without breaking a word (or a readable Chinese line)."""
    widest = _widest_unit(header, "words")
    if column.breaks != "fold":
        widest = max([widest, *(_widest_unit(c, column.breaks) for c in cells)])
    if column.breaks != "words":
        readable = READABLE if column.min_width is None else column.min_width
        widest = max(widest, min(readable, _natural(cells)))
    elif column.min_width is not None:
        widest = max(widest, min(column.min_width, _natural(cells)))
    return widest


def _natural(texts: Iterable[Text]) -> int:
    return max((cell_len(line) for t in texts for line in t.plain.split("\n")), default=0)


def _allot(narrowest: list[int], natural: list[int], room: int) -> list[int]:
    """Column widths: each its narrowest, and the room left shared out so that as many
    columns as can get their widest line (the fewest wrap); the others share the rest
    equally."""
    widths = list(narrowest)
    spare = room - sum(narrowest)
    wanting = sorted(range(len(widths)), key=lambda i: natural[i] - narrowest[i])
    for n, i in enumerate(wanting):
        share = spare // (len(wanting) - n)
        given = min(max(0, natural[i] - narrowest[i]), share)
        widths[i] += given
        spare -= given
    return widths


def _units(line: str, breaks: Breaks) -> list[tuple[int, int]]:
    """(start, end) of the pieces of one line that a line break does not split: words; with
    ``cjk`` each Chinese character with the punctuation that sticks to it; with ``fold`` a
    word's pieces up to each comma. A leading indent belongs to the first piece."""
    units: list[tuple[int, int]] = []
    for word in _WORDS.finditer(line):
        if breaks == "words":
            units.append((word.start(), word.end()))
            continue
        if breaks == "fold":
            units += [
                (word.start() + m.start(), word.start() + m.end())
                for m in _AFTER_COMMAS.finditer(word.group())
            ]
            continue
        pieces: list[tuple[int, int]] = []
        for i in range(word.start(), word.end()):
            wide = cell_len(line[i]) == 2
            narrow_run = pieces and cell_len(line[pieces[-1][1] - 1]) < 2 and not wide
            if pieces and (narrow_run or line[i] in _CLOSING or line[i - 1] in _OPENING):
                pieces[-1] = (pieces[-1][0], i + 1)
            else:
                pieces.append((i, i + 1))
        units += pieces
    if units:
        units[0] = (0, units[0][1])
    return units


def _widest_unit(text: Text, breaks: Breaks) -> int:
    return max(
        (cell_len(line[s:e]) for line in text.plain.split("\n") for s, e in _units(line, breaks)),
        default=0,
    )


def _breaks(line: str, width: int, breaks: Breaks) -> list[tuple[int, int]]:
    """Where the lines of ``line`` wrapped at ``width`` start and end. Greedy, at the units'
    boundaries; a unit wider than ``width`` is cut by cells, the last resort."""
    spans: list[tuple[int, int]] = []
    start = end = used = -1
    for s, e in _units(line, breaks):
        w = cell_len(line[s:e])
        if w > width:
            if start >= 0:
                spans.append((start, end))
            chunks = _cut(line, s, e, width)
            spans += chunks[:-1]
            start, end = chunks[-1]
            used = cell_len(line[start:end])
        elif start < 0:
            start, end, used = s, e, w
        elif used + cell_len(line[end:s]) + w <= width:
            used += cell_len(line[end:s]) + w
            end = e
        else:
            spans.append((start, end))
            start, end, used = s, e, w
    if start >= 0:
        spans.append((start, end))
    return spans or [(0, 0)]


def _cut(line: str, start: int, end: int, width: int) -> list[tuple[int, int]]:
    chunks: list[tuple[int, int]] = []
    used = 0
    begin = start
    for i in range(start, end):
        w = cell_len(line[i])
        if used + w > width and i > begin:
            chunks.append((begin, i))
            begin, used = i, 0
        used += w
    chunks.append((begin, end))
    return chunks


def _wrap(text: Text, width: int, breaks: Breaks) -> list[Text]:
    """The text's lines wrapped at ``width``, styles kept."""
    lines: list[Text] = []
    offset = 0
    for line in text.plain.split("\n"):
        lines += [text[offset + s : offset + e] for s, e in _breaks(line, max(1, width), breaks)]
        offset += len(line) + 1
    return lines


def _joined(lines: list[Text], style: str = "") -> Text:
    joined = Text("\n", style=style).join(lines)
    joined.no_wrap = True
    return joined


def _styled(text: Text, style: str) -> Text:
    text.stylize(style)
    return text
