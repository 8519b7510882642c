"""Excel workbooks: the printable score table and the entry workbook a clerk fills in.

Two directions:

* ``export_score_table`` writes a scored evaluation as the 附件《指标体系得分情况》 table in one
  of the two published layouts (seed 000: 一级/二级/三级指标, 权重, 目标值, 评分标准, 评分过程,
  得分; seed 004: 一级/二级/三级指标, 标准值, 评分标准, 分值, 指标说明, 得分, 实际完成情况),
  ready to print on A4 landscape, with a second sheet of audit findings.
* ``export_entry_workbook`` writes a 填报表 for a framework: one row per indicator, sub-row and
  (where a ``sum`` rule needs separate inputs per part) part, grey read-only columns, input
  columns, drop-down lists, instructions, a 单位信息 sheet and a hidden ``_meta`` sheet with the
  framework id, version and rules hash. ``import_entry_workbook`` reads the filled workbook
  back into an ``Evaluation`` or a list of located errors (``填报!H12（实际值）``), never a
  partial result; ``evaluation_to_yaml`` writes the evaluation file ``jixiao score`` reads.

Numbers. Cell values are written as numbers through openpyxl's public API, from the Decimal
itself. openpyxl stores the double nearest the decimal (its XML text may read
``0.07000000000000001``, which is the same double as 0.07), and any decimal of at most 15
significant digits — every score, weight and recorded value in practice — comes back exactly
through ``Decimal(repr(float))``, which is how the importer reads numeric cells. Scores are
shown with the framework's places (``0.00``), weights with the places they have. Input cells
of the entry workbook are formatted as text, so Excel keeps what the clerk typed (``99.81%``)
instead of converting it; text numbers are read exactly too.

Security. User text (criteria, evidence, names, findings) is never written as a live formula:
every text cell is stored as a string (and marked with a quote prefix when it starts with
``= + - @``), so ``=HYPERLINK(...)`` in a criteria text stays text. Reading, a formula cell is
an error to be corrected, never evaluated.
"""

from __future__ import annotations

import math
import re
import unicodedata
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any, Iterable, Iterator, Literal

import yaml
from openpyxl import Workbook
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.comments import Comment
from openpyxl.styles import Alignment, Border, Font, PatternFill, Protection, Side
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.datavalidation import DataValidation
from openpyxl.worksheet.worksheet import Worksheet
from pydantic import BaseModel, ValidationError

from jixiao import __version__
from jixiao.core.audit import Finding
from jixiao.core.formula import FormulaError, compile_formula
from jixiao.core.model import Evaluation, Framework, Group, Indicator, Target
from jixiao.core.numbers import fmt
from jixiao.core.rules import (CIRCLED, Bands, Binary, Bonus, Checklist, FormulaRule, Generic, Graded, Growth,
                               Manual, Part, PerIncident, Qualitative, QuestionnaireRule, Reference, Rule, Sum)
from jixiao.core.scoring import ScoreRow, ScoreSheet, framework_rules_hash
from jixiao.core.versioning import check_code, rules_hash, rules_label
from jixiao.io.safe_zip import ArchiveError, open_workbook

from .yamlio import LoadError, compact, _message as pydantic_message

Layout = Literal["000", "004"]

# --- cells and styles -----------------------------------------------------------------

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
    """Write a Decimal as a number cell (see the module docstring on exactness)."""
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


def _display_width(text: str) -> int:
    """Width in Excel character units: CJK and full-width characters count twice."""
    return sum(2 if unicodedata.east_asian_width(ch) in ("W", "F") else 1 for ch in text)


def _lines_needed(text: str, width: float) -> int:
    usable = max(1.0, width * 0.9 - 1.5)  # a margin: renderers set CJK text a little wider
    return sum(max(1, math.ceil(_display_width(line) / usable)) for line in text.split("\n"))


def _fit_row_height(ws: Worksheet, row: int, widths: dict[int, float]) -> None:
    """Set a row height that shows its wrapped text (Excel does not grow rows on its own).
    Cells merged over several rows are left out: their text has the rows' combined height."""
    lines = 1
    for col, width in widths.items():
        cell = ws.cell(row=row, column=col)
        if cell.coordinate in ws.merged_cells:
            continue
        value = cell.value
        if isinstance(value, str) and value:
            lines = max(lines, _lines_needed(value, width))
    ws.row_dimensions[row].height = min(409, 14 * lines + 4)


def _style(cell, *, font=BODY_FONT, alignment=WRAP, fill=None, border=True) -> None:
    cell.font = font
    cell.alignment = alignment
    if border:
        cell.border = BORDER
    if fill is not None:
        cell.fill = fill


def _print_setup(ws: Worksheet, title_rows: str | None) -> None:
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


def _group_label(group: Group, with_code: bool) -> str:
    text = f"{group.code}{group.name}" if with_code else group.name
    if group.points is not None:
        text += f"（{fmt(group.points)}分）"
    return text


def _walk(groups: Iterable[Group], path: tuple[Group, ...] = ()) -> Iterator[tuple[tuple[Group, ...], Indicator]]:
    """Every level-3 indicator with its group path, in table order (as scoring visits them)."""
    for group in groups:
        here = path + (group,)
        for indicator in group.indicators:
            yield here, indicator
        yield from _walk(group.groups, here)


# --- score table ----------------------------------------------------------------------

# (key, header, column width) per layout, in the published column order.
SCORE_LAYOUTS: dict[str, tuple[tuple[str, str, float], ...]] = {
    "000": (("level1", "一级指标", 12), ("level2", "二级指标", 14), ("name", "三级指标", 22), ("weight", "权重", 7),
            ("target", "目标值", 12), ("criteria", "评分标准", 44), ("process", "评分过程", 48), ("score", "得分", 8)),
    "004": (("level1", "一级指标", 12), ("level2", "二级指标", 12), ("name", "三级指标", 22), ("target", "标准值", 16),
            ("criteria", "评分标准", 40), ("weight", "分值", 7), ("description", "指标说明", 26), ("score", "得分", 8),
            ("process", "实际完成情况", 42)),
}
_MERGED_KEYS = ("level1", "level2", "name")


@dataclass(frozen=True)
class _Line:
    """One printed line of the score table: a leaf indicator or a sub-row."""

    row: ScoreRow
    keys: tuple[str, str, str]  # merge keys: level-1 code, level-2 path, indicator code
    values: dict[str, Any]


def _process_text(row: ScoreRow) -> str:
    """评分过程: the recorded evidence, then how the rule scored; or the explanation alone."""
    evidence = row.input.evidence.strip()
    return f"{evidence}\n按规则计算：{row.explanation}" if evidence else row.explanation


def _score_lines(sheet: ScoreSheet, layout: Layout) -> list[_Line]:
    with_code = layout == "000"
    parents = {r.code: r for r in sheet.rows if r.indicator.subrows}
    lines = []
    for row in sheet.rows:
        if row.indicator.subrows:
            continue  # printed as its sub-rows, under one merged indicator cell
        path = row.path
        level1 = _group_label(path[0], with_code) if path else ""
        level2 = "／".join(_group_label(g, with_code) for g in path[1:])
        owner = parents[row.parent].indicator if row.parent else row.indicator
        name = f"{owner.code}{owner.name}" if with_code else owner.name
        criteria = row.indicator.criteria
        if row.parent:
            name += f"（{fmt(owner.weight)}分）"
            label = f"{row.code}{row.name}" if with_code else row.name
            criteria = f"〔{label}〕{criteria}"
        values = {
            "level1": level1, "level2": level2, "name": name, "weight": row.weight,
            "target": row.indicator.target.text, "criteria": criteria,
            "description": row.indicator.description, "process": _process_text(row), "score": row.score,
        }
        keys = (path[0].code if path else "", "/".join(g.code for g in path[:2]) if len(path) > 1 else "",
                row.parent or row.code)
        lines.append(_Line(row, keys, values))
    return lines


def _merge_runs(ws: Worksheet, first_row: int, column: int, keys: list[str]) -> None:
    """Merge vertically each run of equal, non-empty keys in one column."""
    start = 0
    for i in range(1, len(keys) + 1):
        if i == len(keys) or keys[i] != keys[start]:
            if i - start > 1 and keys[start]:
                ws.merge_cells(start_row=first_row + start, start_column=column,
                               end_row=first_row + i - 1, end_column=column)
            start = i


