"""Read a published report in PDF into the rows and lines the table reader takes.

Published self-evaluations are mostly PDFs: a Word report printed or converted, sometimes a
scan. A PDF with a text layer is read with pdfplumber, page by page, in reading order:

* ruled tables (the usual case: a Word table printed to PDF) come from pdfplumber's table
  extraction, one ``Row`` per table row, positional like a Word table's (merged cells read
  as blank below or right of their first cell);
* the text around them comes out as ``Line`` items (titles, paragraphs, page numbers);
* a cell's text wrapped over several lines is joined back (Chinese has no spaces), except
  before a line starting a scoring tool's explanation (``计分：``);
* a row cut by a page break: the page repeats the header and continues the cut row with
  text only (no figure in any cell); that piece is joined to the row it continues.

A page without ruled tables gives its text lines only; when no page has a ruled table the
whole text goes through the text-dump reader (pipe/TAB/one-cell-per-line layouts).

A PDF whose pages hold images but (almost) no text is a scan: ``ScannedPdf`` is raised, and
the audit says it cannot check it (no OCR here: an OCR'd figure is no evidence).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from jixiao.core.model import SourceRef

#: What the audit says about an image-only PDF.
SCANNED = "该PDF为扫描图像，没有可读取的文字层，无法核查；请提供Word/Excel原件或文字版PDF"
#: Below this many characters of text per page on average, with images present, a PDF is a scan.
MIN_CHARS_PER_PAGE = 20
#: Pages read at most (a published report has tens of pages; a 2,000-page PDF is not one).
MAX_PAGES = 400

_NUMBER = re.compile(r"^-?\d+(?:\.\d+)?\s*(?:分|%)?$")
_EXPLANATION = re.compile(r"^(?:计分|按规则计算)[:：]")
_CJK = "\u3000-\u303f\u4e00-\u9fff\uff00-\uffef"
_PAGE_NUMBER = re.compile(r"^\s*[—\-－第]*\s*\d{1,4}\s*[—\-－页]*\s*(?:/\s*\d+)?\s*$")
#: A line that starts an item of its own (一、 （二） 1. ①), never the tail of a wrapped one.
_NEW_ITEM = re.compile(r"^(?:[一二三四五六七八九十]+[、.．]|[（(][一二三四五六七八九十\d]+[)）]|\d+[、.．](?!\d)|[①-⑳]|附件)")


class ScannedPdf(ValueError):
    """The PDF has no text layer to read (a scan)."""

    def __init__(self, pages: int):
        super().__init__(SCANNED)
        self.pages = pages


class PdfError(ValueError):
    """The PDF cannot be read (damaged, encrypted, too large)."""


@dataclass
class PdfText:
    """A PDF read: the stream (rows and lines in reading order), its plain text, whether any
    ruled table was found, and the number of pages."""

    stream: list
    text: str
    ruled: bool
    pages: int


def join_cell(text: str | None) -> str:
    """A table cell's text with its wrapped lines joined back."""
    lines = [tidy(l) for l in (text or "").split("\n")]
    out = ""
    for line in lines:
        if not line:
            continue
        if out and _EXPLANATION.match(line):
            out += "\n" + line
        elif out and re.search(r"[A-Za-z0-9]$", out) and re.match(r"[A-Za-z]", line):
            out += " " + line
        else:
            out += line
    return out


def _lines_outside(page, boxes) -> list[tuple[float, str]]:
    """Text lines of a page outside its tables, with their top position."""
    def outside(obj) -> bool:
        if obj.get("object_type") != "char":
            return True
        x, y = (obj["x0"] + obj["x1"]) / 2, (obj["top"] + obj["bottom"]) / 2
        return not any(b[0] - 1 <= x <= b[2] + 1 and b[1] - 1 <= y <= b[3] + 1 for b in boxes)

    filtered = page.filter(outside) if boxes else page
    raw = [l for l in filtered.extract_text_lines(layout=False, strip=True, return_chars=False)
           if l["text"].strip() and not _PAGE_NUMBER.match(l["text"])]
    right = max((l["x1"] for l in raw), default=0)
    lines: list[tuple[float, str, bool]] = []
    previous = None
    for line in raw:
        text = tidy(line["text"])
        height = line["bottom"] - line["top"]
        full = line["x1"] >= right - 14  # reaches the right margin: the paragraph may go on
        # a paragraph wrapped at the right margin continues on the next line
        if previous is not None and lines[-1][2] and line["top"] - previous["bottom"] < max(14.0, 1.2 * height) \
                and not _NEW_ITEM.match(text):
            lines[-1] = (lines[-1][0], lines[-1][1] + text, full)
        else:
            lines.append((line["top"], text, full))
        previous = line
    return lines


