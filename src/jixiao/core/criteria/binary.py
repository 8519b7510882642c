"""The plain binary wording, tried last: 达标得X分，否则不得分 / 未达到不得分 / 计满分,否则不得分;
a lone "(X分)" item worth the weight."""

from __future__ import annotations

import re
from decimal import Decimal
from typing import Any

from .context import Ctx, Found, lower_is_better
from .points import ZERO_RE, point_items
from .text import NUM, plain


_FULL_RE = re.compile(rf"计满分|得满分|得权重分|满分|(?:得|计)({NUM})分|\(({NUM})分\)")


def recognise_binary(ctx: Ctx) -> Found:
    """达标得X分，否则不得分 / 未达到不得分 / 计满分,否则不得分; a lone "(X分)" item = weight."""
    zero = ZERO_RE.search(ctx.text) or re.search(r"(?<![\d.])0分", ctx.text)
    full = [m for m in _FULL_RE.finditer(ctx.text) if not (m[1] or m[2]) or Decimal(m[1] or m[2]) == ctx.weight]
    if not full:
        return None
    if not zero:
        lone = point_items(ctx.text)
        if not (len(lone) == 1 and lone[0][1] == ctx.weight):
            return None
    rule: dict[str, Any] = {"type": "binary"}
    note = "达到目标得满分，否则不得分"
    if ctx.numeric:
        if ctx.target.comparator is None and (lower_is_better(ctx) or ctx.target.value == 0):
            rule["comparator"] = "<="
        return rule, "high", note
    if m := re.search(rf"(?P<cmp>不少于|不低于|达到|≥)[^,;。]{{0,16}}?({NUM})%", ctx.text):
        rule.update({"comparator": ">=", "value": plain(Decimal(m[2]))})
        return rule, "medium", f"{note}；标准{m[2]}%取自评分标准"
    return rule, "medium", f"{note}（定性，按是否达到评定）"