def export_score_table(sheet: ScoreSheet, path: str | Path, layout: Layout = "000",
                       findings: list[Finding] | None = None) -> Path:
    """Write the score table (指标体系得分情况) of a scored evaluation to an .xlsx file.

    Level-1 and level-2 cells are merged over their rows, an indicator's cell over its
    sub-rows; a 合计 row carries the total weight and score, a title row names the unit, year
    and framework, a footer line the grade, framework version and rules hash. Scores are the
    computed ones; a score that differs from the declared one carries a cell comment. With
    ``findings``, a second sheet 核查发现 lists them.
    """
    if layout not in SCORE_LAYOUTS:
        raise ValueError(f"未知的表格样式：{layout}（可选：{'、'.join(SCORE_LAYOUTS)}）")
    path = Path(path)
    ev, fw = sheet.evaluation, sheet.framework
    columns = SCORE_LAYOUTS[layout]
    col = {key: i for i, (key, _, _) in enumerate(columns, 1)}
    widths = {i: width for i, (_, _, width) in enumerate(columns, 1)}
    last = len(columns)
    score_format = places_format(Decimal(1).scaleb(-fw.places)) if fw.places else "0"

    wb = Workbook()
    ws = wb.active
    ws.title = "指标体系得分情况"
    for i, (_, _, width) in enumerate(columns, 1):
        ws.column_dimensions[get_column_letter(i)].width = width

    title = ws.cell(row=1, column=1)
    put_text(title, f"{ev.unit.name}{ev.year}年度绩效自评指标体系得分情况（{fw.name}）")
    _style(title, font=TITLE_FONT, alignment=CENTER, border=False)
    ws.merge_cells(start_row=1, start_column=1, end_row=1, end_column=last)
    ws.row_dimensions[1].height = max(24, 20 * _lines_needed(title.value, sum(widths.values()) / 1.6))

    for i, (_, header, _) in enumerate(columns, 1):
        cell = ws.cell(row=2, column=i)
        put_text(cell, header)
        _style(cell, font=HEADER_FONT, alignment=CENTER, fill=HEADER_FILL)

    lines = _score_lines(sheet, layout)
    first = 3
    for offset, line in enumerate(lines):
        r = first + offset
        for key, value in line.values.items():
            if key not in col:
                continue
            cell = ws.cell(row=r, column=col[key])
            if key == "weight":
                put_number(cell, value)
                _style(cell, alignment=CENTER)
            elif key == "score":
                put_number(cell, value, score_format)
                _style(cell, alignment=CENTER)
                row = line.row
                if row.declared is not None and row.declared != row.score:
                    cell.comment = Comment(f"申报得分{fmt(row.declared)}分，按规则计算{fmt(row.score)}分", "jixiao")
            else:
                put_text(cell, value)
                _style(cell, alignment=CENTER if key in ("level1", "level2", "target") else WRAP)
    for index, key in enumerate(_MERGED_KEYS):
        _merge_runs(ws, first, col[key], [line.keys[index] for line in lines])
    for r in range(first, first + len(lines)):
        _fit_row_height(ws, r, widths)

    total_row = first + len(lines)
    for i in range(1, last + 1):
        _style(ws.cell(row=total_row, column=i), font=HEADER_FONT, alignment=CENTER)
    put_text(ws.cell(row=total_row, column=1), "合计")
    ws.merge_cells(start_row=total_row, start_column=1, end_row=total_row, end_column=3)
    put_number(ws.cell(row=total_row, column=col["weight"]), sheet.weight_total)
    put_number(ws.cell(row=total_row, column=col["score"]), sheet.total, score_format)
    ws.row_dimensions[total_row].height = 20

    footer_row = total_row + 1
    declared = f"，申报总分{fmt(sheet.declared_total)}分" if sheet.declared_total is not None else ""
    footer = (f"评价等级：{sheet.grade}（按规则计算总分{fmt(sheet.total)}分{declared}；"
              f"{'合格' if sheet.passed else '不合格'}，合格线{fmt(fw.pass_line)}分）　"
              f"{rules_label(fw.id, fw.version, sheet.rules_hash)}")
    cell = ws.cell(row=footer_row, column=1)
    put_text(cell, footer)
    _style(cell, alignment=WRAP, border=False)
    ws.merge_cells(start_row=footer_row, start_column=1, end_row=footer_row, end_column=last)
    ws.row_dimensions[footer_row].height = 14 * _lines_needed(footer, sum(widths.values())) + 6

    ws.freeze_panes = "A3"
    _print_setup(ws, "2:2")
    ws.print_area = f"A1:{get_column_letter(last)}{footer_row}"
    if findings:
        _findings_sheet(wb, findings)
    path.parent.mkdir(parents=True, exist_ok=True)
    wb.save(path)
    return path


SEVERITY_NAMES = {"error": "错误", "warning": "警告", "info": "提示"}


def _findings_sheet(wb: Workbook, findings: list[Finding]) -> None:
    ws = wb.create_sheet("核查发现")
    columns = (("编码", 10), ("类别", 26), ("说明", 70), ("位置", 36), ("级别", 8))
    widths = {i: w for i, (_, w) in enumerate(columns, 1)}
    for i, (header, width) in enumerate(columns, 1):
        ws.column_dimensions[get_column_letter(i)].width = width
        cell = ws.cell(row=1, column=i)
        put_text(cell, header)
        _style(cell, font=HEADER_FONT, alignment=CENTER, fill=HEADER_FILL)
    for r, finding in enumerate(findings, 2):
        values = (finding.code, finding.title, finding.message, str(finding.loc or ""),
                  SEVERITY_NAMES.get(finding.severity, finding.severity))
        for i, value in enumerate(values, 1):
            cell = ws.cell(row=r, column=i)
            put_text(cell, value)
            _style(cell, alignment=CENTER if i in (1, 5) else WRAP)
        _fit_row_height(ws, r, widths)
    ws.freeze_panes = "A2"
    _print_setup(ws, "1:1")


# --- entry workbook: which inputs each row takes ----------------------------------------

ENTRY_SHEET = "填报"
UNIT_SHEET = "单位信息"
HELP_SHEET = "说明"
META_SHEET = "_meta"
META_FORMAT = "jixiao-entry-workbook"
META_FORMAT_VERSION = "1"


@dataclass(frozen=True)
class EntryColumn:
    key: str  # IndicatorInput field, or a read-only column
    header: str
    label: str  # short name used in error messages
    width: float
    input: bool


ENTRY_COLUMNS: tuple[EntryColumn, ...] = (
    EntryColumn("code", "编码", "编码", 10, False),
    EntryColumn("level1", "一级指标", "一级指标", 12, False),
    EntryColumn("level2", "二级指标", "二级指标", 12, False),
    EntryColumn("name", "三级指标", "三级指标", 24, False),
    EntryColumn("weight", "分值", "分值", 6, False),
    EntryColumn("target", "目标值", "目标值", 12, False),
    EntryColumn("criteria", "评分标准", "评分标准", 40, False),
    EntryColumn("actual", "实际值", "实际值", 11, True),
    EntryColumn("met", "达标（是/否）", "达标", 8, True),
    EntryColumn("checks", "满足要点", "满足要点", 10, True),
    EntryColumn("incidents", "扣分事项", "扣分事项", 14, True),
    EntryColumn("judgement", "评定等级", "评定等级", 14, True),
    EntryColumn("manual", "人工得分", "人工得分", 8, True),
    EntryColumn("not_applicable", "不适用理由", "不适用理由", 14, True),
    EntryColumn("declared", "申报得分", "申报得分", 8, True),
    EntryColumn("evidence", "实际完成情况/评分过程", "实际完成情况", 40, True),
    EntryColumn("values", "分项数值", "分项数值", 16, True),
    EntryColumn("reference", "参照值", "参照值", 9, True),
    EntryColumn("override", "人工改分", "人工改分", 8, True),
    EntryColumn("override_reason", "改分理由", "改分理由", 20, True),
    EntryColumn("hint", "填写说明", "填写说明", 40, False),
)
LABELS = {c.key: c.label for c in ENTRY_COLUMNS}
SCORING_INPUTS = frozenset({"actual", "met", "checks", "incidents", "judgement", "manual", "values", "reference"})
ALL_INPUTS = frozenset(c.key for c in ENTRY_COLUMNS if c.input)
HEADER_ROW = 2
FIRST_DATA_ROW = 3
PART_SEPARATOR = "/"

