"""The dispatcher: the recognisers tried in order (``RECOGNISERS``) and ``parse_criteria``.

Each recogniser is a small function over the normalised text that either claims the text or
passes. The order matters where shapes overlap: 满分/合格/零分 levels are read before point
lists, additive point lists before per-unit deductions, and the plain binary and proportional
wordings come last. A rule that needs a numeric target which neither the target nor the text
supplies is not executable and comes back as ``None`` with the shape it would have had.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any, Callable

from jixiao.core.model import Target

from .bands import recognise_bands
from .binary import recognise_binary
from .bonus import recognise_bonus
from .context import Ctx, Found
from .deductions import recognise_deduct, recognise_incidents
from .executable import unexecutable_reason
from .levels import recognise_levels
from .points import recognise_items
from .rates import recognise_growth, recognise_proportional, recognise_questionnaire, recognise_saturating
from .reference import recognise_reference
from .result import ParsedCriteria
from .shares import recognise_shares
from .text import normalize

#: The one place the order of recognition is set: the first recogniser that claims the text wins.
RECOGNISERS: tuple[tuple[str, Callable[[Ctx], Found]], ...] = (
    ("questionnaire", recognise_questionnaire),
    ("saturating_rate", recognise_saturating),
    ("shares", recognise_shares),
    ("levels", recognise_levels),
    ("reference", recognise_reference),
    ("bonus", recognise_bonus),
    ("bands", recognise_bands),
    ("items", recognise_items),
    ("deduct_per_unit", recognise_deduct),
    ("per_incident", recognise_incidents),
    ("growth", recognise_growth),
    ("proportional", recognise_proportional),
    ("binary", recognise_binary),
)


def parse_criteria(text: str, weight: Decimal, target: Target | None = None) -> ParsedCriteria:
    """Read a criteria text as a rule for an indicator of ``weight`` points and ``target``."""
    target = target or Target()
    norm = normalize(text)
    if not norm:
        return ParsedCriteria(None, "high", "无评分标准（评价人判断）")
    ctx = Ctx(norm, Decimal(weight), target)
    for shape, recognise in RECOGNISERS:
        found = recognise(ctx)
        if found is None:
            continue
        rule, confidence, note = found
        reason = unexecutable_reason(rule, ctx.weight, target)
        if reason:
            return ParsedCriteria(None, "low", f"识别为{note}，但无法执行：{reason}", shape=rule["type"])
        actual_target = Target.model_validate("100%") if not ctx.numeric and _mentions_percent_target(rule) else None
        return ParsedCriteria(rule, confidence, note, shape=rule["type"], actual_target=actual_target)
    return ParsedCriteria(None, "medium", "未识别出可执行的评分规则（评价人判断）")


def _mentions_percent_target(rule: dict[str, Any]) -> bool:
    if rule.get("target") == 100 or rule.get("threshold") == 100:
        return True
    base = rule.get("base")
    return isinstance(base, dict) and _mentions_percent_target(base)
