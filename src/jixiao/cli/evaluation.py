"""Commands on evaluation files: ``jixiao score``, ``jixiao check`` (one file, a folder or the
site), ``jixiao frameworks``, ``jixiao compare``, ``jixiao examples``."""

from __future__ import annotations

import json
from decimal import Decimal
from importlib import resources
from pathlib import Path
from typing import Optional

import typer
from rich.console import Console

from jixiao.core.audit import Finding, audit
from jixiao.core.numbers import fmt
from jixiao.core.scoring import ScoreSheet, score
from jixiao.io.yamlio import builtin_framework_names, load_evaluation, load_framework
from jixiao.cli.common import Table, err_console
from jixiao.cli.common import fail as _fail
from jixiao.cli.root import app

console = Console()



def _load(file: Path):
    evaluation, errors = load_evaluation(file)
    if errors or evaluation is None:
        _fail(errors)
    sheet = score(evaluation)
    return sheet, audit(sheet)


def _s(value: Decimal | None) -> str | None:
    return None if value is None else format(value, "f")


def sheet_json(sheet: ScoreSheet, findings: list[Finding]) -> dict:
    """The score sheet as JSON-ready data; every number is a string of the exact decimal."""
    ev = sheet.evaluation
    return {
        "unit": ev.unit.name,
        "year": ev.year,
        "framework": {"id": ev.framework.id, "name": ev.framework.name, "version": ev.framework.version,
                      "rules_hash": sheet.rules_hash},
        "total": _s(sheet.total),
        "declared_total": _s(sheet.declared_total),
        "grade": sheet.grade,
        "passed": sheet.passed,
        "weight_total": _s(sheet.weight_total),
        "indicators": [
            {"code": r.code, "name": r.name, "parent": r.parent, "weight": _s(r.weight), "score": _s(r.score),
             "declared": _s(r.declared), "difference": _s(r.difference), "rule": r.rule_type,
             "computed": _s(r.computed), "effective_weight": _s(r.effective_weight),
             "not_applicable": r.not_applicable, "override_reason": r.override_reason,
             "manual": r.manual, "error": r.error, "explanation": r.explanation}
            for r in sheet.rows
        ],
        "groups": [
            {"code": g.group.code, "name": g.group.name, "level": g.level, "points": _s(g.group.points),
             "weight": _s(g.weight), "score": _s(g.score), "declared": _s(g.declared)}
            for g in sheet.groups
        ],
        "findings": [
            {"code": f.code, "kind": f.kind, "severity": f.severity, "title": f.title, "message": f.message,
             "location": str(f.loc) if f.loc else None}
            for f in findings
        ],
    }


def _print_sheet(sheet: ScoreSheet, findings: list[Finding]) -> None:
    ev = sheet.evaluation
    table = Table(title=f"{ev.unit.name} {ev.year}年 {ev.framework.name}", show_lines=False)
    for col, kw in (("编码", {}), ("指标", {"max_width": 24}), ("分值", {"justify": "right"}),
                    ("得分", {"justify": "right"}), ("申报", {"justify": "right"}),
                    ("差异", {"justify": "right"}), ("计分说明", {"max_width": 60})):
        table.add_column(col, **kw)
    for r in sheet.rows:
        diff = r.difference
        style = "red" if diff not in (None, 0) else ("yellow" if r.error else None)
        name = ("  └ " if r.parent else "") + r.name + ("（人工）" if r.manual else "") + \
            ("（不适用）" if r.not_applicable is not None else "") + ("（改分）" if r.overridden else "")
        table.add_row(r.code, name, fmt(r.weight), fmt(r.score), fmt(r.declared),
                      "" if diff in (None, 0) else fmt(diff), r.explanation, style=style)
    console.print(table)
    declared = f"，申报{fmt(sheet.declared_total)}分" if sheet.declared_total is not None else ""
    console.print(f"总分 [bold]{fmt(sheet.total)}[/]分{declared}；等级 [bold]{sheet.grade}[/]；"
                  f"{'合格' if sheet.passed else '不合格'}（合格线{fmt(sheet.framework.pass_line)}分）；"
                  f"核查发现{len(findings)}处问题（jixiao check 查看）")
    from jixiao.core.versioning import rules_label  # 规则版本 … · 校验码 …; --json keeps the full hash
    console.print(rules_label(sheet.framework.id, sheet.framework_version, sheet.rules_hash), style="dim", highlight=False)


