"""Rules that compare the value with a line: met or not (``binary``), lower is better
(``lower_is_better``), against a reference or a rank (``reference``), growth over last year
(``growth``). Shapes 1, 10, 14, 16."""

from __future__ import annotations

from decimal import Decimal
from typing import ClassVar, Literal

import operator

from ..model import COMPARATOR_SYMBOL, compare
from ..numbers import HUNDRED, ZERO, clamp, fmt
from .base import Context, Rule, RuleError, RuleResult, _target_value, _what

# ``model.compare`` as one function per comparator
_COMPARE = {">=": operator.ge, "<=": operator.le, ">": operator.gt, "<": operator.lt, "=": operator.eq}


class Binary(Rule):
    """Full points when the target is met, else ``else_points`` (0). Shapes 1, 16."""

    type: Literal["binary"] = "binary"
    shapes: ClassVar = (1,)
    comparator: Literal[">=", "<=", ">", "<", "="] | None = None
    value: Decimal | None = None
    else_points: Decimal = ZERO

    def _condition(self, ctx: Context) -> tuple[str, Decimal]:
        comparator = self.comparator or ctx.target.comparator or ">="
        return comparator, _target_value(ctx, self.value)

    def score(self, ctx: Context) -> RuleResult:
        if ctx.input.met is not None and ctx.input.actual is None:
            if ctx.input.met:
                return RuleResult(ctx.weight, lambda: f"评定为达到{_what(ctx)}，得满分{ctx.pts(ctx.weight)}")
            return RuleResult(self.else_points, lambda: f"评定为未达到{_what(ctx)}，得{ctx.pts(self.else_points)}")
        comparator, value = self._condition(ctx)
        actual = ctx.value()
        if compare(actual, comparator, value):
            return RuleResult(ctx.weight, lambda: f"{ctx.label}{ctx.show(actual)}，达到目标"
                                                  f"{COMPARATOR_SYMBOL[comparator]}{ctx.show(value)}，得满分{ctx.pts(ctx.weight)}")
        return RuleResult(self.else_points, lambda: f"{ctx.label}{ctx.show(actual)}，未达到目标"
                                                    f"{COMPARATOR_SYMBOL[comparator]}{ctx.show(value)}，得{ctx.pts(self.else_points)}")

    def compile(self, ctx=None):
        # the comparison is the indicator's (its target or the rule's own line): known once
        if ctx is None:
            return self.score
        try:
            comparator, value = self._condition(ctx)
        except RuleError:
            return self.score  # a target that is not a number: each row says so when scored
        test = _COMPARE[comparator]  # = model.compare
        else_points = self.else_points

        def score(ctx):
            inp = ctx.input
            actual = inp.actual
            if actual is None:
                if inp.met is not None:
                    if inp.met:
                        return RuleResult(ctx.weight, lambda: f"评定为达到{_what(ctx)}，得满分{ctx.pts(ctx.weight)}")
                    return RuleResult(else_points, lambda: f"评定为未达到{_what(ctx)}，得{ctx.pts(else_points)}")
                actual = ctx.value()  # raises MissingInput
            if test(actual, value):
                return RuleResult(ctx.weight, lambda: f"{ctx.label}{ctx.show(actual)}，达到目标"
                                                      f"{COMPARATOR_SYMBOL[comparator]}{ctx.show(value)}，得满分{ctx.pts(ctx.weight)}")
            return RuleResult(else_points, lambda: f"{ctx.label}{ctx.show(actual)}，未达到目标"
                                                   f"{COMPARATOR_SYMBOL[comparator]}{ctx.show(value)}，得{ctx.pts(else_points)}")

        return score

    def bounds(self, weight):
        return min(ZERO, self.else_points), max(weight, self.else_points)

    def monotone(self):
        return {">=": "up", ">": "up", "<=": "down", "<": "down"}.get(self.comparator or ">=")


