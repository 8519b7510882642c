"""Writing the entry workbook (填报表) a clerk fills in for a framework: the 填报 sheet (grey
read-only columns, input columns formatted as text, the inputs a row's rule needs highlighted,
drop-down lists), 单位信息, 说明, and the hidden ``_meta`` sheet with the framework id, version
and rules hash that the importer checks."""

from __future__ import annotations

from pathlib import Path

from openpyxl import Workbook
from openpyxl.styles import Protection
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.datavalidation import DataValidation
from openpyxl.worksheet.worksheet import Worksheet

from jixiao import __version__
from jixiao.core.model import Framework
from jixiao.core.versioning import rules_hash

from .cells import (CENTER, HEADER_FILL, HEADER_FONT, NEEDED_FILL, READ_ONLY_FILL, TITLE_FONT, WRAP, WRAP_TOP,
                    fit_row_height, group_label, lines_needed, print_setup, put_number, put_text, style)
from .entry_layout import (ENTRY_COLUMNS, ENTRY_SHEET, FIRST_DATA_ROW, HEADER_ROW, HELP_SHEET, META_FORMAT,
                           META_FORMAT_VERSION, META_SHEET, UNIT_FIELDS, UNIT_LEVELS, UNIT_SHEET)
from .entry_rows import RULE_HELP, EntryRow, entry_rows, judgement_options, walk_rules

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
    style(title, font=TITLE_FONT, alignment=CENTER, border=False)
    ws.merge_cells(start_row=1, start_column=1, end_row=1, end_column=last)
    ws.row_dimensions[1].height = 26
    for i, column in enumerate(ENTRY_COLUMNS, 1):
        cell = ws.cell(row=HEADER_ROW, column=i)
        put_text(cell, column.header)
        style(cell, font=HEADER_FONT, alignment=CENTER, fill=HEADER_FILL if not column.input else NEEDED_FILL)
    ws.row_dimensions[HEADER_ROW].height = 30

    met_col = _entry_col("met")
    judgement_col = _entry_col("judgement")
    met_dv = _list_validation(["是", "否"])
    judgement_dvs: dict[tuple[str, ...], DataValidation] = {}
    for offset, row in enumerate(rows):
        r = FIRST_DATA_ROW + offset
        level1 = group_label(row.path[0], False) if row.path else ""
        level2 = "／".join(group_label(g, False) for g in row.path[1:])
        fixed = {"code": row.code, "level1": level1, "level2": level2, "name": row.name, "weight": row.weight,
                 "target": row.target.text, "criteria": row.criteria, "hint": row.hint}
        for i, column in enumerate(ENTRY_COLUMNS, 1):
            cell = ws.cell(row=r, column=i)
            if not column.input:
                if column.key == "weight":
                    put_number(cell, row.weight)
                else:
                    put_text(cell, fixed[column.key])
                style(cell, alignment=CENTER if column.key in ("code", "weight") else WRAP, fill=READ_ONLY_FILL)
                continue
            cell.number_format = "@"  # keep what the clerk types (99.81%, 1,2,3) as text
            if column.key in row.allowed:
                cell.protection = Protection(locked=False)
                style(cell, fill=NEEDED_FILL if column.key in row.reads else None)
            else:
                style(cell, fill=READ_ONLY_FILL)
        if "met" in row.allowed and met_dv is not None:
            met_dv.add(ws.cell(row=r, column=met_col))
        if "judgement" in row.allowed and row.rule is not None:
            labels, _ = judgement_options(row.rule, row.indicator)
            key = tuple(labels)
            if key not in judgement_dvs:
                judgement_dvs[key] = _list_validation(labels)
            if judgement_dvs[key] is not None:
                judgement_dvs[key].add(ws.cell(row=r, column=judgement_col))
        fit_row_height(ws, r, widths)
    for dv in (met_dv, *judgement_dvs.values()):
        if dv is not None and dv.sqref:
            ws.add_data_validation(dv)
    ws.freeze_panes = ws.cell(row=FIRST_DATA_ROW, column=_entry_col("weight"))
    _protect(ws)
    print_setup(ws, f"{HEADER_ROW}:{HEADER_ROW}")


def _entry_col(key: str) -> int:
    return next(i for i, c in enumerate(ENTRY_COLUMNS, 1) if c.key == key)


def _write_unit_sheet(ws: Worksheet) -> None:
    for i, (header, width) in enumerate((("项目", 14), ("内容", 36), ("说明", 36)), 1):
        ws.column_dimensions[get_column_letter(i)].width = width
        cell = ws.cell(row=1, column=i)
        put_text(cell, header)
        style(cell, font=HEADER_FONT, alignment=CENTER, fill=HEADER_FILL)
    for offset, (key, label, note) in enumerate(UNIT_FIELDS):
        r = _UNIT_FIRST_ROW + offset
        put_text(ws.cell(row=r, column=1), label)
        style(ws.cell(row=r, column=1), font=HEADER_FONT, fill=READ_ONLY_FILL)
        value = ws.cell(row=r, column=2)
        value.number_format = "@"
        value.protection = Protection(locked=False)
        style(value, fill=NEEDED_FILL if note.startswith("必填") else None)
        put_text(ws.cell(row=r, column=3), note)
        style(ws.cell(row=r, column=3), fill=READ_ONLY_FILL)
        if key == "level":
            dv = _list_validation(list(UNIT_LEVELS))
            ws.add_data_validation(dv)
            dv.add(value)
        ws.row_dimensions[r].height = 20
    _protect(ws)
    print_setup(ws, None)


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
    style(cell, font=TITLE_FONT, alignment=WRAP, border=False)
    r = 2
    for n, text in enumerate(lines, 1):
        cell = ws.cell(row=r, column=1)
        put_text(cell, f"{n}. {text}")
        style(cell, alignment=WRAP_TOP, border=False)
        ws.merge_cells(start_row=r, start_column=1, end_row=r, end_column=3)
        ws.row_dimensions[r].height = 14 * lines_needed(text, 108) + 6
        r += 1
    r += 1
    for i, header in enumerate(("规则类型", "计分方式", "需填写的列"), 1):
        cell = ws.cell(row=r, column=i)
        put_text(cell, header)
        style(cell, font=HEADER_FONT, alignment=CENTER, fill=HEADER_FILL)
    used = []
    for row in rows:
        kind = "subrows" if row.rule is None else row.rule.type
        used.append(kind)
        if row.rule is not None:
            used += [inner.type for inner in walk_rules(row.rule)]
    for kind in dict.fromkeys(used):
        name, what, columns = RULE_HELP.get(kind, (kind, "", ""))
        r += 1
        for i, value in enumerate((f"{name}（{kind}）", what, columns), 1):
            cell = ws.cell(row=r, column=i)
            put_text(cell, value)
            style(cell, alignment=WRAP)
        ws.row_dimensions[r].height = 20
    _protect(ws)
    print_setup(ws, None)
