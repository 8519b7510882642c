"""``jixiao cycle``: the performance cycle on files (formats in ``docs/cycle.md``).

Registered in ``jixiao.cli`` as ``app.add_typer(cycle_app, name="cycle")``:

    jixiao cycle allocate docs/examples/cycle/allocation-2024.yaml --out 分配表.xlsx
    jixiao cycle monitor docs/examples/cycle/monitoring-2024-Q2.yaml --out 监控报告.docx
    jixiao cycle problems docs/examples/cycle/problems-2023.yaml
    jixiao cycle targets docs/examples/cycle/targets-2024.yaml
    jixiao cycle evaluation docs/examples/cycle/targets-2024.yaml --problems docs/examples/cycle/problems-2023.yaml --out 自评.yaml

Exit codes: 0 done; 2 invalid input (every located error printed; a yellow or red row without a
reason is invalid); 1 the allocation did not add up (cannot happen unless the code is wrong).
"""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path
from typing import Optional

import typer
import yaml
from rich.console import Console

from jixiao.core.cycle import (GREEN, METHOD, PENDING, RED, YELLOW, ReasonsMissing, allocate, assess, goals_text,
                               next_year_sections, percent, problems_of_year)
from jixiao.core.numbers import fmt, quantize
from jixiao.io.cycle_yaml import load_allocation, load_monitoring, load_problems, load_targets
from jixiao.cli.common import Table
from jixiao.cli.common import err_console
from jixiao.cli.common import fail as _fail

cycle_app = typer.Typer(add_completion=False, no_args_is_help=True,
                        help="全过程绩效管理：绩效目标、运行监控、问题整改、因素法分配。")
console = Console()
LIGHT_STYLE = {GREEN: "green", YELLOW: "yellow", RED: "bold red", PENDING: "dim"}



def _out_suffix(out: Path, allowed: tuple[str, ...]) -> None:
    if out.suffix.lower() not in allowed:
        _fail([f"{out}: 输出文件须为{'或'.join(allowed)}"])


@cycle_app.command("allocate", short_help="因素法分配：各因素数值、占比、权重、分配金额")
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
        table.add_column(f"{f.name}\n权重{fmt(f.weight)}%{'（反向）' if f.direction == '反向' else ''}", justify="right")
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


@cycle_app.command("monitor", short_help="运行监控：各指标与预算执行的绿灯/黄灯/红灯")
def monitor_cmd(file: Path = typer.Argument(..., help="监控表（YAML）"),
                out: Optional[Path] = typer.Option(None, "--out", help="导出监控报告（.xlsx 或 .docx）"),
                track: Optional[Path] = typer.Option(None, "--track",
                                                     help="问题清单（YAML）：红灯登记为整改问题（已登记的只更新说明，不重复）"),
                year: Optional[int] = typer.Option(None, "--year", help="问题的发现年度（默认取监控期间的年度）")) -> None:
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
    if track is not None:
        added, updated = track_red_lights(result, track, year or int(report.period[:4]))
        console.print(f"红灯已登记到{track}：新增{added}项，更新{updated}项。")
    if out is not None:
        _out_suffix(out, (".xlsx", ".docx"))
        if out.suffix.lower() == ".xlsx":
            from jixiao.io.cycle_excel import export_monitoring

            export_monitoring(result, out)
        else:
            from jixiao.reports.monitoring_docx import write_monitoring_docx

            write_monitoring_docx(result, out)
        console.print(f"已导出：{out}")


def _today(today: str | None) -> date:
    try:
        return date.fromisoformat(today) if today else date.today()
    except ValueError:
        _fail([f"--today: 日期“{today}”无效，应为 YYYY-MM-DD"])


def _problems_of(file: Path, year: int | None) -> list:
    problems, errors = load_problems(file)
    if problems is None:
        _fail(errors)
    return problems if year is None else problems_of_year(problems, year)


def track_red_lights(result, track: Path, year: int) -> tuple[int, int]:
    """Add every red light of an assessment to a problem file as a tracked problem (source
    monitoring); a problem of the same title, year and source is updated, never doubled. The
    file is validated before and after; nothing is written when it is invalid."""
    from jixiao.core.cycle import Problem, problem_from_light

    items: list = []
    if track.exists():
        problems, errors = load_problems(track)
        if problems is None:
            _fail(errors)
        items = [p.model_dump(mode="json", exclude_defaults=True) for p in problems]
    added = updated = 0
    for row in result.all_rows:
        if row.light != RED:
            continue
        new = problem_from_light(row, result.report.period, year)
        same = next((i for i in items if i.get("title") == new.title and i.get("year") == year
                     and i.get("source") == "monitoring"), None)
        if same is None:
            items.append(new.model_dump(mode="json", exclude_defaults=True))
            added += 1
        else:
            same["description"] = new.description
            if new.measures and not same.get("measures"):
                same["measures"] = new.measures
            updated += 1
    for item in items:
        Problem.model_validate(item)
    track.write_text(_dump({"problems": items}), encoding="utf-8")
    return added, updated


