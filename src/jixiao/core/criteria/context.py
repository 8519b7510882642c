"""What every recogniser is given (``Ctx``: the normalised text, the weight, the target) and
what it returns (``Found``), with the target questions several families ask: is the target a
number, does it point down, does "complete the task" wording make the actual a rate in %."""

from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from jixiao.core.model import Target
from jixiao.core.numbers import fmt

from .result import Confidence


@dataclass(frozen=True)
class Ctx:
    text: str  # normalised
    weight: Decimal
    target: Target

    @property
    def numeric(self) -> bool:
        return self.target.value is not None


Found = tuple[dict[str, Any], Confidence, str] | None


def completion_fallback(ctx: Ctx) -> bool:
    """Whether a non-numeric target reads as "complete the task", so the actual is a rate in %."""
    return not ctx.numeric and re.search(r"完成|达到|达标|覆盖|任务|目标", ctx.text + ctx.target.text) is not None


def up_or_down(ctx: Ctx) -> str:
    return "<=" if ctx.target.comparator in ("<=", "<") else ">="


def lower_is_better(ctx: Ctx) -> bool:
    value = fmt(ctx.target.value) if ctx.target.value is not None else ""
    return bool(re.search(rf"{re.escape(value)}%?(?:\(含\))?(?:以内|以下)|不超过|不高于|≤|控制在", ctx.text))


def with_target(ctx: Ctx, rule: dict[str, Any], conf: Confidence, note: str) -> Found:
    """Give a proportional rule a 100% target when the published target is words."""
    if ctx.numeric:
        return rule, conf, note
    if not completion_fallback(ctx):
        return None
    return {**rule, "target": 100}, "low", f"{note}；目标值非数值，按完成率（%）计"
