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
from operator import attrgetter
from sys import intern
from decimal import Decimal
from typing import Callable

from .compiled import compiled_loops
from .frozen import FrozenValue, lazy_text
from .model import INPUTS_PLAIN, Evaluation, Group, Indicator, IndicatorInput, PerObject
from .numbers import ONE, ROUNDING_MODES, ZERO, fmt, quantize
from .rules import Bonus, Context, Generic, Manual, MissingInput, Rule, RuleError, Sum
from .versioning import rules_hash

_DEFAULT_RULES = {"manual": Manual(), "generic": Generic()}

_compiled = compiled_loops("jixiao.core._speedups")  # the hot loops compiled, or None

# Frameworks are immutable, so the rules hash is computed once per framework object and not
# once per scored evaluation (hashing the whole framework was most of the time of ``score``).
_rules_hash = PerObject(rules_hash)


def framework_rules_hash(framework) -> str:
    """``versioning.rules_hash(framework)``, computed once per framework object."""
    return _rules_hash(framework)


def allows_bonus(rule: Rule | None) -> bool:
    """Whether a rule may score above the weight (加分)."""
    if isinstance(rule, Bonus):
        return True
    if isinstance(rule, Sum):
        return any(allows_bonus(p.rule) for p in rule.parts)
    return False


_ROW_FIELDS = ("indicator", "path", "input", "score", "raw", "explanation", "declared", "manual", "error", "parent",
               "computed", "factor", "not_applicable", "override_reason")


class _RowSlots:
    # ``_audit``: the row's own audit findings, kept by ``audit`` (a row is immutable, and
    # rows remembered by the scorer are shared by many sheets); not a field of the row
    __slots__ = ("indicator", "path", "input", "score", "raw", "_explanation", "declared", "manual", "error", "parent",
                 "computed", "factor", "not_applicable", "override_reason", "_audit")


class _RowBuilder(_RowSlots):
    """Fills a row with plain assignments; its class is then set to ``ScoreRow`` (same slots),
    which forbids assignment. That is the immutability of a frozen dataclass without paying
    ``object.__setattr__`` for each of fourteen fields on every scored row."""

    __slots__ = ()

    def __init__(self, indicator, path, input, score, raw, explanation, declared, manual, error, parent,
                 computed, factor, not_applicable, override_reason):
        self.indicator = indicator
        self.path = path
        self.input = input
        self.score = score
        self.raw = raw
        self._explanation = explanation
        self.declared = declared
        self.manual = manual
        self.error = error
        self.parent = parent
        self.computed = computed
        self.factor = factor
        self.not_applicable = not_applicable
        self.override_reason = override_reason
        self._audit = None


class ScoreRow(_RowSlots, FrozenValue):
    """One scored indicator or sub-row.

    ``score`` is the final rounded score that the sheet shows and totals add; ``computed`` is
    the rule's rounded score before any override; ``raw`` the exact rule result. ``factor``
    and ``effective_weight`` show a redistribution of 不适用 points (factor 1 otherwise).
    ``not_applicable`` is the reason the indicator was marked 不适用; ``override_reason`` the
    reason for an override. ``declared`` is the published score. ``error`` says why the rule
    could not run (missing input...); such a row scores 0. ``parent`` is a sub-row's indicator.

    ``explanation`` is built on first access: the scorer passes the function that writes it
    (see ``rules.RuleResult``), because formatting a Chinese sentence per row cost more than
    scoring it and most rows are only totalled. The text is the same as if built at once.
    Immutable like the frozen dataclass it was (same fields, same constructor); compares and
    pickles with the explanation as text.
    """

    __slots__ = ()
    _FIELDS = _ROW_FIELDS

    def __new__(cls, indicator: Indicator, path: tuple[Group, ...], input: IndicatorInput, score: Decimal,
                raw: Decimal, explanation: "str | Callable[[], str]", declared: Decimal | None = None,
                manual: bool = False, error: str | None = None, parent: str | None = None,
                computed: Decimal | None = None, factor: Decimal = ONE, not_applicable: str | None = None,
                override_reason: str | None = None):
        row = _RowBuilder(indicator, path, input, score, raw, explanation, declared, manual, error, parent,
                          computed, factor, not_applicable, override_reason)
        row.__class__ = cls
        return row

    explanation = lazy_text("_explanation")

    def _replace(self, **changes) -> "ScoreRow":
        values = {name: getattr(self, name) for name in _RowSlots.__slots__ if name != "_audit"}
        values.update(changes)
        return ScoreRow(**{("explanation" if k == "_explanation" else k): v for k, v in values.items()})

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