@cycle_app.command("problems")
def problems_cmd(file: Path = typer.Argument(..., help="问题清单（YAML）"),
                 today: Optional[str] = typer.Option(None, help="判断逾期的日期（YYYY-MM-DD，默认今天）"),
                 year: Optional[int] = typer.Option(None, "--year", help="只用该年度发现的问题（即下一年度报告列出的问题）"),
                 out: Optional[Path] = typer.Option(None, "--out", help="另存为评价文件可用的 narrative 段落（.yaml）")) -> None:
    """问题整改：生成下一年度报告的“存在问题”和“改进措施”文字。"""
    problems = _problems_of(file, year)
    sections = next_year_sections(problems, _today(today))
    console.print("[bold]存在问题[/]")
    console.print(sections["problems"], markup=False, highlight=False)
    console.print("[bold]改进措施[/]")
    console.print(sections["measures"], markup=False, highlight=False)
    if out is not None:
        _out_suffix(out, (".yaml", ".yml"))
        out.write_text(_dump({"narrative": sections}), encoding="utf-8")
        console.print(f"已写入：{out}（可并入评价文件的 narrative）")


@cycle_app.command("evaluation", short_help="由绩效目标表生成年终自评文件（目标只填一次）")
def evaluation_cmd(file: Path = typer.Argument(..., help="绩效目标表（YAML）"),
                   out: Path = typer.Option(..., "--out", help="写出的年终自评文件（.yaml），用 jixiao score 计分"),
                   framework_ref: Optional[str] = typer.Option(None, "--framework",
                                                               help="指标体系：builtin:ID 或文件路径（默认目标表的 framework）"),
                   problems_file: Optional[Path] = typer.Option(None, "--problems",
                                                                help="问题清单（YAML）：用上一年度的问题填写“存在问题”“改进措施”"),
                   today: Optional[str] = typer.Option(None, help="判断逾期的日期（YYYY-MM-DD，默认今天）"),
                   force: bool = typer.Option(False, "--force", help="覆盖已存在的输出文件")) -> None:
    """由绩效目标表生成年终自评文件：目标值写入指标体系（新版本），“绩效目标”一节取自目标表，目标只填一次。"""
    from jixiao.core.cycle import apply_targets
    from jixiao.io.yamlio import load_framework

    table, errors = load_targets(file)
    if table is None:
        _fail(errors)
    ref = framework_ref or (f"builtin:{table.framework}" if table.framework else None)
    if ref is None:
        _fail([f"{file}: 目标表没有 framework，请用 --framework 指定指标体系"])
    framework, fw_errors = load_framework(ref, base=file.parent)
    if framework is None:
        _fail(fw_errors)
    try:
        start = apply_targets(table, framework)
    except ValueError as exc:
        _fail([f"{file}: {exc}"])
    narrative = {"goals": start.goals_text}
    if problems_file is not None:
        previous = _problems_of(problems_file, table.year - 1)
        if previous:
            narrative.update(next_year_sections(previous, _today(today)))
    _out_suffix(out, (".yaml", ".yml"))
    if out.exists() and not force:
        _fail([f"{out}: 文件已存在（用 --force 覆盖）"])
    out.write_text(evaluation_yaml(table, start, narrative), encoding="utf-8")
    console.print(f"已写出年终自评文件：{out}（{len(list(start.framework.indicators()))}项指标待填报，"
                  f"目标值取自{file.name}）。填报后用 jixiao score {out} 计分。")


class _BlockDumper(yaml.SafeDumper):
    """Multi-line text (the narrative) as literal blocks, one paragraph per line."""


_BlockDumper.add_representer(str, lambda dumper, text: dumper.represent_scalar(
    "tag:yaml.org,2002:str", text, style="|" if "\n" in text else None))


def _dump(data) -> str:
    return yaml.dump(data, Dumper=_BlockDumper, allow_unicode=True, sort_keys=False)


def evaluation_yaml(table, start, narrative: dict) -> str:
    """The evaluation file: unit, year, the framework with the table's targets (inline, as the
    site stores it), the narrative, and one empty entry per indicator with its name and target
    in a comment."""
    from jixiao.io.yamlio import framework_data

    head = {"title": f"{table.unit}{table.year}年度{table.fund}绩效自评", "unit": {"name": table.unit},
            "year": table.year, "narrative": narrative,
            "framework": framework_data(start.framework)}
    lines = [f"# 由绩效目标表生成（jixiao cycle evaluation）：{table.unit} {table.year}年。",
             "# 在 indicators 下逐项填写实际完成情况（格式见 docs/format.md），然后运行 jixiao score 本文件。",
             _dump(head).rstrip(), "indicators:"]
    for indicator in start.framework.indicators():
        for ind in (indicator, *indicator.subrows):
            note = f"{ind.name}，目标 {ind.target.text or '—'}".replace("\n", " ")
            lines.append(f"  {json.dumps(ind.code, ensure_ascii=False)}: {{}}  # {note}")
    return "\n".join(lines) + "\n"


@cycle_app.command("targets", short_help="绩效目标表：检查并显示总体目标与各项指标目标")
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
