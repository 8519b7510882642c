"""``jixiao cycle``: the performance cycle on files (formats in ``docs/cycle.md``).

Registered in ``jixiao.cli`` as ``app.add_typer(cycle_app, name="cycle")``:

    jixiao cycle allocate docs/examples/cycle/allocation-2024.yaml --out 分配表.xlsx
    jixiao cycle monitor docs/examples/cycle/monitoring-2024-Q2.yaml --out 监控报告.docx
    jixiao cycle problems docs/examples/cycle/problems-2023.yaml
    jixiao cycle targets docs/examples/cycle/targets-2024.yaml

Exit codes: 0 done; 2 invalid input (every located error printed; a yellow or red row without a
reason is invalid); 1 the allocation did not add up (cannot happen unless the code is wrong).
"""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Optional

import typer
from rich.console import Console
from rich.table import Table

from jixiao.core.cycle import (GREEN, METHOD, RED, YELLOW, ReasonsMissing, allocate, assess, goals_text,
                               next_year_sections, percent)
from jixiao.core.numbers import fmt, quantize
from jixiao.io.cycle_yaml import load_allocation, load_monitoring, load_problems, load_targets
from jixiao.cli_common import err_console
from jixiao.cli_common import fail as _fail

cycle_app = typer.Typer(add_completion=False, no_args_is_help=True,
                        help="全过程绩效管理：绩效目标、运行监控、问题整改、因素法分配。")
console = Console()
LIGHT_STYLE = {GREEN: "green", YELLOW: "yellow", RED: "bold red"}



def _out_suffix(out: Path, allowed: tuple[str, ...]) -> None:
    if out.suffix.lower() not in allowed:
        _fail([f"{out}: 输出文件须为{'或'.join(allowed)}"])


@cycle_app.command("allocate")
def allocate_cmd(file: Path = typer.Argument(..., help="分配方案（YAML）"),
                 out: Optional[Path] = typer.Option(None, "--out", help="导出分配表（.xlsx）")) -> None:
    """因素法分配：各因素数值、占比、权重、分配金额（精确到分，合计核对）。"""
    plan, errors = load_allocation(file)
    if plan is None:
        _fail(errors)
    result = allocate(plan)
    table = Table(title=plan.title or f"{plan.fund}因素法分配", show_lines=False)
    table.add_column("单位")
    for f in plan.factors:
        table.add_column(f"{f.name}\n权重{fmt(f.weight)}%", justify="right")
    table.add_column("综合占比", justify="right")
    table.add_column("分配金额（元）", justify="right")
    for line in result.lines:
        cells = [f"{fmt(v)}（{fmt(line.factor_percent(i, 2))}%）" for i, v in enumerate(line.values)]
        table.add_row(line.name, *cells, f"{fmt(line.share_percent(4))}%", f"{quantize(line.amount, 2):,f}")
    table.add_row("合计", *(fmt(t) for t in result.totals), "100%", f"{quantize(result.total, 2):,f}", style="bold")
    console.print(table)
    console.print(METHOD, style="dim")
    target = quantize(plan.amount_yuan, 2)
    if not result.balanced:
        err_console.print(f"[bold red]分配合计{result.total}元不等于待分配金额{target}元[/]")
        raise typer.Exit(code=1)
    console.print(f"[green]核对：分配合计 {quantize(result.total, 2):,f} 元 = 待分配金额 {target:,f} 元（{fmt(plan.amount)}{plan.unit}）[/]")
    if out is not None:
        _out_suffix(out, (".xlsx",))
        from jixiao.io.cycle_excel import export_allocation

        export_allocation(result, out)
        console.print(f"已导出：{out}")


@cycle_app.command("monitor")
def monitor_cmd(file: Path = typer.Argument(..., help="监控表（YAML）"),
                out: Optional[Path] = typer.Option(None, "--out", help="导出监控报告（.xlsx 或 .docx）")) -> None:
    """运行监控：各指标与预算执行的绿灯/黄灯/红灯；黄灯、红灯须写明原因。"""
    report, errors = load_monitoring(file)
    if report is None:
        _fail(errors)
    try:
        result = assess(report)
    except ReasonsMissing as exc:
        _fail([f"{file}: {exc}"])
    table = Table(title=f"{report.unit}{report.fund} {report.period} 绩效监控（序时进度{percent(result.time_progress)}）")
    for label in ("编码", "指标", "年度目标", "累计完成", "完成进度", "应完成", "结果", "偏差原因"):
        table.add_column(label, justify="right" if label in ("完成进度", "应完成") else "left")
    for row in result.all_rows:
        table.add_row(row.code, row.name, row.target, row.actual, percent(row.completion), percent(row.expected),
                      f"[{LIGHT_STYLE[row.light]}]{row.light_label}[/]", row.reason)
    console.print(table)
    console.print(f"{result.thresholds.describe()}。绿灯{result.count(GREEN)}项，黄灯{result.count(YELLOW)}项，"
                  f"红灯{result.count(RED)}项。")
    if out is not None:
        _out_suffix(out, (".xlsx", ".docx"))
        if out.suffix.lower() == ".xlsx":
            from jixiao.io.cycle_excel import export_monitoring

            export_monitoring(result, out)
        else:
            from jixiao.reports.monitoring_docx import write_monitoring_docx

            write_monitoring_docx(result, out)
        console.print(f"已导出：{out}")


@cycle_app.command("problems")
def problems_cmd(file: Path = typer.Argument(..., help="问题清单（YAML）"),
                 today: Optional[str] = typer.Option(None, help="判断逾期的日期（YYYY-MM-DD，默认今天）")) -> None:
    """问题整改：生成下一年度报告的“存在问题”和“改进措施”文字。"""
    problems, errors = load_problems(file)
    if problems is None:
        _fail(errors)
    try:
        day = date.fromisoformat(today) if today else date.today()
    except ValueError:
        _fail([f"--today: 日期“{today}”无效，应为 YYYY-MM-DD"])
    sections = next_year_sections(problems, day)
    console.print("[bold]存在问题[/]")
    console.print(sections["problems"], markup=False, highlight=False)
    console.print("[bold]改进措施[/]")
    console.print(sections["measures"], markup=False, highlight=False)


@cycle_app.command("targets")
def targets_cmd(file: Path = typer.Argument(..., help="绩效目标表（YAML）")) -> None:
    """绩效目标表：检查并显示总体目标与各项指标目标（即年终自评的“绩效目标”一节）。"""
    table, errors = load_targets(file)
    if table is None:
        _fail(errors)
    if table.framework:
        from jixiao.core.cycle import check_table
        from jixiao.io.yamlio import load_framework

        framework, fw_errors = load_framework(f"builtin:{table.framework}")
        if framework is not None:
            problems = check_table(table, framework)
            if problems:
                _fail([f"{file}: {p}" for p in problems])
    console.print(goals_text(table), markup=False, highlight=False)
