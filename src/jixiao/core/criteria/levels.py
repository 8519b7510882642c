"""满分/合格/零分 wording (满分:≥90% 合格(1分):≥80% 零分:≤50% 其他: 合格之上 …): each level's
text is cut out and read as a condition or a formula; the whole becomes a formula, bands, a
binary or a graded rule."""

from __future__ import annotations

import re
from decimal import Decimal
from typing import Any

from jixiao.core.numbers import HUNDRED, ZERO, fmt

from .conditions import Cond, condition, expression
from .context import Ctx, Found, up_or_down, with_target
from .text import NUM, plain


_LEVEL_RE = re.compile(rf"(?P<label>合格之上|合格之下|满分|合格|及格|零分|其他)(?:\((?P<pts>{NUM})分\))?(?P<colon>:)?")


_Segments = dict[str, tuple[str, Decimal | None]]  # level label → (its text, its stated points)


def recognise_levels(ctx: Ctx) -> Found:
    """满分:≥90% 合格(1分):≥80% 零分:≤50% 其他: 合格之上 … → formula, bands, binary or graded."""
    marks = [m for m in _LEVEL_RE.finditer(ctx.text) if m["colon"] or m["label"] in ("合格之上", "合格之下")]
    if len(marks) < 2 or not any(m["label"] in ("满分", "零分") for m in marks):
        return None
    segs: _Segments = {}
    for i, m in enumerate(marks):
        end = marks[i + 1].start() if i + 1 < len(marks) else len(ctx.text)
        content = ctx.text[m.end():end].strip(",;。")
        pts = Decimal(m["pts"]) if m["pts"] else None
        if pts is None and (tail := re.search(rf"\((?:得)?({NUM})分\)$", content)):
            pts, content = Decimal(tail[1]), content[:tail.start()]
        label = "合格" if m["label"] == "及格" else m["label"]
        segs.setdefault(label, (content, pts))
    exprs = {k: e for k in ("合格之上", "合格之下", "其他") if k in segs and (e := expression(segs[k][0]))}
    conds = {k: condition(segs[k][0], ctx) for k in ("满分", "合格", "零分") if k in segs}
    if exprs:
        return _levels_formula(ctx, segs, conds, exprs)
    full = conds.get("满分")
    pass_numeric = "合格" not in segs or conds.get("合格") is not None
    if full is not None and not full.ratio and pass_numeric:
        if "合格" not in segs and full.lo is None:
            rule: dict[str, Any] = {"type": "binary", "comparator": full.cmp or up_or_down(ctx)}
            if full.value != ctx.target.value:
                rule["value"] = plain(full.value)
            return rule, "high", "满分/零分两档，按是否达到条件计分"
        return _levels_bands(ctx, segs, conds)
    return _levels_graded(ctx, segs)


def _levels_formula(ctx: Ctx, segs: _Segments, conds: dict[str, Cond | None], exprs: dict[str, str]) -> Found:
    default = exprs.get("合格之下") or exprs.get("其他") or exprs.get("合格之上")
    ratio = re.fullmatch(rf"\(?actual/target\)?\*({NUM})", default or "")
    if ratio and "合格之上" not in exprs:
        rule: dict[str, Any] = {"type": "proportional"}
        zero = conds.get("零分")
        if zero is not None and zero.ratio:
            rule["zero_at_or_below"] = plain(zero.value / HUNDRED)
        note, conf = "按实际值与标准值的比值乘以分值计分", "high"
        if Decimal(ratio[1]) != ctx.weight:
            note, conf = f"公式乘数{ratio[1]}分与分值{fmt(ctx.weight)}分不符，按分值计", "low"
        return with_target(ctx, rule, conf, note)
    percent = any(re.search(r"(?<![\d.])60[+\-]", e) for e in exprs.values())
    full_score = "100" if percent else "weight"
    cases: list[dict[str, str]] = []
    if (full := conds.get("满分")) is not None:
        cases.append({"when": full.expr(), "score": full_score, "label": "满分"})
    if (zero := conds.get("零分")) is not None:
        cases.append({"when": zero.expr(), "score": "0", "label": "零分"})
    passed = conds.get("合格")
    if "合格之上" in exprs and passed is not None:
        cases.append({"when": passed.expr(), "score": exprs["合格之上"], "label": "合格之上"})
    if default and default != exprs.get("合格之上"):
        label = "合格之下" if "合格之下" in exprs else "其他"
        cases.append({"score": default, "label": label})
    elif not cases or cases[-1].get("when"):
        cases.append({"score": "0", "label": "其他"})
    rule = {"type": "formula", "scale": "percent" if percent else "points", "cases": cases}
    if not ctx.numeric and any("target" in c.get("when", "") + c["score"] for c in cases):
        return None
    return rule, "medium", "满分/合格/零分分段公式" + ("（按分值的百分比计）" if percent else "")