RULE_HELP: dict[str, tuple[str, str, str]] = {
    # type: (name, what it does, which columns to fill)
    "binary": ("达标计分", "达到目标得满分，否则不得分", "实际值，或 达标（是/否）"),
    "proportional": ("比例计分", "实际值÷目标值×分值，封顶满分", "实际值"),
    "deduct_per_unit": ("差额扣分", "每低于（或超出）目标一个单位扣分", "实际值"),
    "checklist": ("要点计分", "满足的各评分要点分值之和", "满足要点（如 1,2,3）"),
    "per_incident": ("扣分计分", "从满分起按扣分事项次数扣分", "扣分事项（如 迟报:1;错报:0）"),
    "bands": ("区间计分", "按实际值所在区间得分", "实际值，或 分项数值（名称:数值）"),
    "formula": ("公式计分", "按指标体系规定的分段公式计分", "实际值（及参照值、分项数值）"),
    "lower_is_better": ("反向计分", "越低越好，不高于目标得满分", "实际值"),
    "graded": ("等级计分", "按评定等级得分", "评定等级"),
    "bonus": ("加分计分", "基础得分加超额加分", "同基础规则，另按实际值加分"),
    "sum": ("分项计分", "各分项得分之和（可封顶）", "分项行，或 分项数值"),
    "reference": ("对照计分", "与参照值（全市平均、上年值等）比较", "实际值、参照值"),
    "questionnaire": ("问卷计分", "问卷综合得分折算为分值", "实际值（问卷综合得分）"),
    "growth": ("增长计分", "同比增长得满分，否则不得分", "实际值（增长率%），或 分项数值 current/previous"),
    "saturating_rate": ("执行率计分", "执行率×分值，达到饱和点按满分", "实际值（%）"),
    "manual": ("人工评分", "评价人直接给分", "人工得分"),
    "qualitative": ("定性评价", "选择评价结论并在该档范围内给分", "评定等级、人工得分"),
    "generic": ("通用计分", "按指标方向：正向按比例、反向超出扣分、定性由评价人给分", "实际值（定性指标：评定等级、人工得分）"),
    "subrows": ("分项合计", "各分项（子行）得分之和", "各分项行"),
}


def _effective_rule(framework: Framework, indicator: Indicator) -> Rule:
    if indicator.rule is not None:
        return indicator.rule
    return Manual() if framework.default_rule == "manual" else Generic()


def _rule_name(rule: Rule) -> str:
    return RULE_HELP.get(rule.type, (rule.type, "", ""))[0]


def _qualitative_generic(rule: Generic, indicator: Indicator) -> bool:
    return indicator.direction == "定性" or indicator.target.value is None


def _reads(rule: Rule, indicator: Indicator) -> frozenset[str]:
    """The input columns a rule reads."""
    if isinstance(rule, Binary):
        return frozenset({"actual", "met"})
    if isinstance(rule, Checklist):
        return frozenset({"checks"})
    if isinstance(rule, PerIncident):
        return frozenset({"incidents"})
    if isinstance(rule, Bands):
        return frozenset({"actual"} if rule.input in (None, "actual") else {"values"})
    if isinstance(rule, Graded):
        return frozenset({"judgement"})
    if isinstance(rule, (Manual,)):
        return frozenset({"manual"})
    if isinstance(rule, Qualitative):
        return frozenset({"judgement", "manual"})
    if isinstance(rule, Generic):
        return frozenset({"judgement", "manual"} if _qualitative_generic(rule, indicator) else {"actual"})
    if isinstance(rule, Bonus):
        extra = {"actual"} if rule.input in (None, "actual") else {"values"}
        return _reads(rule.base, indicator) | extra
    if isinstance(rule, Sum):
        reads: set[str] = set()
        for part in rule.parts:
            reads |= {"values"} if part.input else _reads(part.rule, indicator)
        return frozenset(reads)
    if isinstance(rule, Reference):
        reads = {"actual"}
        if rule.mode != "rank":
            reads.add("reference" if rule.reference == "reference" else "values")
        return frozenset(reads)
    if isinstance(rule, FormulaRule):
        names = _formula_names(rule)
        reads = {"actual"} & names | ({"reference"} & names)
        if names - {"actual", "target", "weight", "reference"}:
            reads.add("values")
        return frozenset(reads or {"actual"})
    return frozenset({"actual"} if rule.uses_actual() else set())


def _formula_names(rule: FormulaRule) -> set[str]:
    names: set[str] = set()
    for case in rule.cases:
        for source in (case.when, case.score):
            if source.strip():
                try:
                    names |= compile_formula(source).names
                except FormulaError:
                    continue  # the framework loader has already refused bad formulas
    return names


def _has_part_rows(rule: Rule) -> bool:
    """Whether a rule is a sum with parts that take inputs of their own (no named ``input``):
    each such part gets a row, whose input goes to ``parts`` of the indicator; two parts may
    then read the same kind of input (two yes/no verdicts) without clashing."""
    return isinstance(rule, Sum) and any(part.input is None for part in rule.parts)


def _walk_rules(rule: Rule) -> Iterator[Rule]:
    yield rule
    if isinstance(rule, Bonus):
        yield from _walk_rules(rule.base)
    if isinstance(rule, Sum):
        for part in rule.parts:
            yield from _walk_rules(part.rule)


def _judgement_options(rule: Rule, indicator: Indicator) -> tuple[list[str], set[str]]:
    """Drop-down labels and every accepted spelling (aliases) of a row's 评定等级."""
    labels: list[str] = []
    accepted: set[str] = set()
    for r in _walk_rules(rule):
        if isinstance(r, Graded):
            for level in r.levels:
                labels.append(level.label)
                accepted |= {level.label, *level.aliases}
        elif isinstance(r, Qualitative) or (isinstance(r, Generic) and _qualitative_generic(r, indicator)):
            verdicts = r.verdicts if isinstance(r, Qualitative) else Qualitative().verdicts
            labels += [v.label for v in verdicts]
            accepted |= {v.label for v in verdicts}
    return list(dict.fromkeys(labels)), accepted


def _checklist_ids(rule: Rule) -> list[str]:
    return list(dict.fromkeys(i.id for r in _walk_rules(rule) if isinstance(r, Checklist) for i in r.items))


def _incident_kinds(rule: Rule) -> list[str]:
    return list(dict.fromkeys(d.kind for r in _walk_rules(rule) if isinstance(r, PerIncident) for d in r.deductions))


def _value_names(rule: Rule) -> list[str]:
    names: list[str] = []
    for r in _walk_rules(rule):
        if isinstance(r, (Bands, Bonus)) and r.input not in (None, "actual"):
            names.append(r.input)
        elif isinstance(r, Sum):
            names += [p.input for p in r.parts if p.input]
        elif isinstance(r, Growth):
            names += [r.current, r.previous]
        elif isinstance(r, Reference) and r.reference != "reference":
            names.append(r.reference)
        elif isinstance(r, FormulaRule):
            names += sorted(_formula_names(r) - {"actual", "target", "weight", "reference"})
    return list(dict.fromkeys(names))


def _target_note(target: Target) -> str:
    return f"（目标{target.text}）" if target.text else ""


