"""Rules that pay in proportion to a rate: actual ÷ target (``proportional``), a rate with a
saturation (``saturating_rate``), a questionnaire's composite score (``questionnaire``).
Shapes 2, 3, 15, 18."""

from __future__ import annotations

from decimal import Decimal
from typing import ClassVar, Literal

from ..numbers import HUNDRED, ZERO, clamp, fmt
from .base import Rule, RuleError, RuleResult, _target_value


class Proportional(Rule):
    """actual ÷ target × weight, capped at the weight. Shapes 2 and 3.

    ``full_at_or_above`` (a ratio, default 1) gives full points from that ratio up;
    ``zero_at_or_below`` (a ratio such as 0.5) gives 0 at or below it — the floor of shape 3.
    """

    type: Literal["proportional"] = "proportional"
    shapes: ClassVar = (2, 3)
    target: Decimal | None = None
    full_at_or_above: Decimal = Decimal(1)
    zero_at_or_below: Decimal | None = None

    def score(self, ctx):
        target = _target_value(ctx, self.target)
        if target <= 0:
            raise RuleError("按比例得分的目标值必须大于0")
        actual = ctx.value()
        ratio = actual / target

        def head():
            return f"{ctx.label}{ctx.show(actual)}，为目标{ctx.show(target)}的{fmt(ratio * HUNDRED, 2)}%"

        if ratio >= self.full_at_or_above:
            return RuleResult(ctx.weight, lambda: f"{head()}，得满分{ctx.pts(ctx.weight)}")
        if self.zero_at_or_below is not None and ratio <= self.zero_at_or_below:
            return RuleResult(ZERO, lambda: f"{head()}，不高于{fmt(self.zero_at_or_below * HUNDRED)}%，得0分")
        score = clamp(ctx.weight * ratio, ZERO, ctx.weight)
        return RuleResult(score, lambda: f"{head()}，按比例得{ctx.pts(score)}")

    def monotone(self):
        return "up"


class QuestionnaireRule(Rule):
    """A questionnaire composite score converted to the weight ("100分满分折算为4分").
    Shape 15. The actual value is the composite score, typed or taken from a questionnaire
    of the evaluation (``questionnaire: <id>`` in the input)."""

    type: Literal["questionnaire"] = "questionnaire"
    shapes: ClassVar = (15,)
    full_marks: Decimal = HUNDRED

    def score(self, ctx):
        composite = ctx.value()
        score = clamp(ctx.weight * composite / self.full_marks, ZERO, ctx.weight)
        return RuleResult(score, lambda: f"问卷综合得分{fmt(composite)}分（满分{fmt(self.full_marks)}分），折算为{ctx.pts(score)}")

    def monotone(self):
        return "up"


class SaturatingRate(Rule):
    """A rate times the weight, counted as full from ``saturation`` up ("全年执行数/全年预算
    数*10分(执行率≥90%,按10分计算)"). Shape 18. ``actual`` is the rate in percent."""

    type: Literal["saturating_rate"] = "saturating_rate"
    shapes: ClassVar = (18,)
    saturation: Decimal = Decimal(90)
    zero_at_or_below: Decimal | None = None

    def score(self, ctx):
        rate = ctx.value()
        if rate >= self.saturation:
            return RuleResult(ctx.weight, lambda: f"{ctx.label}{fmt(rate)}%，不低于{fmt(self.saturation)}%，"
                                                  f"按满分{ctx.pts(ctx.weight)}计")
        if self.zero_at_or_below is not None and rate <= self.zero_at_or_below:
            return RuleResult(ZERO, lambda: f"{ctx.label}{fmt(rate)}%，不高于{fmt(self.zero_at_or_below)}%，得0分")
        score = clamp(ctx.weight * rate / HUNDRED, ZERO, ctx.weight)
        return RuleResult(score, lambda: f"{ctx.label}{fmt(rate)}%，低于{fmt(self.saturation)}%，"
                                         f"按{fmt(rate)}%×{fmt(ctx.weight)}计{ctx.pts(score)}")

    def monotone(self):
        return "up"