if _compiled is not None:  # the compiled loops read rows' slots where they are
    _compiled.rows_like(ScoreRow, _RowSlots)


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


_EMPTY_INPUT = IndicatorInput()  # the input of every row nothing was recorded for (shared)
_EXPONENTS = {places: Decimal(1).scaleb(-places) for places in range(0, 7)}
_new = object.__new__


def _input(evaluation: Evaluation, code: str) -> IndicatorInput:
    """``evaluation.input(code)`` without building a new empty input for every missing row."""
    return evaluation.inputs.get(code) or _EMPTY_INPUT


def _rule_for(evaluation: Evaluation, indicator: Indicator) -> Rule:
    return indicator.rule or _DEFAULT_RULES[evaluation.framework.default_rule]


def _context(evaluation: Evaluation, indicator: Indicator, item: IndicatorInput) -> Context:
    if item.questionnaire and item.actual is None:
        item = item.with_actual(evaluation.questionnaire(item.questionnaire).score)
    elif item.actual_from and item.actual is None:
        item = item.with_actual(evaluation.metrics[item.actual_from].value)
    return Context(weight=indicator.weight, target=indicator.target, input=item,
                   label=indicator.label, places=evaluation.framework.places, direction=indicator.direction)


def _round(evaluation: Evaluation, value: Decimal) -> Decimal:
    fw = evaluation.framework
    exponent = _EXPONENTS.get(fw.places)
    if exponent is None:
        return quantize(value, fw.places, fw.rounding)
    return value.quantize(exponent, rounding=ROUNDING_MODES[fw.rounding])  # = numbers.quantize


def _text(explanation: "str | Callable[[], str]") -> str:
    return explanation if explanation.__class__ is str else explanation()


class _Leaf:
    """An indicator or sub-row prepared once per framework: its rule's compiled scoring
    function (``Rule.compile``), whether it may exceed its weight, and its context without
    input, so that scoring a row only adds the evaluation's input."""

    __slots__ = ("indicator", "code", "weight", "score", "bonus", "context", "fields", "memo", "rows")

    def __init__(self, framework, indicator: Indicator):
        rule = indicator.rule or _DEFAULT_RULES[framework.default_rule]
        # the code as one str object (``io.bulk`` interns the codes it reads): found by identity
        self.indicator, self.code, self.weight = indicator, intern(indicator.code), indicator.weight
        self.context = Context(weight=indicator.weight, target=indicator.target, input=_EMPTY_INPUT,
                               label=indicator.label, places=framework.places, direction=indicator.direction)
        self.fields = dict(self.context.__dict__)  # what ``Context.with_input`` copies
        self.score = rule.compile(self.context)
        self.bonus = allows_bonus(rule)
        self.memo = {} if _memoizable(rule) else None
        self.rows: dict[int, ScoreRow] = {}  # id(input) → its row (``_score_leaf``)