def _hint(rule: Rule, indicator: Indicator, weight: Decimal, target: Target) -> str:
    """What the clerk fills for one row, in Chinese."""
    name = _rule_name(rule)
    if isinstance(rule, Binary):
        if rule.value is None and target.value is None:
            return f"{name}：在“达标”中选是/否{_target_note(target)}"
        return f"{name}：填“实际值”{_target_note(target)}，或在“达标”中选是/否"
    if isinstance(rule, Checklist):
        items = "；".join(f"{i.id}.{i.text}（{fmt(i.points)}分）" if i.text else f"{i.id}（{fmt(i.points)}分）"
                         for i in rule.items)
        return f"{name}：在“满足要点”中填满足的编号，如 1,2；都未满足填“无”。要点：{items}"
    if isinstance(rule, PerIncident):
        kinds = "、".join(d.kind + ("（发生即不得分）" if d.zero else
                                    f"（每次扣{fmt(d.points)}分）" if d.points is not None else "（填扣分数）")
                         for d in rule.deductions)
        return f"{name}：在“扣分事项”中填“事项:次数”，多项以分号分隔，无扣分填“无”。事项：{kinds}"
    if isinstance(rule, Graded):
        levels = "／".join(f"{lv.label}（{fmt(lv.award(weight))}分）" for lv in rule.levels)
        return f"{name}：在“评定等级”中选择：{levels}"
    if isinstance(rule, Manual):
        return f"{name}：在“人工得分”中填0～{fmt(weight)}分"
    if isinstance(rule, Qualitative) or (isinstance(rule, Generic) and _qualitative_generic(rule, indicator)):
        verdicts = rule.verdicts if isinstance(rule, Qualitative) else Qualitative().verdicts
        labels = "／".join(v.label for v in verdicts)
        return f"{RULE_HELP['qualitative'][0]}：在“评定等级”中选择{labels}，并在“人工得分”中给出该档范围内的得分"
    if isinstance(rule, Bands) and rule.input not in (None, "actual"):
        return f"{name}：在“分项数值”中填“{rule.input}:数值”"
    if isinstance(rule, Bonus):
        source = "实际值" if rule.input in (None, "actual") else f"分项数值“{rule.input}”"
        return f"{_hint(rule.base, indicator, weight, target)}；超出部分按“{source}”加分"
    if isinstance(rule, Sum):
        parts = "；".join(f"{p.name}：在“分项数值”中填“{p.input}:数值”" if p.input else
                         f"{p.name}：{_hint(p.rule, indicator, weight if p.weight is None else p.weight, p.target or target)}"
                         for p in rule.parts)
        return f"{name}：{parts}"
    if isinstance(rule, Reference):
        if rule.mode == "rank":
            return f"{name}：在“实际值”中填名次（前{rule.top}名得满分）"
        return f"{name}：填“实际值”和“参照值”（如全市平均、上年值）"
    if isinstance(rule, FormulaRule):
        extra = _value_names(rule)
        text = f"{name}：填“实际值”{_target_note(target)}"
        if "reference" in _formula_names(rule):
            text += "和“参照值”"
        if extra:
            text += "；在“分项数值”中填 " + ";".join(f"{n}:数值" for n in extra)
        return text
    if isinstance(rule, Growth):
        return f"{name}：填“实际值”（同比增长率，%），或在“分项数值”中填“{rule.current}:本年值;{rule.previous}:上年值”"
    if isinstance(rule, QuestionnaireRule):
        return f"{name}：在“实际值”中填问卷综合得分（满分{fmt(rule.full_marks)}分）"
    return f"{name}：填“实际值”{_target_note(target)}"


@dataclass(frozen=True)
class EntryRow:
    """One row of the 填报 sheet.

    ``kind`` is ``indicator`` (a level-3 indicator), ``subrow`` or ``part`` (a part of a ``sum``
    rule that takes inputs of its own; its code is ``<indicator code>/<part name>`` and its
    input goes to ``parts`` of the indicator). ``rule`` is the rule the row's inputs feed (None
    for an indicator scored by its sub-rows); ``allowed`` the input columns the row takes;
    ``reads`` those its rule needs.
    """

    code: str
    kind: Literal["indicator", "subrow", "part"]
    indicator: Indicator
    path: tuple[Group, ...]
    name: str
    weight: Decimal
    target: Target
    criteria: str
    rule: Rule | None
    allowed: frozenset[str]
    reads: frozenset[str]
    hint: str
    owner: str | None = None  # the indicator or sub-row a part belongs to
    part: Part | None = None


def entry_rows(framework: Framework) -> list[EntryRow]:
    """The rows of the entry workbook for a framework, in table order."""
    rows: list[EntryRow] = []
    for path, indicator in _walk(framework.groups):
        if indicator.subrows:
            rows.append(EntryRow(indicator.code, "indicator", indicator, path, indicator.name, indicator.weight,
                                 indicator.target, indicator.criteria, None,
                                 frozenset({"not_applicable", "declared", "evidence"}), frozenset(),
                                 f"{RULE_HELP['subrows'][0]}：各分项在下方分项行中分别填写；本行可填申报得分、不适用理由"))
            for sub in indicator.subrows:
                rows += _leaf_rows(framework, sub, path, "subrow")
        else:
            rows += _leaf_rows(framework, indicator, path, "indicator")
    return rows


def _accepts(rule: Rule, indicator: Indicator) -> frozenset[str]:
    """The scoring inputs a row of this rule takes: what the rule reads, the actual value and
    named values (kept for the record even where the rule does not use them), and 达标 for a
    checklist (是 = every item met). Other scoring columns are locked for the row."""
    extra = {"actual", "values"}
    if any(isinstance(r, Checklist) for r in _walk_rules(rule)):
        extra.add("met")
    return _reads(rule, indicator) | extra


def _leaf_rows(framework: Framework, indicator: Indicator, path, kind: Literal["indicator", "subrow"]) -> list[EntryRow]:
    rule = _effective_rule(framework, indicator)
    general = frozenset({"declared", "evidence", "override", "override_reason"}
                        | ({"not_applicable"} if kind == "indicator" else set()))
    name = indicator.name if kind == "indicator" else f"└ {indicator.name}"
    if _has_part_rows(rule):
        reads = frozenset({"values"} if any(p.input for p in rule.parts) else set())
        hint = f"{_rule_name(rule)}：各分项在下方分项行中分别填写"
        if reads:
            hint += "；本行“分项数值”填 " + ";".join(f"{p.input}:数值" for p in rule.parts if p.input)
        rows = [EntryRow(indicator.code, kind, indicator, path, name, indicator.weight, indicator.target,
                         indicator.criteria, rule, general | reads, reads, hint)]
        for part in rule.parts:
            if part.input:
                continue
            weight = part.weight if part.weight is not None else indicator.weight
            target = part.target or indicator.target
            rows.append(EntryRow(f"{indicator.code}{PART_SEPARATOR}{part.name}", "part", indicator, path,
                                 f"└ 分项：{part.name}", weight, target, "", part.rule,
                                 _accepts(part.rule, indicator) | {"evidence"}, _reads(part.rule, indicator),
                                 _hint(part.rule, indicator, weight, target), owner=indicator.code, part=part))
        return rows
    return [EntryRow(indicator.code, kind, indicator, path, name, indicator.weight, indicator.target,
                     indicator.criteria, rule, general | _accepts(rule, indicator), _reads(rule, indicator),
                     _hint(rule, indicator, indicator.weight, indicator.target))]


# --- entry workbook: writing ----------------------------------------------------------

UNIT_FIELDS: tuple[tuple[str, str, str], ...] = (
    # (key, label, note)
    ("name", "单位名称", "必填"),
    ("level", "单位级别", "省、市、县或区"),
    ("region", "所在地区", "如 江苏省南京市"),
    ("year", "评价年度", "必填，如 2023"),
    ("title", "评价标题", "可不填"),
    ("declared_total", "申报总分", "单位自评（公开）的总分，可不填"),
    ("declared_grade", "申报等级", "如 优，可不填"),
)
UNIT_LEVELS = ("省", "市", "县", "区")
_UNIT_FIRST_ROW = 2


def _list_validation(options: list[str]) -> DataValidation | None:
    """A drop-down list, or None when the options cannot be written inline safely."""
    if not options or any(ch in o for o in options for ch in ',"'):
        return None
    formula = '"' + ",".join(options) + '"'
    if len(formula) > 255:
        return None
    dv = DataValidation(type="list", formula1=formula, allow_blank=True, showErrorMessage=True)
    dv.errorTitle = "输入有误"
    dv.error = "请从下拉列表中选择"
    return dv


def _protect(ws: Worksheet) -> None:
    """Protect the sheet without a password; columns and rows may still be resized."""
    ws.protection.sheet = True
    ws.protection.formatColumns = False
    ws.protection.formatRows = False


