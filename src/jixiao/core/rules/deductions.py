"""Rules that deduct: per unit short of or over a threshold (``deduct_per_unit``, shapes 4
and 5) and per incident (``per_incident`` with its ``Deduction`` kinds, shape 7)."""

from __future__ import annotations

from decimal import Decimal
from typing import ClassVar, Literal

from pydantic import Field, model_validator

from ..model import Model
from ..numbers import ZERO, clamp, fmt
from .base import Rule, RuleError, RuleResult, _target_value


class DeductPerUnit(Rule):
    """Deduct for every ``step`` below (short) or above (over) a threshold. Shapes 4 and 5.

    The deduction per step is ``points`` or ``fraction_of_weight`` × weight ("每低1%扣除5%的
    权重分"). Steps are counted exactly unless ``whole_steps`` (then only whole steps count).
    ``floor`` is the lowest score (0: 扣完为止; null: may go negative).
    """

    type: Literal["deduct_per_unit"] = "deduct_per_unit"
    shapes: ClassVar = (4, 5)
    direction: Literal["short", "over"] = "short"
    threshold: Decimal | None = None
    step: Decimal = Decimal(1)
    points: Decimal | None = None
    fraction_of_weight: Decimal | None = None
    floor: Decimal | None = ZERO
    whole_steps: bool = False

    @model_validator(mode="after")
    def _one_rate(self):
        if (self.points is None) == (self.fraction_of_weight is None):
            raise ValueError("须且只须给出 points 或 fraction_of_weight 之一")
        if self.step <= 0:
            raise ValueError("step 必须大于0")
        return self

    def score(self, ctx):
        threshold = _target_value(ctx, self.threshold)
        actual = ctx.value()
        gap = threshold - actual if self.direction == "short" else actual - threshold
        word = "低于" if self.direction == "short" else "超出"
        if gap <= 0:
            return RuleResult(ctx.weight, lambda: f"{ctx.label}{ctx.show(actual)}，未{word}目标{ctx.show(threshold)}，"
                                                  f"得满分{ctx.pts(ctx.weight)}")
        steps = gap / self.step
        if self.whole_steps:
            steps = steps.to_integral_value(rounding="ROUND_FLOOR")
        per = self.points if self.points is not None else self.fraction_of_weight * ctx.weight
        deduction = steps * per
        score = clamp(ctx.weight - deduction, self.floor, None)
        floored = self.floor is not None and score == self.floor and deduction > ctx.weight - self.floor
        return RuleResult(score, lambda: f"{ctx.label}{ctx.show(actual)}，{word}目标{ctx.gap(gap)}，"
                                         f"扣{ctx.pts(deduction)}{'，扣完为止' if floored else ''}")

    def bounds(self, weight):
        return self.floor, weight

    def monotone(self):
        return "up" if self.direction == "short" else "down"


class Deduction(Model):
    """A kind of incident and the points it costs each time (None: the evaluator enters
    the points deducted directly, for "根据严重程度扣0.1-0.5分"); ``zero`` means the item
    scores 0 whenever it occurs ("该项不得分")."""

    kind: str
    text: str = ""
    points: Decimal | None = None
    zero: bool = False


class PerIncident(Rule):
    """Start from ``base`` (the weight) and deduct per incident. Shape 7.

    ``floor`` 0 is 扣完为止; null lets the score go negative (可扣至负分).
    """

    type: Literal["per_incident"] = "per_incident"
    shapes: ClassVar = (7,)
    base: Decimal | None = None
    deductions: tuple[Deduction, ...] = Field(min_length=1)
    floor: Decimal | None = ZERO

    def score(self, ctx):
        return self.compile()(ctx)

    def compile(self, ctx=None):
        kinds = {d.kind: d for d in self.deductions}  # once per rule, not per row
        known = kinds.keys()
        fixed_base, floor = self.base, self.floor

        def score(ctx):
            base = ctx.weight if fixed_base is None else fixed_base
            incidents = ctx.input.incidents
            unknown = set(incidents) - known
            if unknown:
                raise RuleError(f"没有这些扣分事项：{'、'.join(sorted(unknown))}（可选：{'、'.join(kinds)}）")
            parts, total = [], ZERO
            for kind, count in incidents.items():
                if count < 0:
                    raise RuleError(f"扣分事项“{kind}”的次数不能为负")
                if count == 0:
                    continue
                d = kinds[kind]
                if d.zero:
                    return RuleResult(ZERO, f"发生“{kind}”，该项不得分")
                parts.append((kind, count, d.points))
                total += count if d.points is None else count * d.points
            if not parts:
                return RuleResult(base, lambda: f"无扣分事项，得{ctx.pts(base)}")
            score = clamp(base - total, floor, None)
            floored = floor is not None and base - total < floor

            def explain():
                said = "，".join(f"{kind}扣{fmt(count)}分" if points is None else f"{kind}{fmt(count)}次扣{fmt(count * points)}分"
                                for kind, count, points in parts)
                return f"{said}，共扣{fmt(total)}分，得{ctx.pts(score)}{'，扣完为止' if floored else ''}"

            return RuleResult(score, explain)

        return score

    def bounds(self, weight):
        return self.floor, weight if self.base is None else self.base

    def max_points(self, weight):
        return self.base

    def uses_actual(self):
        return False
