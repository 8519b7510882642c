"""Wordings that compute the score from one rate: a questionnaire score converted (问卷…折算),
the execution rate saturating (执行数/预算数*分值, 达到90%得满分), growth on last year (同比增长)
and the proportional reading (按比例得分, 实际值/目标值*分值)."""

from __future__ import annotations

import re
from decimal import Decimal
from typing import Any

from jixiao.core.numbers import HUNDRED, fmt

from .context import Ctx, Found, with_target
from .text import NUM, plain


def recognise_questionnaire(ctx: Ctx) -> Found:
    if "问卷" not in ctx.text or "折算" not in ctx.text:
        return None
    full = re.search(rf"({NUM})分满分|满分({NUM})分", ctx.text)
    rule: dict[str, Any] = {"type": "questionnaire"}
    if full and Decimal(full[1] or full[2]) != HUNDRED:
        rule["full_marks"] = plain(Decimal(full[1] or full[2]))
    to = re.search(rf"折算为({NUM})分", ctx.text)
    if to and Decimal(to[1]) != ctx.weight:
        return rule, "medium", f"问卷得分折算为{to[1]}分，与分值{fmt(ctx.weight)}分不符，按分值折算"
    return rule, "high", "按问卷综合得分折算"


def recognise_saturating(ctx: Ctx) -> Found:
    if not re.search(r"执行数/.{0,10}?预算数", ctx.text):
        return None
    sat = re.search(rf"(?:≥|不低于|达到|高于)({NUM})%", ctx.text)
    mult = re.search(rf"预算数\*({NUM})分?", ctx.text)
    rule = {"type": "saturating_rate", "saturation": plain(Decimal(sat[1])) if sat else 90}
    if mult and Decimal(mult[1]) != ctx.weight:
        return rule, "low", f"公式乘数{mult[1]}分与分值{fmt(ctx.weight)}分不符，按分值计"
    return rule, "high" if sat else "medium", "执行率乘以分值，达到饱和点按满分计"


def recognise_growth(ctx: Ctx) -> Found:
    if re.search(r"较(?:去年|上年)(?:同期)?增长|同比增长", ctx.text) and re.search(r"满分|权重分|得\d", ctx.text):
        return {"type": "growth"}, "high", "同比增长得满分，否则不得分"
    return None


_PROPORTIONAL_RE = re.compile(r"按比例(?:得分|计分|计算)|比值[,]?(?:乘以|\*)|比重[,]?乘以|实际完成值与目标值的比|实际值/(?:标准值|目标值)\)?\*")


def recognise_proportional(ctx: Ctx) -> Found:
    if not _PROPORTIONAL_RE.search(ctx.text):
        return None
    if ctx.numeric and ctx.target.value <= 0:
        return {"type": "binary", "comparator": ctx.target.comparator or ">"}, "medium", \
            "目标值为0，无法按比例计分，按是否达到目标计"
    mult = re.search(rf"乘以(?:权重)?({NUM})分", ctx.text)
    note, conf = "达到目标得满分，否则按实际值与目标值的比例得分", "high"
    if mult and Decimal(mult[1]) != ctx.weight:
        note, conf = f"{note}；评分标准乘数{mult[1]}分与分值{fmt(ctx.weight)}分不符", "low"
    return with_target(ctx, {"type": "proportional"}, conf, note)
