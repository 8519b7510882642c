"""The stream of rows and text lines from each source: text dumps (one cell per line, pipe rows,
TAB rows), ``.docx`` tables and ``.xlsx`` sheets."""

from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path

from jixiao.core.model import SourceRef
from jixiao.core.numbers import fmt
from jixiao.io.published.columns import COLUMN_ROLES, header_roles, is_number, TOTAL_WORDS


@dataclass
class Line:
    """Text outside any table row (a title, a paragraph), with where it is."""

    text: str
    loc: SourceRef


@dataclass
class Row:
    """One printed table row. ``positional``: blanks are kept, so cell i is column i."""

    cells: list[str]
    loc: SourceRef
    positional: bool = True
    blank_after: int = 0  # empty cells printed after the last filled one (pipe dumps drop them)


Stream = list[Line | Row]


def _keywords(text: str) -> int:
    name = re.sub(r"\s+", "", text)
    return sum(1 for _, regex in COLUMN_ROLES if regex.match(name))


def detect_layout(lines: list[str]) -> str | None:
    """``pipe``, ``tab`` or ``cell`` (one cell per line) from the first header-like line."""
    for i, line in enumerate(lines):
        if "|" in line and header_roles([c for c in line.split("|")]):
            return "pipe"
        if line.count("\t") >= 2 and header_roles(line.split("\t")):
            return "tab"
        if line.startswith("\t") and line.count("\t") == 1 and _keywords(line) and \
                sum(1 for l in lines[i:i + 16] if l.startswith("\t") and _keywords(l)) >= 3:
            return "cell"
    return None


def _pipe_stream(lines: list[str], file: str) -> Stream:
    stream: Stream = []
    for n, line in enumerate(lines, 1):
        if "|" in line:
            cells = [c.strip() for c in line.split("|")]
            blank = 0
            while cells and not cells[-1]:
                cells.pop()
                blank += 1
            stream.append(Row(cells, SourceRef(file=file, line=n), positional=False, blank_after=max(blank - 1, 0)))
        else:
            stream.append(Line(line, SourceRef(file=file, line=n)))
    return stream


def _tab_stream(lines: list[str], file: str) -> Stream:
    stream: Stream = []
    for n, line in enumerate(lines, 1):
        if "\t" in line:
            stream.append(Row([c.strip() for c in line.split("\t")], SourceRef(file=file, line=n)))
        else:
            stream.append(Line(line, SourceRef(file=file, line=n)))
    return stream


def _cell_stream(lines: list[str], file: str) -> Stream:
    """One cell per line: a TAB starts a cell, an untabbed line continues it, a blank line
    ends the row — unless the row is still short of the header's width and the next block
    fits in what is left (a blank line inside a cell)."""
    stream: Stream = []
    row: Row | None = None
    width: int | None = None

    def block_size(start: int) -> int:
        size = 0
        for line in lines[start:]:
            if not line.strip():
                break
            size += line.startswith("\t")
        return size

    def finish() -> None:
        nonlocal row, width
        if row is not None:
            row.cells = [re.sub(r"\s*\n\s*", "", c).strip() for c in row.cells]
            if width is None and header_roles(row.cells):
                width = len(row.cells)
            stream.append(row)
        row = None

    for n, line in enumerate(lines, 1):
        if line.startswith("\t"):
            if row is None:
                row = Row([], SourceRef(file=file, line=n))
            row.cells.extend(line[1:].split("\t"))
        elif not line.strip():
            if row is not None and width and len(row.cells) < width and len(row.cells) + block_size(n) <= width:
                row.cells[-1] += "\n"
                continue
            finish()
        elif row is not None and row.cells:
            row.cells[-1] += "\n" + line.strip()
        else:
            stream.append(Line(line, SourceRef(file=file, line=n)))
    finish()
    return stream


def regroup_pipe_cells(lines: list[str]) -> list[str] | None:
    """Pipe text with each cell's text on lines of its own (``| ⏎ 一级 指标 | ⏎ 二级 指标 | …``, a
    line of bars starting the next row) as one pipe row a line; None when the text is not so."""
    marked = [l for l in lines if l.strip()]
    ends = sum(1 for l in marked if l.rstrip().endswith("|"))
    if not marked or ends < 0.6 * len(marked) or any(l.count("|") >= 3 for l in marked[:200]):
        return None
    out: list[str] = []
    row: list[str] = []
    cell: list[str] = []
    for line in lines:
        text = line.strip()
        if text and set(text) == {"|"}:
            if cell:
                row.append(" ".join(cell))
                cell = []
            if row:
                out.append(" | ".join(row) + " |")
            row = []
            continue
        if not text:
            continue
        if text.endswith("|"):
            cell.append(text[:-1].strip())
            if not out and not row and len(cell) > 1:
                out.extend(cell[:-1])  # the title lines above the first header cell are text, not that cell
                cell = cell[-1:]
            row.append(" ".join(c for c in cell if c))
            cell = []
        else:
            cell.append(text)
    if cell:
        row.append(" ".join(cell))
    if row:
        out.append(" | ".join(row) + " |")
    return out if len(out) >= 3 else None


