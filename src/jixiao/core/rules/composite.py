"""Rules made of rules: a base rule plus a bonus (``bonus``, shape 12) and the sum of parts
(``sum`` with its ``Part``; shapes 13 and 17). Their ``AnyRule`` fields are bound by
``registry`` once every rule type is known."""

from __future__ import annotations

from decimal import Decimal
from typing import TYPE_CHECKING, ClassVar, Literal

from pydantic import Field

from ..model import IndicatorInput, Model, Target
from ..numbers import ZERO, clamp, fmt
from .base import Context, MissingInput, Rule, RuleResult, _target_value

if TYPE_CHECKING:
    from .registry import AnyRule


class Bonus(Rule):
    """A base rule plus points for every ``step`` above ``over`` (default: the target), up to
    ``cap`` (null: 加分上不封顶). Shape 12. The score may exceed the weight."""

    type: Literal["bonus"] = "bonus"
    shapes: ClassVar = (12,)
    base: "AnyRule"
    input: str | None = None
    over: Decimal | None = None
    step: Decimal = Decimal(1)
    points: Decimal
    cap: Decimal | None = None
    whole_steps: bool = False

    def score(self, ctx):
        return self._score(self.base.score, ctx)

    def compile(self, ctx=None):
        base = self.base.compile(ctx)
        return lambda ctx: self._score(base, ctx)

    def _score(self, base_score, ctx):
        base = base_score(ctx)
        try:
            value = ctx.value(self.input)
        except MissingInput:
            return RuleResult(base.score, lambda: f"{base.explanation}；无超额数据，不加分", base.manual)
        over = _target_value(ctx, self.over)
        excess = value - over
        if excess <= 0:
            return base
        steps = excess / self.step
        if self.whole_steps:
            steps = steps.to_integral_value(rounding="ROUND_FLOOR")
        bonus = steps * self.points
        capped = self.cap is not None and bonus > self.cap
        if capped:
            bonus = self.cap
        return RuleResult(base.score + bonus,
                          lambda: f"{base.explanation}；超出{ctx.show(over)}{ctx.gap(excess)}，加{ctx.pts(bonus)}"
                                  f"{f'（封顶{fmt(self.cap)}分）' if capped else ''}",
                          base.manual)

    def bounds(self, weight):
        lo, hi = self.base.bounds(weight)
        return lo, (None if self.cap is None or hi is None else hi + self.cap)

    def monotone(self):
        return "up" if self.base.monotone() == "up" and self.input in (None, "actual") else None


class Part(Model):
    """One part of a ``sum`` rule: its own points (default: the whole weight), its own input
    value name (``values[input]`` becomes the part's actual) and target, and its rule. When
    the evaluation records ``parts: {<name>: {...}}`` for the indicator, that is the part's
    whole input (its own ``met``, ``checks``, ``judgement``…)."""

    name: str
    weight: Decimal | None = None
    input: str | None = None
    target: Target | None = None
    rule: "AnyRule"


class Sum(Rule):
    """The sum of parts, each a rule; ``cap`` limits the total ("此项总分不超过4分") and
    ``floor`` bounds it below. Shapes 13 (各占1/2) and 17 (capped sum)."""

    type: Literal["sum"] = "sum"
    shapes: ClassVar = (13, 17)
    parts: tuple[Part, ...] = Field(min_length=1)
    cap: Decimal | None = None
    floor: Decimal | None = None

    def _part_input(self, ctx: Context, part: Part) -> IndicatorInput:
        inp = ctx.input.parts.get(part.name, ctx.input)
        if part.input is not None:
            inp = inp.with_actual(ctx.value(part.input))
        return inp

    def _part_context(self, ctx: Context, part: Part, inp: IndicatorInput | None = None) -> Context:
        return Context(weight=ctx.weight if part.weight is None else part.weight,
                       target=part.target or ctx.target, input=self._part_input(ctx, part) if inp is None else inp,
                       label=part.name, places=ctx.places, direction=ctx.direction)

    def score(self, ctx):
        return self._score([(part, part.rule.score, None) for part in self.parts], ctx)

    def compile(self, ctx=None):
        parts = []
        for part in self.parts:
            template = None if ctx is None else self._part_context(ctx, part, IndicatorInput())
            parts.append((part, part.rule.compile(template), template))
        if ctx is None:
            return lambda ctx: self._score(parts, ctx)
        # compiled for this indicator: each part's name, value name, scoring function and
        # context without input, so that a row only supplies the parts' inputs (= ``_score``)
        prepared = tuple((part.name, part.input, score_part, template) for part, score_part, template in parts)
        floor, cap = self.floor, self.cap

        def score(ctx):
            inp = ctx.input
            given = inp.parts
            total, results, manual = ZERO, [], False
            for name, value_name, score_part, template in prepared:
                part_input = given.get(name, inp)
                if value_name is not None:
                    part_input = part_input.with_actual(ctx.value(value_name))
                result = score_part(template.with_input(part_input))
                total += result.score
                manual = manual or result.manual
                results.append((name, result))
            return RuleResult(clamp(total, floor, cap), self._explain(results, total, ctx), manual)

        return score

    def _score(self, parts, ctx):
        total, results, manual = ZERO, [], False
        for part, score_part, template in parts:
            if template is None:
                part_ctx = self._part_context(ctx, part)
            else:  # compiled for this indicator: only the input differs
                part_ctx = template.with_input(self._part_input(ctx, part))
            result = score_part(part_ctx)
            total += result.score
            manual = manual or result.manual
            results.append((part.name, result))
        return RuleResult(clamp(total, self.floor, self.cap), self._explain(results, total, ctx), manual)

    def _explain(self, results, total, ctx):
        """The function that writes the sum's explanation (built when read)."""

        def explain():
            score = clamp(total, self.floor, self.cap)
            texts = [r.explanation if r.explanation.startswith(name) else f"{name}：{r.explanation}" for name, r in results]
            note = f"，封顶{fmt(self.cap)}分" if self.cap is not None and total > self.cap else ""
            return f"{'；'.join(texts)}；合计{ctx.pts(score)}{note}"

        return explain

    def _part_bounds(self, weight):
        for p in self.parts:
            yield p.rule.bounds(weight if p.weight is None else p.weight)

    def bounds(self, weight):
        los, his = zip(*self._part_bounds(weight))
        lo = None if None in los else sum(los, ZERO)
        hi = None if None in his else sum(his, ZERO)
        if self.floor is not None:
            lo = self.floor if lo is None else max(lo, self.floor)
        if self.cap is not None:
            hi = self.cap if hi is None else min(hi, self.cap)
        return lo, hi

    def max_points(self, weight):
        if self.cap is not None:
            return self.cap
        total = ZERO
        for p in self.parts:
            part_max = p.rule.max_points(weight if p.weight is None else p.weight)
            if part_max is None:
                part_max = p.weight if p.weight is not None else weight
            total += part_max
        return total

    def uses_actual(self):
        return any(p.input is None and p.rule.uses_actual() for p in self.parts)