# Rule results remembered per indicator (``_Leaf.memo``). A rule is a pure function of its
# indicator's context (fixed per leaf) and of the input fields it reads — ``actual``,
# ``reference``, ``values``, ``checks``, ``met``, ``incidents``, ``judgement``, ``manual`` and
# ``parts`` (the same fields of each part's input) — so rows whose inputs hold the same
# values, to the digit, get the same RuleResult (immutable; its explanation is written from
# the same values). Most 定性 rows repeat a few inputs (the same items met, the same level);
# an indicator whose inputs keep differing (measured values) fills its memo and stops
# remembering. Only the rule types listed here are remembered: a new type that reads another
# input field must be checked before it is added.
_MEMO_TYPES = frozenset(("binary", "proportional", "deduct_per_unit", "checklist", "per_incident", "bands", "formula",
                         "lower_is_better", "graded", "reference", "questionnaire", "growth", "saturating_rate",
                         "manual", "qualitative", "generic"))
MEMO_SIZE = 64  # distinct inputs remembered per indicator; a full memo is dropped
# Rows remembered per indicator by the identity of their input (``_Leaf.rows``): a row is a
# pure function of its indicator (path, parent, rule, the framework's rounding) and of its
# input object, unless the input takes its actual value from the evaluation (questionnaire,
# finance) or receives 不适用 points (factor ≠ 1), which are not remembered. Inputs are
# immutable and the remembered row holds its input, so an id cannot be reused while the row
# is kept. Rows are immutable, so sheets may share them. Pays off where evaluations share
# input objects (``io.bulk.StoredInputs``); elsewhere it only misses. A full cache starts again.
ROWS_SIZE = 1024
# ids of the input objects that many evaluations share (``share_inputs``; ``io.bulk.StoredRecords``
# registers those it builds): only their rows are remembered, so scoring evaluations whose
# inputs are all their own (files, the site) neither fills nor churns the caches
_SHARED: set[int] = set()


def share_inputs(items) -> None:
    """Mark input objects as shared by many evaluations: their rows are remembered."""
    _SHARED.update(map(id, items))


def unshare_inputs(items) -> None:
    _SHARED.difference_update(map(id, items))


def _memoizable(rule: Rule) -> bool:
    if isinstance(rule, Bonus):
        return _memoizable(rule.base)
    if isinstance(rule, Sum):
        return all(_memoizable(p.rule) for p in rule.parts)
    return rule.type in _MEMO_TYPES


def _memo_key(item: IndicatorInput) -> tuple:
    """The values of ``item`` that rules read, exactly (a Decimal by its text: 1.0 and 1.00
    score and read differently), its parts' included."""
    actual, reference, manual, values, incidents = item.actual, item.reference, item.manual, item.values, item.incidents
    key = (None if actual is None else str(actual), item.checks, item.met, item.judgement,
           None if reference is None else str(reference), None if manual is None else str(manual),
           tuple([(k, str(v)) for k, v in values.items()]) if values else None,
           tuple([(k, str(v)) for k, v in incidents.items()]) if incidents else None)
    parts = item.parts
    if parts:
        return key + (tuple([(name, _memo_key(part)) for name, part in parts.items()]),)
    return key


class _GroupPlan:
    __slots__ = ("group", "level", "path", "weight", "entries", "children", "walk", "own_indicators", "fields")

    def __init__(self, framework, group: Group, path: tuple[Group, ...], leaves: dict[str, _Leaf]):
        self.group, self.path = group, path + (group,)
        self.level = len(self.path)
        entries = []
        for indicator in group.indicators:
            leaf = leaves[indicator.code] = _Leaf(framework, indicator)
            subs = []
            for sub in indicator.subrows:
                subs.append(_Leaf(framework, sub))
                leaves[sub.code] = subs[-1]
            entries.append((leaf, tuple(subs)))
        self.entries = tuple(entries)
        self.children = tuple(_GroupPlan(framework, child, self.path, leaves) for child in group.groups)
        weight = ZERO
        for indicator in group.indicators:  # the same additions, in the same order, as the totals
            weight += indicator.weight
        for child in self.children:
            weight += child.weight
        self.weight = weight
        self.fields = {"group": group, "level": self.level, "weight": weight}  # a GroupTotal's first fields
        self.walk = tuple(group.walk())  # every indicator under this group, in table order
        # the indicators of this group, then of each descendant group (depth first), group by group
        self.own_indicators = (group.indicators, *(i for c in self.children for i in c.own_indicators))


