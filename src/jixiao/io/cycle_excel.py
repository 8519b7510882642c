"""Excel exports of the cycle: the monitoring report (绩效监控表, with traffic lights) and the
factor allocation table (因素法分配表).

Same safety rules as ``jixiao.io.excel``: every piece of user text goes through ``put_text``
(a string cell, quote-prefixed when it starts with ``= + - @``), so a unit name or a reason
such as ``=HYPERLINK(...)`` is never a live formula; numbers are written from Decimals through
``put_number``. Amounts are to the cent and the total row is the exact Decimal sum, written as
a number, not as a ``=SUM`` formula.
"""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

from openpyxl import Workbook
from openpyxl.styles import PatternFill
from openpyxl.utils import get_column_letter

from jixiao.core.cycle import GREEN, METHOD, PENDING, RED, YELLOW, Allocation, Assessment, percent
from jixiao.core.numbers import quantize

from .excel import BODY_FONT, CENTER, HEADER_FILL, HEADER_FONT, TITLE_FONT, WRAP, _print_setup, _style, put_number, put_text

LIGHT_FILLS = {GREEN: PatternFill("solid", fgColor="C6EFCE"), YELLOW: PatternFill("solid", fgColor="FFEB9C"),
               RED: PatternFill("solid", fgColor="FFC7CE"), PENDING: PatternFill()}


def _title(ws, text: str, columns: int) -> None:
    put_text(ws.cell(1, 1), text)
    ws.cell(1, 1).font = TITLE_FONT
    ws.cell(1, 1).alignment = CENTER
    ws.merge_cells(start_row=1, start_column=1, end_row=1, end_column=columns)
    ws.row_dimensions[1].height = 28


def _header(ws, row: int, labels: list[str], widths: list[float]) -> None:
    for c, (label, width) in enumerate(zip(labels, widths), 1):
        cell = ws.cell(row, c)
        put_text(cell, label)
        _style(cell, font=HEADER_FONT, alignment=CENTER, fill=HEADER_FILL)
        ws.column_dimensions[get_column_letter(c)].width = width


def _note(ws, row: int, text: str, columns: int) -> None:
    cell = ws.cell(row, 1)
    put_text(cell, text)
    cell.font = BODY_FONT
    cell.alignment = WRAP
    ws.merge_cells(start_row=row, start_column=1, end_row=row, end_column=columns)
    ws.row_dimensions[row].height = 15 * (1 + len(text) // 70)


def export_monitoring(assessment: Assessment, path: str | Path) -> Path:
    """The 绩效监控表: one row per indicator (spending first), with lights and reasons."""
    report = assessment.report
    wb = Workbook()
    ws = wb.active
    ws.title = "绩效监控"
    labels = ["指标编码", "指标名称", "年度目标值", "累计完成", "完成进度", "应完成进度", "落后（百分点）", "监控结果",
              "偏差原因", "纠偏措施"]
    widths = [10, 24, 16, 22, 10, 11, 11, 9, 30, 30]
    _title(ws, f"{report.unit}{report.fund}绩效运行监控表（{report.period}）", len(labels))
    _note(ws, 2, f"序时进度{percent(assessment.time_progress)}；{assessment.thresholds.describe()}。"
                 f"绿灯{assessment.count(GREEN)}项，黄灯{assessment.count(YELLOW)}项，红灯{assessment.count(RED)}项。",
          len(labels))
    _header(ws, 3, labels, widths)
    for r, row in enumerate(assessment.all_rows, 4):
        values = [row.code, row.name, row.target, row.actual]
        for c, text in enumerate(values, 1):
            put_text(ws.cell(r, c), text)
        for c, number in ((5, row.completion), (6, row.expected), (7, row.lag)):
            put_number(ws.cell(r, c), None if number is None else quantize(number, 2), "0.00")
        put_text(ws.cell(r, 8), row.light_label)
        put_text(ws.cell(r, 9), row.reason)
        put_text(ws.cell(r, 10), row.measures)
        for c in range(1, len(labels) + 1):
            _style(ws.cell(r, c), fill=LIGHT_FILLS[row.light] if c == 8 else None)
    _print_setup(ws, "3:3")
    path = Path(path)
    wb.save(path)
    return path


def export_allocation(allocation: Allocation, path: str | Path) -> Path:
    """The 因素法分配表: per recipient each factor's value and normalised share, the weights,
    the composite share and the amount (元, to the cent), a total row, and the method."""
    plan = allocation.plan
    wb = Workbook()
    ws = wb.active
    ws.title = "因素法分配"
    labels = ["序号", "单位"]
    widths: list[float] = [6, 22]
    for f in plan.factors:
        labels += [f"{f.name}{'（' + f.unit + '）' if f.unit else ''}", f"{f.name}占比（%）"]
        widths += [14, 12]
    labels += ["综合占比（%）", "分配金额（元）", "分配金额（万元）"]
    widths += [12, 16, 14]
    columns = len(labels)
    title = plan.title or f"{plan.fund}因素法分配表"
    _title(ws, title, columns)
    weights = "；".join(f"{f.name}{quantize(f.weight, 2).normalize():f}%{'（反向）' if f.direction == '反向' else ''}"
                       for f in plan.factors)
    _note(ws, 2, f"待分配金额{plan.amount:f}{plan.unit}（{quantize(plan.amount_yuan, 2):f}元）。权重：{weights}。", columns)
    _header(ws, 3, labels, widths)
    for r, line in enumerate(allocation.lines, 4):
        put_number(ws.cell(r, 1), Decimal(r - 3))
        put_text(ws.cell(r, 2), line.name)
        c = 3
        for i in range(len(plan.factors)):
            put_number(ws.cell(r, c), line.values[i])
            put_number(ws.cell(r, c + 1), line.factor_percent(i), "0.0000")
            c += 2
        put_number(ws.cell(r, c), line.share_percent(), "0.0000")
        put_number(ws.cell(r, c + 1), line.amount, "#,##0.00")
        put_number(ws.cell(r, c + 2), line.amount_wan, "0.000000")
        for col in range(1, columns + 1):
            _style(ws.cell(r, col))
    total_row = 4 + len(allocation.lines)
    put_text(ws.cell(total_row, 2), "合计")
    c = 3
    for total in allocation.totals:
        put_number(ws.cell(total_row, c), total)
        put_number(ws.cell(total_row, c + 1), Decimal(100), "0.0000")
        c += 2
    put_number(ws.cell(total_row, c), Decimal(100), "0.0000")
    put_number(ws.cell(total_row, c + 1), allocation.total, "#,##0.00")
    put_number(ws.cell(total_row, c + 2), allocation.total / 10000, "0.000000")
    for col in range(1, columns + 1):
        _style(ws.cell(total_row, col), font=HEADER_FONT)
    _note(ws, total_row + 1, "计算方法：" + METHOD + (f" {plan.note}" if plan.note else ""), columns)
    _print_setup(ws, "3:3")
    path = Path(path)
    wb.save(path)
    return path
