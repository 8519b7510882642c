"""Audit: where a framework contradicts itself and where declared scores depart from rules.

Each finding names the place (indicator or group code, and the file:line it came from), its
kind and a Chinese message with the evidence. Published scores are claims; the rules decide.
"""

from __future__ import annotations

from operator import attrgetter
from decimal import Decimal
from typing import Callable, Literal

from .compiled import compiled_loops
from .frozen import FrozenValue, lazy_text
from .model import PerObject, SourceRef
from .numbers import ZERO, fmt
from .scoring import ScoreSheet, allows_bonus

Severity = Literal["error", "warning", "info"]

KINDS = {
    "weights-total": "权重合计不等于满分",
    "group-points": "标题分值与所属指标分值合计不符",
    "subrow-weights": "指标分值与分项分值合计不符",
    "criteria-points": "评分标准分值与指标分值不符",
    "score-mismatch": "申报得分与按规则计算的得分不符",
    "above-weight": "申报得分超过指标分值",
    "below-zero": "申报得分为负数但规则不允许扣至负分",
    "target-missed-full": "未达到目标值却得满分",
    "input-error": "缺少数据或数据与规则不符",
    "group-score": "标题申报得分与所属指标申报得分合计不符",
    "declared-total": "申报总分与各指标申报得分合计不符",
    "total-mismatch": "申报总分与计算总分不符",
    "grade-mismatch": "申报等级与计算等级不符",
    "questionnaire": "问卷申报结果与计算结果不符",
    "heading-points": "上级标题分值与下级标题分值合计不符",
    "not-applicable": "指标不适用，分值已重新分配",
    "override": "人工改分",
    "group-mismatch": "标题申报得分与按规则计算的得分不符",
    # the 项目支出绩效自评表 (jixiao.core.project_form)
    "reason-missing": "失分指标未填写偏差原因分析及改进措施",
    "met-but-lost": "实际完成值达到年度指标值却失分",
    "block-met-but-lost": "目标下各指标均达到年度指标值，目标却失分",
    "money-sum": "项目资金分项之和与年度资金总额不符",
    "money-over": "全年执行数超过全年预算数",
    "money-missing": "项目资金缺少全年预算数或全年执行数",
    "target-missing": "指标未填写年度指标值",
}


class _FindingSlots:
    __slots__ = ("code", "kind", "_message", "severity", "loc")


class _FindingBuilder(_FindingSlots):
    """Fills a finding with plain assignments; its class is then set to ``Finding`` (same
    slots), which forbids assignment (as ``scoring._RowBuilder`` does for rows)."""

    __slots__ = ()

    def __init__(self, code, kind, message, severity, loc):
        self.code, self.kind, self._message, self.severity, self.loc = code, kind, message, severity, loc


class Finding(_FindingSlots, FrozenValue):
    """One inconsistency: ``code`` is the indicator or group code ("总分" for the total),
    ``kind`` one of ``KINDS``, ``message`` the Chinese sentence with the evidence, ``severity``
    error / warning / info, ``loc`` where the indicator, group or evaluation came from.

    ``message`` may be given as the text or as a function of no arguments that returns it:
    the audit passes a function for the findings of every evaluation (declared total, group
    and row scores), because formatting their figures cost more than finding them and a bulk
    run only counts them. The text is built once, on first access, and is the same either
    way. Immutable like the frozen dataclass it was (same fields, same constructor); compares,
    hashes and pickles with the message as text; ``_replace`` is ``dataclasses.replace``.
    """

    __slots__ = ()
    _FIELDS = ("code", "kind", "message", "severity", "loc")

    def __new__(cls, code: str, kind: str, message: "str | Callable[[], str]", severity: Severity = "error",
                loc: SourceRef | None = None):
        finding = _FindingBuilder(code, kind, message, severity, loc)
        finding.__class__ = cls
        return finding

    message = lazy_text("_message")

    @property
    def title(self) -> str:
        return KINDS.get(self.kind, self.kind)

    def _replace(self, **changes) -> "Finding":
        values = dict(zip(self._FIELDS, self._values()))
        values.update(changes)
        return Finding(**values)


