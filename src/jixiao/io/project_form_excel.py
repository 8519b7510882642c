"""The 项目支出绩效自评表 in Excel: export in each variant's layout, import filled forms.

The layout is built once as a ``Grid`` (cells, merges, column widths) by ``form_grid`` and
drawn by ``export_form_xlsx`` here and by ``jixiao.reports.project_form_docx`` in Word, so
both print the same table as agencies draw it:

    项目支出绩效自评表 / （2023年度）
    项目名称 | …
    主管部门 | … | 实施单位 | …
    项目资金（万元） | | 年初预算数 | 全年预算数 | 全年执行数 | 分值 | 执行率 | 得分
                     | 年度资金总额 / 其中：当年财政拨款 / 上年结转资金 / 其他资金
    年度总体目标 | 预期目标 | 实际完成情况
    绩效指标 | 一级指标 | 二级指标 | 三级指标 | 年度指标值 | 实际完成值 | 分值 | 得分 | 偏差原因分析及改进措施
    总分 | … | 100 | 94.05 |
    (自评等级, where the variant prints it)

with 一级/二级指标 cells merged over their runs of rows, the section labels of column A merged
down their sections, and the page set to A4 (portrait; landscape for Yunnan's wider table),
one page wide. Yunnan adds 指标性质 and 度量单位 (年度指标值 then holds the bare number); Hubei
has no 分值 column (the points stand on the 一级指标 cells: ``产出指标（40分）``).

``import_form_xlsx`` reads such a sheet back — ours or an agency's drawn the same way — into a
``ProjectForm``: sections are found by their labels in column A, columns by their header
text, the variant by the columns present. Every problem is collected and named by sheet, cell
and column (``项目支出绩效自评表!F14（实际完成值）``); nothing partial is returned.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any

from openpyxl import Workbook, load_workbook
from openpyxl.styles import Alignment
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.worksheet import Worksheet
from pydantic import ValidationError

from jixiao.core.model import Target
from jixiao.core.numbers import HUNDRED, fmt
from jixiao.io.safe_zip import open_workbook
from jixiao.core.project_form import (MONEY_COLUMNS, MONEY_ROWS, NOT_APPLICABLE_TEXT, VARIANTS, FormLayout,
                                      FormReview, ProjectForm, ProjectFormError, build, heading_key, load_template,
                                      split_heading)

from .excel import (BODY_FONT, BORDER, CENTER, HEADER_FILL, HEADER_FONT, TITLE_FONT, places_format,
                    put_number, put_text, read_number, read_text)
from .yamlio import LoadError, _message as pydantic_message

SHEET = "项目支出绩效自评表"
LABEL_WIDTH = 8.0  # column A: the section labels (项目资金（万元）, 绩效指标…)
DASH = "—"

# --- the grid ---------------------------------------------------------------------------


@dataclass(frozen=True)
class GridCell:
    """One cell: ``value`` (text or Decimal), ``style`` (title, label, header, text, number,
    percent) and, for numbers, the places to show."""

    value: str | Decimal | None
    style: str = "text"
    places: int | None = None


@dataclass
class Grid:
    """A table drawn cell by cell: ``cells[(row, col)]`` (1-based), ``merges`` as
    (first_row, first_col, last_row, last_col), column widths in Excel character units."""

    columns: list[tuple[str, str, float]]  # (key, label, width) of the indicator part, after column A
    cells: dict[tuple[int, int], GridCell] = field(default_factory=dict)
    merges: list[tuple[int, int, int, int]] = field(default_factory=list)
    rows: int = 0
    orientation: str = "portrait"
    title_rows: int = 2  # rows above the table (title, year)

    @property
    def width(self) -> int:
        return 1 + len(self.columns)

    def put(self, row: int, col: int, value: Any, style: str = "text", places: int | None = None,
            to_col: int | None = None, to_row: int | None = None) -> None:
        self.cells[(row, col)] = GridCell(value, style, places)
        last_row, last_col = to_row or row, to_col or col
        if (last_row, last_col) != (row, col):
            self.merges.append((row, col, last_row, last_col))
        self.rows = max(self.rows, last_row)

    def col(self, key: str) -> int:
        return 2 + [k for k, _, _ in self.columns].index(key)


def indicator_columns(layout: FormLayout) -> list[tuple[str, str, float]]:
    """The indicator columns of a variant after column A: (key, label, width)."""
    cols: list[tuple[str, str, float]] = [("level1", "一级指标", 10), ("level2", "二级指标", 10), ("name", "三级指标", 18)]
    if layout.nature_columns:
        cols += [("nature", "指标性质", 6), ("target", layout.target_label, 10), ("unit", "度量单位", 7)]
    else:
        cols += [("target", layout.target_label, 12)]
    cols += [("actual", layout.actual_label, 12)]
    if layout.row_weights:
        cols += [("weight", layout.weight_label, 6)]
    cols += [("score", layout.score_label, 7), ("reason", layout.reason_label, 22)]
    return cols


def _money_label(unit: str) -> str:
    return f"项目资金（{unit}）"


def form_grid(review: FormReview, blank: bool = False) -> Grid:
    """The printed form of a scored form, in its variant's layout. ``blank`` draws an empty
    form to fill in: headings only on the indicator rows, no scores."""
    form, layout, sheet = review.form, review.layout, review.sheet
    places = sheet.framework.places
    grid = Grid(indicator_columns(layout), orientation=layout.orientation)
    n = grid.width
    grid.put(1, 1, layout.title, "title", to_col=n)
    grid.put(2, 1, f"（{form.year}年度）", "subtitle", to_col=n)
    r = 3
    grid.put(r, 1, "项目名称", "label", to_col=2)
    grid.put(r, 3, form.project, to_col=n)
    r += 1
    mid = n // 2
    grid.put(r, 1, "主管部门", "label", to_col=2)
    grid.put(r, 3, form.department, to_col=mid)
    grid.put(r, mid + 1, "实施单位", "label")
    grid.put(r, mid + 2, form.implementer, to_col=n)

    # 项目资金: the last six columns hold the figures, the item label spans the rest.
    r += 1
    money = form.money
    first_money = n - 5
    grid.put(r, 1, _money_label(money.unit), "label", to_row=r + 4)
    grid.put(r, 2, None, "header", to_col=first_money - 1)
    labels = [*MONEY_COLUMNS.values(), "分值", "执行率", layout.money_score_label]
    for i, label in enumerate(labels):
        grid.put(r, first_money + i, label, "header")
    rate = money.execution_rate()
    execution = review.execution
    for key, label in MONEY_ROWS.items():
        r += 1
        amounts = getattr(money, key)
        grid.put(r, 2, label, "text", to_col=first_money - 1)
        for i, column in enumerate(MONEY_COLUMNS):
            grid.put(r, first_money + i, getattr(amounts, column), "number")
        if key == "total":
            grid.put(r, first_money + 3, execution.weight, "number")
            grid.put(r, first_money + 4, None if rate is None else rate / HUNDRED, "percent")
            grid.put(r, first_money + 5, None if blank else execution.score, "number", places)
        else:
            for i in (3, 4, 5):
                grid.put(r, first_money + i, DASH, "center")

    # 年度总体目标
    r += 1
    goals = list(form.goals) or [None]
    half = 1 + (n - 1) // 2
    grid.put(r, 1, "年度总体目标", "label", to_row=r + len(goals))
    grid.put(r, 2, "预期目标", "header", to_col=half)
    grid.put(r, half + 1, "实际完成情况", "header", to_col=n)
    for goal in goals:
        r += 1
        grid.put(r, 2, goal.expected if goal else None, to_col=half)
        grid.put(r, half + 1, goal.actual if goal else None, to_col=n)

    # 绩效指标
    r += 1
    header = r
    for key, label, _ in grid.columns:
        grid.put(r, grid.col(key), label, "header")
    level1_points = {}
    if not layout.row_weights:
        for gt in sheet.groups:
            if gt.level == 1 and gt.group.points is not None:
                level1_points[gt.group.code] = gt.group.points
    runs: dict[str, list[tuple[str, int]]] = {"level1": [], "level2": []}
    for i, row in enumerate(form.indicators):
        r += 1
        scored = review.row_score(i)
        top, second = scored.path[0], scored.path[-1]
        label1 = row.level1
        label2 = row.level2
        if not layout.row_weights:
            label1 = f"{row.level1}（{fmt(top.points)}分）" if top.points is not None else row.level1
            if second is not top and second.points is not None:
                label2 = f"{row.level2}（{fmt(second.points)}分）"
        runs["level1"].append((top.code, r))
        runs["level2"].append((second.code, r))
        grid.put(r, grid.col("level1"), label1, "center")
        grid.put(r, grid.col("level2"), label2, "center")
        if blank:
            continue
        grid.put(r, grid.col("name"), row.name)
        if layout.nature_columns:
            grid.put(r, grid.col("nature"), row.nature, "center")
            grid.put(r, grid.col("target"), row.target_number, "center")
            grid.put(r, grid.col("unit"), row.target_unit, "center")
        else:
            grid.put(r, grid.col("target"), row.target, "center")
        if row.not_applicable is not None:
            grid.put(r, grid.col("actual"), NOT_APPLICABLE_TEXT, "center")
            grid.put(r, grid.col("reason"), row.not_applicable)
            if layout.row_weights:
                grid.put(r, grid.col("weight"), scored.weight, "number")
            grid.put(r, grid.col("score"), DASH, "center")
            continue
        grid.put(r, grid.col("actual"), row.actual, "center")
        if layout.row_weights:
            grid.put(r, grid.col("weight"), scored.weight, "number")
        grid.put(r, grid.col("score"), scored.score, "number", places)
        grid.put(r, grid.col("reason"), row.reason)
    grid.put(header, 1, "绩效指标", "label", to_row=r)
    for key, run in runs.items():
        _merge_runs(grid, grid.col(key), run)

    r += 1
    score_col = grid.col("score")
    if layout.row_weights:
        weight_col = grid.col("weight")
        grid.put(r, 1, "总分", "label", to_col=weight_col - 1)
        grid.put(r, weight_col, None if blank else sheet.weight_total, "number")
    else:
        grid.put(r, 1, "总分", "label", to_col=score_col - 1)
    grid.put(r, score_col, None if blank else sheet.total, "number", places)
    grid.put(r, score_col + 1, None, to_col=n)
    if layout.show_grade:
        r += 1
        grid.put(r, 1, "自评等级", "label", to_col=score_col - 1)
        grid.put(r, score_col, None if blank else sheet.grade, "center", to_col=n)
    return grid


def _merge_runs(grid: Grid, col: int, run: list[tuple[str, int]]) -> None:
    """Merge a column's cells over consecutive rows of the same heading."""
    start = 0
    for i in range(1, len(run) + 1):
        if i == len(run) or run[i][0] != run[start][0]:
            if i - 1 > start:
                first, last = run[start][1], run[i - 1][1]
                grid.merges.append((first, col, last, col))
            start = i


