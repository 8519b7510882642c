"""The 项目支出绩效自评表 as a Word document (python-docx), in its variant's layout.

The table is the same ``Grid`` the Excel export draws (``jixiao.io.project_form_excel.form_grid``):
the same cells, the same merges (section labels down column A, 一级/二级指标 over their runs
of rows), the same column proportions, fitted to the text width of an A4 page (portrait, or
landscape for Yunnan's wider table). Text is 宋体 10.5pt (the PDF step maps 宋体 to Noto Serif
CJK); the title is 黑体 16pt above the table, and a line under it lists the audit findings
that need attention, so a printed form does not hide them.
"""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

from docx import Document
from docx.enum.section import WD_ORIENT
from docx.enum.table import WD_CELL_VERTICAL_ALIGNMENT, WD_TABLE_ALIGNMENT
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Mm, Pt

from jixiao.core.numbers import fmt
from jixiao.core.project_form import FormReview, finding_title
from jixiao.io.project_form_excel import LABEL_WIDTH, form_grid

BODY_FONT = "宋体"
TITLE_FONT = "黑体"
BODY_SIZE = Pt(10.5)
A4 = (Mm(210), Mm(297))
MARGIN = Mm(20)


def _fonts(run, name: str) -> None:
    """Name ``name`` for every script so Chinese text is not set in a Latin font."""
    run.font.name = name
    rpr = run._r.get_or_add_rPr()
    fonts = rpr.find(qn("w:rFonts"))
    if fonts is None:
        fonts = OxmlElement("w:rFonts")
        rpr.insert(0, fonts)
    for attr in ("w:ascii", "w:hAnsi", "w:eastAsia", "w:cs"):
        fonts.set(qn(attr), name)


def _shade(cell, fill: str = "D9D9D9") -> None:
    shd = OxmlElement("w:shd")
    shd.set(qn("w:val"), "clear")
    shd.set(qn("w:color"), "auto")
    shd.set(qn("w:fill"), fill)
    cell._tc.get_or_add_tcPr().append(shd)


def _text(value, style: str, places: int | None) -> str:
    if value is None:
        return ""
    if isinstance(value, Decimal):
        if style == "percent":
            return f"{fmt(value * 100, 2)}%"
        return f"{value:.{places}f}" if places is not None else fmt(value)
    return str(value)


def export_form_docx(review: FormReview, path: str | Path, findings: bool = True, blank: bool = False) -> Path:
    """Write the form as a .docx table in its variant's layout; returns ``path``.

    With ``findings`` a short list of the audit's error findings follows the table; ``blank``
    writes the empty form to fill in (headings only on the indicator rows, no findings)."""
    path = Path(path)
    grid = form_grid(review, blank)
    findings = findings and not blank
    doc = Document()
    section = doc.sections[0]
    landscape = grid.orientation == "landscape"
    section.orientation = WD_ORIENT.LANDSCAPE if landscape else WD_ORIENT.PORTRAIT
    section.page_width, section.page_height = (A4[1], A4[0]) if landscape else A4
    for side in ("left_margin", "right_margin", "top_margin", "bottom_margin"):
        setattr(section, side, MARGIN)
    usable = section.page_width - 2 * MARGIN

    for row in range(1, grid.title_rows + 1):  # title lines above the table
        cell = grid.cells.get((row, 1))
        paragraph = doc.add_paragraph()
        paragraph.alignment = WD_ALIGN_PARAGRAPH.CENTER
        run = paragraph.add_run(_text(cell.value if cell else "", "text", None))
        _fonts(run, TITLE_FONT if row == 1 else BODY_FONT)
        run.font.size = Pt(16) if row == 1 else BODY_SIZE

    body_rows = grid.rows - grid.title_rows
    table = doc.add_table(rows=body_rows, cols=grid.width)
    table.style = "Table Grid"
    table.alignment = WD_TABLE_ALIGNMENT.CENTER
    table.autofit = False
    widths = [LABEL_WIDTH] + [w for _, _, w in grid.columns]
    scale = usable / sum(widths)
    for i, column in enumerate(table.columns):
        for cell in column.cells:
            cell.width = int(widths[i] * scale)
    for (row, col), gc in grid.cells.items():
        if row <= grid.title_rows:
            continue
        cell = table.cell(row - grid.title_rows - 1, col - 1)
        cell.vertical_alignment = WD_CELL_VERTICAL_ALIGNMENT.CENTER
        paragraph = cell.paragraphs[0]
        centred = gc.style in ("label", "header", "center", "number", "percent") or isinstance(gc.value, Decimal)
        paragraph.alignment = WD_ALIGN_PARAGRAPH.CENTER if centred else WD_ALIGN_PARAGRAPH.LEFT
        run = paragraph.add_run(_text(gc.value, gc.style, gc.places))
        _fonts(run, BODY_FONT)
        run.font.size = BODY_SIZE
        if gc.style in ("label", "header"):
            run.bold = True
            _shade(cell)
    for r1, c1, r2, c2 in grid.merges:
        if r1 <= grid.title_rows:
            continue
        for row in range(r1, r2 + 1):  # a merge keeps the top-left text only, as in Excel
            for col in range(c1, c2 + 1):
                if (row, col) != (r1, c1):
                    _clear(table.cell(row - grid.title_rows - 1, col - 1))
        a = table.cell(r1 - grid.title_rows - 1, c1 - 1)
        b = table.cell(r2 - grid.title_rows - 1, c2 - 1)
        if a._tc is not b._tc:
            _drop_empty_paragraphs(a.merge(b))

    errors = [f for f in review.findings if f.severity == "error"]
    if findings and errors:
        paragraph = doc.add_paragraph()
        run = paragraph.add_run("审核提示：")
        run.bold = True
        _fonts(run, BODY_FONT)
        for f in errors:
            item = doc.add_paragraph()
            run = item.add_run(f"{f.code}　{finding_title(f)}：{f.message}")
            _fonts(run, BODY_FONT)
            run.font.size = Pt(9)
    props = doc.core_properties
    props.title = review.form.title
    props.author = review.form.implementer or review.form.department
    path.parent.mkdir(parents=True, exist_ok=True)
    doc.save(str(path))
    return path


def _clear(cell) -> None:
    for paragraph in cell.paragraphs:
        for run in list(paragraph.runs):
            run._r.getparent().remove(run._r)


def _drop_empty_paragraphs(cell) -> None:
    """A merge appends the (emptied) paragraphs of the swallowed cells; drop them."""
    for p in cell.paragraphs[1:]:
        if not p.text:
            p._p.getparent().remove(p._p)
