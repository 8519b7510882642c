"""The comparator and arithmetic of one level of a 满分/合格/零分 text: ``≥90%``, ``80%-90%``,
``(实际值/标准值)≥95%``, ``达到目标值`` as a numeric condition (``Cond``), and
``60+40*(实际值-80%)/10%`` as a formula."""

from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import Decimal

from jixiao.core.formula import FormulaError, compile_formula
from jixiao.core.numbers import HUNDRED, fmt

from .context import Ctx
from .text import NUM


_COND_CMP = {
    "≥": ">=", "不低于": ">=", "不少于": ">=", "大于等于": ">=", "达到": ">=", "达": ">=", "以上": ">=",
    "≤": "<=", "不高于": "<=", "不超过": "<=", "小于等于": "<=", "以内": "<=",
    ">": ">", "大于": ">", "高于": ">", "超过": ">", "<": "<", "小于": "<", "低于": "<", "以下": "<", "=": "=",
}
_COND_RE = re.compile(
    rf"^(?:实际值)?(?P<cmp>大于等于|小于等于|不低于|不少于|不高于|不超过|大于|小于|高于|低于|达到|超过|达|≥|≤|>|<|=)?"
    rf"(?P<num>{NUM})(?P<unit>%|‰|[\u4e00-\u9fff]{{0,3}}?)(?P<post>及以上|以上|以下|以内)?$")
_RANGE_RE = re.compile(rf"^(?P<lo>{NUM})(?:%|[\u4e00-\u9fff]{{0,3}}?)?[-~至](?P<hi>{NUM})(?:%|‰|[\u4e00-\u9fff]{{0,3}})?$")
_RATIO_RE = re.compile(rf"^\(?实际值/(?:标准值|指标值|目标值)\)?(?P<cmp>≤|<|≥|>)(?P<num>{NUM})%?$")
_REACH_RE = re.compile(r"^(?:达到|达|完成)(?:标准值|指标值|目标值|目标|标准)$")
_MISS_RE = re.compile(r"^(?:未达到|低于|达不到)(?:标准值|指标值|目标值|目标|标准)")


@dataclass(frozen=True)
class Cond:
    """A numeric condition: ``cmp`` value (``bare`` when printed without a comparator), or a
    ratio of actual to target, or a range [lo, hi)."""

    cmp: str | None
    value: Decimal | None = None
    ratio: bool = False
    lo: Decimal | None = None
    hi: Decimal | None = None

    def expr(self) -> str:
        if self.lo is not None:
            return f"actual >= {self.lo} and actual < {self.hi}"
        left = "actual / target" if self.ratio else "actual"
        value = self.value / HUNDRED if self.ratio else self.value
        return f"{left} {self.cmp or '>='} {fmt(value)}"


def condition(content: str, ctx: Ctx) -> Cond | None:
    """A level's condition text as a numeric condition, or None when it is words."""
    content = content.rstrip("。;,")
    if m := _RATIO_RE.match(content):
        return Cond(_COND_CMP[m["cmp"]], Decimal(m["num"]), ratio=True)
    if m := _RANGE_RE.match(content):
        return Cond(None, lo=Decimal(m["lo"]), hi=Decimal(m["hi"]))
    if m := _COND_RE.match(content):
        cmp = _COND_CMP.get(m["cmp"] or m["post"] or "", None)
        return Cond(cmp, Decimal(m["num"]))
    if _REACH_RE.match(content) and ctx.numeric:
        return Cond(ctx.target.comparator if ctx.target.comparator in ("<=", "<") else ">=", ctx.target.value)
    if _MISS_RE.match(content) and ctx.numeric:
        return Cond("<" if ctx.target.comparator != "<=" else ">", ctx.target.value)
    return None


def expression(content: str) -> str | None:
    """A level's arithmetic (合格之上: 60+40*(实际值-80%)/10%) as a formula, or None."""
    if "实际值" not in content:
        return None
    expr = content.split(":")[-1].rstrip("。;,")
    expr = expr.replace("实际值", "actual").replace("标准值", "target").replace("指标值", "target").replace("目标值", "target")
    expr = re.sub(rf"({NUM})%", r"\1", expr)
    expr = re.sub(r"^[\u4e00-\u9fff]+", "", expr)
    try:
        compile_formula(expr)
    except FormulaError:
        return None
    return expr
