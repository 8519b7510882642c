"""The printable score table (附件《指标体系得分情况》) of a scored evaluation, in one of the two
published layouts (seed 000: 一级/二级/三级指标, 权重, 目标值, 评分标准, 评分过程, 得分; seed 004:
一级/二级/三级指标, 标准值, 评分标准, 分值, 指标说明, 得分, 实际完成情况), A4 landscape, with a
second sheet of audit findings."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any, Literal

from openpyxl import Workbook
from openpyxl.comments import Comment
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.worksheet import Worksheet

from jixiao.core.audit import Finding
from jixiao.core.numbers import fmt
from jixiao.core.scoring import ScoreRow, ScoreSheet
from jixiao.core.versioning import rules_label

from .cells import (CENTER, HEADER_FILL, HEADER_FONT, TITLE_FONT, WRAP, fit_row_height, group_label, lines_needed,
                    places_format, print_setup, put_number, put_text, style)

Layout = Literal["000", "004"]

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
        level1 = group_label(path[0], with_code) if path else ""
        level2 = "／".join(group_label(g, with_code) for g in path[1:])
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
    style(title, font=TITLE_FONT, alignment=CENTER, border=False)
    ws.merge_cells(start_row=1, start_column=1, end_row=1, end_column=last)
    ws.row_dimensions[1].height = max(24, 20 * lines_needed(title.value, sum(widths.values()) / 1.6))

    for i, (_, header, _) in enumerate(columns, 1):
        cell = ws.cell(row=2, column=i)
        put_text(cell, header)
        style(cell, font=HEADER_FONT, alignment=CENTER, fill=HEADER_FILL)

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
                style(cell, alignment=CENTER)
            elif key == "score":
                put_number(cell, value, score_format)
                style(cell, alignment=CENTER)
                row = line.row
                if row.declared is not None and row.declared != row.score:
                    cell.comment = Comment(f"申报得分{fmt(row.declared)}分，按规则计算{fmt(row.score)}分", "jixiao")
            else:
                put_text(cell, value)
                style(cell, alignment=CENTER if key in ("level1", "level2", "target") else WRAP)
    for index, key in enumerate(_MERGED_KEYS):
        _merge_runs(ws, first, col[key], [line.keys[index] for line in lines])
    for r in range(first, first + len(lines)):
        fit_row_height(ws, r, widths)

    total_row = first + len(lines)
    for i in range(1, last + 1):
        style(ws.cell(row=total_row, column=i), font=HEADER_FONT, alignment=CENTER)
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
    style(cell, alignment=WRAP, border=False)
    ws.merge_cells(start_row=footer_row, start_column=1, end_row=footer_row, end_column=last)
    ws.row_dimensions[footer_row].height = 14 * lines_needed(footer, sum(widths.values())) + 6

    ws.freeze_panes = "A3"
    print_setup(ws, "2:2")
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
        style(cell, font=HEADER_FONT, alignment=CENTER, fill=HEADER_FILL)
    for r, finding in enumerate(findings, 2):
        values = (finding.code, finding.title, finding.message, str(finding.loc or ""),
                  SEVERITY_NAMES.get(finding.severity, finding.severity))
        for i, value in enumerate(values, 1):
            cell = ws.cell(row=r, column=i)
            put_text(cell, value)
            style(cell, alignment=CENTER if i in (1, 5) else WRAP)
        fit_row_height(ws, r, widths)
    ws.freeze_panes = "A2"
    print_setup(ws, "1:1")
