"""Document commands: ``jixiao report`` and ``jixiao template check|fields|copy``.

``report_app`` holds the single command ``report`` (register it with ``app.add_typer(report_app)``
so it becomes ``jixiao report FILE --out DIR``); ``template_app`` is the ``template`` group
(``app.add_typer(template_app, name="template")``).

Exit codes: 0 done; 2 invalid input (the evaluation file, or a template with errors), each
message naming file and line or the place in the template; 1 a document could not be produced
(LibreOffice missing, a file not writable…).
"""

from __future__ import annotations

import importlib
import shutil
from pathlib import Path
from typing import Optional

import typer
from rich.console import Console
from rich.progress import BarColumn, Progress, SpinnerColumn, TextColumn, TimeElapsedColumn

from jixiao.core.audit import audit
from jixiao.core.numbers import fmt
from jixiao.core.scoring import score
from jixiao.io.yamlio import load_evaluation
from jixiao.reports import (PdfError, ReportError, TemplateInvalid, builtin_template, check_template,
                            context_fields, to_pdf)
from jixiao.reports.package import write_package
from jixiao.reports.check import TemplateProblem
from jixiao.cli.common import Table
from jixiao.cli.common import err_console, fail

report_app = typer.Typer(add_completion=False, help="生成Word、Excel、PDF自评报告。")
template_app = typer.Typer(add_completion=False, no_args_is_help=True, help="Word报告模板：检查、字段、内置模板。")
console = Console()

TEMPLATE_KINDS = {"department": "部门整体", "project": "项目支出"}


def _print_problems(problems: list[TemplateProblem], stream: Console) -> None:
    for p in problems:
        colour = "red" if p.severity == "error" else "yellow"
        label = "错误" if p.severity == "error" else "警告"
        stream.print(f"  [{colour}]{label}[/] ", end="")
        stream.print(str(p), markup=False, highlight=False)


def _excel_module():
    """``jixiao.io.excel`` if it is installed, else None."""
    try:
        return importlib.import_module("jixiao.io.excel")
    except ModuleNotFoundError as exc:
        if exc.name in ("jixiao.io.excel", "jixiao.io"):
            return None
        raise


