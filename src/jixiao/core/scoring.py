"""Score an evaluation: every indicator by its rule, subtotals, total, grade.

The rounding policy: round once, at the indicator (or sub-row), by the framework's places and
mode (half-up to 2 places by default). Subtotals and the total add rounded indicator scores,
as published tables do, so the sheet always adds up on paper.

A computed score above the weight is held at the weight unless the rule awards bonuses. The
points of a 不适用 indicator go to the other indicators of its group (or the whole total) in
proportion to their weights: each of those indicators' exact score is multiplied by the same
factor before its one rounding. An override replaces the computed score, with its reason kept.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal

from .model import Evaluation, Group, Indicator, IndicatorInput
from .numbers import ONE, ROUNDING_MODES, ZERO, fmt, quantize
from .rules import Bonus, Context, Generic, Manual, MissingInput, Rule, RuleError, Sum
from .versioning import rules_hash

_DEFAULT_RULES = {"manual": Manual(), "generic": Generic()}

# Frameworks are immutable, so the rules hash is computed once per framework object and not
# once per scored evaluation (hashing the whole framework was most of the time of ``score``).
# The cache holds the framework itself so its id cannot be reused while cached; it is bounded.
_HASHES: dict[int, tuple[object, str]] = {}
_HASHES_MAX = 256


def _rules_hash(framework) -> str:
    cached = _HASHES.get(id(framework))
    if cached is not None and cached[0] is framework:
        return cached[1]
    digest = rules_hash(framework)
    if len(_HASHES) >= _HASHES_MAX:
        _HASHES.pop(next(iter(_HASHES)))
    _HASHES[id(framework)] = (framework, digest)
    return digest


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

    ``score`` is the final rounded score that the sheet shows and totals add; ``computed`` is
    the rule's rounded score before any override; ``raw`` the exact rule result. ``factor``
    and ``effective_weight`` show a redistribution of 不适用 points (factor 1 otherwise).
    ``not_applicable`` is the reason the indicator was marked 不适用; ``override_reason`` the
    reason for an override. ``declared`` is the published score. ``error`` says why the rule
    could not run (missing input...); such a row scores 0. ``parent`` is a sub-row's indicator.
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
    computed: Decimal | None = None
    factor: Decimal = ONE
    not_applicable: str | None = None
    override_reason: str | None = None

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
    def effective_weight(self) -> Decimal:
        return ZERO if self.not_applicable is not None else self.indicator.weight * self.factor

    @property
    def overridden(self) -> bool:
        return self.override_reason is not None

    @property
    def difference(self) -> Decimal | None:
        """declared − final score, or None when nothing was declared."""
        return None if self.declared is None else self.declared - self.score

    @property
    def rule_type(self) -> str:
        if self.indicator.subrows:
            return "subrows"
        rule = self.indicator.rule
        return rule.type if rule is not None else "default"


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
    """The scored evaluation. ``rules_hash`` identifies the rules it was computed with."""

    evaluation: Evaluation
    rows: tuple[ScoreRow, ...]
    groups: tuple[GroupTotal, ...]
    total: Decimal
    grade: str
    passed: bool
    weight_total: Decimal
    rules_hash: str
    declared_rows_total: Decimal | None = None
    indicator_rows: tuple[ScoreRow, ...] = field(default=())

    @property
    def framework(self):
        return self.evaluation.framework

    @property
    def framework_version(self) -> str:
        return self.evaluation.framework.version

    @property
    def declared_total(self) -> Decimal | None:
        return self.evaluation.declared_total

    def row(self, code: str) -> ScoreRow:
        for row in self.rows:
            if row.code == code:
                return row
        raise KeyError(code)


_EMPTY_INPUT = IndicatorInput()
_EXPONENTS = {places: Decimal(1).scaleb(-places) for places in range(0, 7)}


def _input(evaluation: Evaluation, code: str) -> IndicatorInput:
    """``evaluation.input(code)`` without building a new empty input for every missing row."""
    return evaluation.inputs.get(code) or _EMPTY_INPUT


def _rule_for(evaluation: Evaluation, indicator: Indicator) -> Rule:
    return indicator.rule or _DEFAULT_RULES[evaluation.framework.default_rule]


def _context(evaluation: Evaluation, indicator: Indicator, item: IndicatorInput) -> Context:
    if item.questionnaire and item.actual is None:
        item = item.model_copy(update={"actual": evaluation.questionnaire(item.questionnaire).score})
    elif item.actual_from and item.actual is None:
        item = item.model_copy(update={"actual": evaluation.metrics[item.actual_from].value})
    return Context(weight=indicator.weight, target=indicator.target, input=item,
                   label=indicator.label, places=evaluation.framework.places, direction=indicator.direction)


def _round(evaluation: Evaluation, value: Decimal) -> Decimal:
    fw = evaluation.framework
    exponent = _EXPONENTS.get(fw.places)
    if exponent is None:
        return quantize(value, fw.places, fw.rounding)
    return value.quantize(exponent, rounding=ROUNDING_MODES[fw.rounding])  # = numbers.quantize


def _apply_override(evaluation: Evaluation, row: ScoreRow, limit: Decimal, bonus: bool) -> ScoreRow:
    override = row.input.override
    if override is None:
        return row
    if override.score < 0 or (override.score > limit and not bonus):
        return ScoreRow(**{**row.__dict__, "error": f"改分{fmt(override.score)}分超出0～{fmt(limit)}分，未采用",
                           "explanation": row.explanation + f"；改分{fmt(override.score)}分超出范围，未采用"})
    final = _round(evaluation, override.score)
    computed = "无" if row.computed is None else f"{fmt(row.computed)}分"
    return ScoreRow(**{**row.__dict__, "score": final, "override_reason": override.reason,
                       "explanation": f"{row.explanation}；人工评分{fmt(final)}分（计算得分{computed}），理由：{override.reason}"})


def score_indicator(evaluation: Evaluation, indicator: Indicator, path: tuple[Group, ...],
                    parent: str | None = None, factor: Decimal = ONE) -> ScoreRow:
    """Score a leaf indicator or sub-row by its rule; ``factor`` scales it for redistributed
    不适用 points before the one rounding."""
    item = _input(evaluation, indicator.code)
    rule = _rule_for(evaluation, indicator)
    try:
        result = rule.score(_context(evaluation, indicator, item))
    except MissingInput as exc:
        if item.override is not None:  # no figure to compute from: the evaluator's score, with its reason
            row = ScoreRow(indicator, path, item, ZERO, ZERO, f"{exc}，无法按规则计算", item.declared,
                           parent=parent, computed=None, factor=factor)
            return _apply_override(evaluation, row, indicator.weight * factor, allows_bonus(rule))
        return ScoreRow(indicator, path, item, ZERO, ZERO, f"{exc}，按0分计", item.declared,
                        error=str(exc), parent=parent, computed=ZERO, factor=factor)
    except RuleError as exc:
        return ScoreRow(indicator, path, item, ZERO, ZERO, f"{exc}，按0分计", item.declared,
                        error=str(exc), parent=parent, computed=ZERO, factor=factor)
    raw, explanation = result.score, result.explanation
    bonus = allows_bonus(rule)
    if raw > indicator.weight and not bonus:
        explanation += f"（超过分值，按{fmt(indicator.weight)}分计）"
        raw = indicator.weight
    if factor != ONE:
        explanation += f"；因不适用指标分值重新分配，按×{fmt(factor, 4)}折算"
    computed = _round(evaluation, raw * factor)
    row = ScoreRow(indicator, path, item, computed, raw, explanation, item.declared,
                   manual=result.manual, parent=parent, computed=computed, factor=factor)
    return _apply_override(evaluation, row, indicator.weight * factor, bonus)


def _score_with_subrows(evaluation: Evaluation, indicator: Indicator, path, factor: Decimal) -> list[ScoreRow]:
    subs = [score_indicator(evaluation, s, path, parent=indicator.code, factor=factor) for s in indicator.subrows]
    item = _input(evaluation, indicator.code)
    declared = item.declared
    if declared is None and all(s.declared is not None for s in subs):
        declared = sum((s.declared for s in subs), ZERO)
    total = sum((s.score for s in subs), ZERO)
    explanation = "分项合计：" + "＋".join(fmt(s.score) for s in subs) + f"＝{fmt(total)}分"
    row = ScoreRow(indicator, path, item, total, sum((s.raw for s in subs), ZERO), explanation,
                   declared, manual=any(s.manual for s in subs),
                   error=next((s.error for s in subs if s.error), None), computed=total, factor=factor)
    return [row, *subs]


def _not_applicable_row(evaluation: Evaluation, indicator: Indicator, path) -> list[ScoreRow]:
    item = evaluation.input(indicator.code)
    where = {"level2": "本二级指标内", "level1": "本一级指标内", "rescale": "全部适用指标"}[evaluation.framework.not_applicable]
    text = f"不适用（{item.not_applicable}），其{fmt(indicator.weight)}分按权重分配给{where}其他指标"
    row = ScoreRow(indicator, path, item, ZERO, ZERO, text, item.declared, computed=ZERO,
                   not_applicable=item.not_applicable)
    return [row, *(ScoreRow(s, path, evaluation.input(s.code), ZERO, ZERO, "不适用", None, parent=indicator.code,
                            computed=ZERO, not_applicable=item.not_applicable) for s in indicator.subrows)]


def _factors(evaluation: Evaluation) -> dict[str, Decimal]:
    """Scale factor of each applicable indicator that receives 不适用 points.

    The points of 不适用 rows go to the applicable rows of the same unit (level-2 group,
    level-1 group, or everything, per the framework) in proportion to their weights; when a
    whole unit is 不适用 its points move up a level (level 2 → level 1 → the total).
    """
    framework = evaluation.framework
    if all(item.not_applicable is None for item in evaluation.inputs.values()):
        return {}  # nothing is 不适用 (the common case): no points move
    factors: dict[str, Decimal] = {}
    na_weight: dict[str, Decimal] = {}
    for ind in framework.indicators():
        if evaluation.input(ind.code).not_applicable is not None:
            na_weight[ind.code] = ind.weight
        else:
            factors[ind.code] = ONE
    if not na_weight:
        return {}

    def absorb(indicators: list[Indicator], points: Decimal) -> bool:
        """Spread ``points`` over the applicable ``indicators``; False if there are none."""
        live = [i for i in indicators if i.code in factors]
        base = sum((i.weight * factors[i.code] for i in live), ZERO)
        if points == 0:
            return True
        if base == 0:
            return False
        for i in live:
            factors[i.code] *= (base + points) / base
        return True

    def lost(indicators) -> Decimal:
        return sum((na_weight.get(i.code, ZERO) for i in indicators), ZERO)

    everything = list(framework.indicators())
    orphaned = ZERO
    if framework.not_applicable == "rescale":
        orphaned = lost(everything)
    else:
        for top in framework.groups:
            top_orphan = ZERO
            if framework.not_applicable == "level2":
                for group in (top, *_descendants(top)):
                    direct = list(group.indicators)
                    if not absorb(direct, lost(direct)):
                        top_orphan += lost(direct)
            else:
                top_orphan = lost(list(top.walk()))
            if not absorb(list(top.walk()), top_orphan):
                orphaned += top_orphan
    if not absorb(everything, orphaned):
        raise ValueError("全部指标均不适用，无法计分")
    return {code: f for code, f in factors.items() if f != ONE}


def _descendants(group: Group):
    for child in group.groups:
        yield child
        yield from _descendants(child)


def score(evaluation: Evaluation) -> ScoreSheet:
    """Score every indicator of an evaluation and total, subtotal and grade the result."""
    framework = evaluation.framework
    factors = _factors(evaluation)
    rows: list[ScoreRow] = []
    groups: list[GroupTotal] = []

    def visit(group: Group, path: tuple[Group, ...]) -> tuple[Decimal, Decimal, Decimal | None]:
        path = path + (group,)
        weight = score_sum = ZERO
        declared: Decimal | None = ZERO
        position = len(groups)
        for indicator in group.indicators:
            factor = factors.get(indicator.code, ONE)
            if _input(evaluation, indicator.code).not_applicable is not None:
                scored = _not_applicable_row(evaluation, indicator, path)
            elif indicator.subrows:
                scored = _score_with_subrows(evaluation, indicator, path, factor)
            else:
                scored = [score_indicator(evaluation, indicator, path, factor=factor)]
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
        rules_hash=_rules_hash(framework),
        declared_rows_total=declared_rows,
        indicator_rows=tuple(r for r in rows if r.parent is None),
    )
