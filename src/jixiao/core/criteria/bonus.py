"""A base rule plus points per step above the target (每超1个百分点加0.2分), capped (加分以2分封顶)
or not (上不封顶); the base is the text before the bonus, read by the whole dispatcher."""

from __future__ import annotations

import re
from decimal import Decimal
from typing import Any

from jixiao.core.numbers import fmt

from .context import Ctx, Found
from .result import Confidence, weakest
from .text import NUM, number, plain


_BONUS_RE = re.compile(rf"每(?:超|超过|超出|上升|提高|增加)(?P<step>{NUM}|一)?个?(?:百分点|%|个点|点)[^加;。]{{0,30}}?加(?P<pts>{NUM})分")
_CAP_RE = re.compile(rf"加分(?:以|最高|最多|上限为?)({NUM})分(?:封顶)?|最多加({NUM})分|(?:总分|得分)?以({NUM})分封顶")


def recognise_bonus(ctx: Ctx) -> Found:
    """A base rule plus points per step above the target, capped (加分以2分封顶) or not (上不封顶)."""
    from .dispatch import parse_criteria  # the base is criteria text itself; a cycle at import time

    bonuses = list(_BONUS_RE.finditer(ctx.text))
    if not bonuses:
        return None
    first = bonuses[0]
    cut = re.search(r"[,;。][^,;。]*?(?:超额|对超过|增幅高于)", ctx.text[:first.start()])
    base_text = ctx.text[:cut.start()] if cut else ctx.text[:first.start()]
    base = parse_criteria(base_text, ctx.weight, ctx.target) if base_text else None
    base_rule = base.rule if base and base.rule else None
    if base_rule is None:
        if not re.search(r"满分|计满分|得满分", ctx.text):
            return None
        base_rule = {"type": "binary"}
    rule: dict[str, Any] = {"type": "bonus", "base": base_rule, "points": plain(Decimal(first["pts"]))}
    step = number(first["step"]) if first["step"] else Decimal(1)
    if step != 1:
        rule["step"] = plain(step)
    notes = []
    basis = ctx.text[cut.start() if cut else 0:first.start()]
    if re.search(r"增幅|较上年|与上年|上年完成数", basis):
        # 超额完成任务的,以当年完成数与上年完成数相比的增幅计算,每超一个百分点加0.2分: the bonus
        # is on the growth over last year, a figure of its own, not on the completion rate.
        rule["input"], rule["over"] = "较上年增幅", 0
        notes.append("加分按较上年增幅计算，增幅未公布时不加分")
    elif base_rule.get("type") == "binary" and "value" in base_rule:
        rule["over"] = base_rule["value"]
    elif "threshold" in base_rule:
        rule["over"] = base_rule["threshold"]
    cap = _CAP_RE.search(ctx.text)
    if cap:
        rule["cap"] = plain(Decimal(next(g for g in cap.groups() if g)))
    elif "不封顶" not in ctx.text:
        notes.append("未写明加分上限，按不封顶")
    if len(bonuses) > 1:
        notes.append(f"有{len(bonuses)}档加分，按第一档（每{fmt(step)}个百分点加{first['pts']}分）")
    if re.search(r"扣分下不保底|可扣至负分", ctx.text):
        notes.append("另有扣分事项（扣分下不保底）未纳入规则")
    conf: Confidence = "medium" if not notes else "low"
    return rule, weakest(conf, base.confidence if base else "medium"), "；".join(["基础规则加超额加分", *notes])