def export_entry_workbook(framework: Framework, path: str | Path) -> Path:
    """Write the entry workbook (填报表) for a framework.

    Sheets: 填报 (one row per indicator, sub-row and separately entered part; read-only
    columns shaded and locked, the inputs a row's rule needs highlighted), 单位信息, 说明, and
    the hidden ``_meta`` that ties the workbook to this framework version and rules hash.
    """
    path = Path(path)
    wb = Workbook()
    ws = wb.active
    ws.title = ENTRY_SHEET
    rows = entry_rows(framework)
    _write_entry_sheet(ws, framework, rows)
    _write_unit_sheet(wb.create_sheet(UNIT_SHEET))
    _write_help_sheet(wb.create_sheet(HELP_SHEET), framework, rows)
    meta = wb.create_sheet(META_SHEET)
    for r, (key, value) in enumerate((
            ("format", META_FORMAT), ("format_version", META_FORMAT_VERSION), ("framework_id", framework.id),
            ("framework_name", framework.name), ("framework_version", framework.version),
            ("rules_hash", rules_hash(framework)), ("generator", f"jixiao {__version__}")), 1):
        put_text(meta.cell(row=r, column=1), key)
        put_text(meta.cell(row=r, column=2), value)
    meta.sheet_state = "veryHidden"
    _protect(meta)
    wb.active = 0
    path.parent.mkdir(parents=True, exist_ok=True)
    wb.save(path)
    return path


def _write_entry_sheet(ws: Worksheet, framework: Framework, rows: list[EntryRow]) -> None:
    widths = {i: c.width for i, c in enumerate(ENTRY_COLUMNS, 1)}
    last = len(ENTRY_COLUMNS)
    for i, column in enumerate(ENTRY_COLUMNS, 1):
        ws.column_dimensions[get_column_letter(i)].width = column.width
    title = ws.cell(row=1, column=1)
    put_text(title, f"{framework.name}　填报表（指标体系版本{framework.version}）")
    _style(title, font=TITLE_FONT, alignment=CENTER, border=False)
    ws.merge_cells(start_row=1, start_column=1, end_row=1, end_column=last)
    ws.row_dimensions[1].height = 26
    for i, column in enumerate(ENTRY_COLUMNS, 1):
        cell = ws.cell(row=HEADER_ROW, column=i)
        put_text(cell, column.header)
        _style(cell, font=HEADER_FONT, alignment=CENTER, fill=HEADER_FILL if not column.input else NEEDED_FILL)
    ws.row_dimensions[HEADER_ROW].height = 30

    met_col = _entry_col("met")
    judgement_col = _entry_col("judgement")
    met_dv = _list_validation(["是", "否"])
    judgement_dvs: dict[tuple[str, ...], DataValidation] = {}
    for offset, row in enumerate(rows):
        r = FIRST_DATA_ROW + offset
        level1 = _group_label(row.path[0], False) if row.path else ""
        level2 = "／".join(_group_label(g, False) for g in row.path[1:])
        fixed = {"code": row.code, "level1": level1, "level2": level2, "name": row.name, "weight": row.weight,
                 "target": row.target.text, "criteria": row.criteria, "hint": row.hint}
        for i, column in enumerate(ENTRY_COLUMNS, 1):
            cell = ws.cell(row=r, column=i)
            if not column.input:
                if column.key == "weight":
                    put_number(cell, row.weight)
                else:
                    put_text(cell, fixed[column.key])
                _style(cell, alignment=CENTER if column.key in ("code", "weight") else WRAP, fill=READ_ONLY_FILL)
                continue
            cell.number_format = "@"  # keep what the clerk types (99.81%, 1,2,3) as text
            if column.key in row.allowed:
                cell.protection = Protection(locked=False)
                _style(cell, fill=NEEDED_FILL if column.key in row.reads else None)
            else:
                _style(cell, fill=READ_ONLY_FILL)
        if "met" in row.allowed and met_dv is not None:
            met_dv.add(ws.cell(row=r, column=met_col))
        if "judgement" in row.allowed and row.rule is not None:
            labels, _ = _judgement_options(row.rule, row.indicator)
            key = tuple(labels)
            if key not in judgement_dvs:
                judgement_dvs[key] = _list_validation(labels)
            if judgement_dvs[key] is not None:
                judgement_dvs[key].add(ws.cell(row=r, column=judgement_col))
        _fit_row_height(ws, r, widths)
    for dv in (met_dv, *judgement_dvs.values()):
        if dv is not None and dv.sqref:
            ws.add_data_validation(dv)
    ws.freeze_panes = ws.cell(row=FIRST_DATA_ROW, column=_entry_col("weight"))
    _protect(ws)
    _print_setup(ws, f"{HEADER_ROW}:{HEADER_ROW}")


def _entry_col(key: str) -> int:
    return next(i for i, c in enumerate(ENTRY_COLUMNS, 1) if c.key == key)


def _write_unit_sheet(ws: Worksheet) -> None:
    for i, (header, width) in enumerate((("项目", 14), ("内容", 36), ("说明", 36)), 1):
        ws.column_dimensions[get_column_letter(i)].width = width
        cell = ws.cell(row=1, column=i)
        put_text(cell, header)
        _style(cell, font=HEADER_FONT, alignment=CENTER, fill=HEADER_FILL)
    for offset, (key, label, note) in enumerate(UNIT_FIELDS):
        r = _UNIT_FIRST_ROW + offset
        put_text(ws.cell(row=r, column=1), label)
        _style(ws.cell(row=r, column=1), font=HEADER_FONT, fill=READ_ONLY_FILL)
        value = ws.cell(row=r, column=2)
        value.number_format = "@"
        value.protection = Protection(locked=False)
        _style(value, fill=NEEDED_FILL if note.startswith("必填") else None)
        put_text(ws.cell(row=r, column=3), note)
        _style(ws.cell(row=r, column=3), fill=READ_ONLY_FILL)
        if key == "level":
            dv = _list_validation(list(UNIT_LEVELS))
            ws.add_data_validation(dv)
            dv.add(value)
        ws.row_dimensions[r].height = 20
    _protect(ws)
    _print_setup(ws, None)


def _write_help_sheet(ws: Worksheet, framework: Framework, rows: list[EntryRow]) -> None:
    ws.column_dimensions["A"].width = 16
    ws.column_dimensions["B"].width = 44
    ws.column_dimensions["C"].width = 50
    lines = [
        f"本填报表依据指标体系“{framework.name}”（编码{framework.id}，版本{framework.version}）生成，"
        "导入时核对版本与规则校验码，不能用于其他指标体系或版本。",
        "灰色列为指标体系内容，不可修改；白色与浅黄色为填写列，浅黄色是该行计分所需填写的列。“填写说明”列逐行说明要填什么。",
        "数字直接填写；百分数写 99.81 或 99.81%（都表示99.81%）；不要使用公式。",
        "满足要点：满足的要点编号，以逗号分隔，如 1,2,3；都未满足填“无”。",
        "扣分事项：“事项:次数”，多项以分号分隔，如 迟报:1;错报:0；无扣分填“无”。",
        "分项数值：“名称:数值”，多项以分号分隔，用于一个指标需要多个数值时。",
        "评定等级：从下拉列表中选择。人工得分：评价人给出的得分（人工评分、定性评价指标）。",
        "不适用理由：仅在整个指标本年度不适用时填写，其分值按指标体系规定重新分配。",
        "人工改分、改分理由：缺少数据无法按规则计算等情形下由评价人改定得分，必须同时写明理由，核查中会列出。",
        "申报得分：单位自评（拟公开）的得分，系统按规则计算后与之对照，不一致处在核查中列出。",
        "“单位信息”表填写单位名称、级别、地区、评价年度和申报总分。",
        "导入：jixiao excel import 本文件.xlsx --framework 指标体系 --out 评价.yaml，然后 jixiao score 评价.yaml。",
    ]
    cell = ws.cell(row=1, column=1)
    put_text(cell, "填报说明")
    _style(cell, font=TITLE_FONT, alignment=WRAP, border=False)
    r = 2
    for n, text in enumerate(lines, 1):
        cell = ws.cell(row=r, column=1)
        put_text(cell, f"{n}. {text}")
        _style(cell, alignment=WRAP_TOP, border=False)
        ws.merge_cells(start_row=r, start_column=1, end_row=r, end_column=3)
        ws.row_dimensions[r].height = 14 * _lines_needed(text, 108) + 6
        r += 1
    r += 1
    for i, header in enumerate(("规则类型", "计分方式", "需填写的列"), 1):
        cell = ws.cell(row=r, column=i)
        put_text(cell, header)
        _style(cell, font=HEADER_FONT, alignment=CENTER, fill=HEADER_FILL)
    used = []
    for row in rows:
        kind = "subrows" if row.rule is None else row.rule.type
        used.append(kind)
        if row.rule is not None:
            used += [inner.type for inner in _walk_rules(row.rule)]
    for kind in dict.fromkeys(used):
        name, what, columns = RULE_HELP.get(kind, (kind, "", ""))
        r += 1
        for i, value in enumerate((f"{name}（{kind}）", what, columns), 1):
            cell = ws.cell(row=r, column=i)
            put_text(cell, value)
            _style(cell, alignment=WRAP)
        ws.row_dimensions[r].height = 20
    _protect(ws)
    _print_setup(ws, None)