class _Plan:
    """A framework prepared for scoring: every rule compiled once, the group tree with its
    paths and weights, the rounding step. Cached per framework object (frameworks are
    immutable), like the rules hash."""

    def __init__(self, framework):
        self.framework = framework
        self.leaves: dict[str, _Leaf] = {}
        self.groups = tuple(_GroupPlan(framework, g, (), self.leaves) for g in framework.groups)
        self.indicators = tuple(framework.indicators())
        self.exponent = _EXPONENTS.get(framework.places)
        self.rounding = ROUNDING_MODES[framework.rounding]
        self.factors: dict[tuple[str, ...], dict[str, Decimal]] = {}  # 不适用 codes → ``_factors``
        # the group tree flattened, in the order of the sheet's group totals (each group before
        # its sub-groups): (its plan, its rows as (leaf, sub-leaves, code, the leaf's rows),
        # the positions of its sub-groups in this order)
        order: list[_GroupPlan] = []

        def visit(gp):
            order.append(gp)
            for child in gp.children:
                visit(child)

        for gp in self.groups:
            visit(gp)
        where = {id(gp): i for i, gp in enumerate(order)}
        self.flat = tuple((gp, tuple((leaf, subs, leaf.code, leaf.rows) for leaf, subs in gp.entries),
                           tuple(where[id(c)] for c in gp.children)) for gp in order)
        self.tops = tuple(where[id(gp)] for gp in self.groups)


_plan = PerObject(_Plan)


def _explained_over(explanation, weight: Decimal, factor: Decimal | None):
    """The rule's explanation with the scorer's notes: held at the weight, and/or rescaled for
    不适用 points (``weight`` / ``factor`` None when the note does not apply)."""

    def text():
        out = _text(explanation)
        if weight is not None:
            out += f"（超过分值，按{fmt(weight)}分计）"
        if factor is not None:
            out += f"；因不适用指标分值重新分配，按×{fmt(factor, 4)}折算"
        return out

    return text


def _apply_override(evaluation: Evaluation, row: ScoreRow, limit: Decimal, bonus: bool) -> ScoreRow:
    override = row.input.override
    if override is None:
        return row
    if override.score < 0 or (override.score > limit and not bonus):
        return row._replace(error=f"改分{fmt(override.score)}分超出0～{fmt(limit)}分，未采用",
                            _explanation=lambda: row.explanation + f"；改分{fmt(override.score)}分超出范围，未采用")
    final = _round(evaluation, override.score)

    def explanation():
        computed = "无" if row.computed is None else f"{fmt(row.computed)}分"
        return f"{row.explanation}；人工评分{fmt(final)}分（计算得分{computed}），理由：{override.reason}"

    return row._replace(score=final, override_reason=override.reason, _explanation=explanation)


def _missing(evaluation: Evaluation, leaf: _Leaf, item: IndicatorInput, path, parent, factor, exc) -> ScoreRow:
    """The row of an input that lacks what the rule needs."""
    indicator = leaf.indicator
    if item.override is not None:  # no figure to compute from: the evaluator's score, with its reason
        row = ScoreRow(indicator, path, item, ZERO, ZERO, f"{exc}，无法按规则计算", item.declared,
                       parent=parent, computed=None, factor=factor)
        return _apply_override(evaluation, row, leaf.weight * factor, leaf.bonus)
    return ScoreRow(indicator, path, item, ZERO, ZERO, f"{exc}，按0分计", item.declared,
                    error=str(exc), parent=parent, computed=ZERO, factor=factor)