def regroup_bar_lines(lines: list[str]) -> list[str] | None:
    """Pipe text with each cell's text on lines of its own and a line holding one bar after each
    cell (``三级指标`` ⏎ ``|`` ⏎ ``年初目标值(A)`` ⏎ ``|`` …), a line of several bars ending the row
    (``||||``): one pipe row a line; a bar line right after another is an empty cell. None when
    the text is not so (fewer than a fifth of its lines single bars, or no row-ending lines)."""
    marked = [l.strip() for l in lines if l.strip()]
    singles = sum(1 for l in marked if l == "|")
    texts = [l for l in marked if set(l) != {"|"}]
    if not marked or singles < 0.2 * len(marked) or not any(len(l) >= 2 and set(l) == {"|"} for l in marked) \
            or sum(1 for l in texts if "|" in l) > 0.05 * len(texts):
        return None  # cells closed on their own line (``项目名称 |``) are the other drawing (regroup_pipe_cells)
    first = next(i for i, l in enumerate(lines) if l.strip() == "|")
    start = max(first - 1, 0)  # the lines above the first cell (one line) are text: title, unit
    out: list[str] = [l for l in lines[:start]]
    row: list[str] = []
    cell: list[str] = []
    after_bar = False
    for line in lines[start:]:
        text = line.strip()
        if not text:
            continue
        if set(text) == {"|"}:
            if cell or after_bar:
                row.append(" ".join(cell))
            cell = []
            after_bar = True
            if len(text) >= 2:  # the row ends
                if any(c.strip() for c in row):
                    out.append(" | ".join(row) + " |")
                elif row:
                    out.append("")
                row, after_bar = [], False
            continue
        cell.append(text)
        after_bar = False
    if cell:
        row.append(" ".join(cell))
    if any(c.strip() for c in row):
        out.append(" | ".join(row) + " |")
    return out if sum(1 for l in out if l.endswith("|")) >= 3 else None


_CONTINUATION = re.compile(r"^[(（][^()（）]{1,12}[)）]$")  # ``(20分)`` under ``预算执行情况(万元)``: one cell


def _clean_header(lines: list[str]) -> bool:
    """Whether the first header row holds no figure: one that does has rows run into it (the
    blank lines were not where its rows end), so that regrouping is not taken."""
    header = next((l for l in lines if "|" in l and header_roles(l.split("|"))), None)
    return header is not None and not any(is_number(c.strip().rstrip("%")) for c in header.split("|") if c.strip())


def blank_runs_as_bars(lines: list[str]) -> list[str] | None:
    """The drawing of ``regroup_bar_lines`` with its bars printed as blank lines (a cell ⏎ blank ⏎
    the next cell; two blanks an empty cell between; three or more the end of the row): the
    same text with the bars put back, or None when the text is not so (bars printed, or fewer
    than eight row ends, or cells not mostly one blank line apart). A parenthesis alone after
    one blank (``(20分)``, ``(20分*执行率)``) is the cell's second line, not a cell."""
    if any("|" in l for l in lines):
        return None
    texts = [i for i, l in enumerate(lines) if l.strip()]
    gaps = [b - a - 1 for a, b in zip(texts, texts[1:])]
    if sum(1 for g in gaps if g >= 3) < 8 or sum(1 for g in gaps if g == 1) < 0.4 * len(gaps):
        return None
    out = [lines[texts[0]].strip()]
    for k, gap in enumerate(gaps):
        following = lines[texts[k + 1]].strip()
        if gap == 1 and _CONTINUATION.match(following):
            pass
        elif gap == 1:
            out.append("|")
        elif gap == 2:
            out += ["|", "|"]
        elif gap >= 3:
            out += ["|", "||"]
        out.append(following)
    return out + ["|", "||"]


