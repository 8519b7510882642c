"""The rule engine: every scoring shape of DOMAIN.md as data, with a registry.

A rule is a frozen pydantic model whose ``type`` names it in the registry ``RULES``. Given a
``Context`` (the indicator's weight and target, and what the evaluator recorded) it returns a
``RuleResult``: the exact, unrounded score and a one-line Chinese explanation of how it was
reached. Rules compose: ``sum`` adds parts that are rules themselves, ``bonus`` wraps a base
rule. Rounding is not done here but once per indicator by ``jixiao.core.scoring``.

Shapes (DOMAIN.md numbering) → rule types:
 1 binary · 2/3 proportional (``zero_at_or_below`` for floors) · 4/5 deduct_per_unit ·
 6 checklist · 7 per_incident · 8 bands · 9 formula (percent scale) · 10 lower_is_better ·
 11 graded · 12 bonus · 13 sum (parts with their own inputs) · 14 reference ·
 15 questionnaire · 16 growth · 17 sum with ``cap`` · 18 saturating_rate · judgement → manual.
"""

from __future__ import annotations

from dataclasses import FrozenInstanceError, dataclass, field
from decimal import Decimal
from typing import Annotated, Any, Callable, ClassVar, Literal, Union

from pydantic import Field, PrivateAttr, model_validator

from .formula import Formula, FormulaError, compile_formula
from .model import COMPARATOR_SYMBOL, IndicatorInput, Model, Target, compare
from .numbers import HUNDRED, ZERO, clamp, fmt

CIRCLED = "①②③④⑤⑥⑦⑧⑨⑩⑪⑫⑬⑭⑮"
_new = object.__new__


class MissingInput(Exception):
    """The evaluation lacks a value the rule needs; the message says which, in Chinese."""


class RuleError(ValueError):
    """The input does not fit the rule (unknown level, unknown checklist item...)."""


@dataclass(frozen=True)
class Context:
    """What a rule sees: the points at stake, the target, the recorded input, display hints."""

    weight: Decimal
    target: Target = field(default_factory=Target)
    input: IndicatorInput = field(default_factory=IndicatorInput)
    label: str = "实际值"
    places: int = 2
    direction: str = "正向"

    def with_input(self, input: IndicatorInput) -> "Context":
        """This context with another input: the scorer's per-row copy of an indicator's
        context (the same as constructing it, without the frozen constructor's cost)."""
        ctx = _new(Context)
        d = ctx.__dict__
        d.update(self.__dict__)
        d["input"] = input
        return ctx

    def value(self, name: str | None = None) -> Decimal:
        """The actual value, or a named value from ``values`` / ``reference``."""
        if name in (None, "actual"):
            if self.input.actual is None:
                raise MissingInput("缺少实际完成值")
            return self.input.actual
        if name == "reference":
            if self.input.reference is None:
                raise MissingInput("缺少参照值（如全市平均、上年值）")
            return self.input.reference
        if name not in self.input.values:
            raise MissingInput(f"缺少数值“{name}”")
        return self.input.values[name]

    def show(self, value: Decimal, unit: str | None = None) -> str:
        unit = self.unit if unit is None else unit
        return f"{fmt(value)}{unit}"

    @property
    def unit(self) -> str:
        unit = self.target.unit
        return "%" if unit.startswith("%") else ("‰" if unit.startswith("‰") else unit)

    def pts(self, value: Decimal) -> str:
        return f"{fmt(value, self.places)}分"

    def gap(self, amount: Decimal, unit: str | None = None) -> str:
        """Say a difference in the unit: 个百分点 for %, 个千分点 for ‰."""
        unit = self.unit if unit is None else unit
        if unit == "%":
            return f"{fmt(amount)}个百分点"
        if unit == "‰":
            return f"{fmt(amount)}个千分点"
        return f"{fmt(amount)}{unit}"


class RuleResult:
    """A rule's exact score and its explanation.

    ``explanation`` may be given as the text or as a function of no arguments that returns
    it: rules pass a function, so the sentence (which formats several Decimals) is only built
    when somebody reads it — most scored rows are totalled and never explained. The text is
    built once, on first access, and is the same either way. Immutable, like a frozen
    dataclass; pickles and compares by its text.
    """

    manual = False

    def __init__(self, score: Decimal, explanation: "str | Callable[[], str]", manual: bool = False):
        d = self.__dict__
        d["score"] = score
        d["_explanation"] = explanation
        if manual:
            d["manual"] = True

    @property
    def explanation(self) -> str:
        text = self.__dict__["_explanation"]
        if text.__class__ is not str:
            text = self.__dict__["_explanation"] = text()
        return text

    @property
    def lazy_explanation(self) -> "str | Callable[[], str]":
        """The explanation as given (text, or the function that builds it), without building it."""
        return self.__dict__["_explanation"]

    def __setattr__(self, name, value):
        raise FrozenInstanceError(f"cannot assign to field {name!r}")

    def __delattr__(self, name):
        raise FrozenInstanceError(f"cannot delete field {name!r}")

    def __eq__(self, other):
        if other.__class__ is not self.__class__:
            return NotImplemented
        return (self.score, self.explanation, self.manual) == (other.score, other.explanation, other.manual)

    def __hash__(self):
        return hash((self.score, self.explanation, self.manual))

    def __repr__(self):
        return f"RuleResult(score={self.score!r}, explanation={self.explanation!r}, manual={self.manual!r})"

    def __reduce__(self):
        return (RuleResult, (self.score, self.explanation, self.manual))