def _settled(evaluation: Evaluation, plan: _Plan, leaf: _Leaf, result, factor: Decimal = ONE) -> tuple:
    """A rule result as a row takes it: (result, raw score held at the weight unless bonuses
    are allowed, explanation, score rescaled by ``factor`` and rounded). Factor 1's is remembered
    with the result."""
    raw = result.score
    explanation = result._explanation  # = result.lazy_explanation, or its text once built
    if explanation.__class__ is not str:
        explanation = result.text  # built once per result, however many rows share it
    held = None
    if raw > leaf.weight and not leaf.bonus:
        raw = held = leaf.weight
    if factor != ONE:  # 不适用 points received: the rule's score rescaled, then rounded
        explanation = _explained_over(explanation, held, factor)
    elif held is not None:
        explanation = _explained_over(explanation, held, None)
    exponent = plan.exponent
    if exponent is None:
        computed = _round(evaluation, raw * factor)
    else:  # = numbers.quantize, the one rounding
        computed = (raw * factor).quantize(exponent, rounding=plan.rounding)
    return result, raw, explanation, computed


def _score_leaf(evaluation: Evaluation, plan: _Plan, leaf: _Leaf, item: IndicatorInput, path: tuple[Group, ...],
                parent: str | None, factor: Decimal) -> ScoreRow:
    """The hot path: one row, remembered by its input object when that is safe (``ROWS_SIZE``)."""
    rows = leaf.rows
    key = id(item) if factor is ONE else (id(item), id(factor))  # the row holds both: ids stay theirs
    row = rows.get(key)
    if row is not None and row.input is item and row.factor is factor:
        return row
    row = _fresh_leaf(evaluation, plan, leaf, item, path, parent, factor)
    if id(item) in _SHARED and (item.actual is not None or not (item.questionnaire or item.actual_from)):
        # (and not the evaluation's own figures)
        if len(rows) >= ROWS_SIZE:
            rows.clear()
        if ROWS_SIZE:
            rows[key] = row
    return row


def _fresh_leaf(evaluation: Evaluation, plan: _Plan, leaf: _Leaf, item: IndicatorInput, path: tuple[Group, ...],
                parent: str | None, factor: Decimal) -> ScoreRow:
    """One row by its compiled rule, rounded once."""
    rule_input = item
    if item.actual is None and (item.questionnaire or item.actual_from):
        if item.questionnaire:
            rule_input = item.with_actual(evaluation.questionnaire(item.questionnaire).score)
        else:
            rule_input = item.with_actual(evaluation.metrics[item.actual_from].value)
    indicator = leaf.indicator
    memo = leaf.memo
    entry = key = None
    if memo is not None:
        key = _memo_key(rule_input)
        entry = memo.get(key)
    if entry is None:
        ctx = _new(Context)  # = leaf.context.with_input(rule_input), inline
        fields = ctx.__dict__
        fields.update(leaf.fields)
        fields["input"] = rule_input
        try:
            result = leaf.score(ctx)
        except MissingInput as exc:
            return _missing(evaluation, leaf, item, path, parent, factor, exc)
        except RuleError as exc:
            return ScoreRow(indicator, path, item, ZERO, ZERO, f"{exc}，按0分计", item.declared,
                            error=str(exc), parent=parent, computed=ZERO, factor=factor)
        entry = _settled(evaluation, plan, leaf, result)
        if key is not None:
            if len(memo) < MEMO_SIZE:
                memo[key] = entry
            else:  # inputs that keep differing: stop remembering for this indicator
                leaf.memo = None
    result, raw, explanation, computed = entry
    if factor is not ONE:  # 不适用 points received: the remembered row is factor 1's
        result, raw, explanation, computed = _settled(evaluation, plan, leaf, result, factor)
    row = _new(_RowBuilder)  # = _RowBuilder(...), without the call
    row.indicator = indicator
    row.path = path
    row.input = item
    row.score = computed
    row.raw = raw
    row._explanation = explanation
    row.declared = item.declared
    row.manual = result.manual
    row.error = None
    row.parent = parent
    row.computed = computed
    row.factor = factor
    row.not_applicable = None
    row.override_reason = None
    row._audit = None
    row.__class__ = ScoreRow
    if item.override is not None:
        return _apply_override(evaluation, row, leaf.weight * factor, leaf.bonus)
    return row


