"""Rules where the evaluator judges: named levels (``graded``, shape 11), the evaluator's own
score (``manual``) and 定性 verdicts with their bands of the weight (``qualitative``,
``PROVINCIAL_VERDICTS``)."""

from __future__ import annotations

from decimal import Decimal
from typing import ClassVar, Literal

from pydantic import Field, model_validator

from ..model import Model
from ..numbers import HUNDRED, ZERO, fmt
from .base import MissingInput, Rule, RuleError, RuleResult


class Level(Model):
    """A verdict of a graded rule, with its points or its fraction of the weight."""

    label: str
    points: Decimal | None = None
    fraction: Decimal | None = None
    aliases: tuple[str, ...] = ()

    @model_validator(mode="after")
    def _one_award(self):
        if (self.points is None) == (self.fraction is None):
            raise ValueError("须且只须给出 points 或 fraction 之一")
        return self

    def award(self, weight):
        return self.points if self.points is not None else weight * self.fraction


class Graded(Rule):
    """A judgement among named levels (明确 2 / 明确性不足 1 / 不明确 0). Shape 11."""

    type: Literal["graded"] = "graded"
    shapes: ClassVar = (11,)
    levels: tuple[Level, ...] = Field(min_length=1)

    def score(self, ctx):
        choice = ctx.input.judgement
        if choice is None:
            raise MissingInput(f"缺少评定等级（可选：{'、'.join(l.label for l in self.levels)}）")
        for level in self.levels:
            if choice == level.label or choice in level.aliases:
                score = level.award(ctx.weight)
                return RuleResult(score, lambda: f"评定为“{level.label}”，得{ctx.pts(score)}")
        raise RuleError(f"没有评定等级“{choice}”（可选：{'、'.join(l.label for l in self.levels)}）")

    def compile(self, ctx=None):
        # choice → the first level it names (label or alias) and, for a known weight, its award
        table = {}
        for level in self.levels:
            for name in (level.label, *level.aliases):
                if name not in table:
                    table[name] = (level, None if ctx is None else level.award(ctx.weight))
        labels = "、".join(l.label for l in self.levels)

        def score(ctx):
            choice = ctx.input.judgement
            if choice is None:
                raise MissingInput(f"缺少评定等级（可选：{labels}）")
            found = table.get(choice)
            if found is None:
                raise RuleError(f"没有评定等级“{choice}”（可选：{labels}）")
            level, award = found
            if award is None:
                award = level.award(ctx.weight)
            return RuleResult(award, lambda: f"评定为“{level.label}”，得{ctx.pts(award)}")

        return score

    def bounds(self, weight):
        awards = [l.award(weight) for l in self.levels]
        return min(awards), max(awards)

    def max_points(self, weight):
        return self.bounds(weight)[1]

    def uses_actual(self):
        return False


class Manual(Rule):
    """A judgement row no rule can compute: the evaluator's score, within [0, weight]."""

    type: Literal["manual"] = "manual"

    def score(self, ctx):
        if ctx.input.manual is None:
            raise MissingInput("评价人未给出得分（人工评分指标）")
        score = ctx.input.manual
        if score < 0 or score > ctx.weight:
            raise RuleError(f"人工评分{fmt(score)}分超出0～{fmt(ctx.weight)}分")
        return RuleResult(score, lambda: f"人工评分{ctx.pts(score)}", manual=True)

    def uses_actual(self):
        return False


class Verdict(Model):
    """A verdict of a qualitative indicator and the band of the weight its score must fall in."""

    label: str
    min_percent: Decimal
    max_percent: Decimal
    max_inclusive: bool = False


PROVINCIAL_VERDICTS = (
    Verdict(label="达成", min_percent=Decimal(80), max_percent=HUNDRED, max_inclusive=True),
    Verdict(label="部分达成", min_percent=Decimal(60), max_percent=Decimal(80)),
    Verdict(label="未达成", min_percent=ZERO, max_percent=Decimal(60)),
)


class Qualitative(Rule):
    """定性: the evaluator chooses a verdict and gives a score that must fall within that
    verdict's band of the weight (达成 80–100%, 部分达成 60–<80%, 未达成 0–<60%)."""

    type: Literal["qualitative"] = "qualitative"
    shapes: ClassVar = (11,)
    verdicts: tuple[Verdict, ...] = PROVINCIAL_VERDICTS

    def score(self, ctx):
        if ctx.input.judgement is None:
            raise MissingInput(f"缺少定性评价结论（可选：{'、'.join(v.label for v in self.verdicts)}）")
        verdict = next((v for v in self.verdicts if v.label == ctx.input.judgement), None)
        if verdict is None:
            raise RuleError(f"没有评价结论“{ctx.input.judgement}”（可选：{'、'.join(v.label for v in self.verdicts)}）")
        lo = ctx.weight * verdict.min_percent / HUNDRED
        hi = ctx.weight * verdict.max_percent / HUNDRED
        if ctx.input.manual is None:
            raise MissingInput(f"“{verdict.label}”须由评价人在{fmt(lo)}～{fmt(hi)}分之间给分")
        given = ctx.input.manual
        inside = lo <= given and (given <= hi if verdict.max_inclusive else given < hi)
        if not inside:
            upper = "≤" if verdict.max_inclusive else "<"
            raise RuleError(f"评价结论“{verdict.label}”的得分须在{fmt(lo)}分≤得分{upper}{fmt(hi)}分之间，"
                            f"填报的{fmt(given)}分不在此范围")
        return RuleResult(given, lambda: f"评价结论“{verdict.label}”，评价人给分{ctx.pts(given)}（该档为分值的"
                                         f"{fmt(verdict.min_percent)}%～{fmt(verdict.max_percent)}%）", manual=True)

    def uses_actual(self):
        return False