class _RowChecks:
    """What the audit knows about one indicator or sub-row from the framework alone: its own
    findings (sub-row weights, criteria points) and the facts the declared-score checks read
    (whether it may be declared above its weight, go below zero, and have its target checked)."""

    __slots__ = ("indicator", "findings", "above_weight", "below_zero", "target_check")

    def __init__(self, ind):
        self.indicator = ind
        where = ind.loc
        found = []
        if ind.subrows:
            sub_total = sum((s.weight for s in ind.subrows), ZERO)
            if sub_total != ind.weight:
                found.append(Finding(ind.code, "subrow-weights",
                                     f"指标分值{fmt(ind.weight)}分，分项分值合计{fmt(sub_total)}分", "error", where))
        elif ind.rule is not None:
            rule = ind.rule.base if ind.rule.type == "bonus" else ind.rule
            most = rule.max_points(ind.weight)
            if most is not None and most != ind.weight:
                found.append(Finding(ind.code, "criteria-points",
                                     f"评分标准各项分值合计{fmt(most)}分，指标分值为{fmt(ind.weight)}分", "warning", where))
        self.findings = tuple(found)
        self.above_weight = not allows_bonus(ind.rule) and not ind.subrows  # a declared score above it is wrong
        self.below_zero = getattr(ind.rule, "floor", ZERO) is not None  # a negative declared score is wrong
        self.target_check = ind.target.is_numeric and ind.rule is not None and ind.rule.uses_actual()


class _FrameworkChecks:
    """The audit's checks that depend only on the framework, done once per framework object
    (frameworks are immutable) instead of once per audited evaluation: the headings' points
    against their sub-headings', the level-1 headings' against the total, and every row's
    ``_RowChecks`` by indicator identity."""

    __slots__ = ("framework", "headings", "tops", "rows", "in_order", "group_findings")

    def __init__(self, framework):
        self.framework = framework
        headings = {}
        stack = list(framework.groups)
        while stack:
            g = stack.pop()
            stack.extend(g.groups)
            headings[id(g)] = (g, _heading(g))
        self.headings = headings
        tops = [g.points for g in framework.groups]
        self.tops = ()
        if tops and None not in tops and sum(tops, ZERO) != framework.total:
            self.tops = (Finding("总分", "heading-points",
                                 f"一级指标标明的分值合计{fmt(sum(tops, ZERO))}分，应为{fmt(framework.total)}分", "error",
                                 framework.loc),)
        rows = {}
        in_order = []  # in the order of a score sheet's rows
        for ind in framework.indicators():
            for one in (ind, *ind.subrows):
                rows[id(one)] = _RowChecks(one)
                in_order.append(rows[id(one)])
        self.rows = rows
        self.in_order = tuple(in_order)
        self.group_findings = None  # ``audit``: (ids of groups and weights, their findings, the objects)

    def heading(self, g) -> "Finding | None":
        found = self.headings.get(id(g))
        if found is not None and found[0] is g:
            return found[1]
        return _heading(g)  # a group that is not this framework object's own


def _heading(g) -> "Finding | None":
    """A heading whose points differ from the points its sub-headings state."""
    if g.points is None or not g.groups:
        return None
    children = [c.points for c in g.groups]
    if None not in children and sum(children, ZERO) != g.points:
        return Finding(g.code, "heading-points",
                       f"“{g.name}”标明{fmt(g.points)}分，下级标题标明的分值合计{fmt(sum(children, ZERO))}分",
                       "error", g.loc)
    return None


_framework_checks = PerObject(_FrameworkChecks)
_compiled = compiled_loops("jixiao.core._speedups")  # the row loop compiled, or None
_group_of = attrgetter("group")
_weight_of = attrgetter("weight")