def score_indicator(evaluation: Evaluation, indicator: Indicator, path: tuple[Group, ...],
                    parent: str | None = None, factor: Decimal = ONE) -> ScoreRow:
    """Score a leaf indicator or sub-row by its rule; ``factor`` scales it for redistributed
    不适用 points before the one rounding."""
    plan = _plan(evaluation.framework)
    leaf = plan.leaves.get(indicator.code)
    if leaf is None or leaf.indicator is not indicator:  # not this framework object's own indicator
        leaf = _Leaf(evaluation.framework, indicator)
    return _fresh_leaf(evaluation, plan, leaf, _input(evaluation, indicator.code), path, parent, factor)


def _score_with_subrows(evaluation: Evaluation, plan: _Plan, leaf: _Leaf, subs: tuple[_Leaf, ...], item, path,
                        factor: Decimal) -> list[ScoreRow]:
    indicator = leaf.indicator
    inputs = evaluation.inputs
    scored = [_score_leaf(evaluation, plan, s, inputs.get(s.code) or _EMPTY_INPUT, path, indicator.code, factor)
              for s in subs]
    # the indicator's row is a function of its input, factor and sub-rows: remembered by their
    # identities (the entry holds them all, so the ids stay theirs)
    key = (id(item), id(factor), *[id(s) for s in scored])
    rows = leaf.rows
    found = rows.get(key)
    if found is not None:
        return [found[0], *scored]
    head = _subrows_head(leaf, scored, item, path, factor)
    if id(item) in _SHARED and all(id(s.input) in _SHARED for s in scored):
        if len(rows) >= ROWS_SIZE:
            rows.clear()
        if ROWS_SIZE:
            rows[key] = (head, scored, item, factor)
    return [head, *scored]


def _subrows_head(leaf: _Leaf, scored: list[ScoreRow], item, path, factor: Decimal) -> ScoreRow:
    indicator = leaf.indicator
    declared = item.declared
    if declared is None and all(s.declared is not None for s in scored):
        declared = sum((s.declared for s in scored), ZERO)
    total = sum((s.score for s in scored), ZERO)

    def explanation():
        return "分项合计：" + "＋".join(fmt(s.score) for s in scored) + f"＝{fmt(total)}分"

    return ScoreRow(indicator, path, item, total, sum((s.raw for s in scored), ZERO), explanation,
                    declared, manual=any(s.manual for s in scored),
                    error=next((s.error for s in scored if s.error), None), computed=total, factor=factor)


def _not_applicable_row(evaluation: Evaluation, indicator: Indicator, path) -> list[ScoreRow]:
    item = evaluation.input(indicator.code)
    where = {"level2": "本二级指标内", "level1": "本一级指标内", "rescale": "全部适用指标"}[evaluation.framework.not_applicable]
    text = f"不适用（{item.not_applicable}），其{fmt(indicator.weight)}分按权重分配给{where}其他指标"
    row = ScoreRow(indicator, path, item, ZERO, ZERO, text, item.declared, computed=ZERO,
                   not_applicable=item.not_applicable)
    return [row, *(ScoreRow(s, path, evaluation.input(s.code), ZERO, ZERO, "不适用", None, parent=indicator.code,
                            computed=ZERO, not_applicable=item.not_applicable) for s in indicator.subrows)]


_SHARED.add(id(_EMPTY_INPUT))
_not_applicable_of = attrgetter("not_applicable")
_NONE_ONLY = {None}


