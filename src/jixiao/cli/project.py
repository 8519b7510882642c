"""``jixiao project``: the 项目支出绩效自评表 — new, score, export, import.

Registered in ``jixiao.cli`` as ``app.add_typer(project_app, name="project")``:

    jixiao project new --variant yunnan --out 自评表.yaml      (or .xlsx/.docx: an empty form to fill)
    jixiao project score 自评表.yaml                          (or a filled .xlsx)
    jixiao project export 自评表.yaml --out 输出/ [--variant hubei]
    jixiao project import 填好的自评表.xlsx|.docx --out 自评表.yaml
    jixiao project rollup 表1.yaml 表2.xlsx 表3.docx [--json]   (a department's forms summed up)

Input errors print every located problem and exit with code 2, writing nothing.
"""

from __future__ import annotations

import json
from enum import Enum
from pathlib import Path
from typing import Optional

import typer
from rich.console import Console

from jixiao.core.numbers import fmt
from jixiao.core.project_form import (VARIANTS, FormReview, ProjectForm, blank_form, convert, finding_title, review,
                                      rollup)
from jixiao.io.project_form_yaml import form_to_yaml, load_form
from jixiao.io.yamlio import LoadError
from jixiao.cli.common import Table
from jixiao.cli.common import err_console
from jixiao.cli.common import fail as _fail

project_app = typer.Typer(add_completion=False, no_args_is_help=True,
                          help="项目支出绩效自评表：新建、评分、导出（Excel/Word）、导入。")
console = Console()


BLANK_HEADER = """\
# 项目支出绩效自评表（{variant}）— 待填写。字段说明见 docs/project-form.md。
# money: 项目资金，total 年度资金总额 / fiscal 其中：当年财政拨款 / carryover 上年结转资金 / other 其他资金，
#        各填 initial 年初预算数、annual 全年预算数、spent 全年执行数。
# indicators: 每个三级指标一行：name 三级指标、target 年度指标值（如 ≥95%、≤30天、明确）、actual 实际完成值、
#        weight 分值（湖北格式不填，分值写在 group_points）、score 得分（定性指标由评价人填写）、
#        reason 偏差原因分析及改进措施（失分时必填）。示例行“（三级指标）”请替换或删除。
"""


class VariantName(str, Enum):
    national = "national"
    yunnan = "yunnan"
    hubei = "hubei"



def read_form_file(path: Path, variant: str | None = None):
    """(form, errors) of a .yaml/.yml, a filled .xlsx or a filled .docx form."""
    suffix = path.suffix.lower()
    if suffix in (".xlsx", ".xlsm"):
        from jixiao.io.project_form_excel import import_form_xlsx  # (openpyxl, python-docx: when used)

        return import_form_xlsx(path, variant)
    if suffix == ".docx":
        from jixiao.io.project_form_docx_import import import_form_docx

        return import_form_docx(path, variant)
    return load_form(path)


def _read(path: Path, variant: VariantName | None = None) -> ProjectForm:
    """A form from .yaml/.yml or a filled .xlsx/.docx; exits with the located errors otherwise."""
    form, errors = read_form_file(path, variant.value if variant else None)
    if errors or form is None:
        _fail(errors)
    return form


def _write(path: Path, text: str | None = None, writer=None) -> None:
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        if writer is not None:
            writer(path)
        else:
            path.write_text(text, encoding="utf-8")
    except OSError as exc:
        err_console.print(f"[bold red]无法写入 {path}：{exc.strerror or exc}[/]")
        raise typer.Exit(code=2)


@project_app.command("new")
def new_cmd(out: Path = typer.Option(..., "--out", "-o", help="输出文件：.yaml、.xlsx 或 .docx"),
            variant: VariantName = typer.Option(VariantName.national, "--variant", help="格式：national / yunnan / hubei"),
            year: int = typer.Option(..., "--year", help="评价年度"),
            project: str = typer.Option("（项目名称）", "--project", help="项目名称")) -> None:
    """生成一份空白的项目支出绩效自评表（每个二级指标一行，待填写）。"""
    form = blank_form(variant.value, year, project)
    if out.suffix.lower() == ".xlsx":
        blank = review(form)
        from jixiao.io.project_form_excel import export_form_xlsx

        _write(out, writer=lambda p: export_form_xlsx(blank, p, blank=True))
    elif out.suffix.lower() == ".docx":
        from jixiao.reports.project_form_docx import export_form_docx

        blank = review(form)
        _write(out, writer=lambda p: export_form_docx(blank, p, blank=True))
    else:
        _write(out, BLANK_HEADER.format(variant=VARIANTS[variant.value]) + form_to_yaml(form))
    console.print(f"已生成空白自评表（{VARIANTS[variant.value]}）：{out}")


def _print_review(r: FormReview) -> None:
    layout = r.layout
    table = Table(title=f"{r.form.title}（{VARIANTS[r.form.variant]}）")
    for col in ("编码", "一级指标", "二级指标", "三级指标", layout.target_label, layout.actual_label, "分值", "得分", "申报"):
        table.add_column(col)
    e = r.execution
    table.add_row(e.code, "预算执行", "", "预算执行率", "", e.input.evidence, fmt(e.weight), fmt(e.score), fmt(e.declared))
    for i, row in enumerate(r.form.indicators):
        s = r.row_score(i)
        table.add_row(s.code, row.level1, row.level2, row.name, row.target, row.actual or "—", fmt(s.weight),
                      fmt(s.score), fmt(s.declared))
    console.print(table)
    console.print(f"总分 {fmt(r.sheet.total)}（满分{fmt(r.sheet.weight_total)}），等级 {r.sheet.grade}")
    if r.findings:
        console.print(f"[bold]审核发现（{len(r.findings)}条）：[/]")
        for f in r.findings:
            console.print(f"  [{f.severity}] {f.code} {finding_title(f)}：{f.message}", markup=False, highlight=False)


