"""Two halves scored alike (职工、城乡居民分别计算，各占1/2): a sum of two parts whose rule is the
rest of the text, read by the whole dispatcher."""

from __future__ import annotations

import re

from .context import Ctx, Found
from .result import weakest
from .text import plain


_SHARE_RE = re.compile(r"[,;。]?(?:职工、?城乡居民|职工居民|[\u4e00-\u9fff、]{0,12})?分别(?:计算|考核|计分)[,]?各占(?:1/2|一半|50%)[。;,]?")


def recognise_shares(ctx: Ctx) -> Found:
    from .dispatch import parse_criteria  # each half is criteria text itself; a cycle at import time

    m = _SHARE_RE.search(ctx.text)
    if not m:
        return None
    names = ["职工", "城乡居民"] if re.search(r"职工[、和与及]?(?:城乡)?居民", ctx.text) else ["第1部分", "第2部分"]
    half = ctx.weight / 2
    rest = (ctx.text[:m.start()] + ctx.text[m.end():]).strip(",;。")
    sub = parse_criteria(rest, half, ctx.target)
    part_rule = sub.rule or {"type": "binary"}
    parts = [{"name": n, "weight": plain(half), "rule": part_rule} for n in names]
    return {"type": "sum", "parts": parts}, weakest("medium", sub.confidence), f"{names[0]}、{names[1]}分别计算，各占1/2"
