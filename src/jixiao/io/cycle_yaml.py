"""Read the cycle files (targets, monitoring, problems, allocation) from YAML, exactly and
with located errors, in the manner of ``yamlio``. The formats are documented in
``docs/cycle.md``; each loader returns ``(object or None, errors)``."""

from __future__ import annotations

from pathlib import Path
from typing import Any, Callable

from pydantic import BaseModel, ValidationError

from jixiao.core.cycle import AllocationPlan, MonitoringReport, Problem, TargetTable

from .yamlio import LoadError, Lines, load_evaluation, located_errors, parse_yaml, read_text


def _read(path: Path) -> tuple[Any, Lines, list[LoadError]]:
    text, errors = read_text(path)
    if text is None:
        return None, {}, errors
    data, lines, errors = parse_yaml(text, str(path))
    if not errors and not isinstance(data, dict):
        errors = [LoadError(str(path), 1, "", "文件须为映射（键: 值）")]
    return data, lines, errors


def _validate(model: type[BaseModel], data: dict, lines: Lines, file: str):
    try:
        return model.model_validate(data), []
    except ValidationError as exc:
        return None, located_errors(exc, data, lines, file)


def load_targets(path: str | Path) -> tuple[TargetTable | None, list[LoadError]]:
    """A 绩效目标表 file (``unit``, ``year``, ``fund``, ``overall_goal``, ``rows``…)."""
    path = Path(path)
    data, lines, errors = _read(path)
    if errors:
        return None, errors
    return _validate(TargetTable, data, lines, str(path))


def load_monitoring(path: str | Path) -> tuple[MonitoringReport | None, list[LoadError]]:
    """A monitoring report. With ``targets: 目标表.yaml`` each row's name and target come
    from the target table by code (a row may still state its own), and so do the
    thresholds when the report gives none."""
    path = Path(path)
    data, lines, errors = _read(path)
    if errors:
        return None, errors
    data = dict(data)
    ref = data.pop("targets", None)
    if ref is not None:
        table, errors = load_targets(path.parent / str(ref))
        if table is None:
            return None, errors
        data.setdefault("unit", table.unit)
        data.setdefault("fund", table.fund)
        if table.thresholds is not None and "thresholds" not in data:
            data["thresholds"] = table.thresholds.model_dump()
        rows = data.get("rows")
        if isinstance(rows, list):
            filled = []
            for row in rows:
                target = table.row(str(row.get("code"))) if isinstance(row, dict) else None
                if target is not None:
                    row = {"name": target.name, "target": target.target.text, **row}
                filled.append(row)
            data["rows"] = filled
    return _validate(MonitoringReport, data, lines, str(path))


def load_problems(path: str | Path) -> tuple[list[Problem] | None, list[LoadError]]:
    """A problem list: ``problems:`` followed by one mapping per problem."""
    path = Path(path)
    data, lines, errors = _read(path)
    if errors:
        return None, errors
    items = data.get("problems")
    if not isinstance(items, list):
        return None, [LoadError(str(path), lines.get(("problems",), 1), "problems", "须为问题列表")]
    problems, errors = [], []
    for i, item in enumerate(items):
        try:
            problems.append(Problem.model_validate(item))
        except ValidationError as exc:
            errors += located_errors(exc, item, lines, str(path), ("problems", i))
    return (None, errors) if errors else (problems, [])


def load_allocation(path: str | Path, scorer: Callable | None = None) -> tuple[AllocationPlan | None, list[LoadError]]:
    """An allocation plan. A recipient may give ``evaluation: 自评.yaml`` instead of
    ``score``: the evaluation is loaded and scored by the core, and its total is the score."""
    from jixiao.core.scoring import score

    path = Path(path)
    data, lines, errors = _read(path)
    if errors:
        return None, errors
    data = dict(data)
    recipients = data.get("recipients")
    if isinstance(recipients, list):
        shaped = []
        for i, r in enumerate(recipients):
            if isinstance(r, dict) and "evaluation" in r:
                r = dict(r)
                evaluation, ev_errors = load_evaluation(path.parent / str(r.pop("evaluation")))
                if evaluation is None:
                    errors += ev_errors or [LoadError(str(path), lines.get(("recipients", i)), f"recipients.{i}.evaluation",
                                                      "无法读取评价文件")]
                    continue
                r["score"] = (scorer or score)(evaluation).total
            shaped.append(r)
        data["recipients"] = shaped
    if errors:
        return None, errors
    return _validate(AllocationPlan, data, lines, str(path))
