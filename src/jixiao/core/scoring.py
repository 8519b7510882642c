"""Score an evaluation: every indicator by its rule, subtotals, total, grade.

Rounding happens once, at the indicator (or sub-row): half-up to the framework's places.
Subtotals and the total add rounded indicator scores, as published tables do, so the sheet
adds up on paper. A computed score above the weight is held at the weight unless the rule
awards bonuses.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal

from .model import Evaluation, Group, Indicator, IndicatorInput
from .numbers import ZERO, fmt, quantize
from .rules import Bonus, Context, Manual, MissingInput, Rule, RuleError, Sum

_MANUAL = Manual()


def allows_bonus(rule: Rule | None) -> bool:
    """Whether a rule may score above the weight (加分)."""
    if isinstance(rule, Bonus):
        return True
    if isinstance(rule, Sum):
        return any(allows_bonus(p.rule) for p in rule.parts)
    return False


@dataclass(frozen=True)
class ScoreRow:
    """One scored indicator or sub-row.

    ``score`` is rounded (what the sheet shows), ``raw`` the exact rule result. ``declared`` is
    the published score, if any. ``error`` says why the rule could not run (missing input...);
    such a row scores 0. ``parent`` is the indicator code of a sub-row.
    """

    indicator: Indicator
    path: tuple[Group, ...]
    input: IndicatorInput
    score: Decimal
    raw: Decimal
    explanation: str
    declared: Decimal | None = None
    manual: bool = False
    error: str | None = None
    parent: str | None = None

    @property
    def code(self) -> str:
        return self.indicator.code

    @property
    def name(self) -> str:
        return self.indicator.name

    @property
    def weight(self) -> Decimal:
        return self.indicator.weight

    @property
    def difference(self) -> Decimal | None:
        """declared − computed, or None when nothing was declared."""
        return None if self.declared is None else self.declared - self.score

    @property
    def rule_type(self) -> str:
        rule = self.indicator.rule
        if self.indicator.subrows:
            return "subrows"
        return rule.type if rule is not None else "manual"


@dataclass(frozen=True)
class GroupTotal:
    """A level-1 or level-2 heading with its declared points, row weights and scores."""

    group: Group
    level: int
    weight: Decimal
    score: Decimal
    declared: Decimal | None


@dataclass(frozen=True)
class ScoreSheet:
    evaluation: Evaluation
    rows: tuple[ScoreRow, ...]
    groups: tuple[GroupTotal, ...]
    total: Decimal
    grade: str
    passed: bool
    weight_total: Decimal
    declared_rows_total: Decimal | None = None
    indicator_rows: tuple[ScoreRow, ...] = field(default=())

    @property
    def framework(self):
        return self.evaluation.framework

    @property
    def declared_total(self) -> Decimal | None:
        return self.evaluation.declared_total

    def row(self, code: str) -> ScoreRow:
        for row in self.rows:
            if row.code == code:
                return row
        raise KeyError(code)


def _context(evaluation: Evaluation, indicator: Indicator, item: IndicatorInput) -> Context:
    if item.questionnaire and item.actual is None:
        item = item.model_copy(update={"actual": evaluation.questionnaire(item.questionnaire).score})
    return Context(weight=indicator.weight, target=indicator.target, input=item,
                   label=indicator.label, places=evaluation.framework.places)


def score_indicator(evaluation: Evaluation, indicator: Indicator, path: tuple[Group, ...],
                    parent: str | None = None) -> ScoreRow:
    """Score a leaf indicator or sub-row by its rule (a judgement row when it has none)."""
    item = evaluation.input(indicator.code)
    places = evaluation.framework.places
    rule = indicator.rule or _MANUAL
    try:
        result = rule.score(_context(evaluation, indicator, item))
    except (MissingInput, RuleError) as exc:
        return ScoreRow(indicator, path, item, ZERO, ZERO, f"{exc}，按0分计", item.declared,
                        error=str(exc), parent=parent)
    raw, explanation = result.score, result.explanation
    if raw > indicator.weight and not allows_bonus(rule):
        explanation += f"（超过分值，按{fmt(indicator.weight)}分计）"
        raw = indicator.weight
    return ScoreRow(indicator, path, item, quantize(raw, places), raw, explanation,
                    item.declared, manual=result.manual, parent=parent)


def _score_with_subrows(evaluation: Evaluation, indicator: Indicator, path) -> list[ScoreRow]:
    subs = [score_indicator(evaluation, s, path, parent=indicator.code) for s in indicator.subrows]
    item = evaluation.input(indicator.code)
    declared = item.declared
    if declared is None and all(s.declared is not None for s in subs):
        declared = sum((s.declared for s in subs), ZERO)
    total = sum((s.score for s in subs), ZERO)
    explanation = "分项合计：" + "＋".join(fmt(s.score) for s in subs) + f"＝{fmt(total)}分"
    row = ScoreRow(indicator, path, item, total, sum((s.raw for s in subs), ZERO), explanation,
                   declared, manual=any(s.manual for s in subs),
                   error=next((s.error for s in subs if s.error), None))
    return [row, *subs]


def score(evaluation: Evaluation) -> ScoreSheet:
    """Score every indicator of an evaluation and total, subtotal and grade the result."""
    framework = evaluation.framework
    rows: list[ScoreRow] = []
    groups: list[GroupTotal] = []

    def visit(group: Group, path: tuple[Group, ...]) -> tuple[Decimal, Decimal, Decimal | None]:
        path = path + (group,)
        weight = score_sum = ZERO
        declared: Decimal | None = ZERO
        position = len(groups)
        for indicator in group.indicators:
            if indicator.subrows:
                scored = _score_with_subrows(evaluation, indicator, path)
            else:
                scored = [score_indicator(evaluation, indicator, path)]
            rows.extend(scored)
            head = scored[0]
            weight += indicator.weight
            score_sum += head.score
            declared = None if declared is None or head.declared is None else declared + head.declared
        for child in group.groups:
            w, s, d = visit(child, path)
            weight += w
            score_sum += s
            declared = None if declared is None or d is None else declared + d
        published = evaluation.declared_groups.get(group.code)
        groups.insert(position, GroupTotal(group, len(path), weight, score_sum,
                                           published if published is not None else declared))
        return weight, score_sum, declared

    weight_total = total = ZERO
    declared_rows: Decimal | None = ZERO
    for group in framework.groups:
        w, s, d = visit(group, ())
        weight_total += w
        total += s
        declared_rows = None if declared_rows is None or d is None else declared_rows + d
    return ScoreSheet(
        evaluation=evaluation,
        rows=tuple(rows),
        groups=tuple(groups),
        total=total,
        grade=framework.grade(total),
        passed=total >= framework.pass_line,
        weight_total=weight_total,
        declared_rows_total=declared_rows,
        indicator_rows=tuple(r for r in rows if r.parent is None),
    )
