"""``jixiao excel``: the entry workbook (template, import) and the score table export.

Registered in ``jixiao.cli`` as ``app.add_typer(excel_app, name="excel")``:

    jixiao excel template builtin:national-capability-2023 --out 填报表.xlsx
    jixiao excel import 填报表.xlsx --framework builtin:national-capability-2023 --out 评价.yaml
    jixiao excel export 评价.yaml --out 得分表.xlsx --layout 004

Input errors print every located problem and exit with code 2; ``import`` then writes nothing.
"""

from __future__ import annotations

import os
from enum import Enum
from pathlib import Path

import typer

from jixiao.core.audit import audit
from jixiao.core.numbers import fmt
from jixiao.core.scoring import score
from jixiao.io.yamlio import BUILTIN_PREFIX, load_evaluation, load_framework
from jixiao.cli.common import err_console
from jixiao.cli.common import fail as _fail

excel_app = typer.Typer(add_completion=False, no_args_is_help=True,
                        help="Excel：生成填报表、导入填报表、导出指标得分表。")


class TableLayout(str, Enum):
    """The published score-table layouts (see ``jixiao.io.excel.SCORE_LAYOUTS``)."""

    seed000 = "000"
    seed004 = "004"



def _cannot_write(path: Path, exc: OSError) -> None:
    err_console.print(f"[bold red]无法写入 {path}：{exc.strerror or exc}[/]")
    raise typer.Exit(code=2)


def _load_framework(ref: str):
    framework, errors = load_framework(ref)
    if errors or framework is None:
        _fail(errors)
    return framework


def framework_ref_for(out: Path, ref: str) -> str:
    """The ``framework:`` value for an evaluation written to ``out``.

    ``builtin:NAME`` stays as given; so does a path that names the same file from the output's
    folder (``load_evaluation`` resolves relative paths there). Otherwise the path is rewritten
    relative to the output's folder (absolute when no relative path exists).
    """
    if ref.startswith(BUILTIN_PREFIX):
        return ref
    target = Path(ref).resolve()
    folder = out.resolve().parent
    if Path(ref).is_absolute() or (folder / ref).resolve() == target:
        return ref
    try:
        return Path(os.path.relpath(target, folder)).as_posix()
    except ValueError:  # another drive on Windows
        return str(target)


@excel_app.command("template")
def template_cmd(framework: str = typer.Argument(..., help="指标体系：文件路径或 builtin:名称"),
                 out: Path = typer.Option(..., "--out", "-o", help="填报表（.xlsx）")) -> None:
    """按指标体系生成填报表（Excel），供经办人员填写。"""
    fw = _load_framework(framework)
    try:
        from jixiao.io.excel import export_entry_workbook  # (openpyxl: imported by the commands that use it)

        export_entry_workbook(fw, out)
    except OSError as exc:
        _cannot_write(out, exc)
    typer.echo(f"已生成填报表：{out}（{fw.name}，版本{fw.version}）")


@excel_app.command("import")
def import_cmd(workbook: Path = typer.Argument(..., help="填好的填报表（.xlsx）"),
               framework: str = typer.Option(..., "--framework", "-f", help="指标体系：文件路径或 builtin:名称"),
               out: Path = typer.Option(..., "--out", "-o", help="写出的评价文件（.yaml）")) -> None:
    """读取填好的填报表，写出可供 jixiao score 计分的评价文件（YAML）。"""
    fw = _load_framework(framework)
    from jixiao.io.excel import evaluation_to_yaml, import_entry_workbook

    evaluation, errors = import_entry_workbook(workbook, fw)
    if errors or evaluation is None:
        _fail(errors)
    text = evaluation_to_yaml(evaluation, framework_ref=framework_ref_for(out, framework))
    try:
        out.parent.mkdir(parents=True, exist_ok=True)
        out.write_text(text, encoding="utf-8")
    except OSError as exc:
        _cannot_write(out, exc)
    typer.echo(f"已导入{len(evaluation.inputs)}个指标的填报内容，写入 {out}；计分：jixiao score {out}")


@excel_app.command("export")
def export_cmd(evaluation: Path = typer.Argument(..., help="评价文件（YAML）"),
               out: Path = typer.Option(..., "--out", "-o", help="得分表（.xlsx）"),
               layout: TableLayout = typer.Option(TableLayout.seed000, "--layout",
                                                  help="表格样式：000（权重、评分过程）或 004（标准值、分值、指标说明）")) -> None:
    """按规则计分，导出指标体系得分表（Excel，可打印），附核查发现。"""
    ev, errors = load_evaluation(evaluation)
    if errors or ev is None:
        _fail(errors)
    sheet = score(ev)
    findings = audit(sheet)
    try:
        from jixiao.io.excel import export_score_table

        export_score_table(sheet, out, layout.value, findings)
    except OSError as exc:
        _cannot_write(out, exc)
    typer.echo(f"已导出得分表：{out}（总分{fmt(sheet.total)}分，等级{sheet.grade}，核查发现{len(findings)}处）")