def _factors(evaluation: Evaluation, plan: "_Plan | None" = None) -> dict[str, Decimal]:
    """Scale factor of each applicable indicator that receives 不适用 points.

    The points of 不适用 rows go to the applicable rows of the same unit (level-2 group,
    level-1 group, or everything, per the framework) in proportion to their weights; when a
    whole unit is 不适用 its points move up a level (level 2 → level 1 → the total).
    """
    inputs = evaluation.inputs
    if evaluation.__dict__.get(INPUTS_PLAIN) is inputs:
        return {}  # its reader knows that no input is 不适用 (looking at each costs more than the rest)
    framework = evaluation.framework
    marked = set(map(_not_applicable_of, inputs.values()))  # (in C)
    if not marked or marked == _NONE_ONLY:
        return {}  # nothing is 不适用 (the common case): no points move
    plan = plan or _plan(framework)
    inputs = evaluation.inputs
    key = tuple([ind.code for ind in plan.indicators
                 if (inputs.get(ind.code) or _EMPTY_INPUT).not_applicable is not None])
    if not key:
        return {}
    found = plan.factors.get(key)
    if found is None:  # the factors depend only on which indicators are 不适用: once per set
        found = _spread(framework, plan, frozenset(key))
        if len(plan.factors) < 256:
            plan.factors[key] = found
    return found


def _spread(framework, plan: "_Plan", not_applicable: frozenset) -> dict[str, Decimal]:
    """``_factors`` for the indicators ``not_applicable`` (their codes) of ``framework``."""
    factors: dict[str, Decimal] = {}
    na_weight: dict[str, Decimal] = {}
    for ind in plan.indicators:
        if ind.code in not_applicable:
            na_weight[ind.code] = ind.weight
        else:
            factors[ind.code] = ONE

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

    everything = plan.indicators
    orphaned = ZERO
    if framework.not_applicable == "rescale":
        orphaned = lost(everything)
    else:
        for top in plan.groups:
            top_orphan = ZERO
            if framework.not_applicable == "level2":
                for direct in top.own_indicators:  # the top group's, then each descendant group's
                    if not absorb(direct, lost(direct)):
                        top_orphan += lost(direct)
            else:
                top_orphan = lost(top.walk)
            if not absorb(top.walk, top_orphan):
                orphaned += top_orphan
    if not absorb(everything, orphaned):
        raise ValueError("全部指标均不适用，无法计分")
    return {code: f for code, f in factors.items() if f != ONE}


def _group_total(group: Group, level: int, weight: Decimal, score: Decimal, declared: Decimal | None) -> GroupTotal:
    total = _new(GroupTotal)  # the dataclass's fields, without its frozen __init__ (a dozen per evaluation)
    total.__dict__.update(group=group, level=level, weight=weight, score=score, declared=declared)
    return total


def _entry(evaluation: Evaluation, plan: _Plan, leaf: _Leaf, subs: tuple, item, path, factor: Decimal) -> list[ScoreRow]:
    """The rows of one level-3 indicator not remembered by ``score``'s loop: 不适用, with
    sub-rows, or scored now."""
    if item.not_applicable is not None:
        return _not_applicable_row(evaluation, leaf.indicator, path)
    if subs:
        return _score_with_subrows(evaluation, plan, leaf, subs, item, path, factor)
    return [_score_leaf(evaluation, plan, leaf, item, path, None, factor)]


