"""Findings in the words of a published evaluation, beside those of its arithmetic.

``jixiao.core.audit`` checks a score sheet against its rules. A published report also says
things in words that can contradict the year evaluated, each other, or the table: a criterion
still asks to "完成2020年参保缴费任务" in a 2023 evaluation; the same rate is quoted as
93.02% in one row and 99.11% in another; the report text gives a total or a grade the table
does not. Each finding here says where, what was claimed, what the table or the arithmetic
gives, and how sure the reading is (high / medium / low). Pure: no I/O.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import Decimal
from typing import Iterable

from .audit import Severity
from .criteria import Confidence, normalize
from .model import Evaluation, Indicator, SourceRef
from .numbers import fmt

TEXT_KINDS = {
    "wrong-year": "评分标准或目标值中的年份与评价年度不符",
    "figure-conflict": "同一数据在报告中前后表述不一",
    "narrative-total": "报告正文所述总分与得分表不符",
    "narrative-grade": "报告正文所述等级与得分表不符",
}


@dataclass(frozen=True)
class TextFinding:
    """One finding in the text: ``claimed`` is what the text says, ``expected`` what the
    evaluation year, the table or another statement gives."""

    code: str
    kind: str
    message: str
    claimed: str
    expected: str
    confidence: Confidence
    severity: Severity = "warning"
    loc: SourceRef | None = None

    @property
    def title(self) -> str:
        return TEXT_KINDS.get(self.kind, self.kind)


NUM = r"\d+(?:\.\d+)?"
_YEAR_RE = re.compile(r"(20\d\d)年(度)?")
_COMPARISON_RE = re.compile(r"同比|较|与|相比|上年|去年|比上|对比")


def _inside_title(text: str, pos: int) -> bool:
    """Whether ``pos`` is inside 《…》 (a document title, whose year is the document's)."""
    return text.count("《", 0, pos) > text.count("》", 0, pos)


def _rows(evaluation: Evaluation) -> Iterable[Indicator]:
    for indicator in evaluation.framework.indicators():
        yield indicator
        yield from indicator.subrows


def wrong_years(evaluation: Evaluation) -> list[TextFinding]:
    """A year in a row's criteria or target that is not the evaluation year.

    High confidence when the same row says the same thing with the evaluation year (002 A12:
    its 指标解释 reads 完成2023年参保缴费任务, its criteria 完成2020年…); medium for a year two
    or more away; low for the previous year outside a comparison (a criterion copied from the
    year before). The previous year in a comparison (与2022年同比下降) and years inside 《…》
    titles are not findings."""
    year = evaluation.year
    found: list[TextFinding] = []
    for ind in _rows(evaluation):
        item = evaluation.input(ind.code)
        others = normalize(" ".join((ind.description, ind.target.text, item.evidence, ind.name)))
        for field, raw in (("评分标准", ind.criteria), ("目标值", ind.target.text)):
            text = normalize(raw)
            for m in _YEAR_RE.finditer(text):
                y = int(m[1])
                if y == year or _inside_title(text, m.start()):
                    continue
                context = text[max(0, m.start() - 12):m.end() + 10]
                if y == year - 1 and _COMPARISON_RE.search(context):
                    continue
                following = re.match(r"[\u4e00-\u9fff]{2,4}", text[m.end():])
                echoed = following and re.search(rf"{year}年度?{re.escape(following[0][:2])}", others)
                confidence: Confidence = "high" if echoed else ("medium" if abs(y - year) >= 2 else "low")
                why = f"，而本行其他栏写的是{year}年" if echoed else ""
                found.append(TextFinding(
                    ind.code, "wrong-year",
                    f"{field}写“…{context}…”，其中{y}年与评价年度{year}年不符{why}",
                    claimed=f"{y}年", expected=f"{year}年", confidence=confidence,
                    severity="warning", loc=ind.loc))
    return found


# --- figures quoted more than once -------------------------------------------------------

_METRIC_RE = re.compile(r"([\u4e00-\u9fff]{1,30}?(?:率|占比|比例|比重|满意度))(?:为|达到|达|是|约|已达|提高到|提升至|下降至)?$")
_LEADING = re.compile(r"^(?:及|和|与|其中|其|且|并|则|即|另|20\d\d年度?|年末|年底|全年|当年|本年度?|截至\d*月?底?)+")
_ORG = re.compile(r"^[\u4e00-\u9fff]{0,12}?(?:中心|医保局|医疗保障局|单位|我市|全市|全县|我县|本市|本县|全区|我区)")
_GENERIC = {
    "执行率", "到位率", "资金到位率", "完成率", "覆盖率", "参保率", "满意度", "增长率", "占比", "比例", "比重",
    "办结率", "办理率", "结算率", "发放率", "控制率", "达标率", "合格率", "使用率", "知晓率", "通过率", "缴费率",
    "网办率", "激活率", "报销比例", "支付比例", "核查率", "抽查率", "差异率", "同比增长率", "增幅",
}


@dataclass(frozen=True)
class Quote:
    """A rate or share stated in the text: its canonical label, value and where."""

    label: str
    shown: str
    value: Decimal
    where: str
    code: str
    loc: SourceRef | None


def canonical(label: str) -> str:
    """A label without leading years, conjunctions, the unit's name, 部门 or 预算, so that
    专项资金预算执行率 and 2023年专项资金执行率 name the same figure."""
    label = _LEADING.sub("", label)
    label = _ORG.sub("", label)
    label = re.sub(r"^(?:部门|本部门|单位)", "", label)
    return label.replace("预算", "").replace("的", "")


def quotes(text: str, where: str, code: str, loc: SourceRef | None) -> list[Quote]:
    """Every "<specific label> <number>%" statement in a text; generic labels alone
    (预算执行率, 参保率) name different figures in different sentences and are skipped."""
    norm = normalize(text)
    found = []
    for m in re.finditer(rf"(?<![\d.])({NUM})%", norm):
        start = max(norm.rfind(sep, 0, m.start()) for sep in ",;。:、()[]\n")
        clause = re.sub(r"20\d\d年度?|\d+月(?:底|份)?", "", norm[start + 1:m.start()])
        label = _METRIC_RE.search(clause)
        if not label:
            continue
        name = canonical(label[1])
        if len(name) < 4 or name in _GENERIC:
            continue
        found.append(Quote(name, _LEADING.sub("", label[1]), Decimal(m[1]), where, code, loc))
    return found


def figure_conflicts(evaluation: Evaluation, narrative: Iterable[tuple[str, SourceRef | None]] = ()) -> list[TextFinding]:
    """The same specific figure stated with different values in the evidence of the table's
    rows or in the report text (seed 000: 专项资金预算执行率 93.02% in A41, 99.11% in B12)."""
    pool: list[Quote] = []
    for ind in _rows(evaluation):
        item = evaluation.input(ind.code)
        if item.evidence:
            pool += quotes(item.evidence, f"{ind.code}评分过程", ind.code, item.loc or ind.loc)
    for text, loc in narrative:
        pool += quotes(text, f"正文{('第' + str(loc.line) + '行') if loc and loc.line else ''}", "正文", loc)
    by_label: dict[str, list[Quote]] = {}
    for q in pool:
        by_label.setdefault(q.label, []).append(q)
    found = []
    for label, qs in by_label.items():
        values = sorted({q.value for q in qs})
        if len(values) < 2:
            continue
        first = qs[0]
        other = next(q for q in qs if q.value != first.value)
        listing = "；".join(f"{q.where}称“{q.shown}”{fmt(q.value)}%" for q in qs)
        code = first.code if first.code != "正文" else other.code
        found.append(TextFinding(
            code, "figure-conflict", f"“{label}”前后不一：{listing}",
            claimed=f"{fmt(first.value)}%（{first.where}）", expected=f"{fmt(other.value)}%（{other.where}）",
            confidence="medium", severity="warning", loc=first.loc))
    return found


# --- totals and grades stated in the report text -------------------------------------------

_TOTAL_CLAIM = re.compile(rf"(?:得分|总分|综合得分|考核得分|评价得分|自评得分|综合评定)(?:为|是|:|达到)?({NUM})分")
_RESULT_CLAIM = re.compile(rf"(?:评价结果|评价结论|自评结果)[^。\n]{{0,12}}?({NUM})分")
_GRADE_CLAIM = re.compile(r"(?:等级|评价结果|评定结果|自评结果|绩效)(?:为|是|:)?(优秀|优|良好|良|中等|中|差)")


#: ``分值38分，得分37分``: the score of one heading or row, printed with its points.
_PART_SCORE = re.compile(rf"分值{NUM}分[,，、;；]?\s*$")
#: ``按规则计算总分95.87分``: the total as recomputed, stated beside the declared one.
_COMPUTED_CLAIM = re.compile(rf"(?:按规则)?(?:计算|重算)(?:的)?总分(?:为)?({NUM})分")


def narrative_claims(evaluation: Evaluation, narrative: Iterable[tuple[str, SourceRef | None]],
                     totals: Iterable[Decimal] = ()) -> list[TextFinding]:
    """A total or grade stated in the report text that no table of the file declares.

    ``totals`` are the declared totals of every table of the file (a report with several
    tables may state any of them); the evaluation's own declared total is always included."""
    known = {t for t in totals if t is not None}
    if evaluation.declared_total is not None:
        known.add(evaluation.declared_total)
    if not known:
        return []
    grades = {evaluation.framework.grade(t)[0] for t in known}
    found = []
    for text, loc in narrative:
        norm = normalize(text)
        if "问卷" in norm or "满分为" in norm:
            continue
        explained = any(Decimal(m[1]) in known for m in _COMPUTED_CLAIM.finditer(norm))
        for m in list(_TOTAL_CLAIM.finditer(norm)) + list(_RESULT_CLAIM.finditer(norm)):
            value = Decimal(m[1])
            if _PART_SCORE.search(norm[max(0, m.start() - 12):m.start()]):
                continue  # （分值38分，得分37分）: a heading's or an indicator's score, not the total
            if explained and norm[max(0, m.start() - 2):m.start()] == "申报":
                continue  # 按规则计算总分95.87分，申报总分95分: the declared figure, named as such
            if value not in known:
                expected = "、".join(fmt(t) for t in sorted(known))
                found.append(TextFinding("总分", "narrative-total",
                                         f"正文称“{m[0]}”，得分表申报总分为{expected}分",
                                         claimed=f"{fmt(value)}分", expected=f"{expected}分", confidence="high",
                                         severity="error", loc=loc))
        for m in _GRADE_CLAIM.finditer(norm):
            if m[1][0] not in grades:
                expected = "、".join(sorted(evaluation.framework.grade(t) for t in known))
                found.append(TextFinding("总分", "narrative-grade",
                                         f"正文称“{m[0]}”，按得分表申报总分应为“{expected}”",
                                         claimed=m[1], expected=expected, confidence="medium", severity="error",
                                         loc=loc))
    return _unique(found)


def _unique(found: list[TextFinding]) -> list[TextFinding]:
    seen, out = set(), []
    for f in found:
        key = (f.code, f.kind, f.claimed)
        if key not in seen:
            seen.add(key)
            out.append(f)
    return out


def text_audit(evaluation: Evaluation, narrative: Iterable[tuple[str, SourceRef | None]] = (),
               totals: Iterable[Decimal] = ()) -> list[TextFinding]:
    """Every text finding for one table and (optionally) the report text around it."""
    narrative = list(narrative)
    return [*wrong_years(evaluation), *figure_conflicts(evaluation, narrative),
            *narrative_claims(evaluation, narrative, totals)]
