"""Comparison with others: 不低于全市平均 (``reference`` at_least) and 排名前五 (``reference``
rank); both at once are a sum of two parts."""

from __future__ import annotations

import re
from decimal import Decimal
from typing import Any

from .context import Ctx, Found
from .text import NUM, number, plain


def recognise_reference(ctx: Ctx) -> Found:
    """不低于全市平均 (at_least) / 排名前五 (rank); both at once are a sum of two parts."""
    avg = re.search(r"(?:达到或高于|不低于|高于|达到)全(?:市|省|县|区|国)(?:平均|人均)", ctx.text)
    rank = re.search(rf"排名前(\d+|[一二三四五六七八九十])名?(?:的|以内)?[,]?(?:计|得)(?:{NUM}分|满分)", ctx.text)
    if not avg and not rank:
        return None
    below = "proportional" if re.search(r"低于[^,;。]{0,8}按比例", ctx.text) else "zero"
    at_least: dict[str, Any] = {"type": "reference", "mode": "at_least", "below": below}
    ranked: dict[str, Any] = {"type": "reference", "mode": "rank", "top": int(number(rank[1]))} if rank else {}
    if avg and rank:
        pts = [Decimal(p) for p in re.findall(rf"计({NUM})分", ctx.text)]
        w1 = pts[0] if pts else ctx.weight
        w2 = pts[1] if len(pts) > 1 else ctx.weight - w1
        parts = [{"name": "与平均水平比较", "weight": plain(w1), "rule": at_least},
                 {"name": "排名", "weight": plain(w2), "input": "排名", "rule": ranked}]
        return {"type": "sum", "parts": parts}, "low", "与平均水平比较和排名两部分之和"
    if avg:
        return at_least, "medium", "与平均水平比较（需填报参照值）"
    return ranked, "medium", f"排名前{ranked['top']}名得满分"