def _group_totals(plan: _Plan, sums: list, declared_sums: list, published) -> tuple:
    """Each group's subtotal and its GroupTotal in the order of ``plan.flat`` (``sums`` and
    ``declared_sums`` hold each group's own rows' sums, and become the subtotals), and the
    total, the weights' total and the declared rows' total of the top groups. A published group
    score stands for its rows' declared sum."""
    # subtotals: a group's own rows, then each sub-group's subtotal in order (the additions of
    # a depth-first walk); sub-groups come after their group, so the last group is done first
    flat = plan.flat
    for i in range(len(flat) - 1, -1, -1):
        children = flat[i][2]
        if children:
            score_sum, declared = sums[i], declared_sums[i]
            for c in children:
                score_sum += sums[c]
                d = declared_sums[c]
                declared = None if declared is None or d is None else declared + d
            sums[i], declared_sums[i] = score_sum, declared
    groups = []
    add_group = groups.append
    for i, (gp, _, _) in enumerate(flat):
        declared = declared_sums[i]
        if published:
            found = published.get(gp.group.code)
            if found is not None:
                declared = found
        subtotal = _new(GroupTotal)  # = _group_total(gp.group, gp.level, gp.weight, sums[i], declared)
        fields = subtotal.__dict__
        fields.update(gp.fields)
        fields["score"] = sums[i]
        fields["declared"] = declared
        add_group(subtotal)
    weight_total = total = ZERO
    declared_rows: Decimal | None = ZERO
    for i in plan.tops:
        weight_total += flat[i][0].weight
        total += sums[i]
        d = declared_sums[i]
        declared_rows = None if declared_rows is None or d is None else declared_rows + d
    return tuple(groups), total, weight_total, declared_rows


def score(evaluation: Evaluation) -> ScoreSheet:
    """Score every indicator of an evaluation and total, subtotal and grade the result."""
    framework = evaluation.framework
    plan = _plan(framework)
    factors = _factors(evaluation, plan)
    rows: list[ScoreRow] = []
    heads: list[ScoreRow] = []
    add_row, add_head = rows.append, heads.append
    inputs = evaluation.inputs
    get = inputs.get
    sums: list = []  # per group of ``plan.flat``: its own rows' scores, declared scores
    declared_sums: list = []
    # every group's rows in table order (a group's own rows, then its sub-groups'), each
    # indicator's row remembered by its input object when it can be (``_score_leaf``);
    # compiled in ``_speedups.score_rows`` when that is built, the same loop
    if _compiled is not None:
        rows, heads, sums, declared_sums = _compiled.score_rows(plan.flat, inputs, factors, _entry, evaluation, plan,
                                                                _EMPTY_INPUT, ONE, ZERO)
    for gp, entries, _ in plan.flat if _compiled is None else ():
        score_sum = ZERO
        declared: Decimal | None = ZERO
        for leaf, subs, code, remembered in entries:
            item = get(code) or _EMPTY_INPUT
            if factors:
                factor = factors.get(code, ONE)
                head = remembered.get(id(item)) if factor is ONE else None
            else:
                factor = ONE
                head = remembered.get(id(item))  # never a 不适用 row or the head of sub-rows
            if head is not None and head.input is item:
                add_row(head)
            else:
                scored = _entry(evaluation, plan, leaf, subs, item, gp.path, factor)
                rows.extend(scored)
                head = scored[0]
            add_head(head)
            score_sum += head.score
            if declared is not None:
                declared = None if head.declared is None else declared + head.declared
        sums.append(score_sum)
        declared_sums.append(declared)
    if _compiled is not None:  # the same, compiled (``_speedups.group_totals``)
        groups, total, weight_total, declared_rows = _compiled.group_totals(
            plan.flat, plan.tops, sums, declared_sums, evaluation.declared_groups, _new, GroupTotal, ZERO)
    else:
        groups, total, weight_total, declared_rows = _group_totals(plan, sums, declared_sums,
                                                                   evaluation.declared_groups)
    sheet = _new(ScoreSheet)  # the frozen dataclass's fields in order, without its __init__
    sheet.__dict__.update(evaluation=evaluation, rows=tuple(rows), groups=groups, total=total,
                          grade=framework.grade(total), passed=total >= framework.pass_line,
                          weight_total=weight_total, rules_hash=_rules_hash(framework),
                          declared_rows_total=declared_rows, indicator_rows=tuple(heads))
    return sheet
