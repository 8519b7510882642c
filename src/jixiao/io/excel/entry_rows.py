"""Which rows the entry workbook has for a framework and which inputs each takes: one row per
indicator, sub-row and (where a ``sum`` rule needs separate inputs per part) part; the input
columns a rule reads (highlighted) and accepts (unlocked); the drop-down options; and each
row's 填写说明 in Chinese (``RULE_HELP`` names every rule type)."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Iterable, Iterator, Literal

from jixiao.core.formula import FormulaError, compile_formula
from jixiao.core.model import Framework, Group, Indicator, Target
from jixiao.core.numbers import fmt
from jixiao.core.rules import (Bands, Binary, Bonus, Checklist, FormulaRule, Generic, Graded, Growth, Manual, Part,
                               PerIncident, Qualitative, QuestionnaireRule, Reference, Rule, Sum)

from .entry_layout import PART_SEPARATOR

RULE_HELP: dict[str, tuple[str, str, str]] = {
    # type: (name, what it does, which columns to fill)
    "binary": ("达标计分", "达到目标得满分，否则不得分", "实际值，或 达标（是/否）"),
    "proportional": ("比例计分", "实际值÷目标值×分值，封顶满分", "实际值"),
    "deduct_per_unit": ("差额扣分", "每低于（或超出）目标一个单位扣分", "实际值"),
    "checklist": ("要点计分", "满足的各评分要点分值之和", "满足要点（如 1,2,3）"),
    "per_incident": ("扣分计分", "从满分起按扣分事项次数扣分", "扣分事项（如 迟报:1;错报:0）"),
    "bands": ("区间计分", "按实际值所在区间得分", "实际值，或 分项数值（名称:数值）"),
    "formula": ("公式计分", "按指标体系规定的分段公式计分", "实际值（及参照值、分项数值）"),
    "lower_is_better": ("反向计分", "越低越好，不高于目标得满分", "实际值"),
    "graded": ("等级计分", "按评定等级得分", "评定等级"),
    "bonus": ("加分计分", "基础得分加超额加分", "同基础规则，另按实际值加分"),
    "sum": ("分项计分", "各分项得分之和（可封顶）", "分项行，或 分项数值"),
    "reference": ("对照计分", "与参照值（全市平均、上年值等）比较", "实际值、参照值"),
    "questionnaire": ("问卷计分", "问卷综合得分折算为分值", "实际值（问卷综合得分）"),
    "growth": ("增长计分", "同比增长得满分，否则不得分", "实际值（增长率%），或 分项数值 current/previous"),
    "saturating_rate": ("执行率计分", "执行率×分值，达到饱和点按满分", "实际值（%）"),
    "manual": ("人工评分", "评价人直接给分", "人工得分"),
    "qualitative": ("定性评价", "选择评价结论并在该档范围内给分", "评定等级、人工得分"),
    "generic": ("通用计分", "按指标方向：正向按比例、反向超出扣分、定性由评价人给分", "实际值（定性指标：评定等级、人工得分）"),
    "subrows": ("分项合计", "各分项（子行）得分之和", "各分项行"),
}


def walk_indicators(groups: Iterable[Group], path: tuple[Group, ...] = ()) -> Iterator[tuple[tuple[Group, ...], Indicator]]:
    """Every level-3 indicator with its group path, in table order (as scoring visits them)."""
    for group in groups:
        here = path + (group,)
        for indicator in group.indicators:
            yield here, indicator
        yield from walk_indicators(group.groups, here)


def _effective_rule(framework: Framework, indicator: Indicator) -> Rule:
    if indicator.rule is not None:
        return indicator.rule
    return Manual() if framework.default_rule == "manual" else Generic()


def rule_name(rule: Rule) -> str:
    return RULE_HELP.get(rule.type, (rule.type, "", ""))[0]


def _qualitative_generic(rule: Generic, indicator: Indicator) -> bool:
    return indicator.direction == "定性" or indicator.target.value is None


def _reads(rule: Rule, indicator: Indicator) -> frozenset[str]:
    """The input columns a rule reads."""
    if isinstance(rule, Binary):
        return frozenset({"actual", "met"})
    if isinstance(rule, Checklist):
        return frozenset({"checks"})
    if isinstance(rule, PerIncident):
        return frozenset({"incidents"})
    if isinstance(rule, Bands):
        return frozenset({"actual"} if rule.input in (None, "actual") else {"values"})
    if isinstance(rule, Graded):
        return frozenset({"judgement"})
    if isinstance(rule, (Manual,)):
        return frozenset({"manual"})
    if isinstance(rule, Qualitative):
        return frozenset({"judgement", "manual"})
    if isinstance(rule, Generic):
        return frozenset({"judgement", "manual"} if _qualitative_generic(rule, indicator) else {"actual"})
    if isinstance(rule, Bonus):
        extra = {"actual"} if rule.input in (None, "actual") else {"values"}
        return _reads(rule.base, indicator) | extra
    if isinstance(rule, Sum):
        reads: set[str] = set()
        for part in rule.parts:
            reads |= {"values"} if part.input else _reads(part.rule, indicator)
        return frozenset(reads)
    if isinstance(rule, Reference):
        reads = {"actual"}
        if rule.mode != "rank":
            reads.add("reference" if rule.reference == "reference" else "values")
        return frozenset(reads)
    if isinstance(rule, FormulaRule):
        names = _formula_names(rule)
        reads = {"actual"} & names | ({"reference"} & names)
        if names - {"actual", "target", "weight", "reference"}:
            reads.add("values")
        return frozenset(reads or {"actual"})
    return frozenset({"actual"} if rule.uses_actual() else set())


def _formula_names(rule: FormulaRule) -> set[str]:
    names: set[str] = set()
    for case in rule.cases:
        for source in (case.when, case.score):
            if source.strip():
                try:
                    names |= compile_formula(source).names
                except FormulaError:
                    continue  # the framework loader has already refused bad formulas
    return names


def has_part_rows(rule: Rule) -> bool:
    """Whether a rule is a sum with parts that take inputs of their own (no named ``input``):
    each such part gets a row, whose input goes to ``parts`` of the indicator; two parts may
    then read the same kind of input (two yes/no verdicts) without clashing."""
    return isinstance(rule, Sum) and any(part.input is None for part in rule.parts)


def walk_rules(rule: Rule) -> Iterator[Rule]:
    yield rule
    if isinstance(rule, Bonus):
        yield from walk_rules(rule.base)
    if isinstance(rule, Sum):
        for part in rule.parts:
            yield from walk_rules(part.rule)


def judgement_options(rule: Rule, indicator: Indicator) -> tuple[list[str], set[str]]:
    """Drop-down labels and every accepted spelling (aliases) of a row's 评定等级."""
    labels: list[str] = []
    accepted: set[str] = set()
    for r in walk_rules(rule):
        if isinstance(r, Graded):
            for level in r.levels:
                labels.append(level.label)
                accepted |= {level.label, *level.aliases}
        elif isinstance(r, Qualitative) or (isinstance(r, Generic) and _qualitative_generic(r, indicator)):
            verdicts = r.verdicts if isinstance(r, Qualitative) else Qualitative().verdicts
            labels += [v.label for v in verdicts]
            accepted |= {v.label for v in verdicts}
    return list(dict.fromkeys(labels)), accepted