def tidy(text: str) -> str:
    """Text as extracted, without the spaces a PDF puts between Chinese and digits (``得分 0 分``)."""
    text = re.sub(r"[ \t\u00a0]+", " ", (text or "").strip())
    return re.sub(rf"(?<=[{_CJK}]) | (?=[{_CJK}])", "", text)


def read_pdf(path: Path) -> PdfText:
    """The rows and lines of a text-layer PDF; raises ``ScannedPdf`` for a scan and
    ``PdfError`` for a file pdfplumber cannot open."""
    from jixiao.io.published import Line, Row, is_number

    import pdfplumber

    try:
        pdf = pdfplumber.open(str(path))
    except Exception as exc:  # damaged or encrypted: report, do not crash the batch
        raise PdfError(f"无法打开PDF：{exc}") from exc
    stream: list = []
    texts: list[str] = []
    ruled = False
    chars = images = 0
    name = Path(path).name
    tables_seen = 0
    last_header: list[str] | None = None
    last_row: Row | None = None
    open_line: Line | None = None
    with pdf:
        pages = pdf.pages
        if len(pages) > MAX_PAGES:
            raise PdfError(f"PDF共{len(pages)}页，超过{MAX_PAGES}页的上限")
        for number, page in enumerate(pages, 1):
            chars += len(page.chars)
            images += len(page.images)
            try:
                found = page.find_tables()
            except Exception:  # a malformed page: read its text only
                found = []
            boxes = [t.bbox for t in found]
            items: list[tuple[float, int, object]] = []
            for top, text, full in _lines_outside(page, boxes):
                items.append((top, 0, (text, full)))
                texts.append(text)
            for k, table in enumerate(found):
                items.append((table.bbox[1], 1, table))
            items.sort(key=lambda x: (x[0], x[1]))
            for _, kind, item in items:
                if kind == 0:
                    text, full = item
                    if open_line is not None and stream and stream[-1] is open_line and not _NEW_ITEM.match(text):
                        open_line.text += text  # a paragraph going on over the page break
                    else:
                        open_line = Line(text, SourceRef(file=f"{name}#第{number}页", line=None))
                        stream.append(open_line)
                    if not full:
                        open_line = None
                    continue
                open_line = None
                rows = [[join_cell(c) for c in row] for row in item.extract()]
                rows = [r for r in rows if any(r)]
                if not rows:
                    continue
                ruled = True
                tables_seen += 1
                where = f"{name}#第{number}页表{tables_seen}"
                start = 0
                if last_header is not None and rows[0] == last_header:
                    # the header repeated on a new page: a cut row continues with text only
                    stream.append(Row(rows[0], SourceRef(file=where, line=1)))
                    start = 1
                    if len(rows) > 1 and last_row is not None and len(rows[1]) == len(last_row.cells) \
                            and not any(is_number(c) for c in rows[1]):
                        last_row.cells = [a + b for a, b in zip(last_row.cells, rows[1])]
                        start = 2
                else:
                    last_header = rows[0]
                for i, cells in enumerate(rows[start:], start + 1):
                    row = Row(cells, SourceRef(file=where, line=i))
                    stream.append(row)
                    last_row = row
                for cells in rows:
                    texts.append(" | ".join(cells))
    if chars < MIN_CHARS_PER_PAGE * max(1, len(pages)) and (images or not chars):
        raise ScannedPdf(len(pages))
    return PdfText(stream=stream, text="\n".join(texts), ruled=ruled, pages=len(pages))
