"""Points by the band the value falls in (``bands`` and its ``Band``; shape 8)."""

from __future__ import annotations

from decimal import Decimal
from typing import ClassVar, Literal

from pydantic import Field, model_validator

from ..model import Model
from ..numbers import HUNDRED, ZERO
from .base import Rule, RuleResult


class Band(Model):
    """A band of the measured value: [min, max) by default; ``points`` or ``percent`` of the
    weight."""

    min: Decimal | None = None
    max: Decimal | None = None
    min_inclusive: bool = True
    max_inclusive: bool = False
    points: Decimal | None = None
    percent: Decimal | None = None
    label: str = ""

    @model_validator(mode="after")
    def _one_award(self):
        if (self.points is None) == (self.percent is None):
            raise ValueError("须且只须给出 points 或 percent 之一")
        return self

    def contains(self, value: Decimal) -> bool:
        if self.min is not None and (value < self.min or (value == self.min and not self.min_inclusive)):
            return False
        if self.max is not None and (value > self.max or (value == self.max and not self.max_inclusive)):
            return False
        return True

    def award(self, weight: Decimal) -> Decimal:
        return self.points if self.points is not None else weight * self.percent / HUNDRED

    def describe(self, show) -> str:
        if self.label:
            return self.label
        lo = None if self.min is None else ("≥" if self.min_inclusive else ">") + show(self.min)
        hi = None if self.max is None else ("≤" if self.max_inclusive else "<") + show(self.max)
        return "且".join(x for x in (lo, hi) if x) or "任意值"


class Bands(Rule):
    """Points by the band the value falls in ("99%以上得1分、98%~99%得0.5分"). Shape 8.

    ``input`` names the value (default ``actual``); the first band that contains it applies;
    a value in no band scores ``else_points``.
    """

    type: Literal["bands"] = "bands"
    shapes: ClassVar = (8,)
    input: str | None = None
    bands: tuple[Band, ...] = Field(min_length=1)
    else_points: Decimal = ZERO
    unit: str | None = None

    def score(self, ctx):
        value = ctx.value(self.input)
        show = lambda v: ctx.show(v, self.unit)  # noqa: E731
        for band in self.bands:
            if band.contains(value):
                score = band.award(ctx.weight)
                return RuleResult(score, lambda: f"{ctx.label}{show(value)}，属“{band.describe(show)}”档，得{ctx.pts(score)}")
        return RuleResult(self.else_points,
                          lambda: f"{ctx.label}{show(value)}，不在任何得分档内，得{ctx.pts(self.else_points)}")

    def compile(self, ctx=None):
        if ctx is None:
            return self.score
        # each band's limits and, for the indicator's weight, its award: = ``Band.contains``
        bands = tuple((b.min, b.max, b.min_inclusive, b.max_inclusive, b, b.award(ctx.weight)) for b in self.bands)
        name, unit, else_points = self.input, self.unit, self.else_points

        def score(ctx):
            value = ctx.value(name)
            for lo, hi, lo_in, hi_in, band, award in bands:
                if lo is not None and (value < lo or (value == lo and not lo_in)):
                    continue
                if hi is not None and (value > hi or (value == hi and not hi_in)):
                    continue
                return RuleResult(award, lambda: f"{ctx.label}{ctx.show(value, unit)}，"
                                                 f"属“{band.describe(lambda v: ctx.show(v, unit))}”档，得{ctx.pts(award)}")
            return RuleResult(else_points,
                              lambda: f"{ctx.label}{ctx.show(value, unit)}，不在任何得分档内，得{ctx.pts(else_points)}")

        return score

    def bounds(self, weight):
        awards = [b.award(weight) for b in self.bands] + [self.else_points]
        return min(awards), max(awards)

    def max_points(self, weight):
        return max(b.award(weight) for b in self.bands)

    def uses_actual(self):
        return self.input in (None, "actual")

    def monotone(self):
        ordered = sorted(self.bands, key=lambda b: (b.min is not None, b.min or ZERO))
        awards = [b.award(Decimal(100)) for b in ordered]
        if self.uses_actual() and all(b.max is not None or i == len(ordered) - 1 for i, b in enumerate(ordered)):
            if awards == sorted(awards) and self.else_points <= min(awards):
                return "up"
        return None