def checklist_ids(rule: Rule) -> list[str]:
    return list(dict.fromkeys(i.id for r in walk_rules(rule) if isinstance(r, Checklist) for i in r.items))


def incident_kinds(rule: Rule) -> list[str]:
    return list(dict.fromkeys(d.kind for r in walk_rules(rule) if isinstance(r, PerIncident) for d in r.deductions))


def value_names(rule: Rule) -> list[str]:
    names: list[str] = []
    for r in walk_rules(rule):
        if isinstance(r, (Bands, Bonus)) and r.input not in (None, "actual"):
            names.append(r.input)
        elif isinstance(r, Sum):
            names += [p.input for p in r.parts if p.input]
        elif isinstance(r, Growth):
            names += [r.current, r.previous]
        elif isinstance(r, Reference) and r.reference != "reference":
            names.append(r.reference)
        elif isinstance(r, FormulaRule):
            names += sorted(_formula_names(r) - {"actual", "target", "weight", "reference"})
    return list(dict.fromkeys(names))


def _target_note(target: Target) -> str:
    return f"（目标{target.text}）" if target.text else ""


def _hint(rule: Rule, indicator: Indicator, weight: Decimal, target: Target) -> str:
    """What the clerk fills for one row, in Chinese."""
    name = rule_name(rule)
    if isinstance(rule, Binary):
        if rule.value is None and target.value is None:
            return f"{name}：在“达标”中选是/否{_target_note(target)}"
        return f"{name}：填“实际值”{_target_note(target)}，或在“达标”中选是/否"
    if isinstance(rule, Checklist):
        items = "；".join(f"{i.id}.{i.text}（{fmt(i.points)}分）" if i.text else f"{i.id}（{fmt(i.points)}分）"
                         for i in rule.items)
        return f"{name}：在“满足要点”中填满足的编号，如 1,2；都未满足填“无”。要点：{items}"
    if isinstance(rule, PerIncident):
        kinds = "、".join(d.kind + ("（发生即不得分）" if d.zero else
                                    f"（每次扣{fmt(d.points)}分）" if d.points is not None else "（填扣分数）")
                         for d in rule.deductions)
        return f"{name}：在“扣分事项”中填“事项:次数”，多项以分号分隔，无扣分填“无”。事项：{kinds}"
    if isinstance(rule, Graded):
        levels = "／".join(f"{lv.label}（{fmt(lv.award(weight))}分）" for lv in rule.levels)
        return f"{name}：在“评定等级”中选择：{levels}"
    if isinstance(rule, Manual):
        return f"{name}：在“人工得分”中填0～{fmt(weight)}分"
    if isinstance(rule, Qualitative) or (isinstance(rule, Generic) and _qualitative_generic(rule, indicator)):
        verdicts = rule.verdicts if isinstance(rule, Qualitative) else Qualitative().verdicts
        labels = "／".join(v.label for v in verdicts)
        return f"{RULE_HELP['qualitative'][0]}：在“评定等级”中选择{labels}，并在“人工得分”中给出该档范围内的得分"
    if isinstance(rule, Bands) and rule.input not in (None, "actual"):
        return f"{name}：在“分项数值”中填“{rule.input}:数值”"
    if isinstance(rule, Bonus):
        source = "实际值" if rule.input in (None, "actual") else f"分项数值“{rule.input}”"
        return f"{_hint(rule.base, indicator, weight, target)}；超出部分按“{source}”加分"
    if isinstance(rule, Sum):
        parts = "；".join(f"{p.name}：在“分项数值”中填“{p.input}:数值”" if p.input else
                         f"{p.name}：{_hint(p.rule, indicator, weight if p.weight is None else p.weight, p.target or target)}"
                         for p in rule.parts)
        return f"{name}：{parts}"
    if isinstance(rule, Reference):
        if rule.mode == "rank":
            return f"{name}：在“实际值”中填名次（前{rule.top}名得满分）"
        return f"{name}：填“实际值”和“参照值”（如全市平均、上年值）"
    if isinstance(rule, FormulaRule):
        extra = value_names(rule)
        text = f"{name}：填“实际值”{_target_note(target)}"
        if "reference" in _formula_names(rule):
            text += "和“参照值”"
        if extra:
            text += "；在“分项数值”中填 " + ";".join(f"{n}:数值" for n in extra)
        return text
    if isinstance(rule, Growth):
        return f"{name}：填“实际值”（同比增长率，%），或在“分项数值”中填“{rule.current}:本年值;{rule.previous}:上年值”"
    if isinstance(rule, QuestionnaireRule):
        return f"{name}：在“实际值”中填问卷综合得分（满分{fmt(rule.full_marks)}分）"
    return f"{name}：填“实际值”{_target_note(target)}"