def _print_findings(findings: list[Finding]) -> None:
    if not findings:
        console.print("[green]未发现问题。[/]")
        return
    table = Table(title=f"核查发现（{len(findings)}处）")
    for col in ("位置", "编码", "类别", "说明"):
        table.add_column(col)
    for f in findings:
        color = {"error": "red", "warning": "yellow"}.get(f.severity, "")
        table.add_row(str(f.loc or ""), f.code, f"[{color}]{f.title}[/]" if color else f.title, f.message)
    console.print(table)


_BATCH_OPTIONS = {
    "site": lambda: typer.Option(False, "--site", help="对网站数据库中的全部评价计分并写回（不给文件或文件夹）"),
    "workers": lambda: typer.Option(None, "--workers", "-w", min=1, help="文件夹、.jsonl 或 --site：进程数（默认用满两个CPU）"),
    "out": lambda: typer.Option(None, "--out", "-o", help="文件夹、.jsonl 或 --site：Excel汇总（.xlsx）"),
    "framework": lambda: typer.Option(None, "--framework", "-f", help="文件夹中Excel填报表的指标体系（路径或 builtin:名称）"),
}


def _batch(file: Optional[Path], site: bool, check: bool, workers, out, framework, as_json: bool) -> bool:
    """A folder, a JSON-lines file of records or ``--site``: score (or check) every evaluation;
    False for one evaluation file."""
    if site == (file is not None):  # exactly one of them
        err_console.print("[bold red]请给出一个评价文件或文件夹，或用 --site（二者取其一）[/]")
        raise typer.Exit(code=2)
    from jixiao.io.bulk import RECORD_SUFFIXES

    if not site and not file.is_dir() and file.suffix.lower() not in RECORD_SUFFIXES:
        return False
    from jixiao.cli import batch

    if site:
        batch.run_site(check, workers, out, as_json=as_json)
    elif file.suffix.lower() in RECORD_SUFFIXES:
        batch.run_records(file, check, workers, out, as_json=as_json)
    else:
        batch.run_folder(file, check, workers, out, framework, as_json=as_json)
    return True


@app.command("score", short_help="按规则计分、定级，并与申报得分对照（文件、文件夹或网站）")
def score_cmd(file: Optional[Path] = typer.Argument(None, help="评价文件（YAML），装有评价文件的文件夹，或每行一份评价的JSON行文件（.jsonl）"),
              as_json: bool = typer.Option(False, "--json", help="输出一个JSON对象"),
              site: bool = _BATCH_OPTIONS["site"](), workers: Optional[int] = _BATCH_OPTIONS["workers"](),
              out: Optional[Path] = _BATCH_OPTIONS["out"](),
              framework: Optional[str] = _BATCH_OPTIONS["framework"]()) -> None:
    """按规则计算每个指标得分、合计与等级，并与申报得分对照；给文件夹或 --site 则逐份计分并汇总。"""
    if _batch(file, site, False, workers, out, framework, as_json):
        return
    sheet, findings = _load(file)
    if as_json:
        typer.echo(json.dumps(sheet_json(sheet, findings), ensure_ascii=False, indent=2))
    else:
        _print_sheet(sheet, findings)


@app.command("check", short_help="核查不一致：权重、标题分值、申报得分、规则、等级")
def check_cmd(file: Optional[Path] = typer.Argument(None, help="评价文件（YAML），装有评价文件的文件夹，或每行一份评价的JSON行文件（.jsonl）"),
              as_json: bool = typer.Option(False, "--json", help="输出JSON"),
              site: bool = _BATCH_OPTIONS["site"](), workers: Optional[int] = _BATCH_OPTIONS["workers"](),
              out: Optional[Path] = _BATCH_OPTIONS["out"](),
              framework: Optional[str] = _BATCH_OPTIONS["framework"]()) -> None:
    """核查：权重、标题分值、申报得分与规则、等级等处的不一致；给文件夹或 --site 则逐份核查并汇总。"""
    if _batch(file, site, True, workers, out, framework, as_json):
        return
    sheet, findings = _load(file)
    if as_json:
        typer.echo(json.dumps(sheet_json(sheet, findings)["findings"], ensure_ascii=False, indent=2))
    else:
        _print_findings(findings)