RULES: dict[str, type["Rule"]] = {}


def register(cls: type["Rule"]) -> type["Rule"]:
    RULES[cls.model_fields["type"].default] = cls
    return cls


class Rule(Model):
    """Base of every rule type. Subclasses set ``type`` and implement ``score``."""

    type: str
    shapes: ClassVar[tuple[int, ...]] = ()

    def score(self, ctx: Context) -> RuleResult:  # pragma: no cover - abstract
        raise NotImplementedError

    def compile(self, ctx: Context | None = None) -> Callable[[Context], RuleResult]:
        """The scoring function of this rule, prepared once (per framework, by the scorer) and
        called for every row: same results as ``score``. ``ctx`` is the indicator's context
        without input (weight, target, label…), for rules that can prepare for those, and the
        function is then only called with contexts that differ from it in their input; None
        when unknown. Rules that have work to do once (item ids, compiled formulas, the
        delegate of ``generic``, the parts' contexts) override this; the others score directly."""
        return self.score

    def bounds(self, weight: Decimal) -> tuple[Decimal | None, Decimal | None]:
        """The lowest and highest score this rule can give (None: unbounded)."""
        return ZERO, weight

    def max_points(self, weight: Decimal) -> Decimal | None:
        """Points the criteria themselves add up to, where they say (checklist parts)."""
        return None

    def monotone(self) -> Literal["up", "down"] | None:
        """Whether the score never falls ("up") or never rises ("down") as ``actual`` grows."""
        return None

    def uses_actual(self) -> bool:
        return True


def _target_value(ctx: Context, override: Decimal | None) -> Decimal:
    if override is not None:
        return override
    if ctx.target.value is None:
        raise RuleError(f"目标值“{ctx.target.text}”不是数值，规则需要数值目标")
    return ctx.target.value


def _what(ctx: Context) -> str:
    return f"目标“{ctx.target.text}”" if ctx.target.text else "目标"


@register
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

    def bounds(self, weight):
        return min(ZERO, self.else_points), max(weight, self.else_points)

    def monotone(self):
        return {">=": "up", ">": "up", "<=": "down", "<": "down"}.get(self.comparator or ">=")


@register
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


@register
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


class ChecklistItem(Model):
    id: str
    text: str = ""
    points: Decimal

    @model_validator(mode="before")
    @classmethod
    def _id_as_string(cls, data):
        if isinstance(data, dict) and "id" in data:
            data = {**data, "id": str(data["id"])}
        return data


def _mark(item_id: str) -> str:
    return CIRCLED[int(item_id) - 1] if item_id.isdigit() and 0 < int(item_id) <= len(CIRCLED) else item_id


@register
class Checklist(Rule):
    """The sum of the points of the items met (①…(1分) ②…(1分)). Shape 6.

    The evaluation lists the met items' ids in ``checks`` (or ``met: true`` for all).
    """

    type: Literal["checklist"] = "checklist"
    shapes: ClassVar = (6,)
    items: tuple[ChecklistItem, ...] = Field(min_length=1)
    cap: Decimal | None = None

    def score(self, ctx):
        return self.compile()(ctx)

    def compile(self, ctx=None):
        items, cap = self.items, self.cap
        ids = [i.id for i in items]
        known = frozenset(ids)
        points = [(i.id, i.points) for i in items]
        marks = [(i, _mark(i.id)) for i in items]

        def explain(met, total, score, ctx):
            got = "".join(m for i, m in marks if i.id in met) or "无"
            missed = [(i, m) for i, m in marks if i.id not in met]
            text = f"满足{got}共{len(met)}项"
            if missed:
                text += "；未满足" + "、".join(f"{m}{i.text[:12]}（{fmt(i.points)}分）" for i, m in missed)
            capped = f"，封顶{fmt(cap)}分" if cap is not None and total > cap else ""
            return f"{text}，得{ctx.pts(score)}{capped}"

        def score(ctx):
            inp = ctx.input
            if inp.checks is not None:
                met = set(inp.checks)
            elif inp.met is not None:
                met = set(ids) if inp.met else set()
            else:
                raise MissingInput("缺少满足的评分要点（checks）")
            if not met <= known:
                unknown = met - known
                raise RuleError(f"没有这些评分要点：{'、'.join(sorted(unknown))}（可选：{'、'.join(ids)}）")
            total = ZERO
            for item_id, item_points in points:  # = sum(..., ZERO), in item order
                if item_id in met:
                    total += item_points
            score = total if cap is None else min(total, cap)
            return RuleResult(score, lambda: explain(met, total, score, ctx))

        return score

    def bounds(self, weight):
        total = sum((i.points for i in self.items), ZERO)
        return ZERO, total if self.cap is None else min(total, self.cap)

    def max_points(self, weight):
        return self.bounds(weight)[1]

    def uses_actual(self):
        return False