@project_app.command("score", short_help="按通用规则（正向/反向/定性）计分，并列出审核发现")
def score_cmd(form_path: Path = typer.Argument(..., metavar="FORM", help="自评表：.yaml 或填好的 .xlsx/.docx"),
              as_json: bool = typer.Option(False, "--json", help="以JSON输出")) -> None:
    """按通用规则（正向/反向/定性）计分，执行率由项目资金表计算，并列出审核发现。"""
    r = review(_read(form_path))
    if as_json:
        data = {
            "project": r.form.project, "variant": r.form.variant, "total": fmt(r.sheet.total),
            "grade": r.sheet.grade, "weight_total": fmt(r.sheet.weight_total),
            "rows": [{"code": s.code, "name": s.name, "weight": fmt(s.weight), "score": fmt(s.score),
                      "declared": None if s.declared is None else fmt(s.declared), "explanation": s.explanation}
                     for s in r.sheet.rows],
            "findings": [{"code": f.code, "kind": f.kind, "title": finding_title(f), "severity": f.severity,
                          "message": f.message} for f in r.findings],
        }
        typer.echo(json.dumps(data, ensure_ascii=False, indent=2))
        return
    _print_review(r)


@project_app.command("export")
def export_cmd(form_path: Path = typer.Argument(..., metavar="FORM", help="自评表：.yaml 或填好的 .xlsx/.docx"),
               out: Path = typer.Option(..., "--out", "-o", help="输出目录"),
               variant: Optional[VariantName] = typer.Option(None, "--variant", help="换成另一种格式导出"),
               name: Optional[str] = typer.Option(None, "--name", help="输出文件名（不含扩展名），默认取项目名称")) -> None:
    """导出自评表：Excel（.xlsx）与 Word（.docx），按各格式的版式。"""
    from jixiao.reports.project_form_docx import export_form_docx

    form = _read(form_path)
    if variant is not None:
        form = convert(form, variant.value)
    r = review(form)
    stem = name or f"{form.year}-{form.project}-项目支出绩效自评表"
    stem = "".join("_" if ch in '\\/:*?"<>|' else ch for ch in stem)
    xlsx, docx = out / f"{stem}.xlsx", out / f"{stem}.docx"
    from jixiao.io.project_form_excel import export_form_xlsx

    _write(xlsx, writer=lambda p: export_form_xlsx(r, p))
    _write(docx, writer=lambda p: export_form_docx(r, p))
    console.print(f"已导出：{xlsx}\n        {docx}")
    console.print(f"总分 {fmt(r.sheet.total)}，等级 {r.sheet.grade}；审核发现 {len(r.findings)} 条")


@project_app.command("import", short_help="导入填好的自评表（Excel 或 Word），转为 YAML")
def import_cmd(file: Path = typer.Argument(..., metavar="FILE.xlsx|FILE.docx", help="填好的自评表（.xlsx 或 .docx）"),
               out: Optional[Path] = typer.Option(None, "--out", "-o", help="写出的 YAML 文件；省略则输出到屏幕"),
               variant: Optional[VariantName] = typer.Option(None, "--variant", help="格式；省略则按表头识别")) -> None:
    """导入填好的自评表（Excel 或 Word），转为 YAML；有错误时逐条列出位置（单元格，或表格的行、列），不写任何文件。"""
    if file.suffix.lower() not in (".xlsx", ".xlsm", ".docx"):
        _fail([LoadError(str(file), None, "", "只能导入 .xlsx 或 .docx 文件")])
    form, errors = read_form_file(file, variant.value if variant else None)
    if errors or form is None:
        _fail(errors)
    text = form_to_yaml(form)
    if out is None:
        typer.echo(text, nl=False)
        return
    _write(out, text)
    r = review(form)
    console.print(f"已导入 {file} → {out}（{VARIANTS[form.variant]}，{len(form.indicators)}项指标，"
                  f"总分{fmt(r.sheet.total)}，审核发现{len(r.findings)}条）")


@project_app.command("rollup", short_help="汇总一个部门的多份项目支出绩效自评表")
def rollup_cmd(files: list[Path] = typer.Argument(..., metavar="FORM...", help="一个部门的多份自评表：.yaml/.xlsx/.docx"),
               as_json: bool = typer.Option(False, "--json", help="以JSON输出")) -> None:
    """汇总一个部门的多份项目支出绩效自评表：各项目总分、等级、预算与执行，部门加权得分、执行率与等级分布。"""
    errors = []
    reviews = []
    for path in files:
        form, found = read_form_file(path)
        if found or form is None:
            errors += found
            continue
        reviews.append(review(form))
    if errors:
        _fail(errors)
    summary = rollup(reviews).context()
    if as_json:
        typer.echo(json.dumps(summary, ensure_ascii=False, indent=2))
        return
    table = Table(title=f"项目支出绩效自评汇总（{summary['count']}个项目）")
    for col in ("项目", "格式", "总分", "等级", "全年预算数（元）", "全年执行数（元）", "执行率", "错误"):
        table.add_column(col)
    for p in summary["projects"]:
        table.add_row(p["project"], p["variant"], p["total"], p["grade"], p["budget"], p["spent"], p["execution_rate"],
                      str(p["findings"]))
    console.print(table)
    console.print(f"全年预算数合计 {summary['budget']} 元，全年执行数合计 {summary['spent']} 元，执行率 {summary['execution_rate']}；"
                  f"部门得分 {summary['weighted_score']}（{summary['weighting']}），平均分 {summary['mean_score']}，"
                  f"等级 {summary['grade']}；等级分布：{summary['grade_counts']}")