@dataclass(frozen=True)
class EntryRow:
    """One row of the 填报 sheet.

    ``kind`` is ``indicator`` (a level-3 indicator), ``subrow`` or ``part`` (a part of a ``sum``
    rule that takes inputs of its own; its code is ``<indicator code>/<part name>`` and its
    input goes to ``parts`` of the indicator). ``rule`` is the rule the row's inputs feed (None
    for an indicator scored by its sub-rows); ``allowed`` the input columns the row takes;
    ``reads`` those its rule needs.
    """

    code: str
    kind: Literal["indicator", "subrow", "part"]
    indicator: Indicator
    path: tuple[Group, ...]
    name: str
    weight: Decimal
    target: Target
    criteria: str
    rule: Rule | None
    allowed: frozenset[str]
    reads: frozenset[str]
    hint: str
    owner: str | None = None  # the indicator or sub-row a part belongs to
    part: Part | None = None


def entry_rows(framework: Framework) -> list[EntryRow]:
    """The rows of the entry workbook for a framework, in table order."""
    rows: list[EntryRow] = []
    for path, indicator in walk_indicators(framework.groups):
        if indicator.subrows:
            rows.append(EntryRow(indicator.code, "indicator", indicator, path, indicator.name, indicator.weight,
                                 indicator.target, indicator.criteria, None,
                                 frozenset({"not_applicable", "declared", "evidence"}), frozenset(),
                                 f"{RULE_HELP['subrows'][0]}：各分项在下方分项行中分别填写；本行可填申报得分、不适用理由"))
            for sub in indicator.subrows:
                rows += _leaf_rows(framework, sub, path, "subrow")
        else:
            rows += _leaf_rows(framework, indicator, path, "indicator")
    return rows


