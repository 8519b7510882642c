"""Filled 项目支出绩效自评表 in Word (.docx): read back into a ``ProjectForm``.

Agencies draw the form as one Word table, in the layout ``jixiao.reports.project_form_docx``
prints (and ``jixiao.io.project_form_excel`` describes): 项目名称; 主管部门 | 实施单位; the
项目资金 block merged down column A; 年度总体目标; 绩效指标 with 一级/二级指标 merged over
their rows; 总分 (and 自评等级). The title and （2023年度） usually stand in paragraphs above
the table, sometimes in its first row.

The table is laid out on its Word grid — a horizontally merged cell (``gridSpan``) and a
vertically merged one (``vMerge``) become one merged range, as in Excel — and then read by the
very reader of the Excel import (sections by their labels in column A, columns by header text:
年度指标值 / 年初目标值(A), 实际完成值 / 实际完成值(B), Yunnan's 指标性质 and 度量单位…, the
variant by the columns present). Every error names the table, row and column of the Word
table (``表格1 第14行 第6列（实际完成值）``), and nothing partial is returned.
"""

from __future__ import annotations

import re
from pathlib import Path

from docx import Document
from docx.table import Table
from openpyxl import Workbook

from jixiao.core.project_form import ProjectForm
from jixiao.io.safe_zip import open_docx

from .project_form_excel import _key, _read, _Sheet
from .yamlio import LoadError

#: Labels that make a Word table a 项目支出绩效自评表.
REQUIRED = ("项目名称", "绩效指标")
TITLE_LINES = 3  # paragraphs above the table kept as its title lines (title, year)


class _WordSheet(_Sheet):
    """A Word table laid out on a worksheet; positions are named in Word terms."""

    def __init__(self, ws, file: str, table_no: int, offset: int):
        super().__init__(ws, file)
        self.table_no = table_no
        self.offset = offset  # title lines above the table's first row

    def where(self, row: int, col: int, label: str) -> str:
        if row <= self.offset:
            return f"表格{self.table_no}上方的标题（{label}）"
        return f"表格{self.table_no} 第{row - self.offset}行 第{col}列（{label}）"


def _table_texts(table: Table) -> tuple[dict[tuple[int, int], str], list[tuple[int, int, int, int]]]:
    """Cell texts on the table's grid (1-based) and the merged ranges."""
    texts: dict[tuple[int, int], str] = {}
    spans: dict[object, list[tuple[int, int]]] = {}  # keyed by the <w:tc> element (kept alive, so unique)
    for r, row in enumerate(table.rows, 1):
        start = 1 + row.grid_cols_before
        for j, cell in enumerate(row.cells):
            pos = (r, start + j)
            key = cell._tc
            if key not in spans:
                texts[pos] = cell.text.strip()
            spans.setdefault(key, []).append(pos)
    merges = []
    for positions in spans.values():
        if len(positions) > 1:
            rows = [p[0] for p in positions]
            cols = [p[1] for p in positions]
            merges.append((min(rows), min(cols), max(rows), max(cols)))
    return texts, merges


def _is_form(texts: dict[tuple[int, int], str]) -> bool:
    first_column = {_key(t) for (r, c), t in texts.items() if c == 1}
    return all(label in first_column for label in REQUIRED) and any(k.startswith("项目资金") for k in first_column)


def _title_lines(doc, table: Table) -> list[str]:
    """The non-empty paragraphs just above ``table`` (at most TITLE_LINES)."""
    lines: list[str] = []
    for block in table._tbl.itersiblings(preceding=True):
        if block.tag.endswith("}tbl"):
            break
        if block.tag.endswith("}p"):
            text = "".join(t.text or "" for t in block.iter() if t.tag.endswith("}t")).strip()
            if text:
                lines.insert(0, text)
                if len(lines) >= TITLE_LINES:
                    break
    return lines


def find_form_table(path: str | Path):
    """(document, table number (1-based), table) of the first table drawn as a project form,
    or (document, None, None). Raises on a file python-docx cannot open."""
    doc = open_docx(path)  # zip bombs and hostile tables refused before parsing
    for n, table in enumerate(doc.tables, 1):
        texts, _ = _table_texts(table)
        if _is_form(texts):
            return doc, n, table
    return doc, None, None


def is_project_form_docx(path: str | Path) -> bool:
    """Whether a .docx holds a 项目支出绩效自评表 table (False for unreadable files)."""
    try:
        return find_form_table(path)[1] is not None
    except Exception:  # untrusted bytes: not a form we can read
        return False


def import_form_docx(path: str | Path, variant: str | None = None) -> tuple[ProjectForm | None, list[LoadError]]:
    """Read a filled 项目支出绩效自评表 (.docx) into a form: ``(form, [])`` or ``(None, errors)``.

    As ``import_form_xlsx``: the variant is detected from the columns unless given, the 得分,
    执行率, 总分 and 等级 filled in are kept as declared, and every error is located."""
    path = Path(path)
    file = str(path)
    if not path.is_file():
        return None, [LoadError(file, None, "", "文件不存在" if not path.exists() else "不是文件")]
    try:
        doc, number, table = find_form_table(path)
    except Exception as exc:  # any parser failure on untrusted bytes is an input error
        hint = "（.doc 等旧格式请用Word另存为 .docx）" if path.suffix.lower() in (".doc", ".wps") else ""
        return None, [LoadError(file, None, "", f"不是有效的Word文档（.docx），无法打开：{type(exc).__name__}{hint}")]
    if table is None:
        return None, [LoadError(file, None, "", "文档中没有项目支出绩效自评表（须有“项目名称”“项目资金”“绩效指标”栏的表格）")]
    texts, merges = _table_texts(table)
    titles = _title_lines(doc, table)
    wb = Workbook()
    ws = wb.active
    ws.title = f"表格{number}"
    for i, line in enumerate(titles, 1):
        _put(ws, i, 1, line)
    offset = len(titles)
    for (r, c), text in texts.items():
        if text:
            _put(ws, r + offset, c, text)
    for r1, c1, r2, c2 in merges:
        ws.merge_cells(start_row=r1 + offset, start_column=c1, end_row=r2 + offset, end_column=c2)
    sheet = _WordSheet(ws, file, number, offset)
    form, errors = _read(sheet, variant)
    if form is None:
        return None, [_word_terms(e, ws.title, number) for e in errors]
    rows = tuple(row.model_copy(update={"loc": row.loc.model_copy(update={"line": row.loc.line - offset})})
                 if row.loc is not None and row.loc.line else row for row in form.indicators)
    return form.model_copy(update={"indicators": rows}), []  # a row's line: its row of the Word table


def _put(ws, row: int, col: int, text: str) -> None:
    """Text as text: Word holds no formulas, so ``=100%`` is a target, not a formula."""
    cell = ws.cell(row=row, column=col)
    cell.value = text
    cell.data_type = "s"


def _word_terms(error: LoadError, sheet_title: str, number: int) -> LoadError:
    """Errors the Excel reader names by sheet (``表格1!A1（年度）``) in Word terms."""
    field = error.field
    if field.startswith(f"{sheet_title}!A1（年度）"):
        field = f"表格{number}上方的标题（年度）"
    elif re.fullmatch(re.escape(sheet_title), field):
        field = f"表格{number}"
    return LoadError(error.file, error.line, field, error.message)
