"""Point lists: the text cut after every stated award (①…(2分) ②…(1分), …得1分；…得1分) read as a
checklist, a graded list (明确2分/不足1分/不明确0分), a capped sum, or two levels (达到得满分、
未达到得0分). ``point_items`` and ``ZERO_RE`` are shared with the binary wording."""

from __future__ import annotations

import re
from decimal import Decimal
from typing import Any

from jixiao.core.numbers import ZERO, fmt

from .context import Ctx, Found, lower_is_better
from .result import Confidence
from .text import NUM, plain


_POINTS_RE = re.compile(rf"(?<![扣除加减过超满以至\-~分\d.])\(?(?:得|计)?({NUM})分\)?(?!钟|及以上|以上|以下|及以下|满分|封顶|\d)")
ZERO_RE = re.compile(r"不得分|不计分|得0分|计0分|为0分")
_MARK_RE = re.compile(r"^[;,。、\s]*(?:[①②③④⑤⑥⑦⑧⑨⑩]|\(\d+\)|\d+[、.](?!\d))?[;,。、\s]*")
_EXTRA_RE = re.compile(rf"(?:额外|可|另)加({NUM})分")
_SUM_CAP_RE = re.compile(rf"(?:此项|本项)?总分不超(?:过)?({NUM})分")


def point_items(text: str) -> list[tuple[str, Decimal]]:
    """The text cut after every stated award ("得1分", "(2分)", "计0.5分", "不得分"): each piece
    is (its text, its points); deductions and thresholds are not awards."""
    hits = [(m.start(), m.end(), Decimal(m[1])) for m in _POINTS_RE.finditer(text)]
    hits += [(m.start(), m.end(), ZERO) for m in ZERO_RE.finditer(text)]
    hits.sort()
    items, prev = [], 0
    for start, end, pts in hits:
        if start < prev:
            continue
        piece = text[prev:start]
        items.append((piece, pts))
        prev = end
    return items


def _label(piece: str, limit: int = 24) -> str:
    piece = _MARK_RE.sub("", piece)
    piece = re.sub(r"^(?:[;,。、]|否则|则)+", "", piece).strip(";,。、:()")
    return piece[:limit]


def recognise_items(ctx: Ctx) -> Found:
    """①…(2分) ②…(1分) / …得1分；…得1分 → checklist; 明确2/不足1/不明确0 → graded;
    达到得满分、未达到得0分 → binary. A "总分不超过X分" cap makes a capped sum of parts."""
    pieces = point_items(ctx.text)
    positive = [(p, v) for p, v in pieces if v > 0]
    zeros = [(p, v) for p, v in pieces if v == 0]
    extras = [Decimal(m[1]) for m in _EXTRA_RE.finditer(ctx.text)]
    cap = _SUM_CAP_RE.search(ctx.text)
    if not positive or (len(positive) == 1 and not (zeros and positive[0][1] == ctx.weight)):
        return None
    values = [v for _, v in positive]
    total = sum(values, ZERO)
    if len(positive) == 1:
        return _two_levels(ctx, _label(positive[0][0]) or "达到", _label(zeros[0][0]) or "未达到")
    decreasing = all(a > b for a, b in zip(values, values[1:]))
    order = [v for _, v in pieces]
    first, last = order.index(values[0]), len(order) - 1 - order[::-1].index(values[-1])
    alternatives = decreasing and ZERO not in order[first:last] and order[-1] == 0
    if total != ctx.weight and alternatives and values[0] == ctx.weight:
        levels, seen = [], set()
        prev_label = ""
        for piece, v in pieces:
            label = _label(piece) or prev_label or f"{fmt(v)}分档"
            prev_label = label
            if label in seen:
                continue
            seen.add(label)
            levels.append({"label": label, "points": plain(v)})
        return {"type": "graded", "levels": levels}, "medium", "按评定等级计分"
    item_list = [{"id": str(i), "text": _label(p, 40) or f"第{i}项", "points": plain(v)}
                 for i, (p, v) in enumerate(positive, 1)]
    if cap or extras:
        parts = [{"name": f"{it['id']}.{it['text'][:16]}", "weight": it["points"], "rule": {"type": "binary"}}
                 for it in item_list]
        parts += [{"name": f"加分{i}", "weight": plain(v), "rule": {"type": "binary"}} for i, v in enumerate(extras, 1)]
        rule: dict[str, Any] = {"type": "sum", "parts": parts}
        if cap:
            rule["cap"] = plain(Decimal(cap[1]))
        most = Decimal(cap[1]) if cap else total + sum(extras, ZERO)
        conf: Confidence = "medium" if most == ctx.weight else "low"
        return rule, conf, f"{len(parts)}项之和" + (f"，总分不超过{cap[1]}分" if cap else "")
    if total == ctx.weight:
        return {"type": "checklist", "items": item_list}, "high", f"{len(item_list)}个评分要点之和"
    return ({"type": "checklist", "items": item_list}, "low",
            f"评分要点合计{fmt(total)}分，与分值{fmt(ctx.weight)}分不符")


def _two_levels(ctx: Ctx, yes: str, no: str) -> Found:
    """Full points or nothing: binary against a numeric target, else a two-level judgement."""
    if ctx.numeric:
        rule: dict[str, Any] = {"type": "binary"}
        if ctx.target.comparator is None and lower_is_better(ctx):
            rule["comparator"] = "<="
        elif ctx.target.value == 0 and ctx.target.comparator is None:
            rule["comparator"] = "<="
        return rule, "high", "达到目标得满分，否则不得分"
    levels = [{"label": yes, "points": plain(ctx.weight), "aliases": ["满分"]},
              {"label": no if no != yes else f"未{yes}", "points": 0, "aliases": ["零分"]}]
    return {"type": "graded", "levels": levels}, "medium", "达到得满分、未达到得0分（定性，由评价人评定）"
