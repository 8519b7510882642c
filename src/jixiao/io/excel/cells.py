"""Cells and styles shared by every workbook jixiao writes (score table, entry workbook,
project forms, cycle tables): fonts, fills and borders, writing text and numbers into cells
(never as a formula; numbers from the Decimal itself), row heights that show wrapped text, and
the A4 landscape print setup."""

from __future__ import annotations

import math
import unicodedata
from decimal import Decimal

from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
from openpyxl.worksheet.worksheet import Worksheet

from jixiao.core.model import Group
from jixiao.core.numbers import fmt

FONT_NAME = "宋体"  # SimSun; the PDF step maps it to an installed CJK font
FORMULA_PREFIXES = ("=", "+", "-", "@")
THIN = Side(style="thin", color="000000")
BORDER = Border(left=THIN, right=THIN, top=THIN, bottom=THIN)
HEADER_FILL = PatternFill("solid", fgColor="D9D9D9")
READ_ONLY_FILL = PatternFill("solid", fgColor="EDEDED")
NEEDED_FILL = PatternFill("solid", fgColor="FFF2CC")  # an input this row's rule reads
WRAP = Alignment(wrap_text=True, vertical="center")
WRAP_TOP = Alignment(wrap_text=True, vertical="top")
CENTER = Alignment(wrap_text=True, horizontal="center", vertical="center")
BODY_FONT = Font(name=FONT_NAME, size=10)
HEADER_FONT = Font(name=FONT_NAME, size=10, bold=True)
TITLE_FONT = Font(name=FONT_NAME, size=14, bold=True)


def put_text(cell, text: object) -> None:
    """Write ``text`` as a plain string cell, never as a formula.

    openpyxl turns a string starting with ``=`` into a formula; the data type is forced back to
    string, and text starting with ``= + - @`` also gets Excel's quote prefix so that editing
    the cell later keeps it text. Characters XML cannot hold are dropped.
    """
    value = "" if text is None else ILLEGAL_CHARACTERS_RE.sub("", str(text))
    if not value:
        cell.value = None
        return
    cell.value = value
    cell.data_type = "s"
    if value.startswith(FORMULA_PREFIXES):
        cell.quotePrefix = True


def put_number(cell, value: Decimal | None, number_format: str | None = None) -> None:
    """Write a Decimal as a number cell (see ``jixiao.io.excel`` on exactness)."""
    if value is None:
        cell.value = None
        return
    cell.value = value
    cell.number_format = number_format or places_format(value)


def places_format(value: Decimal) -> str:
    """A number format that shows exactly the decimal places ``value`` has (``0``, ``0.5``)."""
    exponent = value.normalize().as_tuple().exponent
    places = -exponent if isinstance(exponent, int) and exponent < 0 else 0
    return "0" if places == 0 else "0." + "0" * places


def display_width(text: str) -> int:
    """Width in Excel character units: CJK and full-width characters count twice."""
    return sum(2 if unicodedata.east_asian_width(ch) in ("W", "F") else 1 for ch in text)


def lines_needed(text: str, width: float) -> int:
    usable = max(1.0, width * 0.9 - 1.5)  # a margin: renderers set CJK text a little wider
    return sum(max(1, math.ceil(display_width(line) / usable)) for line in text.split("\n"))


def fit_row_height(ws: Worksheet, row: int, widths: dict[int, float]) -> None:
    """Set a row height that shows its wrapped text (Excel does not grow rows on its own).
    Cells merged over several rows are left out: their text has the rows' combined height."""
    lines = 1
    for col, width in widths.items():
        cell = ws.cell(row=row, column=col)
        if cell.coordinate in ws.merged_cells:
            continue
        value = cell.value
        if isinstance(value, str) and value:
            lines = max(lines, lines_needed(value, width))
    ws.row_dimensions[row].height = min(409, 14 * lines + 4)


def style(cell, *, font=BODY_FONT, alignment=WRAP, fill=None, border=True) -> None:
    cell.font = font
    cell.alignment = alignment
    if border:
        cell.border = BORDER
    if fill is not None:
        cell.fill = fill


def print_setup(ws: Worksheet, title_rows: str | None) -> None:
    """A4 landscape, one page wide, header rows repeated, page numbers in the footer."""
    ws.page_setup.orientation = "landscape"
    ws.page_setup.paperSize = ws.PAPERSIZE_A4
    ws.page_setup.fitToWidth = 1
    ws.page_setup.fitToHeight = 0
    ws.sheet_properties.pageSetUpPr.fitToPage = True
    ws.print_options.horizontalCentered = True
    ws.page_margins.left = ws.page_margins.right = 0.4
    ws.page_margins.top = ws.page_margins.bottom = 0.6
    if title_rows:
        ws.print_title_rows = title_rows
    ws.oddFooter.center.text = "第 &P 页，共 &N 页"
    ws.oddFooter.center.font = FONT_NAME


def group_label(group: Group, with_code: bool) -> str:
    text = f"{group.code}{group.name}" if with_code else group.name
    if group.points is not None:
        text += f"（{fmt(group.points)}分）"
    return text
