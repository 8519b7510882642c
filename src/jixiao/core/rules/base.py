"""What every rule shares: the errors, the ``Context`` a rule sees, the ``RuleResult`` it
returns (with its lazily built explanation) and the ``Rule`` base class, with the helpers that
read the target."""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal
from typing import Callable, ClassVar, Literal

from ..model import IndicatorInput, Model, Target
from ..frozen import FrozenValue
from ..numbers import ZERO, fmt


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


class RuleResult(FrozenValue):
    """A rule's exact score and its explanation.

    ``explanation`` may be given as the text or as a function of no arguments that returns
    it: rules pass a function, so the sentence (which formats several Decimals) is only built
    when somebody reads it — most scored rows are totalled and never explained. The text is
    built once, on first access, and is the same either way. Immutable, like a frozen
    dataclass; pickles and compares by its text.
    """

    manual = False
    _FIELDS = ("score", "explanation", "manual")

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

    def text(self) -> str:
        """``explanation``, as a function of no arguments: what a scored row keeps to write its
        text when read, so that rows sharing this result (the scorer remembers results per
        indicator) build the sentence once."""
        return self.explanation

    @property
    def lazy_explanation(self) -> "str | Callable[[], str]":
        """The explanation as given (text, or the function that builds it), without building it."""
        return self.__dict__["_explanation"]


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
