"""The same scoring as agencies do it today: one Excel formula per indicator row, recalculated
by LibreOffice Calc headless.

``workbook(rows, path)`` writes scored rows of the synthetic data set as a sheet whose score
column is an Excel formula equivalent to the row's rule (binary, proportional, saturating
rate, lower-is-better, deduct-per-unit, graded, checklist, manual, questionnaire — the rule
types a spreadsheet can express in one cell), rounded with ROUND to the framework's places.
``recalculate(path)`` has LibreOffice load the workbook (formulas without cached values, so
every cell is calculated) and save it; the values are read back and compared with the
engine's scores. Rows with an error, an override, 不适用 or redistributed points are left out.
"""

from __future__ import annotations

import os
import subprocess
import tempfile
import time
from decimal import Decimal
from pathlib import Path

from openpyxl import Workbook, load_workbook

from jixiao.core.rules import (Binary, Checklist, DeductPerUnit, Graded, LowerIsBetter, Manual, Proportional,
                               QuestionnaireRule, SaturatingRate)

FLAG_COLUMNS = "GHIJKLMNOPQRST"  # checklist item flags (up to 14 items)
SCORE_COLUMN = "U"


def _n(value: Decimal) -> str:
    return format(value, "f")


def _target(rule, row, attr: str):
    v = getattr(rule, attr, None)
    return v if v is not None else row.indicator.target.value


def excel_row(row, r: int, places: int = 2):
    """(cells A..T, score formula) for a scored row, or None when no one-cell formula fits."""
    if row.error or row.overridden or row.not_applicable is not None or row.factor != 1 or row.indicator.subrows:
        return None
    rule, item = row.indicator.rule, row.input
    if rule is None or item.actual_from or item.questionnaire:
        return None
    W, T, A = f"C{r}", f"D{r}", f"E{r}"
    weight = row.indicator.weight
    cells = {"C": weight}
    if isinstance(rule, Binary):
        value = _target(rule, row, "value")
        if item.actual is None or value is None:
            return None
        op = {">=": ">=", "<=": "<=", ">": ">", "<": "<", "=": "="}[rule.comparator or row.indicator.target.comparator or ">="]
        cells.update(D=value, E=item.actual)
        expr = f"IF({A}{op}{T},{W},{_n(rule.else_points)})"
    elif isinstance(rule, Proportional):
        target = _target(rule, row, "target")
        if item.actual is None or target is None or target <= 0:
            return None
        cells.update(D=target, E=item.actual)
        inner = f"MIN(MAX({W}*({A}/{T}),0),{W})"
        if rule.zero_at_or_below is not None:
            inner = f"IF({A}/{T}<={_n(rule.zero_at_or_below)},0,{inner})"
        expr = f"IF({A}/{T}>={_n(rule.full_at_or_above)},{W},{inner})"
    elif isinstance(rule, SaturatingRate):
        if item.actual is None:
            return None
        cells.update(E=item.actual)
        inner = f"MIN(MAX({W}*{A}/100,0),{W})"
        if rule.zero_at_or_below is not None:
            inner = f"IF({A}<={_n(rule.zero_at_or_below)},0,{inner})"
        expr = f"IF({A}>={_n(rule.saturation)},{W},{inner})"
    elif isinstance(rule, LowerIsBetter):
        threshold = _target(rule, row, "threshold")
        if item.actual is None or threshold is None:
            return None
        cells.update(D=threshold, E=item.actual)
        if rule.mode == "zero":
            above = "0"
        elif rule.mode == "ratio":
            above = f"{W}*{T}/{A}"
        else:
            z = _n(rule.zero_at) if rule.zero_at is not None else f"({T}*2)"
            above = f"MIN(MAX({W}*({z}-{A})/({z}-{T}),0),{W})"
        expr = f"IF({A}<={T},{W},{above})"
    elif isinstance(rule, DeductPerUnit):
        threshold = _target(rule, row, "threshold")
        if item.actual is None or threshold is None:
            return None
        cells.update(D=threshold, E=item.actual)
        gap = f"({T}-{A})" if rule.direction == "short" else f"({A}-{T})"
        steps = f"{gap}/{_n(rule.step)}"
        if rule.whole_steps:
            steps = f"INT({steps})"
        per = _n(rule.points) if rule.points is not None else f"{_n(rule.fraction_of_weight)}*{W}"
        after = f"{W}-{steps}*{per}"
        if rule.floor is not None:
            after = f"MAX({_n(rule.floor)},{after})"
        expr = f"IF({gap}<=0,{W},{after})"
    elif isinstance(rule, Graded):
        if item.judgement is None:
            return None
        cells.update(F=item.judgement)
        expr = '"?"'
        for level in reversed(rule.levels):
            award = _n(level.points) if level.points is not None else f"{W}*{_n(level.fraction)}"
            names = ",".join(f'F{r}="{x}"' for x in (level.label, *level.aliases))
            expr = f"IF(OR({names}),{award},{expr})"
    elif isinstance(rule, Checklist):
        if len(rule.items) > len(FLAG_COLUMNS):
            return None
        if item.checks is not None:
            met = set(item.checks)
        elif item.met is not None:
            met = {i.id for i in rule.items} if item.met else set()
        else:
            return None
        for col, it in zip(FLAG_COLUMNS, rule.items):
            cells[col] = 1 if it.id in met else 0
        expr = "+".join(f"{col}{r}*{_n(it.points)}" for col, it in zip(FLAG_COLUMNS, rule.items))
        if rule.cap is not None:
            expr = f"MIN({_n(rule.cap)},{expr})"
    elif isinstance(rule, Manual):
        if item.manual is None:
            return None
        cells.update(E=item.manual)
        expr = A
    elif isinstance(rule, QuestionnaireRule):
        if item.actual is None:
            return None
        cells.update(E=item.actual)
        expr = f"MIN(MAX({W}*{A}/{_n(rule.full_marks)},0),{W})"
    else:
        return None
    return cells, f"=ROUND(MIN({W},{expr}),{places})"