# --- entry workbook: reading ----------------------------------------------------------

class _CellError(ValueError):
    """A cell that cannot be read; the message is Chinese."""


def _field(ws_title: str, row: int, column: int, label: str) -> str:
    return f"{ws_title}!{get_column_letter(column)}{row}（{label}）"


def _check_cell(cell) -> None:
    """Refuse formulas and error values: they are corrected by the clerk, never evaluated."""
    if cell.data_type == "f":
        text = getattr(cell.value, "text", None) or str(cell.value)
        raise _CellError(f"单元格含公式“{text[:40]}”，请直接填写数值或文字，不要使用公式")
    if cell.data_type == "e":
        raise _CellError(f"单元格为错误值“{cell.value}”")


def _is_blank(cell) -> bool:
    return cell.value is None or (isinstance(cell.value, str) and not cell.value.strip())


_NUMBER_RE = re.compile(r"^[-+]?(?:\d[\d,]*(?:\.\d*)?|\.\d+)$")


def _normalise(text: str) -> str:
    """Full-width digits and signs to ASCII; circled numbers ①② to ``1,2,``."""
    for i, mark in enumerate(CIRCLED, 1):
        text = text.replace(mark, f"{i},")
    return unicodedata.normalize("NFKC", text).strip()


def parse_number_text(text: str) -> Decimal:
    """A number typed as text: ``99.81``, ``99.81%`` (99.81 in percent), ``1,234.5``, ``９９``."""
    value = _normalise(text).replace(" ", "")
    if value.endswith(("%", "‰")):
        value = value[:-1]
    if not _NUMBER_RE.match(value):
        raise _CellError(f"“{text.strip()}”不是有效数字")
    try:
        result = Decimal(value.replace(",", ""))
    except InvalidOperation:
        raise _CellError(f"“{text.strip()}”不是有效数字") from None
    return result


def _plain_decimal(value: Decimal) -> Decimal:
    """Drop trailing zeros a conversion introduced (0.9981 × 100 = 99.8100 → 99.81)."""
    value = value.normalize()
    return value.quantize(Decimal(1)) if value.as_tuple().exponent > 0 else value


def read_number(cell) -> Decimal:
    """A cell as an exact Decimal: numbers via ``repr`` (no binary noise), text parsed; a
    number in a percent-formatted cell (Excel stores 99.81% as 0.9981) is read in percent."""
    _check_cell(cell)
    value = cell.value
    if isinstance(value, bool):
        raise _CellError("不是有效数字（单元格为逻辑值）")
    if isinstance(value, int):
        result = Decimal(value)
    elif isinstance(value, float):
        if not math.isfinite(value):
            raise _CellError("不是有效数字")
        result = Decimal(int(value)) if value.is_integer() and abs(value) < 1e15 else Decimal(repr(value))
    elif isinstance(value, (datetime, date, time, timedelta)):
        raise _CellError("不是有效数字（单元格被识别为日期或时间，请设为文本格式后重新填写）")
    elif isinstance(value, str):
        return parse_number_text(value)
    else:
        raise _CellError("不是有效数字")
    if "%" in (cell.number_format or ""):
        result = _plain_decimal(result * 100)
    return result


def read_text(cell) -> str:
    """A cell as text; numbers are written without binary noise (``1`` not ``1.0``)."""
    _check_cell(cell)
    value = cell.value
    if value is None:
        return ""
    if isinstance(value, bool):
        return "是" if value else "否"
    if isinstance(value, float):
        return fmt(Decimal(int(value)) if value.is_integer() and abs(value) < 1e15 else Decimal(repr(value)))
    if isinstance(value, int):
        return str(value)
    if isinstance(value, datetime):
        return value.date().isoformat() if value.time() == time() else value.isoformat(sep=" ")
    if isinstance(value, (date, time)):
        return value.isoformat()
    return str(value).strip()


_YES = {"是", "达标", "已达标", "满足", "y", "yes", "true", "√", "✓", "对", "1"}
_NO = {"否", "未达标", "不达标", "不满足", "n", "no", "false", "×", "✗", "错", "0"}


def _read_met(cell) -> bool:
    _check_cell(cell)
    if isinstance(cell.value, bool):
        return cell.value
    text = _normalise(read_text(cell)).lower()
    if text in _YES:
        return True
    if text in _NO:
        return False
    raise _CellError(f"须填“是”或“否”，实际为“{read_text(cell)}”")


_LIST_SEPARATORS = re.compile(r"[,，、;；\s]+")
_ID_RE = re.compile(r"^[\w\-.]+$")


def _read_checks(cell, known: list[str]) -> tuple[str, ...]:
    text = _normalise(read_text(cell))
    if text in ("无", "none", "-"):
        return ()
    ids = [i for i in _LIST_SEPARATORS.split(text) if i]
    if not ids or not all(_ID_RE.match(i) for i in ids):
        raise _CellError(f"满足要点须为逗号分隔的编号（如 1,2,3），实际为“{read_text(cell)}”")
    if known:
        unknown = [i for i in ids if i not in known]
        if unknown:
            raise _CellError(f"没有评分要点“{'、'.join(unknown)}”（可选：{'、'.join(known)}）")
    return tuple(dict.fromkeys(ids))


_PAIR_SEPARATORS = re.compile(r"[;；\n]+|[,，](?=\s*\D)")  # a comma before a digit is a thousands separator
_PAIR_RE = re.compile(r"^(?P<name>.+?)\s*[:：]\s*(?P<value>\S+?)\s*(?:次|分)?$")


def _read_pairs(cell, what: str, example: str, known: list[str]) -> dict[str, Decimal]:
    """``名称:数值`` pairs separated by semicolons (扣分事项, 分项数值)."""
    raw = read_text(cell)
    text = raw.strip()
    if text in ("无", "-"):
        return {}
    result: dict[str, Decimal] = {}
    for chunk in (c.strip() for c in _PAIR_SEPARATORS.split(text)):
        if not chunk:
            continue
        match = _PAIR_RE.match(chunk)
        if not match:
            raise _CellError(f"{what}须为“名称:数值”，多项以分号分隔（如 {example}），实际为“{raw}”")
        name = match["name"].strip()
        try:
            value = parse_number_text(match["value"])
        except _CellError:
            raise _CellError(f"{what}“{name}”的数值“{match['value']}”不是有效数字") from None
        if known and name not in known:
            raise _CellError(f"没有{what}“{name}”（可选：{'、'.join(known)}）")
        if name in result:
            raise _CellError(f"{what}“{name}”重复填写")
        result[name] = value
    return result


def _read_judgement(cell, labels: list[str], accepted: set[str]) -> str:
    text = read_text(cell)
    if accepted and text not in accepted:
        raise _CellError(f"没有评定等级“{text}”（可选：{'、'.join(labels)}）")
    return text


@dataclass
class _Reader:
    """Collects every error of one workbook, each located at a sheet, row and column."""

    file: str
    errors: list[LoadError]

    def add(self, field: str, message: str) -> None:
        self.errors.append(LoadError(self.file, None, field, message))


def _open_workbook(path: Path, reader: _Reader):
    if not path.exists():
        reader.add("", "文件不存在")
        return None
    if path.is_dir():
        reader.add("", "这是一个文件夹，不是Excel文件")
        return None
    try:
        return open_workbook(path, data_only=False)
    except ArchiveError as exc:  # zip bombs, oversized sheets, corrupt parts: a Chinese reason
        reader.add("", str(exc))
        return None
    except Exception as exc:  # any parser failure on untrusted bytes is an input error
        hint = "（.xls 等旧格式请用Excel另存为 .xlsx）" if path.suffix.lower() in (".xls", ".et", ".csv") else ""
        reader.add("", f"不是有效的Excel工作簿（.xlsx），无法打开：{type(exc).__name__}{hint}")
        return None