# --- writing ---------------------------------------------------------------------------

LEFT = Alignment(wrap_text=True, vertical="center")


def export_form_xlsx(review: FormReview, path: str | Path, blank: bool = False) -> Path:
    """Write the form as an .xlsx in its variant's layout (one sheet, A4, one page wide);
    ``blank`` writes the empty form to fill in (see ``form_grid``)."""
    path = Path(path)
    grid = form_grid(review, blank)
    wb = Workbook()
    ws = wb.active
    ws.title = SHEET
    widths = {1: LABEL_WIDTH, **{grid.col(k): w for k, _, w in grid.columns}}
    for col, width in widths.items():
        ws.column_dimensions[get_column_letter(col)].width = width
    for row in range(1, grid.rows + 1):
        for col in range(1, grid.width + 1):
            cell = ws.cell(row=row, column=col)
            if row > grid.title_rows:
                cell.border = BORDER
            cell.font = BODY_FONT
            cell.alignment = LEFT
    for (row, col), gc in grid.cells.items():
        cell = ws.cell(row=row, column=col)
        if isinstance(gc.value, Decimal):
            if gc.style == "percent":
                put_number(cell, gc.value, "0.00%")
            else:
                put_number(cell, gc.value, "0." + "0" * gc.places if gc.places else places_format(gc.value))
            cell.alignment = CENTER
        else:
            put_text(cell, gc.value)
        if gc.style == "title":
            cell.font, cell.alignment = TITLE_FONT, CENTER
        elif gc.style == "subtitle":
            cell.alignment = CENTER
        elif gc.style in ("label", "header"):
            cell.font, cell.alignment, cell.fill = HEADER_FONT, CENTER, HEADER_FILL
        elif gc.style == "center":
            cell.alignment = CENTER
    for r1, c1, r2, c2 in grid.merges:
        ws.merge_cells(start_row=r1, start_column=c1, end_row=r2, end_column=c2)
    _fit_heights(ws, grid, widths)
    ws.page_setup.paperSize = ws.PAPERSIZE_A4
    ws.page_setup.orientation = grid.orientation
    ws.page_setup.fitToWidth = 1
    ws.page_setup.fitToHeight = 0
    ws.sheet_properties.pageSetUpPr.fitToPage = True
    ws.print_options.horizontalCentered = True
    ws.page_margins.left = ws.page_margins.right = 0.5
    ws.page_margins.top = ws.page_margins.bottom = 0.6
    ws.oddFooter.center.text = "第 &P 页，共 &N 页"
    wb.save(path)
    return path


