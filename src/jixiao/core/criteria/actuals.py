"""Actual values from 实际完成情况 / 评分过程 text: every figure with its unit (years, dates and
document numbers left out), the one in the target's unit, and the values of banded parts."""

from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import Decimal

from jixiao.core.model import Target

from .text import NUM, normalize


_VALUE_RE = re.compile(
    rf"(?<![\d.])(?P<num>{NUM})(?P<unit>%|‰|万人次|万人|人次|万元|亿元|元|个月|分钟|小时|人|个|次|条|家|天|篇|项|月|年|日|号|分|倍|户|所|例|期|批)?")
_CONVERSIONS: dict[tuple[str, str], Decimal] = {
    ("人", "万人"): Decimal("0.0001"), ("人次", "万人次"): Decimal("0.0001"), ("万人", "人"): Decimal(10000),
    ("万人次", "人次"): Decimal(10000), ("元", "万元"): Decimal("0.0001"), ("万元", "元"): Decimal(10000),
    ("亿元", "万元"): Decimal(10000), ("人", "人次"): Decimal(1), ("人次", "人"): Decimal(1),
}
_NOT_VALUES = {"年", "日", "号", "期", "批"}
_RATE_BEFORE = re.compile(r"(?:率|比例|比重|占比|满意度|得分)(?:为|达到|达|是|约)?$")


@dataclass(frozen=True)
class Figure:
    """A number found in text, with its unit and where it starts."""

    value: Decimal
    unit: str
    start: int


def figures(text: str) -> list[Figure]:
    """Every number in a text with its unit, leaving out years, dates and document numbers."""
    norm = normalize(text)
    found = []
    for m in _VALUE_RE.finditer(norm):
        unit = m["unit"] or ""
        before = norm[max(0, m.start() - 1):m.start()]
        after = norm[m.end():m.end() + 1]
        if unit in _NOT_VALUES or before in ("〔", "[", "第", "(") and after in ("〕", "]", ")"):
            continue
        if unit == "月" and (after == "底" or after == "份" or re.match(r"\d", after or "")):
            continue
        if before == "第" or after in ("〕", "]", "号"):
            continue
        found.append(Figure(Decimal(m["num"]), unit, m.start()))
    return found


def target_unit(target: Target) -> str:
    """The unit of a target, without trailing words (``%左右`` → ``%``)."""
    unit = normalize(target.unit)
    for known in ("%", "‰", "万人次", "万人", "人次", "万元", "亿元", "元", "个月", "分钟", "小时", "人", "个", "次",
                  "条", "家", "天", "篇", "项", "月", "户", "所", "例"):
        if unit.startswith(known):
            return known
    return unit


#: A number that restates the target (``未达到目标“0”``, ``低于目标值≥90%``, ``标准值100%``), not a result.
_QUOTED_TARGET = re.compile(r"(?:目标|目标值|标准值|指标值)[为是:]?[“\"「『]?(?:[≥≤><=]|>=|<=)?$")


def extract_actual(evidence: str, target: Target) -> Decimal | None:
    """The actual value in the target's unit from 实际完成情况 / 评分过程 text, or None.

    A number in the target's unit wins ("预算执行率为99.81%" → 99.81 for a % target;
    "参保人数549.05万人" → 549.05 for 万人); people are converted to 万人 and back
    ("135809人" → 13.5809万人); with no unit match a lone bare number is taken ("预算执行率
    80.76" → 80.76). Years, dates and document numbers are never values."""
    norm = normalize(evidence)
    found = [f for f in figures(evidence) if not _QUOTED_TARGET.search(norm[max(0, f.start - 8):f.start])]
    if not found:
        return None
    unit = target_unit(target)
    if unit:
        same = [f for f in found if f.unit == unit]
        if same:
            return same[0].value
        for f in found:
            factor = _CONVERSIONS.get((f.unit, unit))
            if factor is not None:
                return f.value * factor
        if unit in ("%", "‰"):
            norm = normalize(evidence)
            bare = [f for f in found if f.unit == "" and _RATE_BEFORE.search(norm[max(0, f.start - 8):f.start])]
        else:
            bare = [f for f in found if f.unit == ""]
        return bare[0].value if len(bare) == 1 else None
    percent = [f for f in found if f.unit == "%"]
    if percent:
        return percent[0].value
    bare = [f for f in found if f.unit in ("", "次", "个", "条", "家", "人", "万人", "篇", "项")]
    return bare[0].value if bare else None


def extract_values(evidence: str, names: list[str], unit: str = "%") -> dict[str, Decimal] | None:
    """Named values for a rule of several banded parts: the numbers in ``unit`` in the order
    the parts are listed, when there are exactly as many ("98.90%, 101.27%, 49.74%")."""
    found = [f.value for f in figures(evidence) if f.unit == unit]
    if len(found) != len(names):
        return None
    return dict(zip(names, found))
