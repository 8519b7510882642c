"""An evaluation as the YAML file ``jixiao score`` reads (what ``jixiao excel import`` writes):
Decimals as plain numbers, exactly; short lists on one line, as the examples are written."""

from __future__ import annotations

from decimal import Decimal
from typing import Any, Iterable

import yaml
from pydantic import BaseModel

from jixiao.core.model import Evaluation, Framework
from jixiao.io.yamlio import compact

class _Dumper(yaml.SafeDumper):
    """Decimals as plain YAML numbers (99.81, never 99.81000000001), tuples as lists, and
    short collections of scalars on one line (``checks: [1, 2, 3]``), as the examples are written."""


def _represent_decimal(dumper: yaml.SafeDumper, value: Decimal) -> yaml.Node:
    text = format(value, "f")
    if "." not in text:
        return dumper.represent_scalar("tag:yaml.org,2002:int", text)
    return dumper.represent_scalar("tag:yaml.org,2002:float", text)


def _short(values: Iterable[Any]) -> bool:
    values = list(values)
    return len(values) <= 8 and all(not isinstance(v, (dict, list, tuple)) and len(str(v)) <= 30 for v in values)


def _represent_dict(dumper: yaml.SafeDumper, value: dict) -> yaml.Node:
    return dumper.represent_mapping("tag:yaml.org,2002:map", value, flow_style=_short(value.values()))


def _represent_list(dumper: yaml.SafeDumper, value: list | tuple) -> yaml.Node:
    return dumper.represent_sequence("tag:yaml.org,2002:seq", list(value), flow_style=_short(value))


_Dumper.add_representer(Decimal, _represent_decimal)
_Dumper.add_representer(dict, _represent_dict)
_Dumper.add_representer(list, _represent_list)
_Dumper.add_representer(tuple, _represent_list)


_plain = compact  # no locations, no empty values


def _input_data(item: BaseModel) -> Any:
    data = _plain(item.model_dump(exclude_defaults=True))
    if "checks" in data:
        data["checks"] = [int(c) if c.isdigit() and str(int(c)) == c else c for c in data["checks"]]
    if "parts" in data:
        data["parts"] = {name: _input_data(part) for name, part in item.parts.items()}
    return data


def framework_data(framework: Framework) -> dict:
    """A framework as plain data that ``load_evaluation`` accepts inline (every field kept:
    rule types and explicit nulls such as ``floor: null`` decide scores)."""

    def strip(value: Any) -> Any:
        if isinstance(value, dict):
            return {k: strip(v) for k, v in value.items() if k != "loc"}
        if isinstance(value, (list, tuple)):
            return [strip(v) for v in value]
        return value

    return strip(framework.model_dump())


def evaluation_to_yaml(evaluation: Evaluation, framework_ref: str | None = None) -> str:
    """An evaluation as the YAML file ``jixiao score`` reads.

    ``framework_ref`` is written as ``framework:`` (``builtin:NAME`` or a path relative to the
    file being written); without it the framework is written inline. Decimals are written as
    plain numbers, exactly.
    """
    ev = evaluation
    data: dict[str, Any] = {}
    if ev.title:
        data["title"] = ev.title
    data["unit"] = _plain(ev.unit.model_dump())
    data["year"] = ev.year
    if ev.team:
        data["team"] = [_plain(m.model_dump()) for m in ev.team]
    if ev.evaluator:
        data["evaluator"] = ev.evaluator
    if ev.report_date:
        data["report_date"] = ev.report_date
    for key in ("declared_total", "declared_grade"):
        if getattr(ev, key) is not None:
            data[key] = getattr(ev, key)
    if ev.declared_groups:
        data["declared_groups"] = dict(ev.declared_groups)
    if ev.finance is not None:
        data["finance"] = _plain(ev.finance.model_dump(exclude_defaults=True))
    if ev.questionnaires:
        data["questionnaires"] = [_plain(q.model_dump(exclude_defaults=True)) for q in ev.questionnaires]
    if ev.narrative:
        data["narrative"] = dict(ev.narrative)
    data["framework"] = framework_ref if framework_ref is not None else framework_data(ev.framework)
    data["indicators"] = {code: _input_data(item) for code, item in ev.inputs.items()}
    return yaml.dump(data, Dumper=_Dumper, allow_unicode=True, sort_keys=False, width=10_000,
                     default_flow_style=False)
