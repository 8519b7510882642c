"""``jixiao audit``: review published self-evaluations (the work is ``jixiao.io.published_audit``;
this module prints it).

One file (text dump, .docx or .xlsx): import every indicator table as published, recompute
every score from the criteria, and list every inconsistency — declared scores the rules do
not give, headings that do not match their rows, weights that do not add up, criteria whose
points contradict the weight, targets missed yet scored full, wrong years, figures that
contradict each other or the table — each with a confidence (high / medium / low).

A folder: the same for every file in it, and a summary workbook ranking the reports by the
number and weight of their findings.

Register with ``app.command("audit")(audit_cmd)`` (or ``app.add_typer(audit_app)``).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Optional

import typer
from rich.console import Console

from jixiao.cli.common import Table
from jixiao.core.numbers import fmt
from jixiao.io.published_audit import (CONFIDENCE_LABEL, PublishedFile, TableAudit, audit_file, decimal_text,
                                       file_json, published_files, write_summary)

audit_app = typer.Typer(add_completion=False, help="核查公开的绩效自评得分表：导入、按评分标准重算、列出全部不一致。")
console = Console()
err_console = Console(stderr=True)

_CONFIDENCE_STYLE = {"high": "bold", "medium": "", "low": "dim"}


def _print_rows(ta: TableAudit) -> None:
    """The rows as read: what the table printed and what the rules give (rows printed without 分值,
    listed under the heading that carries their points, have no score of their own)."""
    scored = {r.code: r for r in ta.sheet.rows}
    found = {f.code for f in ta.findings}
    table = Table(title="读取的指标行")
    for col, kw in (("编码", {}), ("指标", {"max_width": 40}), ("分值", {"justify": "right"}),
                    ("申报", {"justify": "right"}), ("重算", {"justify": "right"}), ("读法", {"max_width": 40})):
        table.add_column(col, overflow="fold", **kw)
    for r in ta.table.rows:
        row = scored.get(r.code)
        name = f"  {r.name}" if r.parent else r.name
        table.add_row(r.code + (" *" if r.code in found else ""), name, "未印出" if r.weight is None else fmt(r.weight),
                      fmt(r.declared) if r.declared is not None else "—",
                      fmt(row.score) if row is not None and r.weight is not None else "—",
                      r.input_note or r.parsed.note or "")
    console.print(table)
    console.print("（* 该行有核查发现）", style="dim")


def _print_file(published: PublishedFile, audits: list[TableAudit], rows: bool = False) -> None:
    for ta in audits:
        t = ta.table
        console.print(f"[bold]{published.unit} {published.year}年 · 表{t.index}：{t.title}[/]")
        console.print(f"读取指标行 {t.rows_read}，其中可执行规则 {t.rows_with_rule}；"
                      f"申报总分 {fmt(t.declared_total)}，按规则重算 {fmt(ta.sheet.total)}"
                      f"（分值合计 {fmt(ta.sheet.weight_total)}）")
        if rows:
            _print_rows(ta)
        if not ta.findings:
            console.print("[green]未发现不一致。[/]")
        else:
            table = Table(title=f"核查发现（{len(ta.findings)}处）")
            for col, kw in (("编码", {}), ("类别", {"max_width": 22}), ("可信度", {}), ("说明", {"max_width": 80}),
                            ("位置", {"max_width": 28})):
                table.add_column(col, overflow="fold", **kw)
            for f in ta.findings:
                color = {"error": "red", "warning": "yellow"}.get(f.severity, "")
                table.add_row(f.code, f"[{color}]{f.title}[/]" if color else f.title,
                              CONFIDENCE_LABEL[f.confidence], f.message,
                              Path(f.location).name if f.location else "",
                              style=_CONFIDENCE_STYLE[f.confidence] or None)
            console.print(table)
        if ta.unverified:
            console.print(f"未复核（评分过程未给出规则所需的实际值，按申报得分计）：{'、'.join(ta.unverified)}", style="dim")
    for e in published.errors:
        hint = "（可用 --year 指定）" if e.field == "year" else ""
        console.print(f"说明：{e}{hint}", style="dim", markup=False, highlight=False)


@audit_app.command("audit")
def audit_cmd(path: Path = typer.Argument(..., help="公开的自评报告（.txt/.docx/.xlsx）或其所在文件夹"),
              as_json: bool = typer.Option(False, "--json", help="输出JSON（数值为精确小数的字符串）"),
              year: Optional[int] = typer.Option(None, "--year", help="评价年度（默认从文中识别）"),
              out: Optional[Path] = typer.Option(None, "--out", help="文件夹汇总工作簿（默认 audit-summary.xlsx）"),
              rows: bool = typer.Option(False, "--rows", help="列出读取的每一指标行（分值、申报、重算、读法）")) -> None:
    """核查公开的得分表：导入、按评分标准重算、列出每一处不一致及其可信度。"""
    if path.is_dir():
        target = out or Path("audit-summary.xlsx")
        results = [audit_file(p, year) for p in published_files(path, target)]
        ranked = write_summary(results, target)
        if as_json:
            typer.echo(json.dumps({"summary": str(target), "reports": [
                {"file": s.file, "unit": s.unit, "year": s.year, "tables": s.tables, "rows_read": s.rows_read,
                 "rows_with_rule": s.rows_with_rule, "findings": s.findings, "high_confidence": s.high,
                 "weight": decimal_text(s.weight), "points_at_stake": decimal_text(s.points)} for s in ranked]},
                ensure_ascii=False, indent=2))
            return
        table = Table(title=f"自评报告核查汇总（{len(ranked)}份，已写入 {target}）")
        for col in ("排名", "文件", "单位", "表数", "指标行/可执行", "申报", "重算", "发现", "高可信", "加权"):
            table.add_column(col)
        for i, s in enumerate(ranked, 1):
            table.add_row(str(i), s.file, s.unit, str(s.tables), f"{s.rows_read}/{s.rows_with_rule}", s.declared,
                          s.computed, str(s.findings), str(s.high), fmt(s.weight, 2))
        console.print(table)
        return
    published, audits = audit_file(path, year)
    if not audits and as_json:
        typer.echo(json.dumps({**file_json(published, audits), "tables": []}, ensure_ascii=False, indent=2))
        raise typer.Exit(code=2)
    if not audits:
        err_console.print(f"[bold red]无法核查 {path}：[/]")
        for e in published.errors:
            err_console.print(f"  {e}", markup=False, highlight=False)
        raise typer.Exit(code=2)
    if as_json:
        typer.echo(json.dumps(file_json(published, audits), ensure_ascii=False, indent=2))
    else:
        _print_file(published, audits, rows)
