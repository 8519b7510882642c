"""Ranges with an award each (完成99%以上(得1分)、98%~99%(得0.5分)、98%以下(不得分)): a ``bands``
rule, or a sum of banded parts when several lists follow each other."""

from __future__ import annotations

import re
from decimal import Decimal
from typing import Any

from jixiao.core.numbers import ZERO

from .context import Ctx, Found
from .text import NUM, plain


_BAND_COND = (
    (re.compile(rf"(?:大于等于|≥|不低于)({NUM})%?(?:且)?(?:小于等于|≤)({NUM})%"), lambda a, b: (a, True, b, True)),
    (re.compile(rf"(?:大于等于|≥|不低于)({NUM})%?(?:且)?(?:小于|<)({NUM})%"), lambda a, b: (a, True, b, False)),
    (re.compile(rf"({NUM})%?[~\-至]({NUM})%"), lambda a, b: (a, True, b, False)),
    (re.compile(rf"({NUM})%(?:\(含\))?(?:及)?以上"), lambda a: (a, True, None, False)),
    (re.compile(rf"({NUM})%(?:及)?以下"), lambda a: (None, True, a, False)),
    (re.compile(rf"(?:大于等于|≥|不低于)({NUM})%"), lambda a: (a, True, None, False)),
    (re.compile(rf"(?:小于等于|≤)({NUM})%"), lambda a: (None, True, a, True)),
    (re.compile(rf"(?:小于|<|低于)({NUM})%"), lambda a: (None, True, a, False)),
    (re.compile(rf"(?:大于|>|高于)({NUM})%"), lambda a: (a, False, None, False)),
)
_BAND_AWARD = re.compile(rf"^\(?(?:的)?(?:(?:得|计)({NUM})分|(不得分|不计分|得0分))\)?")


def _band_items(text: str) -> list[tuple[int, int, tuple, Decimal]]:
    """Every "condition + award" pair in the text, in order, as (start, end, bounds, points)."""
    items, pos = [], 0
    while pos < len(text):
        best = None
        for regex, make in _BAND_COND:
            m = regex.search(text, pos)
            if m and (best is None or m.start() < best[0].start()):
                best = (m, make)
        if best is None:
            break
        m, make = best
        award = _BAND_AWARD.match(text[m.end():])
        if award:
            pts = Decimal(award[1]) if award[1] else ZERO
            items.append((m.start(), m.end() + award.end(), make(*(Decimal(g) for g in m.groups())), pts))
            pos = m.end() + award.end()
        else:
            pos = m.end()
    return items


def recognise_bands(ctx: Ctx) -> Found:
    """完成99%以上(得1分)、98%~99%(得0.5分)、98%以下(不得分); several banded parts are a sum."""
    items = _band_items(ctx.text)
    if len(items) < 2:
        return None
    parts: list[list] = [[]]
    for item in items:
        parts[-1].append(item)
        if item[3] == 0:
            parts.append([])
    parts = [p for p in parts if p]

    def band(bounds, pts) -> dict[str, Any]:
        lo, lo_inc, hi, hi_inc = bounds
        b: dict[str, Any] = {"points": plain(pts)}
        if lo is not None:
            b["min"] = plain(lo)
            if not lo_inc:
                b["min_inclusive"] = False
        if hi is not None:
            b["max"] = plain(hi)
            if hi_inc:
                b["max_inclusive"] = True
        return b

    def rule_of(part) -> dict[str, Any]:
        return {"type": "bands", "unit": "%", "bands": [band(b, p) for _, _, b, p in part if p or b[0] is not None]}

    if len(parts) == 1:
        return rule_of(parts[0]), "high", "按实际值所在区间计分"
    built, prev_end = [], 0
    for i, part in enumerate(parts, 1):
        pieces = [re.sub(r"^(?:各省|完成)|完成$", "", p) for p in re.split(r"[:,;。、]", ctx.text[prev_end:part[0][0]])]
        label = next((p for p in reversed(pieces) if p), f"第{i}部分")
        built.append({"name": label, "weight": plain(max(p for *_, p in part)), "input": label, "rule": rule_of(part)})
        prev_end = part[-1][1]
    return {"type": "sum", "parts": built}, "medium", f"{len(built)}个分档部分之和，各部分按其实际值计分"
