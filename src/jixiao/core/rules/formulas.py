"""Piecewise formulas (``formula`` and its ``Case`` branches; shapes 9, 10, 18), compiled
with ``jixiao.core.formula``."""

from __future__ import annotations

from typing import ClassVar, Literal

from pydantic import Field, PrivateAttr, model_validator

from ..formula import Formula, FormulaError, compile_formula
from ..model import Model
from ..numbers import HUNDRED, ZERO, clamp, fmt
from .base import MissingInput, Rule, RuleError, RuleResult


class Case(Model):
    """One branch of a formula rule: when ``when`` holds (or always, if empty), ``score``."""

    when: str = ""
    score: str
    label: str = ""
    _when: Formula | None = PrivateAttr(default=None)
    _score: Formula = PrivateAttr()

    @model_validator(mode="after")
    def _compile(self):
        try:
            self._when = compile_formula(self.when) if self.when.strip() else None
            self._score = compile_formula(self.score)
        except FormulaError as exc:
            raise ValueError(str(exc)) from None
        return self


class FormulaRule(Rule):
    """Piecewise formulas over actual, target, weight, reference and named values. Shapes 9,
    10 and 18 as the seeds write them ("满分 ≥90%；合格 ≥80%；零分 ≤50%；合格之上
    60+40*(实际值-80%)/10%"). With ``scale: percent`` a case's result is a percent of the
    weight; with ``points`` it is points. The score is kept within [0, weight] unless
    ``clamp`` is false.
    """

    type: Literal["formula"] = "formula"
    shapes: ClassVar = (9, 10, 18)
    cases: tuple[Case, ...] = Field(min_length=1)
    scale: Literal["points", "percent"] = "points"
    clamp: bool = True
    direction: Literal["up", "down"] | None = None  # declared monotonicity, checked by tests

    def score(self, ctx):
        return self.compile()(ctx)

    def compile(self, ctx=None):
        # the compiled formulas of each case, read once (private attributes are slow to read)
        cases = [(c, c.__pydantic_private__["_when"], c.__pydantic_private__["_score"]) for c in self.cases]
        percent, clamped = self.scale == "percent", self.clamp

        def explain(ctx, variables, case, raw, score):
            actual = f"{ctx.label}{ctx.show(variables['actual'])}，" if "actual" in variables else ""
            branch = case.label or (f"{case.when}时" if case.when else "")
            unit = "%" if percent else "分"
            calc = f"按{case.score}={fmt(raw, 4)}{unit}" if case.score.strip() != fmt(raw) else ""
            pct = f"×{fmt(ctx.weight)}分" if percent and calc else ""
            sep = "，" if branch and calc else ""
            return f"{actual}{branch}{sep}{calc}{pct}，得{ctx.pts(score)}"

        def score(ctx):
            inp = ctx.input
            variables = {"weight": ctx.weight, **inp.values}
            if ctx.target.value is not None:
                variables["target"] = ctx.target.value
            if inp.actual is not None:
                variables["actual"] = inp.actual
            if inp.reference is not None:
                variables["reference"] = inp.reference
            for case, when, formula in cases:
                try:
                    if when is not None and not when(variables):
                        continue
                    raw = formula(variables)
                except FormulaError as exc:
                    if "缺少变量" in str(exc):
                        raise MissingInput(str(exc)) from None
                    raise RuleError(str(exc)) from None
                points = raw * ctx.weight / HUNDRED if percent else raw
                score = clamp(points, ZERO, ctx.weight) if clamped else points
                return RuleResult(score, lambda: explain(ctx, variables, case, raw, score))
            raise RuleError("没有适用的公式分支")

        return score

    def bounds(self, weight):
        return (ZERO, weight) if self.clamp else (None, None)

    def monotone(self):
        return self.direction