def _read_meta(wb, framework: Framework, reader: _Reader) -> None:
    ws = wb[META_SHEET]
    meta: dict[str, str] = {}
    for row in ws.iter_rows(min_row=1, max_col=2):
        if row[0].value is not None:
            meta[str(row[0].value).strip()] = "" if row[1].value is None else str(row[1].value).strip()
    if meta.get("format") != META_FORMAT:
        reader.add(META_SHEET, "不是 jixiao 生成的填报表（缺少格式标记），请用 jixiao excel template 生成")
        return
    if meta.get("framework_id") != framework.id:
        reader.add(META_SHEET, f"此填报表是为指标体系“{meta.get('framework_id', '')}”生成的，"
                               f"与所选指标体系“{framework.id}”不符")
        return
    expected = framework_rules_hash(framework)  # once per framework object, not per workbook
    if meta.get("framework_version") != framework.version or meta.get("rules_hash") != expected:
        reader.add(META_SHEET, f"此填报表是为指标体系{framework.id}的{meta.get('framework_version', '?')}版"
                               f"（校验码{check_code(meta.get('rules_hash', ''))}）生成的，所选指标体系为{framework.version}版"
                               f"（校验码{check_code(expected)}），规则不同，请用当前指标体系重新生成填报表")


def _read_unit(wb, reader: _Reader) -> tuple[dict[str, Any], dict[str, str]]:
    """The 单位信息 sheet as Evaluation fields, and where each was read (for later errors)."""
    ws = wb[UNIT_SHEET]
    found: dict[str, int] = {}
    for row in ws.iter_rows(min_row=1, max_col=1):
        cell = row[0]
        if isinstance(cell.value, str):
            found.setdefault(cell.value.strip(), cell.row)
    data: dict[str, Any] = {}
    unit: dict[str, Any] = {}
    where: dict[str, str] = {}
    for key, label, _ in UNIT_FIELDS:
        if label not in found:
            reader.add(f"{UNIT_SHEET}!A列", f"缺少“{label}”一行")
            continue
        cell = ws.cell(row=found[label], column=2)
        field = _field(UNIT_SHEET, cell.row, 2, label)
        where[key] = field
        if _is_blank(cell):
            if key in ("name", "year"):
                reader.add(field, "必须填写")
            continue
        try:
            if key == "year":
                text = read_text(cell).removesuffix("年").removesuffix("年度")
                if not re.fullmatch(r"\d{4}", _normalise(text)):
                    raise _CellError(f"须为四位年份（如 2023），实际为“{read_text(cell)}”")
                data["year"] = int(_normalise(text))
            elif key == "declared_total":
                data["declared_total"] = read_number(cell)
            elif key == "level":
                level = read_text(cell)
                if level not in UNIT_LEVELS:
                    raise _CellError(f"须为{'、'.join(UNIT_LEVELS)}之一，实际为“{level}”")
                unit["level"] = level
            elif key in ("name", "region"):
                unit[key] = read_text(cell)
            else:
                data[key] = read_text(cell)
        except _CellError as exc:
            reader.add(field, str(exc))
    data["unit"] = unit
    return data, where


def _read_header(ws: Worksheet, reader: _Reader) -> dict[str, int] | None:
    columns: dict[str, int] = {}
    headers = {c.header: c.key for c in ENTRY_COLUMNS}
    for cell in ws[HEADER_ROW]:
        if isinstance(cell.value, str) and cell.value.strip() in headers:
            columns.setdefault(headers[cell.value.strip()], cell.column)
    missing = [c.header for c in ENTRY_COLUMNS if (c.input or c.key == "code") and c.key not in columns]
    if missing:
        reader.add(f"{ENTRY_SHEET}!第{HEADER_ROW}行", f"缺少列：{'、'.join(missing)}")
        return None
    return columns


def _read_input(cell, key: str, row: EntryRow) -> Any:
    """One input cell of a row, parsed and checked against the row's rule."""
    rule = row.rule
    if key in ("actual", "manual", "declared", "reference", "override"):
        value = read_number(cell)
        if key == "manual" and isinstance(rule, Manual) and not (0 <= value <= row.weight):
            raise _CellError(f"人工得分须在0～{fmt(row.weight)}分之间，实际为{fmt(value)}分")
        return value
    if key == "met":
        return _read_met(cell)
    if key == "checks":
        return _read_checks(cell, _checklist_ids(rule) if rule is not None else [])
    if key == "incidents":
        incidents = _read_pairs(cell, "扣分事项", "迟报:1;错报:0", _incident_kinds(rule) if rule is not None else [])
        negative = [k for k, v in incidents.items() if v < 0]
        if negative:
            raise _CellError(f"扣分事项“{'、'.join(negative)}”的次数不能为负")
        return incidents
    if key == "values":  # names are checked where the rule reads them; elsewhere they are for the record
        known = _value_names(rule) if rule is not None and "values" in row.reads else []
        return _read_pairs(cell, "分项数值", "职工:100;居民:98", known)
    if key == "judgement":
        labels, accepted = _judgement_options(rule, row.indicator) if rule is not None else ([], set())
        return _read_judgement(cell, labels, accepted)
    text = read_text(cell)
    if key == "not_applicable" and not text:
        raise _CellError("不适用理由不能为空")
    return text


def _refusal(row: EntryRow, key: str) -> str:
    """Why a row does not take an input column (the cell is locked in the template)."""
    label = LABELS[key]
    if row.kind == "part":
        if key in SCORING_INPUTS:
            return f"此分项的计分规则（{_rule_name(row.rule)}）不使用“{label}”"
        return "规则分项行只填计分数据和实际完成情况，此列请填在所属指标行"
    if key == "not_applicable":
        return "分项不能单独标为不适用，请在所属指标行填写不适用理由"
    if row.rule is None or _has_part_rows(row.rule):
        return f"此行不填“{label}”，请在下方分项行中填写"
    hint = "；改定得分请填“人工改分”和“改分理由”" if key == "manual" else ""
    return f"此行的计分规则（{_rule_name(row.rule)}）不使用“{label}”{hint}"


def _read_rows(ws: Worksheet, framework: Framework, columns: dict[str, int], reader: _Reader,
               file: str) -> tuple[dict[str, dict], dict[str, int]]:
    """Inputs by indicator code (parts nested under ``parts``) and the sheet row of each code."""
    by_code = {row.code: row for row in entry_rows(framework)}
    inputs: dict[str, dict] = {}
    seen: dict[str, int] = {}
    code_col = columns["code"]
    input_keys = [c.key for c in ENTRY_COLUMNS if c.input]
    for r in range(FIRST_DATA_ROW, ws.max_row + 1):
        code_cell = ws.cell(row=r, column=code_col)
        cells = {key: ws.cell(row=r, column=columns[key]) for key in input_keys}
        filled = {key: cell for key, cell in cells.items() if not _is_blank(cell)}
        code = read_text(code_cell) if code_cell.data_type not in ("f", "e") else ""
        if not code:
            if filled:
                reader.add(_field(ENTRY_SHEET, r, code_col, "编码"), "此行填写了内容，但缺少指标编码")
            continue
        row = by_code.get(code)
        if row is None:
            reader.add(_field(ENTRY_SHEET, r, code_col, "编码"), f"未知的指标编码“{code}”（指标体系{framework.id}中没有）")
            continue
        if code in seen:
            reader.add(_field(ENTRY_SHEET, r, code_col, "编码"), f"指标编码“{code}”重复（已在第{seen[code]}行）")
            continue
        seen[code] = r
        item: dict[str, Any] = {}
        for key, cell in filled.items():
            label = LABELS[key]
            field = _field(ENTRY_SHEET, r, columns[key], label)
            if key not in row.allowed:
                reader.add(field, _refusal(row, key))
                continue
            try:
                item[key] = _read_input(cell, key, row)
            except _CellError as exc:
                reader.add(field, str(exc))
                item[key] = None  # present but invalid: already reported
        _pair_override(item, r, columns, reader)
        item = {k: v for k, v in item.items() if v is not None}
        if not item:
            continue
        item["loc"] = {"file": file, "line": r}
        if row.kind == "part":
            owner = inputs.setdefault(row.owner, {})
            owner.setdefault("parts", {})[row.part.name] = item
        else:
            inputs.setdefault(code, {}).update(item)
    return inputs, seen


