"""Which values an indicator's inputs can take, decided from what the framework says about
the indicator: its name, the target's unit and value, and its rule type.

The framework data states no explicit range, so the kind of quantity is read from it:

* a **change** (rule ``growth``, or a name with 增长/下降/增幅/同比/结余/差…) can have any sign;
* a **percentage** (unit ``%``/``‰``, or a name ending in 率/比例/占比/比重/满意度) is never
  negative; it is at most 100% (1000‰) unless it measures attainment against a target or a
  base that can be exceeded — the seed reports hold 基本医保综合参保率 101.27% and
  参保目标任务 101.05%, and a 三公经费控制率 above 100% is the overspending the audit looks
  for — or the target itself lies above 100;
* a **count or amount** (a numeric target with another unit: 人, 万人, 次, 条, 家, 个月, 元…)
  is never negative;
* scores (申报得分, 评价人给分, 改分) and deductions (扣分次数/扣分值) are never negative;
* anything else (a qualitative target and a name that says nothing) is left open.

Pure: no I/O; the web entry grid calls ``input_bounds`` for every number it reads.
"""

from __future__ import annotations

import re
from decimal import Decimal

from .model import Indicator, Target
from .numbers import ANY, HUNDRED, ZERO, Bounds

_CHANGE = re.compile(r"增长|增幅|增速|增加|增减|下降|降低|降幅|减少|同比|环比|变动|变化|结余|差|偏离|偏差|升降")
_RATE_NAME = re.compile(r"(率|比例|占比|比重|满意度|覆盖面)$")
#: rates measured against a target or a base they can exceed (参保率 over the registered
#: population, 完成率 of a target, 控制率/执行率 of a budget)
_ATTAINMENT = re.compile(r"完成|达成|参保率|控制率|执行率|进度|目标|任务|倍")
_SCORE_BOUNDS = Bounds(ZERO, None, "得分")


def quantity_bounds(name: str, unit: str = "", target: Target | None = None, change: bool = False) -> Bounds:
    """The bounds of a quantity called ``name`` measured in ``unit`` against ``target``."""
    name = (name or "").strip()
    unit = (unit or "").strip()
    target_value = target.value if target is not None else None
    if change or _CHANGE.search(name) or (target_value is not None and target_value < 0):
        return ANY
    per_mille = unit.startswith("‰")
    if unit.startswith("%") or per_mille or _RATE_NAME.search(name):
        top = Decimal(1000) if per_mille else HUNDRED
        what = "千分比" if per_mille else "百分比"
        if _ATTAINMENT.search(name) or (target_value is not None and target_value > top):
            return Bounds(ZERO, None, what)
        return Bounds(ZERO, top, what)
    if target_value is not None:
        return Bounds(ZERO, None, f"数量（{unit}）" if unit else "数量")
    return ANY


def input_bounds(indicator: Indicator, path: tuple[str, ...]) -> Bounds:
    """The bounds of one input of ``indicator``. ``path`` follows ``IndicatorInput``:
    ``("actual",)``, ``("reference",)``, ``("values", name)``, ``("incidents", kind)``,
    ``("manual",)``, ``("declared",)``, ``("override",)``, and ``("parts", part, *path)``
    for a part of a ``sum`` rule."""
    rule = indicator.rule
    head = path[0] if path else "actual"
    if head in ("manual", "declared", "override"):
        return _SCORE_BOUNDS
    if head == "incidents":
        return Bounds(ZERO, None, "扣分次数或扣分值")
    if head == "parts" and len(path) > 2:
        part = next((p for p in getattr(rule, "parts", ()) if p.name == path[1]), None)
        if path[2] == "values":
            return quantity_bounds(path[3] if len(path) > 3 else path[1])
        inner = Indicator(code=indicator.code, name=path[1], weight=indicator.weight,
                          rule=part.rule if part is not None else None)
        return input_bounds(inner, path[2:])
    growth = getattr(rule, "type", None) == "growth"
    if head == "values":
        value_name = path[1] if len(path) > 1 else ""
        if growth:  # 本年值 / 上年值 of the grown quantity: its own sign
            return ANY
        return quantity_bounds(value_name)
    # actual and reference: the indicator's own quantity
    return quantity_bounds(indicator.name, indicator.target.unit, indicator.target, change=growth)