def _fit_heights(ws: Worksheet, grid: Grid, widths: dict[int, float]) -> None:
    """Row heights that show wrapped text (a merged cell counts its merged width)."""
    span: dict[tuple[int, int], float] = {}
    for r1, c1, r2, c2 in grid.merges:
        if r1 == r2:
            span[(r1, c1)] = sum(widths.get(c, 8) for c in range(c1, c2 + 1))
    lines_by_row: dict[int, int] = {}
    for (row, col), gc in grid.cells.items():
        if not isinstance(gc.value, str) or not gc.value:
            continue
        if any(r1 <= row <= r2 and r1 != r2 and c1 <= col <= c2 for r1, c1, r2, c2 in grid.merges):
            continue
        width = span.get((row, col), widths.get(col, 8))
        usable = max(1.0, width * 0.9 - 1)
        text_width = sum(2 if unicodedata.east_asian_width(ch) in ("W", "F") else 1 for ch in gc.value)
        lines = max(1, -(-text_width // int(usable)))
        lines_by_row[row] = max(lines_by_row.get(row, 1), lines)
    for row in range(1, grid.rows + 1):
        base = 24 if row == 1 else 15
        ws.row_dimensions[row].height = min(409, max(base, 14 * lines_by_row.get(row, 1) + 4))


# --- reading ---------------------------------------------------------------------------

_HEADER_KEYS = {
    "一级指标": "level1", "二级指标": "level2", "三级指标": "name", "指标性质": "nature",
    "年度指标值": "target", "年初目标值(A)": "target", "年初目标值": "target", "指标值": "target",
    "目标值": "target", "度量单位": "unit", "实际完成值": "actual", "实际完成值(B)": "actual",
    "完成值": "actual", "全年实际值": "actual", "分值": "weight", "权重": "weight", "得分": "score",
    "偏差原因分析及改进措施": "reason", "偏差原因分析及采取的措施": "reason", "未完成原因分析": "reason",
    "偏差原因": "reason", "原因分析": "reason",
}
_LABELS = {"level1": "一级指标", "level2": "二级指标", "name": "三级指标", "nature": "指标性质",
           "target": "年度指标值", "unit": "度量单位", "actual": "实际完成值", "weight": "分值", "score": "得分",
           "reason": "偏差原因分析及改进措施"}
_MONEY_HEADERS = {"年初预算数": "initial", "全年预算数": "annual", "预算数": "annual", "调整后预算数": "annual",
                  "全年执行数": "spent", "执行数": "spent", "预算执行数": "spent", "分值": "points",
                  "执行率": "rate", "预算执行率": "rate", "得分": "score"}
_MONEY_ITEMS = {"年度资金总额": "total", "资金总额": "total", "总额": "total", "年度财政资金总额": "total",
                "当年财政拨款": "fiscal", "其中当年财政拨款": "fiscal", "财政拨款": "fiscal",
                "上年结转资金": "carryover", "其他资金": "other"}
_NATURE = {"≧": ">=", "≥": ">=", ">=": ">=", "≦": "<=", "≤": "<=", "<=": "<=", "＝": "=", "=": "=",
           ">": ">", "<": "<"}
_SYMBOL = {">=": "≥", "<=": "≤", "=": "=", ">": ">", "<": "<"}


def _key(text: str) -> str:
    """Header text compared loosely: width-normalised, no spaces, line breaks or colons."""
    text = unicodedata.normalize("NFKC", text)
    return re.sub(r"[\s:：]", "", text)


@dataclass
class _Sheet:
    """A worksheet with merged cells resolved and every error located at a cell."""

    ws: Worksheet
    file: str
    errors: list[LoadError] = field(default_factory=list)
    merged: dict[tuple[int, int], tuple[int, int]] = field(default_factory=dict)

    def __post_init__(self):
        for rng in self.ws.merged_cells.ranges:
            for row in range(rng.min_row, rng.max_row + 1):
                for col in range(rng.min_col, rng.max_col + 1):
                    self.merged[(row, col)] = (rng.min_row, rng.min_col)

    def cell(self, row: int, col: int):
        r, c = self.merged.get((row, col), (row, col))
        return self.ws.cell(row=r, column=c)

    def where(self, row: int, col: int, label: str) -> str:
        return f"{self.ws.title}!{get_column_letter(col)}{row}（{label}）"

    def add(self, where: str, message: str) -> None:
        self.errors.append(LoadError(self.file, None, where, message))

    def text(self, row: int, col: int, label: str) -> str:
        try:
            return read_text(self.cell(row, col))
        except ValueError as exc:
            self.add(self.where(row, col, label), str(exc))
            return ""

    def number(self, row: int, col: int, label: str, dash_ok: bool = True) -> Decimal | None:
        cell = self.cell(row, col)
        if cell.value is None or (isinstance(cell.value, str) and cell.value.strip() in ("", *((DASH, "-", "/") if dash_ok else ()))):
            return None
        try:
            return read_number(cell)
        except ValueError as exc:
            self.add(self.where(row, col, label), str(exc))
            return None

    def value_text(self, row: int, col: int, label: str) -> str:
        """A value cell as text; a percent-formatted number reads as ``98.5%``."""
        cell = self.cell(row, col)
        if isinstance(cell.value, (int, float)) and not isinstance(cell.value, bool) and "%" in (cell.number_format or ""):
            value = self.number(row, col, label)
            return "" if value is None else f"{fmt(value)}%"
        return self.text(row, col, label)


def _find_sheet(wb) -> Worksheet:
    if SHEET in wb.sheetnames and isinstance(wb[SHEET], Worksheet):
        return wb[SHEET]
    for ws in wb.worksheets:
        if any(_key(str(c.value or "")) == "项目名称" for row in ws.iter_rows(max_col=3, max_row=30) for c in row):
            return ws
    return wb.worksheets[0]


def _sections(sheet: _Sheet) -> dict[str, int]:
    """Row of each section label in column A (first occurrence)."""
    found: dict[str, int] = {}
    for row in range(1, sheet.ws.max_row + 1):
        if sheet.merged.get((row, 1), (row, 1))[0] != row:
            continue
        value = sheet.ws.cell(row=row, column=1).value
        if not isinstance(value, str):
            continue
        key = _key(value)
        for name in ("项目名称", "主管部门", "年度总体目标", "绩效指标", "总分", "自评等级"):
            if key == name and name not in found:
                found[name] = row
        if key.startswith("项目资金") and "项目资金" not in found:
            found["项目资金"] = row
    return found


def _next_value_col(sheet: _Sheet, row: int, after: int) -> int | None:
    """The first column right of ``after`` that starts a new cell (skipping merged parts)."""
    col = after + 1
    origin = sheet.merged.get((row, after), (row, after))
    while col <= sheet.ws.max_column and sheet.merged.get((row, col), (row, col)) == origin:
        col += 1
    return col if col <= sheet.ws.max_column else None


def import_form_xlsx(path: str | Path, variant: str | None = None) -> tuple[ProjectForm | None, list[LoadError]]:
    """Read a filled 项目支出绩效自评表 (.xlsx) into a form: ``(form, [])`` or ``(None, errors)``.

    ``variant`` is detected from the columns (指标性质 → yunnan; no 分值 column → hubei;
    otherwise national) unless given. The 得分 filled in are kept as declared scores, the
    项目资金 得分 and 总分 likewise, so ``review`` checks them against the rules.
    """
    path = Path(path)
    file = str(path)
    if not path.is_file():
        return None, [LoadError(file, None, "", "文件不存在" if not path.exists() else "不是文件")]
    try:
        wb = open_workbook(path, data_only=False)  # zip bombs and oversized sheets refused
    except Exception as exc:  # any parser failure on untrusted bytes is an input error
        hint = "（.xls 等旧格式请用Excel另存为 .xlsx）" if path.suffix.lower() in (".xls", ".et") else ""
        return None, [LoadError(file, None, "", f"不是有效的Excel工作簿（.xlsx），无法打开：{type(exc).__name__}{hint}")]
    try:
        sheet = _Sheet(_find_sheet(wb), file)
        result = _read(sheet, variant)
    finally:
        wb.close()
    return result


def _read(sheet: _Sheet, variant: str | None) -> tuple[ProjectForm | None, list[LoadError]]:
    sections = _sections(sheet)
    title = sheet.ws.title
    missing = [s for s in ("项目名称", "项目资金", "绩效指标", "总分") if s not in sections]
    for name in missing:
        sheet.add(title, f"找不到“{name}”栏（A列），不是项目支出绩效自评表的格式")
    if missing:
        return None, sheet.errors
    order = sorted(sections.values())
    cells: dict[tuple, str] = {}
    data: dict[str, Any] = {"loc": {"file": sheet.file, "line": None}}

    # year: “（2023年度）” or a title containing 2023年度, above the table
    year = None
    for row in range(1, sections["项目名称"]):
        for col in range(1, sheet.ws.max_column + 1):
            value = sheet.ws.cell(row=row, column=col).value
            match = re.search(r"(\d{4})\s*年度?", unicodedata.normalize("NFKC", str(value or "")))
            if match and year is None:
                year = int(match[1])
    year_where = f"{title}!A1（年度）"
    cells[("year",)] = year_where
    if year is None:
        sheet.add(year_where, "表头未写明年度（如“（2023年度）”）")
    data["year"] = year

    r = sections["项目名称"]
    col = _next_value_col(sheet, r, 1)
    data["project"] = sheet.text(r, col, "项目名称") if col else ""
    cells[("project",)] = sheet.where(r, col or 2, "项目名称")
    if "主管部门" in sections:
        r = sections["主管部门"]
        col = _next_value_col(sheet, r, 1)
        data["department"] = sheet.text(r, col, "主管部门") if col else ""
        cells[("department",)] = sheet.where(r, col or 2, "主管部门")
        for c in range(2, sheet.ws.max_column + 1):
            if _key(str(sheet.ws.cell(row=r, column=c).value or "")) == "实施单位":
                value_col = _next_value_col(sheet, r, c)
                data["implementer"] = sheet.text(r, value_col, "实施单位") if value_col else ""
                cells[("implementer",)] = sheet.where(r, value_col or c, "实施单位")

    money_end = next(x for x in order if x > sections["项目资金"]) if any(x > sections["项目资金"] for x in order) else None
    data["money"] = _read_money(sheet, sections["项目资金"], money_end, cells)

    if "年度总体目标" in sections:
        end = next(x for x in order if x > sections["年度总体目标"])
        data["goals"] = _read_goals(sheet, sections["年度总体目标"], end)

    header = sections["绩效指标"]
    columns = _read_header(sheet, header)
    if columns is None:
        return None, sheet.errors
    detected = "yunnan" if "nature" in columns else ("hubei" if "weight" not in columns else "national")
    variant = variant or detected
    if variant not in VARIANTS:
        sheet.add(title, f"没有格式“{variant}”（可选：{'、'.join(VARIANTS)}）")
        return None, sheet.errors
    layout = load_template(variant).layout
    needed = ["level1", "level2", "name", "target", "actual", "score", "reason"]
    needed += ["weight"] if layout.row_weights else []
    needed += ["nature", "unit"] if layout.nature_columns else []
    absent = [k for k in needed if k not in columns]
    for k in absent:
        sheet.add(sheet.where(header, 2, "表头"), f"{VARIANTS[variant]}缺少“{_LABELS[k]}”列")
    if absent:
        return None, sheet.errors
    data["variant"] = variant
    rows, group_points = _read_rows(sheet, header, sections["总分"], columns, layout, cells)
    data["indicators"] = rows
    defaults = {heading_key(g.name): g.points for g in load_template(variant).framework.groups}
    data["group_points"] = {k: v for k, v in group_points.items() if defaults.get(heading_key(k), None) != v}

    total_row = sections["总分"]
    score_col = columns["score"]
    data["declared_total"] = sheet.number(total_row, score_col, "总分")
    cells[("declared_total",)] = sheet.where(total_row, score_col, "总分")
    if "自评等级" in sections:
        grade = sheet.text(sections["自评等级"], score_col, "自评等级")
        data["declared_grade"] = grade or None
        cells[("declared_grade",)] = sheet.where(sections["自评等级"], score_col, "自评等级")
    if sheet.errors:
        return None, sheet.errors

    try:
        form = ProjectForm.model_validate(data)
    except ValidationError as exc:
        for err in exc.errors():
            sheet.add(_locate(err["loc"], cells, title), pydantic_message(err))
        return None, sheet.errors
    try:
        build(form)
    except ProjectFormError as exc:
        for problem in exc.problems:
            sheet.add(_locate(problem.path, cells, title), problem.message)
        return None, sheet.errors
    return form, []


def _locate(loc: tuple, cells: dict[tuple, str], fallback: str) -> str:
    probe = tuple(loc)
    while probe:
        if probe in cells:
            return cells[probe]
        probe = probe[:-1]
    return fallback


def _read_money(sheet: _Sheet, first: int, end: int | None, cells: dict[tuple, str]) -> dict[str, Any]:
    label = _key(str(sheet.ws.cell(row=first, column=1).value or ""))
    unit = "元" if "(元)" in label else "万元"
    columns: dict[str, int] = {}
    for col in range(2, sheet.ws.max_column + 1):
        if sheet.merged.get((first, col), (first, col)) != (first, col):
            continue
        text = _key(str(sheet.ws.cell(row=first, column=col).value or ""))
        for name, key in _MONEY_HEADERS.items():
            if text == _key(name) or (key == "score" and text.startswith("得分")):
                columns.setdefault(key, col)
    for key, name in (("annual", "全年预算数"), ("spent", "全年执行数")):
        if key not in columns:
            sheet.add(sheet.where(first, 2, "项目资金"), f"项目资金表缺少“{name}”列")
    money: dict[str, Any] = {"unit": unit}
    last = (end or first + 5) - 1
    for row in range(first + 1, last + 1):
        item = _key(sheet.text(row, 2, "项目资金"))
        item = item.removeprefix("其中")
        key = _MONEY_ITEMS.get(item)
        if key is None:
            if item:
                sheet.add(sheet.where(row, 2, "项目资金"),
                          f"无法识别的资金项目“{item}”（应为{'、'.join(MONEY_ROWS.values())}）")
            continue
        amounts = {}
        for field_name, label_text in MONEY_COLUMNS.items():
            col = columns.get(field_name)
            if col is None:
                continue
            amounts[field_name] = sheet.number(row, col, label_text)
            cells[("money", key, field_name)] = sheet.where(row, col, label_text)
        money[key] = amounts
        if key == "total" and "score" in columns:
            money["declared_score"] = sheet.number(row, columns["score"], "得分")
            cells[("money", "declared_score")] = sheet.where(row, columns["score"], "得分")
        if key == "total" and "rate" in columns:
            money["declared_rate"] = _read_rate(sheet, row, columns["rate"])
            cells[("money", "declared_rate")] = sheet.where(row, columns["rate"], "执行率")
    return money


def _read_rate(sheet: _Sheet, row: int, col: int) -> Decimal | None:
    """The 执行率 as filled in, in percent: ``98.5%`` typed or percent-formatted, or a bare
    fraction (``0.985``, ``1``) as agencies often type it."""
    value = sheet.number(row, col, "执行率")
    if value is None:
        return None
    cell = sheet.cell(row, col)
    percent = "%" in (cell.number_format or "") or (isinstance(cell.value, str) and "%" in cell.value)
    return value * HUNDRED if not percent and value <= 1 else value


def _read_goals(sheet: _Sheet, first: int, end: int) -> list[dict[str, str]]:
    expected_col = actual_col = None
    for col in range(2, sheet.ws.max_column + 1):
        if sheet.merged.get((first, col), (first, col)) != (first, col):
            continue
        text = _key(str(sheet.ws.cell(row=first, column=col).value or ""))
        if text == "预期目标":
            expected_col = col
        elif text in ("实际完成情况", "年度目标完成情况"):
            actual_col = col
    if expected_col is None:
        sheet.add(sheet.where(first, 2, "年度总体目标"), "年度总体目标缺少“预期目标”栏")
        return []
    goals = []
    for row in range(first + 1, end):
        expected = sheet.text(row, expected_col, "预期目标")
        actual = sheet.text(row, actual_col, "实际完成情况") if actual_col else ""
        if expected or actual:
            goals.append({"expected": expected, "actual": actual})
    return goals


def _read_header(sheet: _Sheet, row: int) -> dict[str, int] | None:
    columns: dict[str, int] = {}
    for col in range(2, sheet.ws.max_column + 1):
        text = _key(str(sheet.ws.cell(row=row, column=col).value or ""))
        key = _HEADER_KEYS.get(text)
        if key is None and text.startswith("得分"):
            key = "score"
        if key is not None and key not in columns:
            columns[key] = col
    if "name" not in columns:
        sheet.add(sheet.where(row, 2, "表头"), "绩效指标表头缺少“三级指标”列")
        return None
    return columns


def _read_rows(sheet: _Sheet, header: int, end: int, columns: dict[str, int], layout: FormLayout,
               cells: dict[tuple, str]):
    rows: list[dict[str, Any]] = []
    group_points: dict[str, Decimal] = {}
    for r in range(header + 1, end):
        def cell_text(key: str) -> str:
            return sheet.text(r, columns[key], _LABELS[key])

        name = cell_text("name")
        own = [k for k in ("name", "target", "actual", "reason") if k in columns
               and sheet.merged.get((r, columns[k]), (r, columns[k]))[0] == r and cell_text(k)]
        if not own:
            continue  # an empty row of a blank form
        i = len(rows)
        for key, col in columns.items():
            cells[("indicators", i, "weight" if key == "weight" else key)] = sheet.where(r, col, _LABELS[key])
        cells[("indicators", i)] = sheet.where(r, columns["name"], "三级指标")
        level1, points1 = split_heading(cell_text("level1"))
        level2, points2 = split_heading(cell_text("level2"))
        if not layout.row_weights:
            if points1 is not None:
                group_points[level1] = points1
            if points2 is not None:
                group_points[f"{level1}/{level2}"] = points2
        row: dict[str, Any] = {"level1": level1, "level2": level2, "name": name,
                               "loc": {"file": sheet.file, "line": r}}
        if layout.nature_columns:
            row.update(_yunnan_target(sheet, r, columns, cells, i))
        else:
            row["target"] = sheet.value_text(r, columns["target"], _LABELS["target"])
        actual = sheet.value_text(r, columns["actual"], _LABELS["actual"])
        reason = cell_text("reason")
        if _key(actual) == NOT_APPLICABLE_TEXT:
            if not reason:
                sheet.add(sheet.where(r, columns["reason"], _LABELS["reason"]), "标为不适用的指标须在此栏写明理由")
            row["not_applicable"] = reason or NOT_APPLICABLE_TEXT
            cells[("indicators", i, "not_applicable")] = sheet.where(r, columns["reason"], _LABELS["reason"])
        else:
            row["actual"] = actual
            row["reason"] = reason
            row["score"] = sheet.number(r, columns["score"], _LABELS["score"])
        if layout.row_weights:
            row["weight"] = sheet.number(r, columns["weight"], _LABELS["weight"])
        rows.append(row)
    return rows, group_points


def _yunnan_target(sheet: _Sheet, r: int, columns: dict[str, int], cells: dict[tuple, str], i: int) -> dict[str, Any]:
    """指标性质 + 年度指标值 + 度量单位 → the target text (``≧ 95 %`` → ``≥95%``)."""
    nature = _key(sheet.text(r, columns["nature"], "指标性质"))
    number = sheet.value_text(r, columns["target"], "年度指标值")
    unit = sheet.text(r, columns["unit"], "度量单位")
    cells[("indicators", i, "direction")] = sheet.where(r, columns["nature"], "指标性质")
    if nature == "定性":  # a numeric-looking 定性 target needs the explicit direction
        explicit = Target.model_validate(number).value is not None
        return {"target": number, **({"direction": "定性"} if explicit else {})}
    comparator = _NATURE.get(nature)
    if comparator is None:
        sheet.add(sheet.where(r, columns["nature"], "指标性质"), f"指标性质须为 ≧、≦、＝ 或 定性，实际为“{nature}”")
        return {"target": number}
    parsed = Target.model_validate(number)
    if parsed.value is None or parsed.comparator is not None:
        sheet.add(sheet.where(r, columns["target"], "年度指标值"), f"指标性质为“{nature}”时年度指标值须为数值，实际为“{number}”")
        return {"target": number}
    return {"target": f"{_SYMBOL[comparator]}{fmt(parsed.value)}{unit or parsed.unit}"}