def _pair_override(item: dict[str, Any], r: int, columns: dict[str, int], reader: _Reader) -> None:
    """人工改分 and 改分理由 go together into ``override``; one without the other is an error.
    (A cell that was present but invalid holds None here and has been reported already.)"""
    has_score, has_reason = "override" in item, "override_reason" in item
    score, reason = item.pop("override", None), item.pop("override_reason", None)
    if score is not None and reason:
        item["override"] = {"score": score, "reason": reason}
    elif has_score and not has_reason:
        reader.add(_field(ENTRY_SHEET, r, columns["override_reason"], "改分理由"), "填写人工改分时须写明改分理由")
    elif has_reason and not has_score:
        reader.add(_field(ENTRY_SHEET, r, columns["override"], "人工改分"), "填写了改分理由，但缺少人工改分")


def import_entry_workbook(path: str | Path, framework: Framework) -> tuple[Evaluation | None, list[LoadError]]:
    """Read a filled entry workbook into an Evaluation against ``framework``.

    Returns ``(evaluation, [])`` or ``(None, errors)``: every error found (not only the first),
    each a LoadError whose ``field`` names the sheet, cell and column (``填报!H12（实际值）``).
    A workbook made for another framework or version, a file that is not an .xlsx, missing
    sheets or columns stop reading after those errors; cell errors are all collected. The
    evaluation's ``loc`` lines are worksheet rows.
    """
    path = Path(path)
    file = str(path)
    reader = _Reader(file, [])
    wb = _open_workbook(path, reader)
    if wb is None:
        return None, reader.errors
    try:
        missing = [name for name in (ENTRY_SHEET, UNIT_SHEET, META_SHEET)
                   if name not in wb.sheetnames or not isinstance(wb[name], Worksheet)]
        for name in missing:
            reader.add(name, f"缺少工作表“{name}”" + ("，不是 jixiao 生成的填报表" if name == META_SHEET else ""))
        if missing:
            return None, reader.errors
        _read_meta(wb, framework, reader)
        if reader.errors:
            return None, reader.errors
        ws = wb[ENTRY_SHEET]
        columns = _read_header(ws, reader)
        body, unit_fields = _read_unit(wb, reader)
        if columns is None:
            return None, reader.errors
        inputs, rows = _read_rows(ws, framework, columns, reader, file)
    finally:
        wb.close()
    if reader.errors:
        return None, reader.errors
    body.update(framework=framework, inputs=inputs, loc={"file": file, "line": None})
    try:
        return Evaluation.model_validate(body), []
    except ValidationError as exc:
        for err in exc.errors():
            reader.add(_locate(err["loc"], columns, rows, unit_fields), pydantic_message(err))
        return None, reader.errors


_INPUT_FIELDS = {c.key for c in ENTRY_COLUMNS if c.input}


def _locate(loc: tuple, columns: dict[str, int], rows: dict[str, int], unit_fields: dict[str, str]) -> str:
    """The cell a pydantic error location points at, as ``填报!H12（实际值）``, or the sheet."""
    if loc[:1] == ("inputs",) and len(loc) >= 2 and str(loc[1]) in rows:
        code, rest = str(loc[1]), loc[2:]
        if rest[:1] == ("parts",) and len(rest) >= 2 and f"{code}{PART_SEPARATOR}{rest[1]}" in rows:
            code, rest = f"{code}{PART_SEPARATOR}{rest[1]}", rest[2:]
        r = rows[code]
        key = str(rest[0]) if rest else "code"
        if key in _INPUT_FIELDS:
            label = LABELS[key]
            return _field(ENTRY_SHEET, r, columns[key], label)
        return _field(ENTRY_SHEET, r, columns["code"], "编码")
    if loc[:1] == ("unit",) and len(loc) >= 2 and str(loc[1]) in unit_fields:
        return unit_fields[str(loc[1])]
    if loc and str(loc[0]) in unit_fields:
        return unit_fields[str(loc[0])]
    return ENTRY_SHEET


# --- evaluation YAML ------------------------------------------------------------------

class _Dumper(yaml.SafeDumper):
    """Decimals as plain YAML numbers (99.81, never 99.81000000001), tuples as lists, and
    short collections of scalars on one line (``checks: [1, 2, 3]``), as the examples are written."""


def _represent_decimal(dumper: yaml.SafeDumper, value: Decimal) -> yaml.Node:
    text = format(value, "f")
    if "." not in text:
        return dumper.represent_scalar("tag:yaml.org,2002:int", text)
    return dumper.represent_scalar("tag:yaml.org,2002:float", text)


def _short(values: Iterable[Any]) -> bool:
    values = list(values)
    return len(values) <= 8 and all(not isinstance(v, (dict, list, tuple)) and len(str(v)) <= 30 for v in values)


def _represent_dict(dumper: yaml.SafeDumper, value: dict) -> yaml.Node:
    return dumper.represent_mapping("tag:yaml.org,2002:map", value, flow_style=_short(value.values()))


def _represent_list(dumper: yaml.SafeDumper, value: list | tuple) -> yaml.Node:
    return dumper.represent_sequence("tag:yaml.org,2002:seq", list(value), flow_style=_short(value))


_Dumper.add_representer(Decimal, _represent_decimal)
_Dumper.add_representer(dict, _represent_dict)
_Dumper.add_representer(list, _represent_list)
_Dumper.add_representer(tuple, _represent_list)


_plain = compact  # no locations, no empty values


def _input_data(item: BaseModel) -> Any:
    data = _plain(item.model_dump(exclude_defaults=True))
    if "checks" in data:
        data["checks"] = [int(c) if c.isdigit() and str(int(c)) == c else c for c in data["checks"]]
    if "parts" in data:
        data["parts"] = {name: _input_data(part) for name, part in item.parts.items()}
    return data


def framework_data(framework: Framework) -> dict:
    """A framework as plain data that ``load_evaluation`` accepts inline (every field kept:
    rule types and explicit nulls such as ``floor: null`` decide scores)."""

    def strip(value: Any) -> Any:
        if isinstance(value, dict):
            return {k: strip(v) for k, v in value.items() if k != "loc"}
        if isinstance(value, (list, tuple)):
            return [strip(v) for v in value]
        return value

    return strip(framework.model_dump())


def evaluation_to_yaml(evaluation: Evaluation, framework_ref: str | None = None) -> str:
    """An evaluation as the YAML file ``jixiao score`` reads.

    ``framework_ref`` is written as ``framework:`` (``builtin:NAME`` or a path relative to the
    file being written); without it the framework is written inline. Decimals are written as
    plain numbers, exactly.
    """
    ev = evaluation
    data: dict[str, Any] = {}
    if ev.title:
        data["title"] = ev.title
    data["unit"] = _plain(ev.unit.model_dump())
    data["year"] = ev.year
    if ev.team:
        data["team"] = [_plain(m.model_dump()) for m in ev.team]
    if ev.evaluator:
        data["evaluator"] = ev.evaluator
    if ev.report_date:
        data["report_date"] = ev.report_date
    for key in ("declared_total", "declared_grade"):
        if getattr(ev, key) is not None:
            data[key] = getattr(ev, key)
    if ev.declared_groups:
        data["declared_groups"] = dict(ev.declared_groups)
    if ev.finance is not None:
        data["finance"] = _plain(ev.finance.model_dump(exclude_defaults=True))
    if ev.questionnaires:
        data["questionnaires"] = [_plain(q.model_dump(exclude_defaults=True)) for q in ev.questionnaires]
    if ev.narrative:
        data["narrative"] = dict(ev.narrative)
    data["framework"] = framework_ref if framework_ref is not None else framework_data(ev.framework)
    data["indicators"] = {code: _input_data(item) for code, item in ev.inputs.items()}
    return yaml.dump(data, Dumper=_Dumper, allow_unicode=True, sort_keys=False, width=10_000,
                     default_flow_style=False)