class Deduction(Model):
    """A kind of incident and the points it costs each time (None: the evaluator enters
    the points deducted directly, for "根据严重程度扣0.1-0.5分"); ``zero`` means the item
    scores 0 whenever it occurs ("该项不得分")."""

    kind: str
    text: str = ""
    points: Decimal | None = None
    zero: bool = False


@register
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
        base = ctx.weight if self.base is None else self.base
        kinds = {d.kind: d for d in self.deductions}
        unknown = set(ctx.input.incidents) - kinds.keys()
        if unknown:
            raise RuleError(f"没有这些扣分事项：{'、'.join(sorted(unknown))}（可选：{'、'.join(kinds)}）")
        parts, total = [], ZERO
        for kind, count in ctx.input.incidents.items():
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
        score = clamp(base - total, self.floor, None)
        floored = self.floor is not None and base - total < self.floor

        def explain():
            said = "，".join(f"{kind}扣{fmt(count)}分" if points is None else f"{kind}{fmt(count)}次扣{fmt(count * points)}分"
                            for kind, count, points in parts)
            return f"{said}，共扣{fmt(total)}分，得{ctx.pts(score)}{'，扣完为止' if floored else ''}"

        return RuleResult(score, explain)

    def bounds(self, weight):
        return self.floor, weight if self.base is None else self.base

    def max_points(self, weight):
        return self.base

    def uses_actual(self):
        return False


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


@register
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


@register
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


@register
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


@register
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

    def bounds(self, weight):
        awards = [l.award(weight) for l in self.levels]
        return min(awards), max(awards)

    def max_points(self, weight):
        return self.bounds(weight)[1]

    def uses_actual(self):
        return False


@register
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


@register
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
            inp = inp.model_copy(update={"actual": ctx.value(part.input)})
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
        return lambda ctx: self._score(parts, ctx)

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
        score = clamp(total, self.floor, self.cap)

        def explain():
            texts = [r.explanation if r.explanation.startswith(name) else f"{name}：{r.explanation}" for name, r in results]
            note = f"，封顶{fmt(self.cap)}分" if self.cap is not None and total > self.cap else ""
            return f"{'；'.join(texts)}；合计{ctx.pts(score)}{note}"

        return RuleResult(score, explain, manual)

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


@register
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


@register
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


@register
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


@register
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


@register
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


@register
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


@register
class Generic(Rule):
    """The provincial systems' default when a framework states no special rule, by direction:
    正向 — full at or above the target, else actual ÷ target × weight; 反向 — full at or below
    the target, falling linearly to 0 at twice the target; a target of ``=0`` — full only at
    0; 定性 — a verdict with a score inside its band (see ``qualitative``)."""

    type: Literal["generic"] = "generic"
    shapes: ClassVar = (1, 2, 10)

    def _delegate(self, ctx: Context) -> Rule:
        if ctx.direction == "定性" or (ctx.target.value is None and ctx.input.actual is None):
            return _GENERIC_QUALITATIVE
        if ctx.target.comparator == "=":
            return _GENERIC_EQUAL
        reverse = ctx.direction == "反向" or ctx.target.comparator in ("<=", "<")
        return _GENERIC_REVERSE if reverse else _GENERIC_FORWARD

    def score(self, ctx):
        return self._delegate(ctx).score(ctx)

    def compile(self, ctx=None):
        # the delegate depends on the input only when there is neither a direction of 定性
        # nor a numeric target; otherwise it is known once per indicator
        if ctx is None or (ctx.direction != "定性" and ctx.target.value is None):
            return self.score
        return self._delegate(ctx).compile(ctx)

    def uses_actual(self):
        return True


# The rules ``generic`` delegates to, built once rather than per row.
_GENERIC_QUALITATIVE = Qualitative()
_GENERIC_EQUAL = Binary(comparator="=")
_GENERIC_REVERSE = LowerIsBetter(mode="linear")
_GENERIC_FORWARD = Proportional()

AnyRule = Annotated[Union[tuple(RULES.values())], Field(discriminator="type")]

for _cls in (Bonus, Part, Sum):
    _cls.model_rebuild()

_RULE_ADAPTER = None


def parse_rule(data: Any) -> Rule:
    """Validate a rule from plain data (a mapping with ``type``) or pass a Rule through."""
    global _RULE_ADAPTER
    if isinstance(data, Rule):
        return data
    if _RULE_ADAPTER is None:
        from pydantic import TypeAdapter

        _RULE_ADAPTER = TypeAdapter(AnyRule)
    return _RULE_ADAPTER.validate_python(data)


def score_rule(rule: Rule, ctx: Context) -> RuleResult:
    """Score one rule; shorthand used by tests and the scorer."""
    return rule.score(ctx)
