"""``jixiao score`` / ``jixiao check`` on a folder of evaluation files or on the whole site
database: a progress bar, a summary table and, with ``--out``, an Excel summary; the work is
spread over ``--workers`` processes (both cores by default)."""

from __future__ import annotations

import json
import time
from collections import Counter
from pathlib import Path
from typing import Callable, Iterator, Optional

import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn, TimeRemainingColumn

from jixiao.cli.common import Table, err_console
from jixiao.core.numbers import fmt
from jixiao.io.bulk import Outcome, default_workers, effective_workers, evaluation_files, process_folder, write_summary

console = Console()
SHOWN = 200  # rows of the summary table printed; the Excel summary has every row


def _progress() -> Progress:
    return Progress(TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(),
                    TimeRemainingColumn(), console=err_console, transient=False)


def _collect(n: int | None, label: str,
             run: Callable[[Callable[[int], None], Callable[[int], None]], Iterator[Outcome]]) -> list[Outcome]:
    """The outcomes of ``run(done, total)`` under a progress bar of ``n`` items (or as many as
    ``total(n)`` says, when the run finds out itself); ``done(k)``: k more are finished."""
    with _progress() as progress:
        task = progress.add_task(label, total=n)
        return list(run(lambda k: progress.advance(task, k), lambda total: progress.update(task, total=total)))


def run_folder(folder: Path, check: bool, workers: Optional[int], out: Optional[Path],
               framework: Optional[str], as_json: bool = False) -> None:
    paths = evaluation_files(folder)
    if not paths:
        err_console.print(f"[bold red]{folder} 中没有评价文件（.yaml/.yml/.xlsx）[/]")
        raise typer.Exit(code=2)
    workers = workers or default_workers()
    start = time.perf_counter()
    outcomes = _collect(len(paths), "核查" if check else "计分",
                        lambda done, _: process_folder(paths, workers, framework, details=check or out is not None,
                                                       on_done=done))
    _report(outcomes, check, out, time.perf_counter() - start, effective_workers(len(paths), workers), root=folder,
            as_json=as_json)


def run_records(path: Path, check: bool, workers: Optional[int], out: Optional[Path], as_json: bool = False) -> None:
    """A JSON-lines file of evaluation records (``io.bulk.process_records``)."""
    from jixiao.io.bulk import process_records

    if not path.is_file():
        err_console.print(f"[bold red]{path}：文件不存在[/]")
        raise typer.Exit(code=2)
    workers = workers or default_workers()
    start = time.perf_counter()
    stats: dict = {}
    outcomes = _collect(None, "核查" if check else "计分",
                        lambda done, total: process_records(path, workers, details=check or out is not None,
                                                            on_done=done, stats=stats, on_total=total))
    _report(outcomes, check, out, time.perf_counter() - start, effective_workers(stats["ranges"], workers, 1),
            root=path.parent, as_json=as_json)


def run_site(check: bool, workers: Optional[int], out: Optional[Path], data_dir: Optional[Path] = None,
             as_json: bool = False) -> None:
    from jixiao.cli.site import _django

    _django(data_dir)
    from jixiao.web.evaluations.bulk import score_site

    workers = workers or default_workers()
    start = time.perf_counter()
    stats: dict = {}

    def run(done, total):
        outcomes, found = score_site(workers=workers, details=check or out is not None, on_done=done, on_total=total)
        stats.update(found)
        return iter(outcomes)

    outcomes = _collect(None, "核查" if check else "计分", run)
    _report(outcomes, check, out, time.perf_counter() - start, effective_workers(len(outcomes), workers),
            as_json=as_json)
    err_console.print(f"写回数据库：{stats['evaluations_updated']}份评价的得分摘要、{stats['values_updated']}行指标得分有变化"
                  f"（查询{stats['queries']}次）", style="dim")


def _name(o: Outcome, root: Optional[Path]) -> str:
    if root is not None:
        try:
            return str(Path(o.source).relative_to(root))
        except ValueError:
            pass
    return o.source


def _json(o: Outcome, root: Optional[Path], check: bool) -> dict:
    s = (lambda v: None if v is None else format(v, "f"))
    data = {"source": _name(o, root), "unit": o.unit, "year": o.year, "framework": o.framework,
            "framework_version": o.framework_version, "rules_hash": o.rules_hash, "rows": o.rows,
            "total": s(o.total), "declared_total": s(o.declared_total), "grade": o.grade, "passed": o.passed,
            "findings": o.findings, "errors": list(o.load_errors)}
    if check:
        data["finding_list"] = [{"code": f.code, "kind": f.kind, "severity": f.severity, "title": f.title,
                                 "message": f.message, "location": f.location or None} for f in o.finding_lines]
    return data


def _report(outcomes: list[Outcome], check: bool, out: Optional[Path], seconds: float, workers: int,
            root: Optional[Path] = None, as_json: bool = False) -> None:
    ok = [o for o in outcomes if o.ok]
    bad = [o for o in outcomes if not o.ok]
    if as_json:
        typer.echo(json.dumps([_json(o, root, check) for o in outcomes], ensure_ascii=False, indent=2))
        if out is not None:
            write_summary(outcomes, out, findings=True)
        if bad:
            raise typer.Exit(code=2)
        return
    rows = sum(o.rows for o in ok)
    if check:
        kinds = Counter(f.title for o in ok for f in o.finding_lines)
        table = Table(title=f"核查汇总（{len(ok)}份评价）")
        for col, kw in (("类别", {}), ("处数", {"justify": "right"}), ("涉及评价", {"justify": "right"})):
            table.add_column(col, **kw)
        files = {t: len({f.source for o in ok for f in o.finding_lines if f.title == t}) for t in kinds}
        for title, count in kinds.most_common():
            table.add_row(title, str(count), str(files[title]))
        console.print(table)
    table = Table(title=f"{'核查' if check else '计分'}结果（{len(outcomes)}份）")
    for col, kw in (("评价", {"max_width": 40}), ("单位", {}), ("指标体系", {}), ("计算总分", {"justify": "right"}),
                    ("申报总分", {"justify": "right"}), ("等级", {}), ("核查发现", {"justify": "right"})):
        table.add_column(col, **kw)
    for o in outcomes[:SHOWN]:
        if o.ok:
            diff = o.difference
            table.add_row(_name(o, root), o.unit, o.framework, fmt(o.total), fmt(o.declared_total), o.grade,
                          str(o.findings), style="red" if diff not in (None, 0) else None)
        else:
            table.add_row(_name(o, root), "", "", "", "", "", f"读取错误{len(o.load_errors)}处", style="yellow")
    console.print(table)
    if len(outcomes) > SHOWN:
        console.print(f"（只列出前{SHOWN}份，全部见 --out 写出的Excel汇总）", style="dim")
    grades = Counter(o.grade for o in ok)
    console.print(f"共{len(outcomes)}份：计分{len(ok)}份、{rows}行指标，读取失败{len(bad)}份；"
                  f"等级 " + "、".join(f"{g}{n}份" for g, n in sorted(grades.items())) +
                  f"；核查发现{sum(o.findings for o in ok)}处；用时{seconds:.2f}秒（{workers}个进程）")
    for o in bad[:20]:
        err_console.print(f"[yellow]{_name(o, root)}[/]", highlight=False)
        for e in o.load_errors[:5]:
            err_console.print(f"  {e}", markup=False, highlight=False)
    if out is not None:
        write_summary(outcomes, out, findings=True)
        console.print(f"Excel汇总已写入 {out}")
    if bad:
        raise typer.Exit(code=2)