@app.command("frameworks")
def frameworks_cmd(name: Optional[str] = typer.Argument(None, help="内置指标体系名称；省略则列出全部")) -> None:
    """列出或查看内置指标体系。"""
    if name is None:
        table = Table(title="内置指标体系")
        for col in ("名称", "指标体系", "类型", "资金", "版本", "指标数"):
            table.add_column(col)
        for key in builtin_framework_names():
            fw, errors = load_framework(f"builtin:{key}")
            if errors:
                _fail(errors)
            table.add_row(key, fw.name, fw.kind, fw.fund, fw.version, str(sum(1 for _ in fw.indicators())))
        console.print(table)
        return
    fw, errors = load_framework(name if ":" in name or name.endswith(".yaml") else f"builtin:{name}")
    if errors:
        _fail(errors)
    table = Table(title=f"{fw.name}（{fw.kind}，版本{fw.version}）")
    for col in ("一级指标", "二级指标", "编码", "三级指标", "分值", "目标值", "规则"):
        table.add_column(col)

    def walk(group, names):
        names = names + [f"{group.name}" + (f"（{fmt(group.points)}分）" if group.points is not None else "")]
        for ind in group.indicators:
            table.add_row(names[0], names[1] if len(names) > 1 else "", ind.code, ind.name, fmt(ind.weight),
                          ind.target.text, ind.rule.type if ind.rule else ("分项" if ind.subrows else "manual"))
        for child in group.groups:
            walk(child, names)

    for group in fw.groups:
        walk(group, [])
    console.print(table)


@app.command("compare", short_help="逐项比较两份评价；规则不同则拒绝比较")
def compare_cmd(before: Path = typer.Argument(..., help="前一份评价文件"),
                after: Path = typer.Argument(..., help="后一份评价文件"),
                allow_different_rules: bool = typer.Option(False, "--allow-different-rules",
                                                           help="规则不同时仍比较（结果带警告）")) -> None:
    """逐项比较两份评价（如两个年度）；规则不同则拒绝比较，除非明确允许。"""
    from jixiao.core.compare import IncomparableSheets, compare

    a, _ = _load(before)
    b, _ = _load(after)
    try:
        result = compare(a, b, allow_different_rules)
    except IncomparableSheets as exc:
        err_console.print(f"[bold red]{exc}[/]（如确需比较，加 --allow-different-rules）")
        raise typer.Exit(code=2)
    if result.warning:
        console.print(f"[bold yellow]警告：{result.warning}[/]")
    table = Table(title=f"{a.evaluation.unit.name} {a.evaluation.year} → {b.evaluation.unit.name} {b.evaluation.year}")
    for col in ("编码", "指标", "前", "后", "变化"):
        table.add_column(col)
    for r in result.rows:
        table.add_row(r.code, r.name, fmt(r.before), fmt(r.after), "" if not r.change else fmt(r.change))
    console.print(table)
    console.print(f"总分 {fmt(a.total)} → {fmt(b.total)}（{fmt(result.total_change)}）")


def example_files() -> list[Path]:
    folder = resources.files("jixiao") / "examples"
    return sorted(Path(str(p)) for p in folder.iterdir() if p.name.endswith(".yaml"))


@app.command("examples")
def examples_cmd() -> None:
    """对内置的全部示例（四份公开报告）计分并核查，打印汇总。"""
    table = Table(title="示例评价汇总")
    for col in ("示例", "单位", "指标数", "计算总分", "申报总分", "等级", "核查发现"):
        table.add_column(col)
    for path in example_files():
        sheet, findings = _load(path)
        table.add_row(path.stem, sheet.evaluation.unit.name, str(len(sheet.indicator_rows)), fmt(sheet.total),
                      fmt(sheet.declared_total), sheet.grade, str(len(findings)))
    console.print(table)