def audit(sheet: ScoreSheet) -> list[Finding]:
    """Every finding for a scored evaluation, in table order, totals last."""
    framework = sheet.framework
    checks = _framework_checks(framework)
    headings = checks.headings
    findings: list[Finding] = []
    add = findings.append

    if sheet.weight_total != framework.total:
        add(Finding("总分", "weights-total",
                    f"三级指标分值合计{fmt(sheet.weight_total)}分，应为{fmt(framework.total)}分", "error", framework.loc))

    # the headings' findings depend only on each group and its rows' weight: those of the last
    # sheet with the same group and weight objects (held by ``checks``, so the ids stay theirs)
    groups = sheet.groups
    key = (list(map(id, map(_group_of, groups))), list(map(id, map(_weight_of, groups))))
    seen = checks.group_findings
    if seen is not None and seen[0] == key:
        findings.extend(seen[1])
    else:
        start = len(findings)
        for gt in groups:
            g = gt.group
            if g.points is not None and g.points != gt.weight:
                add(Finding(g.code, "group-points",
                            f"“{g.name}”标明{fmt(g.points)}分，所属指标分值合计{fmt(gt.weight)}分", "error", g.loc))
            found = headings.get(id(g))  # = checks.heading(g)
            heading = found[1] if found is not None and found[0] is g else _heading(g)
            if heading is not None:
                add(heading)
        checks.group_findings = (key, tuple(findings[start:]), [(gt.group, gt.weight) for gt in groups])
    findings.extend(checks.tops)

    known = checks.rows
    in_order = checks.in_order
    rows = sheet.rows
    aligned = len(rows) == len(in_order)  # a sheet scored from this framework: its rows in this order

    def own_findings(position: int, row) -> tuple[Finding, ...]:
        """The row's findings, found once per row object (the scorer shares rows between sheets)."""
        info = in_order[position] if aligned else None
        if info is None or info.indicator is not row.indicator:
            info = known.get(id(row.indicator))
            if info is None or info.indicator is not row.indicator:  # not this framework object's own indicator
                info = _RowChecks(row.indicator)
        if (info.findings or row.declared is not None or row.not_applicable is not None
                or row.override_reason is not None or row.error):
            own = _row_findings(row, info)
        else:
            own = ()  # the common row: nothing declared, overridden or wrong
        object.__setattr__(row, "_audit", own)
        return own

    if _compiled is not None:  # the same loop, compiled (``_speedups.row_findings``)
        _compiled.row_findings(rows, findings, own_findings)
    for position, row in enumerate(rows) if _compiled is None else ():
        own = row._audit
        if own is None:
            own = own_findings(position, row)
        if own:
            findings.extend(own)

    declared_groups = sheet.evaluation.declared_groups
    for gt in sheet.groups if declared_groups else ():  # only published group scores are compared
        published = declared_groups.get(gt.group.code)
        rows_declared = None if published is None else _declared_under(sheet, gt.group.code)  # only compared when published
        g = gt.group
        if published is not None and rows_declared is not None and published != rows_declared:
            add(Finding(g.code, "group-score",
                        lambda g=g, published=published, rows_declared=rows_declared:
                        f"“{g.name}”申报得分{fmt(published)}分，所属指标申报得分合计{fmt(rows_declared)}分",
                        "error", g.loc))
        if published is not None and published != gt.score:
            add(Finding(g.code, "group-mismatch",
                        lambda g=g, published=published, computed=gt.score:
                        f"“{g.name}”申报得分{fmt(published)}分，按规则计算{fmt(computed)}分", "error", g.loc))

    # (the messages are written when read: see ``Finding``)
    declared_total = sheet.declared_total
    total = sheet.total
    if declared_total is not None:
        rows_total = sheet.declared_rows_total
        if rows_total is not None and declared_total != rows_total:
            add(Finding("总分", "declared-total",
                        lambda: f"申报总分{fmt(declared_total)}分，各指标申报得分合计{fmt(rows_total)}分", "error",
                        sheet.evaluation.loc))
        if declared_total != total:
            add(Finding("总分", "total-mismatch",
                        lambda: f"申报总分{fmt(declared_total)}分，按规则计算{fmt(total)}分（相差{fmt(declared_total - total)}分）",
                        "error", sheet.evaluation.loc))
    declared_grade = sheet.evaluation.declared_grade
    if declared_grade and not declared_grade.startswith(sheet.grade):
        grade = sheet.grade
        add(Finding("总分", "grade-mismatch", lambda: f"申报等级“{declared_grade}”，按计算总分{fmt(total)}分应为“{grade}”",
                    "error", sheet.evaluation.loc))

    for q in sheet.evaluation.questionnaires:
        if q.declared_total is not None and q.declared_total != q.total:
            add(Finding(q.id, "questionnaire", f"问卷申报总分{fmt(q.declared_total)}，按各选项人数计算为{fmt(q.total)}",
                        "error", q.loc))
        if q.declared_score is not None and q.valid > 0 and q.declared_score != q.score:
            add(Finding(q.id, "questionnaire",
                        f"问卷申报综合得分{fmt(q.declared_score)}，计算为{fmt(q.score, 2)}（{fmt(q.total)}÷{q.valid}份）",
                        "error", q.loc))
    return findings


