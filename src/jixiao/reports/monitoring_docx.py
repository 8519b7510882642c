"""The Word monitoring report (绩效运行监控报告), written with python-docx.

Outline: 一、监控基本情况 (period, 序时进度, thresholds, spending); 二、监控结果 (a table of every
indicator with its light); 三、偏差原因及纠偏措施 (one paragraph per yellow or red row). User
text is added as plain runs, so nothing in it is interpreted.
"""

from __future__ import annotations

from pathlib import Path

from docx import Document
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.oxml.ns import qn
from docx.shared import Pt, RGBColor

from jixiao.core.cycle import GREEN, PENDING, RED, YELLOW, Assessment, ordinal, percent
from jixiao.core.numbers import fmt

LIGHT_COLOURS = {GREEN: RGBColor(0x1E, 0x7B, 0x34), YELLOW: RGBColor(0x9C, 0x65, 0x00), RED: RGBColor(0xC0, 0x00, 0x00),
                 PENDING: RGBColor(0x66, 0x66, 0x66)}
FONT = "宋体"


def _cjk(run, size: float | None = None, bold: bool = False) -> None:
    run.font.name = FONT
    run._element.get_or_add_rPr().get_or_add_rFonts().set(qn("w:eastAsia"), FONT)
    if size:
        run.font.size = Pt(size)
    run.bold = bold


def _para(doc, text: str, size: float = 12, bold: bool = False, centre: bool = False):
    p = doc.add_paragraph()
    _cjk(p.add_run(text), size, bold)
    if centre:
        p.alignment = WD_ALIGN_PARAGRAPH.CENTER
    return p


def write_monitoring_docx(assessment: Assessment, path: str | Path) -> Path:
    report = assessment.report
    doc = Document()
    _para(doc, f"{report.unit}{report.fund}绩效运行监控报告", 16, bold=True, centre=True)
    _para(doc, f"（监控期间：{report.period}）", 12, centre=True)

    _para(doc, "一、监控基本情况", 14, bold=True)
    lines = [f"截至本期，时间进度（序时进度）为{percent(assessment.time_progress)}。监控规则：{assessment.thresholds.describe()}。"]
    if assessment.spending is not None:
        s = assessment.spending
        lines.append(f"全年预算{fmt(report.budget)}元，累计支出{fmt(report.spent)}元，预算执行进度{percent(s.completion)}，"
                     f"监控结果为{s.light_label}。")
    lines.append(f"本期共监控{len(assessment.all_rows)}项，其中绿灯{assessment.count(GREEN)}项、"
                 f"黄灯{assessment.count(YELLOW)}项、红灯{assessment.count(RED)}项。")
    for line in lines:
        _para(doc, line)

    _para(doc, "二、监控结果", 14, bold=True)
    headers = ["编码", "指标", "年度目标", "累计完成", "完成进度", "应完成", "结果"]
    table = doc.add_table(rows=1, cols=len(headers))
    table.style = "Table Grid"
    for cell, text in zip(table.rows[0].cells, headers):
        cell.text = ""
        _cjk(cell.paragraphs[0].add_run(text), 10.5, bold=True)
    for row in assessment.all_rows:
        cells = table.add_row().cells
        values = [row.code, row.name, row.target, row.actual, percent(row.completion), percent(row.expected), row.light_label]
        for i, (cell, text) in enumerate(zip(cells, values)):
            run = cell.paragraphs[0].add_run(text)
            _cjk(run, 10.5, bold=i == 6)
            if i == 6:
                run.font.color.rgb = LIGHT_COLOURS[row.light]

    _para(doc, "三、偏差原因及纠偏措施", 14, bold=True)
    warnings = assessment.warnings
    if not warnings:
        _para(doc, "本期各项指标及预算执行均符合进度要求，未发现偏差。")
    for i, row in enumerate(warnings, 1):
        _para(doc, f"（{ordinal(i)}）{row.name}（{row.light_label}，完成进度{percent(row.completion)}，"
                   f"落后{fmt(row.lag, 2)}个百分点）", bold=True)
        _para(doc, f"偏差原因：{row.reason or '未填写'}")
        _para(doc, f"纠偏措施：{row.measures or '未填写'}")
    path = Path(path)
    doc.save(str(path))
    return path