def _accepts(rule: Rule, indicator: Indicator) -> frozenset[str]:
    """The scoring inputs a row of this rule takes: what the rule reads, the actual value and
    named values (kept for the record even where the rule does not use them), and 达标 for a
    checklist (是 = every item met). Other scoring columns are locked for the row."""
    extra = {"actual", "values"}
    if any(isinstance(r, Checklist) for r in walk_rules(rule)):
        extra.add("met")
    return _reads(rule, indicator) | extra


def _leaf_rows(framework: Framework, indicator: Indicator, path, kind: Literal["indicator", "subrow"]) -> list[EntryRow]:
    rule = _effective_rule(framework, indicator)
    general = frozenset({"declared", "evidence", "override", "override_reason"}
                        | ({"not_applicable"} if kind == "indicator" else set()))
    name = indicator.name if kind == "indicator" else f"└ {indicator.name}"
    if has_part_rows(rule):
        reads = frozenset({"values"} if any(p.input for p in rule.parts) else set())
        hint = f"{rule_name(rule)}：各分项在下方分项行中分别填写"
        if reads:
            hint += "；本行“分项数值”填 " + ";".join(f"{p.input}:数值" for p in rule.parts if p.input)
        rows = [EntryRow(indicator.code, kind, indicator, path, name, indicator.weight, indicator.target,
                         indicator.criteria, rule, general | reads, reads, hint)]
        for part in rule.parts:
            if part.input:
                continue
            weight = part.weight if part.weight is not None else indicator.weight
            target = part.target or indicator.target
            rows.append(EntryRow(f"{indicator.code}{PART_SEPARATOR}{part.name}", "part", indicator, path,
                                 f"└ 分项：{part.name}", weight, target, "", part.rule,
                                 _accepts(part.rule, indicator) | {"evidence"}, _reads(part.rule, indicator),
                                 _hint(part.rule, indicator, weight, target), owner=indicator.code, part=part))
        return rows
    return [EntryRow(indicator.code, kind, indicator, path, name, indicator.weight, indicator.target,
                     indicator.criteria, rule, general | _accepts(rule, indicator), _reads(rule, indicator),
                     _hint(rule, indicator, indicator.weight, indicator.target))]