def regroup_numbered_rows(lines: list[str]) -> list[str] | None:
    """Pipe text whose rows are printed over several lines (the header ``序号 | 一级 指标 |`` ⏎
    ``二级 指标 |`` ⏎ …, each row from its 序号 on): one pipe line per row. A row starts at a line
    whose first cell is ``序号`` or the next 序号 in order (1, 2, 3…); a line holding a lone
    number that is not the next 序号 (a 得分 printed on its own line) continues the row above.
    None when the text has no such 序号 header split over lines."""
    start = next((i for i, l in enumerate(lines) if re.match(r"^\s*序号\s*\|", l)), None)
    if start is None or len([c for c in lines[start].split("|") if c.strip()]) >= 4:
        return None
    out = lines[:start]
    current: str | None = None
    width: int | None = None  # the header's number of cells, once it is complete
    expected = 1
    for line in lines[start:]:
        text = line.strip()
        number = re.match(r"^(\d{1,3})\s*\|", text)
        new_row = text.startswith("序号") or (number is not None and int(number.group(1)) == expected)
        short = current is not None and width is not None and len(current.rstrip(" |").split("|")) < width
        if new_row or current is None or ("|" not in text and not (short and text)):
            if text.startswith("序号"):
                width = None
            if number is not None and new_row:
                expected += 1
            if current is not None:
                out.append(current)
                if width is None and current.startswith("序号"):
                    width = len(current.rstrip(" |").split("|"))
            current = text
        else:  # a cell wrapped onto the next line, or a row's cells continuing (fewer than the header's)
            current = current.rstrip().rstrip("|").rstrip() + " | " + text
    if current is not None:
        out.append(current)
    return out


def text_stream(text: str, file: str) -> tuple[Stream, str | None]:
    """The rows and lines of a text dump, in the layout detected from its header row."""
    lines = text.splitlines()
    if (numbered := regroup_numbered_rows(lines)) is not None and detect_layout(numbered) == "pipe":
        return _pipe_stream(numbered, file), "pipe"
    layout = detect_layout(lines)
    if layout is None and (regrouped := regroup_pipe_cells(lines)) is not None and detect_layout(regrouped) == "pipe":
        return _pipe_stream(regrouped, file), "pipe"
    if layout is None and (regrouped := regroup_bar_lines(lines)) is not None and detect_layout(regrouped) == "pipe":
        return _pipe_stream(regrouped, file), "pipe"
    if layout is None and (barred := blank_runs_as_bars(lines)) is not None and \
            (regrouped := regroup_bar_lines(barred)) is not None and detect_layout(regrouped) == "pipe" \
            and _clean_header(regrouped):
        return _pipe_stream(regrouped, file), "pipe"
    maker = {"pipe": _pipe_stream, "tab": _tab_stream, "cell": _cell_stream}.get(layout or "")
    if maker is None:
        return [Line(l, SourceRef(file=file, line=n)) for n, l in enumerate(lines, 1)], None
    return maker(lines, file), layout


def docx_stream(path: Path) -> Stream:
    """Paragraphs and table rows of a Word document in body order. A vertically merged cell
    below its first row reads as blank; a horizontally merged cell is one cell and blanks."""
    from docx.table import Table, _Cell
    from docx.text.paragraph import Paragraph

    from jixiao.io.safe_zip import open_docx

    document = open_docx(path)
    stream: Stream = []
    tables = 0
    for n, element in enumerate(document.element.body.iterchildren(), 1):
        tag = element.tag.rsplit("}", 1)[-1]
        if tag == "p":
            text = Paragraph(element, document).text
            stream.append(Line(text, SourceRef(file=str(path), line=n)))
        elif tag == "tbl":
            tables += 1
            table = Table(element, document)
            for r, tr in enumerate(element.tr_lst, 1):
                cells: list[str] = [""] * tr.grid_before
                for tc in tr.tc_lst:
                    text = "" if tc.vMerge == "continue" else _Cell(tc, table).text
                    cells.append(text.strip())
                    cells.extend([""] * (tc.grid_span - 1))
                stream.append(Row(cells, SourceRef(file=f"{path.name}#表{tables}", line=r)))
    return stream


def _xlsx_value(cell) -> str:
    value = cell.value
    if value is None:
        return ""
    if isinstance(value, bool):
        return str(value)
    if isinstance(value, (int, float)):
        number = Decimal(repr(value)) if isinstance(value, float) else Decimal(value)
        if "%" in (cell.number_format or ""):
            return fmt(number * 100) + "%"
        return fmt(number)
    return str(value).strip()


def xlsx_stream(path: Path) -> Stream:
    """Rows of every sheet; a row with one cell in the first column is a title line."""
    from jixiao.io.safe_zip import open_workbook

    workbook = open_workbook(path, data_only=True)
    stream: Stream = []
    for sheet in workbook.worksheets:
        where = f"{path.name}!{sheet.title}"
        stream.append(Line(sheet.title, SourceRef(file=where, line=None)))
        for r, cells in enumerate(sheet.iter_rows(), 1):
            values = [_xlsx_value(c) for c in cells]
            while values and not values[-1]:
                values.pop()
            if not values:
                continue
            filled = [v for v in values if v]
            if len(filled) == 1 and values[0] and not header_roles(values) and not is_number(values[0]) \
                    and not TOTAL_WORDS.match(re.sub(r"\s+", "", values[0])):
                stream.append(Line(values[0], SourceRef(file=where, line=r)))
            else:
                stream.append(Row(values, SourceRef(file=where, line=r)))
    return stream