def workbook(rows: list, path: Path, formulas: bool = True) -> list:
    """Write ``rows`` (ScoreRow) that fit a one-cell formula; return the rows written, in order.
    Without ``formulas`` the engine's scores are written as plain values (the baseline of
    loading and saving the same workbook without calculating)."""
    wb = Workbook()
    ws = wb.active
    ws.title = "评分"
    ws.append(["评价", "指标", "分值", "目标值", "实际值", "评定", *FLAG_COLUMNS, "得分"])
    written = []
    r = 2
    for i, row in enumerate(rows):
        fitted = excel_row(row, r)
        if fitted is None:
            continue
        cells, formula = fitted
        ws[f"A{r}"] = i
        ws[f"B{r}"] = row.code
        for col, value in cells.items():
            ws[f"{col}{r}"] = float(value) if isinstance(value, Decimal) else value
        ws[f"{SCORE_COLUMN}{r}"] = formula if formulas else float(row.score)
        written.append(row)
        r += 1
    ws[f"W1"] = "合计"
    ws[f"X1"] = f"=SUM({SCORE_COLUMN}2:{SCORE_COLUMN}{r - 1})" if formulas else float(sum(x.score for x in written))
    wb.save(path)
    return written


def recalculate(path: Path, out_dir: Path, timeout: float = 1800) -> float:
    """Have LibreOffice Calc load (and so calculate) and save ``path``; return wall seconds."""
    with tempfile.TemporaryDirectory(prefix="jixiao-bench-lo-") as work:
        profile = Path(work) / "profile"
        env = {**os.environ, "HOME": work, "SAL_USE_VCLPLUGIN": "svp"}
        command = ["soffice", f"-env:UserInstallation={profile.as_uri()}", "--headless", "--invisible", "--nologo",
                   "--norestore", "--nolockcheck", "--convert-to", "xlsx:Calc MS Excel 2007 XML", "--outdir",
                   str(out_dir), str(path)]
        start = time.perf_counter()
        proc = subprocess.run(command, capture_output=True, text=True, env=env, timeout=timeout, check=False)
        seconds = time.perf_counter() - start
    if proc.returncode != 0:
        raise RuntimeError(f"LibreOffice failed: {proc.stderr or proc.stdout}")
    return seconds


def read_scores(path: Path) -> list[Decimal | None]:
    wb = load_workbook(path, data_only=True, read_only=True)
    ws = wb.active
    out = []
    for (value,) in ws.iter_rows(min_row=2, min_col=21, max_col=21, values_only=True):
        if value is None:
            break
        out.append(Decimal(str(value)) if isinstance(value, (int, float)) else None)
    return out


def compare(rows: list, path: Path, work: Path, small: int) -> dict:
    """Time LibreOffice on ``small`` and all of ``rows`` (the difference removes start-up),
    plus a values-only baseline, and check LibreOffice's scores against the engine's."""
    work.mkdir(parents=True, exist_ok=True)
    result = {}
    for label, subset, formulas in (("small", rows[:small], True), ("large", rows, True), ("values", rows, False)):
        src = work / f"lo-{label}.xlsx"
        written = workbook(subset, src, formulas)
        out = work / "out"
        out.mkdir(exist_ok=True)
        seconds = recalculate(src, out)
        result[label] = {"rows": len(written), "seconds": round(seconds, 2)}
        if label == "large":
            got = read_scores(out / src.name)
            mismatched = [(w.code, w.score, g) for w, g in zip(written, got) if g is None or g != w.score]
            result["checked_rows"] = len(got)
            result["mismatches"] = len(mismatched)
            result["mismatch_examples"] = [f"{c}: engine {e} / LibreOffice {g}" for c, e, g in mismatched[:5]]
            result["rule_types"] = sorted({w.rule_type for w in written})
    small_r, large_r = result["small"], result["large"]
    marginal = (large_r["seconds"] - small_r["seconds"]) / max(1, large_r["rows"] - small_r["rows"])
    result["lo_rows_per_s_marginal"] = round(1 / marginal) if marginal > 0 else None
    result["lo_rows_per_s_total"] = round(large_r["rows"] / large_r["seconds"])
    calc = large_r["seconds"] - result["values"]["seconds"]
    result["lo_calc_seconds_net_of_load_save"] = round(calc, 2)
    return result