def _levels_bands(ctx: Ctx, segs: _Segments, conds: dict[str, Cond | None]) -> Found:
    full, passed = conds["满分"], conds.get("合格")
    down = (full.cmp in ("<=", "<")) or (full.cmp is None and ctx.target.comparator in ("<=", "<"))
    bands: list[dict[str, Any]] = []

    def award(label: str, default_percent: int) -> dict[str, Any]:
        pts = segs[label][1]
        return {"points": plain(pts)} if pts is not None else {"percent": default_percent}

    if full.lo is not None:
        bands.append({"min": plain(full.lo), "max": plain(full.hi), "max_inclusive": True, **award("满分", 100),
                      "label": "满分"})
    elif down:
        bands.append({"max": plain(full.value), "max_inclusive": full.cmp != "<", **award("满分", 100), "label": "满分"})
    else:
        bands.append({"min": plain(full.value), "min_inclusive": full.cmp != ">", **award("满分", 100), "label": "满分"})
    if passed is None:
        return {"type": "bands", "bands": bands}, "high", "满分区间得满分，否则不得分"
    if passed.lo is not None:
        bands.append({"min": plain(passed.lo), "max": plain(passed.hi), **award("合格", 60), "label": "合格"})
    elif down:
        bands.append({"min": plain(full.value), "min_inclusive": full.cmp == "<", "max": plain(passed.value),
                      "max_inclusive": passed.cmp != "<", **award("合格", 60), "label": "合格"})
    else:
        upper = full.lo if full.lo is not None else full.value
        bands.append({"min": plain(passed.value), "min_inclusive": passed.cmp != ">", "max": plain(upper),
                      "max_inclusive": full.cmp == ">", **award("合格", 60), "label": "合格"})
    unstated = "" if segs["合格"][1] is not None else "；合格档分值未标明，按分值的60%计"
    return {"type": "bands", "bands": bands}, "medium" if unstated else "high", "满分/合格/零分分档" + unstated


def _levels_graded(ctx: Ctx, segs: _Segments) -> Found:
    levels: list[dict[str, Any]] = []
    seen: set[str] = set()
    for key, default in (("满分", Decimal(1)), ("合格", Decimal("0.6")), ("零分", ZERO)):
        if key not in segs:
            continue
        content, pts = segs[key]
        label = content.split("其他")[0].strip(",;。") or key
        if label in seen:
            label = f"{key}：{label}"
        seen.add(label)
        level: dict[str, Any] = {"label": label, "aliases": [key]}
        if pts is not None:
            level["points"] = plain(pts)
        elif key == "零分":
            level["points"] = 0
        else:
            level["fraction"] = plain(default)
        levels.append(level)
    unstated = "合格" in segs and segs["合格"][1] is None
    note = "满分/合格/零分定性分档，由评价人评定等级" + ("；合格档分值未标明，按分值的60%计" if unstated else "")
    return {"type": "graded", "levels": levels}, "medium", note
