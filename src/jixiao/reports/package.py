"""The report package of one evaluation: what the agency hands in, and the reviewer's copy.

``write_package(sheet, findings, out_dir, stem)`` writes

* ``<stem>.docx`` (+ ``.pdf``) — the agency's report: no audit findings, no declared (申报)
  scores beside the computed ones, no tool name in the text or the document properties;
* ``<stem>.xlsx`` — its score table, with the same restraint (no 核查发现 sheet, no
  "申报…按规则计算…" cell comments, one total, the rules as 规则版本 … · 校验码 …);

and with ``reviewer=True`` also the reviewer's copy (复核底稿, kept by the reviewer):

* ``<stem>-复核底稿.docx`` (+ ``.pdf``) — the same report plus the attachments 核查发现 (each
  finding with its file:line) and 评分复核说明 (declared against computed, scores given by
  hand and their reasons, missing data);
* ``<stem>-复核底稿.xlsx`` — the score table with the declared scores as comments and the
  核查发现 sheet.

The command line (``jixiao report``) and the site's report jobs (``web/tasks.py``) both
call this, so the two produce the same documents.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from jixiao.core.audit import Finding
from jixiao.core.numbers import fmt
from jixiao.core.scoring import ScoreSheet
from jixiao.core.versioning import rules_label

from .context import agency_sentence
from .render import Rendered, render

REVIEWER_SUFFIX = "-复核底稿"
EXCEL_LAYOUT = {"部门整体": "000", "项目支出": "004"}


@dataclass
class Package:
    """What ``write_package`` wrote: (label, path) of each file in order, the agency's report
    (``report``: its placeholders and replaced totals) and the Word files to convert to PDF."""

    files: list[tuple[str, Path]] = field(default_factory=list)
    report: Rendered | None = None
    docx: list[Path] = field(default_factory=list)


def clean_score_workbook(path: Path, sheet: ScoreSheet, author: str) -> None:
    """Make a score table written by ``io.excel.export_score_table`` fit the agency's package:
    the 评分过程 cells in the words of the Word report (``agency_sentence`` instead of the
    engine's “按规则计算：…人工评分…理由…”), no reviewer's cell comments (申报…按规则计算…),
    the computed total stated once in the footer, the rules by version and check code, the
    unit as the author."""
    from openpyxl import load_workbook

    wb = load_workbook(path)
    fw = sheet.framework
    metrics = sheet.evaluation.metrics
    footer = (f"评价等级：{sheet.grade}（总分{fmt(sheet.total)}分；{'合格' if sheet.passed else '不合格'}，"
              f"合格线{fmt(fw.pass_line)}分）　{rules_label(fw.id, fw.version, sheet.rules_hash)}")
    pending = [r for r in sheet.rows if r.explanation]
    for ws in wb.worksheets:
        for row in ws.iter_rows():
            for cell in row:
                if cell.comment is not None:
                    cell.comment = None
                if not isinstance(cell.value, str):
                    continue
                if cell.value.startswith("评价等级：") and "校验码" in cell.value:
                    cell.value = footer
                    continue
                for i, r in enumerate(pending):  # rows come in table order; the first match is the row
                    tail = "\n按规则计算：" + r.explanation
                    if cell.value == r.explanation or cell.value.endswith(tail):
                        evidence = cell.value[:-len(tail)] if cell.value.endswith(tail) else ""
                        cell.value = "\n".join(x for x in (evidence, agency_sentence(r, metrics)) if x)
                        del pending[:i + 1]
                        break
    wb.properties.creator = wb.properties.lastModifiedBy = author
    wb.save(path)


def write_package(sheet: ScoreSheet, findings: list[Finding], out_dir: Path | str, stem: str, *,
                  reviewer: bool = False, agency: bool = True, excel: bool = True,
                  template: Path | str | None = None, report_date: str | None = None) -> Package:
    """Write the agency's report (``agency``) and/or the reviewer's copy (``reviewer``) of one
    scored evaluation into ``out_dir``; PDF conversion is left to the caller (one LibreOffice
    run for a batch: ``to_pdf(package.docx, out_dir)``)."""
    from jixiao.io.excel import export_score_table

    out = Path(out_dir)
    package = Package()
    layout = EXCEL_LAYOUT.get(sheet.framework.kind, "000")
    author = sheet.evaluation.evaluator or sheet.evaluation.unit.name
    if agency:
        package.report = render(sheet, findings, out / f"{stem}.docx", template, report_date=report_date)
        package.files.append(("Word报告（报送版）", package.report.path))
        package.docx.append(package.report.path)
        if excel:
            xlsx = export_score_table(sheet, out / f"{stem}.xlsx", layout=layout)
            clean_score_workbook(xlsx, sheet, author)
            package.files.append(("Excel评分表（报送版）", xlsx))
    if reviewer:
        copy = render(sheet, findings, out / f"{stem}{REVIEWER_SUFFIX}.docx", template, reviewer=True,
                      report_date=report_date)
        package.report = package.report or copy
        package.files.append(("Word复核底稿（审核人留存）", copy.path))
        package.docx.append(copy.path)
        if excel:
            xlsx = export_score_table(sheet, out / f"{stem}{REVIEWER_SUFFIX}.xlsx", layout=layout, findings=findings)
            package.files.append(("Excel复核底稿（含核查发现）", xlsx))
    return package
