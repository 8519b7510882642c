"""Deductions: per unit short of or over the target (每低1%扣除5%的权重分, 每下降一个百分点扣0.5分)
and per incident (迟报扣0.2分、错报一次扣0.5分; 可扣至负分 → no floor)."""

from __future__ import annotations

import re
from decimal import Decimal
from typing import Any

from jixiao.core.numbers import HUNDRED, fmt

from .context import Ctx, Found, completion_fallback
from .result import Confidence
from .text import NUM, number, plain


_DEDUCT_RE = re.compile(
    rf"每(?P<dir>低于|低|少|下降|降低|减少|超出|超过|高于|上升|增加)(?:目标)?(?P<step>{NUM}|一)?个?(?P<unit>%|百分点|个点|点)"
    rf"[,]?扣(?:除)?(?P<amount>{NUM})(?P<kind>%|分)(?:的|得)?(?P<weight>权重)?")
_SHORT = {"低于", "低", "少", "下降", "降低", "减少"}


def _threshold(ctx: Ctx) -> tuple[Decimal | None, str]:
    """The threshold of a per-unit rule when the target is not a number: from the text
    (达到100%) or, for "complete the task" wording, 100%."""
    if m := re.search(rf"(?:达到|达|为|不低于|不少于)({NUM})%", ctx.text):
        return Decimal(m[1]), f"阈值{m[1]}%取自评分标准"
    if completion_fallback(ctx):
        return HUNDRED, "目标值非数值，按完成率100%计"
    return None, ""


def recognise_deduct(ctx: Ctx) -> Found:
    """每低1%扣除5%的权重分 / 每下降一个百分点扣0.5分 / 每超出1%扣除5%的权重."""
    m = _DEDUCT_RE.search(ctx.text)
    if not m:
        return None
    rule: dict[str, Any] = {"type": "deduct_per_unit", "direction": "short" if m["dir"] in _SHORT else "over"}
    step = number(m["step"]) if m["step"] else Decimal(1)
    if step != 1:
        rule["step"] = plain(step)
    amount = Decimal(m["amount"])
    if m["kind"] == "%":
        rule["fraction_of_weight"] = plain(amount / HUNDRED)
    else:
        rule["points"] = plain(amount)
    if re.search(r"可扣至负分|扣分下不保底|不保底", ctx.text):
        rule["floor"] = None
    note = "每" + ("低于" if rule["direction"] == "short" else "超出") + "一个单位按比例扣分"
    conf: Confidence = "high"
    if not ctx.numeric:
        threshold, why = _threshold(ctx)
        if threshold is not None:
            rule["threshold"] = plain(threshold)
            note, conf = f"{note}；{why}", "low"
    return rule, conf, note


_DEDUCTION_RE = re.compile(rf"扣(?:除)?({NUM})(?:-({NUM}))?分")
_NOISE_RE = re.compile(r"每次|每例|每起|每项|每个|一次|一例|一起|一项|一个|每出现|出现|每发现|发现|每|的|均要|分别")
_ZERO_CLAUSE_RE = re.compile(r"([^,;。]*?)[,]?(?:该项|本项|此项)?(?:不得分|不计分|得0分)")


def recognise_incidents(ctx: Ctx) -> Found:
    """迟报扣0.2分、错报一次扣0.5分 / 每缺失一个模块扣除0.2分; 可扣至负分 → no floor."""
    hits = list(_DEDUCTION_RE.finditer(ctx.text))
    if not hits:
        return None
    deductions: list[dict[str, Any]] = []
    kinds: set[str] = set()
    prev_end = 0
    carry = ""
    for m in hits:
        before = ctx.text[prev_end:m.start()]
        clauses = [_NOISE_RE.sub("", c) for c in re.split(r"[,;。]", before)]
        kind = clauses[-1] if clauses else ""
        if not kind and carry:
            kind = carry
        if not kind and len(clauses) > 1:
            kind = next((c for c in reversed(clauses[:-1]) if c), "")
        kind = re.sub(r"^(?:否则|如|对|若|凡|经确认为|因)", "", kind)[-14:].strip("、") or f"扣分事项{len(deductions) + 1}"
        while kind in kinds:
            kind += "'"
        kinds.add(kind)
        item: dict[str, Any] = {"kind": kind}
        if m[2]:
            item["text"] = f"每次扣{m[1]}-{m[2]}分（按严重程度，由评价人填报扣分）"
        else:
            item["points"] = plain(Decimal(m[1]))
        deductions.append(item)
        rest = ctx.text[m.end():]
        tail = re.split(r"[,;。]", rest, maxsplit=1)[0]
        carry = _NOISE_RE.sub("", tail.lstrip("、")) if tail.startswith("、") else ""
        prev_end = m.end()
    for m in _ZERO_CLAUSE_RE.finditer(ctx.text):
        cond = re.sub(r"^(?:否则|如|若|凡|如存在)", "", m[1]).strip("、")
        if cond and not re.search(r"计满分|得满分", cond) and len(deductions) < 12:
            kind = cond[-14:].strip("、").removesuffix("的")
            if kind not in kinds:
                kinds.add(kind)
                deductions.append({"kind": kind, "zero": True})
    rule: dict[str, Any] = {"type": "per_incident", "deductions": deductions}
    base = re.search(rf"(?:计|得|基础分)({NUM})分", ctx.text)
    conf: Confidence = "high"
    note = f"{len(deductions)}类扣分事项，按次扣分"
    if base and Decimal(base[1]) != ctx.weight and Decimal(base[1]) > 0:
        rule["base"] = plain(Decimal(base[1]))
        conf, note = "low", f"{note}；评分标准基础分{base[1]}分与分值{fmt(ctx.weight)}分不符"
    if re.search(r"可扣至负分|扣分下不保底|不保底", ctx.text):
        rule["floor"] = None
        note += "，可扣至负分"
    elif "扣完为止" in ctx.text:
        note += "，扣完为止"
    return rule, conf, note