@report_app.command("report", short_help="生成报送版自评报告（Word、Excel，可选PDF与复核底稿）")
def report(file: Path = typer.Argument(..., help="评价文件（YAML）"),
           out: Path = typer.Option(..., "--out", "-o", help="输出目录（不存在则创建）"),
           pdf: bool = typer.Option(False, "--pdf", help="同时生成PDF（需要 LibreOffice）"),
           reviewer: bool = typer.Option(False, "--reviewer",
                                         help="同时生成复核底稿（审核人留存：附核查发现与评分复核说明，不对外报送）"),
           date: Optional[str] = typer.Option(None, "--date",
                                              help="报告日期，按报告写法（如 2024年5月）；默认取评价文件中的日期，没有则为生成当天"),
           template: Optional[Path] = typer.Option(None, "--template", "-t",
                                                   help="自定义Word模板（.docx）；默认按指标体系类型选内置模板")) -> None:
    """生成报送版自评报告：<文件名>.docx、<文件名>.xlsx（指标体系评分表），可选PDF；
    --reviewer 另生成 <文件名>-复核底稿.docx/.xlsx（含核查发现，审核人留存）。"""
    evaluation, errors = load_evaluation(file)
    if errors or evaluation is None:
        fail(errors)
    if template is not None:
        if not template.is_file():
            err_console.print(f"[bold red]模板不存在：[/]{template}", highlight=False)
            raise typer.Exit(code=2)
        problems = check_template(template)
        if any(p.severity == "error" for p in problems):
            err_console.print(f"[bold red]模板 {template} 有错误：[/]", highlight=False)
            _print_problems(problems, err_console)
            raise typer.Exit(code=2)
        if problems:
            console.print(f"[yellow]模板 {template} 有{len(problems)}处提醒：[/]", highlight=False)
            _print_problems(problems, console)

    excel = _excel_module()
    notes: list[str] = []
    columns = (SpinnerColumn(), TextColumn("{task.description}"), BarColumn(),
               TextColumn("{task.completed}/{task.total}"), TimeElapsedColumn())
    with Progress(*columns, console=console, transient=True) as progress:
        task = progress.add_task("计分与核查", total=2 + int(pdf))
        sheet = score(evaluation)
        findings = audit(sheet)
        progress.update(task, advance=1, description="生成Word报告与Excel评分表")
        try:
            package = write_package(sheet, findings, out, file.stem, reviewer=reviewer, excel=excel is not None,
                                    template=template, report_date=date)
        except TemplateInvalid as exc:
            progress.stop()
            err_console.print(f"[bold red]模板 {exc.path} 有错误：[/]", highlight=False)
            _print_problems(exc.problems, err_console)
            raise typer.Exit(code=2) from None
        except ReportError as exc:
            progress.stop()
            err_console.print(f"[bold red]无法生成Word报告：[/]{exc}", highlight=False)
            raise typer.Exit(code=1) from None
        except OSError as exc:
            progress.stop()
            err_console.print(f"[bold red]无法写入：[/]{exc}", highlight=False)
            raise typer.Exit(code=1) from None
        if excel is None:
            notes.append("未安装 jixiao.io.excel，跳过Excel评分表。")
        progress.advance(task)
        written = list(package.files)
        if pdf:
            progress.update(task, description="转换PDF（LibreOffice）")
            try:
                pdfs = to_pdf(package.docx, out)
            except PdfError as exc:
                progress.stop()
                err_console.print(f"[bold red]无法生成PDF：[/]{exc}", highlight=False)
                raise typer.Exit(code=1) from None
            written += [("PDF报告（报送版）" if i == 0 else "PDF复核底稿（审核人留存）", p) for i, p in enumerate(pdfs)]
            progress.advance(task)
    for note in notes:
        console.print(f"[yellow]{note}[/]")
    table = Table(title=f"{evaluation.unit.name} {evaluation.year}年 总分{fmt(sheet.total)}分，等级{sheet.grade}")
    table.add_column("文件")
    table.add_column("路径")
    for label, path in written:
        table.add_row(label, str(path))
    console.print(table)
    rendered = package.report
    for fix in rendered.total_fixes:
        console.print(f"“{fix['section']}”中写的“{fix['written']}”与计算总分不同，报告中已写作“{fix['replaced']}”"
                      f"（申报总分与计算的差异见复核底稿）。", style="yellow", highlight=False)
    console.print(f"报告日期：{_report_date(evaluation, date)}", highlight=False)
    console.print(rendered.remaining_text(), style="yellow" if rendered.placeholders else "green", highlight=False)
    if not reviewer:
        console.print("审核人留存的复核底稿（含核查发现）：加 --reviewer 生成。", style="dim", highlight=False)


def _report_date(evaluation, date: Optional[str]) -> str:
    from datetime import date as day

    from jixiao.reports.context import report_date_text

    return date or evaluation.report_date or report_date_text(day.today())


@template_app.command("check", short_help="检查模板：被Word拆开的标签、语法错误、未知字段")
def check(template: Path = typer.Argument(..., help="Word模板（.docx）")) -> None:
    """检查模板：被Word拆开的标签、语法错误、报告数据中没有的字段。有错误时返回码为1。"""
    if not template.is_file():
        err_console.print(f"[bold red]模板不存在：[/]{template}", highlight=False)
        raise typer.Exit(code=2)
    problems = check_template(template)
    if not problems:
        console.print(f"[green]{template}：未发现问题。[/]", highlight=False)
        return
    errors = sum(p.severity == "error" for p in problems)
    console.print(f"{template}：{errors}处错误，{len(problems) - errors}处提醒", highlight=False)
    _print_problems(problems, console)
    if any(p.kind == "unreadable" for p in problems):
        raise typer.Exit(code=2)
    if errors:
        raise typer.Exit(code=1)


@template_app.command("fields")
def fields() -> None:
    """列出模板可用的全部字段（列表项写作 名称[]）。"""
    for name in context_fields():
        typer.echo(name)


@template_app.command("copy")
def copy(kind: str = typer.Argument(..., help="department（部门整体）或 project（项目支出）"),
         dest: Path = typer.Argument(..., help="复制到的 .docx 文件")) -> None:
    """复制一份内置模板，作为自定义模板的起点。"""
    if kind not in TEMPLATE_KINDS:
        err_console.print(f"[bold red]未知的模板：[/]{kind}（可选：{'、'.join(TEMPLATE_KINDS)}）", highlight=False)
        raise typer.Exit(code=2)
    dest.parent.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(builtin_template(TEMPLATE_KINDS[kind]), dest)
    console.print(f"已复制到 {dest}", highlight=False)