def _row_findings(row, info: _RowChecks) -> tuple[Finding, ...]:
    """A row's findings: its indicator's own (``info``) and those of what it declares. (Their
    messages, written when read, hold the row's values, not the row: the row keeps its
    findings, and a cycle would outlive the scorer's caches until the collector runs.)"""
    ind = row.indicator
    findings = list(info.findings)
    add = findings.append
    if row.not_applicable is not None and row.parent is None:
        add(Finding(row.code, "not-applicable", row.explanation, "info", row.input.loc or ind.loc))
        return tuple(findings)
    declared = row.declared
    if declared is None and row.override_reason is None and not row.error:
        return tuple(findings)  # the common row: nothing declared, overridden or wrong
    where = ind.loc
    if row.override_reason is not None:
        add(Finding(row.code, "override",
                    lambda computed=row.computed, score=row.score, reason=row.override_reason:
                    "计算得分" + ("无法计算（缺少数据）" if computed is None else f"{fmt(computed)}分")
                    + f"，人工改为{fmt(score)}分，理由：{reason}",
                    "warning", row.input.loc or where))
    if row.error:
        add(Finding(row.code, "input-error", f"{row.error}，按0分计", "error", row.input.loc or where))
    if declared is None:
        return tuple(findings)
    if declared != row.score and not row.error:
        add(Finding(row.code, "score-mismatch",
                    lambda score=row.score, text=row._explanation:
                    f"申报{fmt(declared)}分，按规则应得{fmt(score)}分（{text if text.__class__ is str else text()}）",
                    "error", row.input.loc or where))
    weight = ind.weight
    if declared > weight and info.above_weight:
        add(Finding(row.code, "above-weight",
                    f"申报{fmt(declared)}分，超过分值{fmt(weight)}分且无加分规则", "error", row.input.loc or where))
    if declared < 0 and info.below_zero:
        add(Finding(row.code, "below-zero", f"申报{fmt(declared)}分为负数", "error", row.input.loc or where))
    if info.target_check and declared >= weight:
        actual = row.input.actual
        if actual is not None and not ind.target.met_by(actual):
            add(Finding(row.code, "target-missed-full",
                        f"实际值{fmt(actual)}{ind.target.unit}未达到目标“{ind.target.text}”，却申报满分{fmt(declared)}分",
                        "warning", row.input.loc or where))
    return tuple(findings)


def _declared_under(sheet: ScoreSheet, group_code: str) -> Decimal | None:
    total = ZERO
    for row in sheet.indicator_rows:
        if any(g.code == group_code for g in row.path):
            if row.declared is None:
                return None
            total += row.declared
    return total