class LowerIsBetter(Rule):
    """Full points at or below the target; above it, per ``mode``: ``zero``; ``ratio``
    (target ÷ actual × weight); or ``linear`` down to 0 at ``zero_at`` (default twice the
    target). Shape 10 (个人负担率 ≤10%)."""

    type: Literal["lower_is_better"] = "lower_is_better"
    shapes: ClassVar = (10,)
    threshold: Decimal | None = None
    mode: Literal["zero", "ratio", "linear"] = "zero"
    zero_at: Decimal | None = None

    def score(self, ctx):
        threshold = _target_value(ctx, self.threshold)
        actual = ctx.value()
        if actual <= threshold:
            return RuleResult(ctx.weight, lambda: f"{ctx.label}{ctx.show(actual)}，不高于目标{ctx.show(threshold)}，"
                                                  f"得满分{ctx.pts(ctx.weight)}")
        if self.mode == "zero":
            score = ZERO
        elif self.mode == "ratio":
            score = ctx.weight * threshold / actual
        else:
            zero_at = self.zero_at if self.zero_at is not None else threshold * 2
            if zero_at <= threshold:
                raise RuleError("zero_at 必须大于目标值")
            score = clamp(ctx.weight * (zero_at - actual) / (zero_at - threshold), ZERO, ctx.weight)
        return RuleResult(score, lambda: f"{ctx.label}{ctx.show(actual)}，高于目标{ctx.show(threshold)}"
                                         f"{ctx.gap(actual - threshold)}，得{ctx.pts(score)}")

    def monotone(self):
        return "down"


class Reference(Rule):
    """Against a reference (shape 14). ``at_least``: full when actual ≥ the reference
    (全市平均, 上年值; ``strict`` for 较上年提高), else proportional or zero per ``below``.
    ``rank``: the actual value is a rank; full when within ``top`` (排名前五)."""

    type: Literal["reference"] = "reference"
    shapes: ClassVar = (14,)
    mode: Literal["at_least", "rank"] = "at_least"
    reference: str = "reference"
    strict: bool = False
    below: Literal["proportional", "zero"] = "zero"
    top: int | None = None

    def score(self, ctx):
        actual = ctx.value()
        if self.mode == "rank":
            if self.top is None:
                raise RuleError("排名规则须给出 top")
            if actual <= self.top:
                return RuleResult(ctx.weight, lambda: f"排名第{fmt(actual)}，在前{self.top}名内，得满分{ctx.pts(ctx.weight)}")
            return RuleResult(ZERO, lambda: f"排名第{fmt(actual)}，未进入前{self.top}名，得0分")
        ref = ctx.value(self.reference)
        ok = actual > ref if self.strict else actual >= ref

        def head():
            return f"{ctx.label}{ctx.show(actual)}，参照值{ctx.show(ref)}"

        if ok:
            return RuleResult(ctx.weight,
                              lambda: f"{head()}，{'高于' if self.strict else '不低于'}参照值，得满分{ctx.pts(ctx.weight)}")
        if self.below == "proportional" and ref > 0:
            score = clamp(ctx.weight * actual / ref, ZERO, ctx.weight)
            return RuleResult(score, lambda: f"{head()}，未达到参照值，按比例得{ctx.pts(score)}")
        return RuleResult(ZERO, lambda: f"{head()}，未达到参照值，得0分")

    def monotone(self):
        return "down" if self.mode == "rank" else "up"


class Growth(Rule):
    """Full points when growth exceeds ``threshold`` (default 0, strictly), else 0. Shape 16.
    Growth is ``actual`` (a rate in %) or computed from ``values`` current and previous."""

    type: Literal["growth"] = "growth"
    shapes: ClassVar = (16,)
    threshold: Decimal = ZERO
    strict: bool = True
    current: str = "current"
    previous: str = "previous"

    def score(self, ctx):
        if ctx.input.actual is not None:
            rate = ctx.input.actual
        else:
            previous = ctx.value(self.previous)
            if previous == 0:
                raise RuleError("上年值为0，无法计算增长率")
            rate = (ctx.value(self.current) - previous) / abs(previous) * HUNDRED
        ok = rate > self.threshold if self.strict else rate >= self.threshold

        def head():
            return f"{ctx.label}同比{'增长' if rate >= 0 else '下降'}{fmt(abs(rate), 2)}%"

        if ok:
            return RuleResult(ctx.weight, lambda: f"{head()}，得满分{ctx.pts(ctx.weight)}")
        return RuleResult(ZERO, lambda: f"{head()}，未{'超过' if self.strict else '达到'}{fmt(self.threshold)}%，得0分")

    def monotone(self):
        return "up"
