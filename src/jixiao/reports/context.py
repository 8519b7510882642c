"""The data a report template sees: ``build_context(sheet, findings)``.

Everything a template shows is prepared here, as plain dicts, lists and strings (numbers are
already formatted the way published reports write them: ``96.65``, ``99.81%``, ``5210.39万元``),
so templates hold layout only. Sentences that follow from the data — the budget execution
sentences, the evaluation conclusion, each group's points and deductions — are generated;
report text only a person can write comes from ``evaluation.narrative`` and, where missing,
becomes a highlighted placeholder ``【待填写：…】``. docs/reports.md lists every field.

Two kinds of values need a special tag in a template: ``*.rich`` values and the entries of
``placeholder`` are docxtpl RichText (``{{r sections.problems.rich }}``), and ``charts.*``
are images (``{{ charts.lost_by_group }}``). Cells whose field name ends in ``_cell`` merge
vertically with the identical cell above them (see ``render.merge_marked_cells``).
"""

from __future__ import annotations

import datetime as _dt
import re
from dataclasses import dataclass, field
from decimal import Decimal
from html import escape
from pathlib import Path
from typing import Any

from docx.shared import Mm
from docxtpl import DocxTemplate, InlineImage, RichText

from jixiao import __version__ as JIXIAO_VERSION
from jixiao.core.audit import Finding
from jixiao.core.finance import Finance, FinanceCheck, Metric, check as check_finance
from jixiao.core.model import NARRATIVE_SECTIONS, Group, Questionnaire
from jixiao.core.numbers import HUNDRED, ZERO, fmt, quantize
from jixiao.core.scoring import ScoreRow, ScoreSheet
from jixiao.core.versioning import check_code, rules_label

from . import charts as charts_module

#: Marks text of a cell that merges with identical cells above it: MARK key MARK text.
MARK = "\u2063"
HIGHLIGHT = "yellow"
CN_NUMBERS = "一二三四五六七八九十"

#: Section titles by framework kind; a project report (seed 003) names its parts differently.
SECTION_TITLES = {
    "部门整体": dict(NARRATIVE_SECTIONS, overview="单位（部门）概况"),
    "项目支出": {
        "overview": "项目概况",
        "budget": "资金投入情况分析",
        "goals": "绩效目标分解下达情况",
        "conclusion": "绩效指标完成情况分析",
        "achievements": "总体绩效目标完成情况分析",
        "problems": "偏离绩效目标的原因",
        "measures": "下一步改进措施",
        "process": "资金管理情况分析",
        "application": "绩效自评结果拟应用和公开情况",
        "other": "其他需要说明的问题",
    },
}

SEVERITY = {"error": "错误", "warning": "警告", "info": "提示"}
ATTACHMENT_TITLES = {
    "score_table": "指标体系评分表",
    "questionnaires": "问卷调查报告",
    "finance": "成本效益分析（财务指标）",
    "final_accounts": "收入支出决算表",
    "findings": "核查发现",
    "review": "评分复核说明",
}
#: Attachments only the reviewer's copy (复核底稿) carries.
REVIEWER_ATTACHMENTS = ("findings", "review")
REVIEWER_MARK = "复核底稿（审核人留存，不对外报送）"

#: Rule types as a reviewer reads them (the agency's report names no rule types).
RULE_NAMES = {
    "binary": "达标判定", "proportional": "按完成比例", "deduct_per_unit": "按差距扣分", "checklist": "评分要点",
    "per_incident": "按事项扣分", "bands": "分档计分", "formula": "公式计分", "lower_is_better": "越低越好",
    "graded": "等级评定", "bonus": "加分", "sum": "分项相加", "reference": "对照参照值", "questionnaire": "问卷折算",
    "growth": "增长率", "saturating_rate": "比率计分", "manual": "人工评分", "qualitative": "定性评价",
    "generic": "正向/反向/定性", "subrows": "分项合计", "default": "默认规则",
}


def merge_cell(key: str, text: str) -> str:
    """Cell text that merges with the cells above it carrying the same ``key``."""
    return f"{MARK}{key}{MARK}{text}"


def cn_number(n: int) -> str:
    """一 … 九十九 for section numbering."""
    if n <= 10:
        return CN_NUMBERS[n - 1]
    tens, ones = divmod(n, 10)
    return (CN_NUMBERS[tens - 1] if tens > 1 else "") + "十" + (CN_NUMBERS[ones - 1] if ones else "")


def placeholder(title: str) -> str:
    return f"【待填写：{title}】"


def highlighted(text: str) -> RichText:
    """``text`` as one run with Word's yellow highlight (``w:highlight``)."""
    rich = RichText()
    rich.xml = (f'<w:r><w:rPr><w:highlight w:val="{HIGHLIGHT}"/></w:rPr>'
                f'<w:t xml:space="preserve">{escape(text)}</w:t></w:r>')
    return rich


def _rich(paragraphs: list[str], missing_title: str | None = None) -> RichText:
    """Paragraphs as one RichText (``\\a`` starts a new paragraph in docxtpl), or the
    highlighted placeholder when there is nothing to show."""
    if paragraphs:
        return RichText("\a".join(paragraphs))
    return highlighted(placeholder(missing_title or ""))


def _paragraphs(text: str) -> list[str]:
    return [line.strip() for line in text.replace("\r\n", "\n").split("\n") if line.strip()]


def _percent(value: Decimal) -> str:
    return f"{fmt(quantize(value, 2))}%"


def _rate(score: Decimal, weight: Decimal) -> str:
    return _percent(score / weight * HUNDRED) if weight else "—"


def _money(value: Decimal | None, unit: str) -> str:
    return "" if value is None else f"{fmt(value)}{unit}"


def _metric_value(metric: Metric, unit: str) -> str:
    return f"{fmt(metric.value)}%" if metric.percent else f"{fmt(metric.value)}{unit}"


# --- report sentences --------------------------------------------------------------------

def finance_sentences(finance: Finance, metrics: dict[str, Metric], year: int) -> list[str]:
    """收支及预算执行情况 as sentences from the finance data (``预算执行率为99.81%``)."""
    u = finance.unit
    out: list[str] = []
    b = finance.budget
    if b.initial and b.initial.total is not None:
        parts = _split_text(b.initial, u)
        text = f"{year}年年初预算{fmt(b.initial.total)}{u}{parts}"
        if b.additions is not None:
            text += f"，年中{'追加' if b.additions >= 0 else '调减'}预算{fmt(abs(b.additions))}{u}"
        out.append(text + "。")
    if b.adjusted and b.adjusted.total is not None:
        out.append(f"调整后全年预算{fmt(b.adjusted.total)}{u}{_split_text(b.adjusted, u)}。")
    if finance.income:
        total = sum(finance.income.values(), ZERO)
        several = total and len(finance.income) > 1
        shares = "、".join(f"{k}{fmt(v)}{u}" + (f"（占{_percent(v / total * HUNDRED)}）" if several else "")
                          for k, v in finance.income.items())
        out.append(f"全年收入合计{fmt(total)}{u}，其中{shares}。")
    if finance.received is not None:
        text = f"实际到位资金{fmt(finance.received)}{u}"
        if "arrival_rate" in metrics:
            text += f"，资金到位率为{_metric_value(metrics['arrival_rate'], u)}"
        out.append(text + "。")
    if finance.spent and finance.spent.total is not None:
        text = f"全年支出{fmt(finance.spent.total)}{u}{_split_text(finance.spent, u)}"
        if "execution_rate" in metrics:
            text += f"，预算执行率为{_metric_value(metrics['execution_rate'], u)}"
        out.append(text + "。")
    if finance.expenditure_by_class:
        total = metrics["total_expenditure"].value if "total_expenditure" in metrics else None
        items = "、".join(f"{k}{fmt(v)}{u}" + (f"（占{_percent(v / total * HUNDRED)}）" if total else "")
                          for k, v in finance.expenditure_by_class.items())
        out.append(f"按经济分类，{items}。")
    sg = finance.sangong
    if sg:
        text = f"“三公”经费实际支出{fmt(sg.spent)}{u}"
        if sg.budget is not None:
            text = f"“三公”经费预算{fmt(sg.budget)}{u}，实际支出{fmt(sg.spent)}{u}"
        if "sangong_control_rate" in metrics:
            text += f"，控制率为{_metric_value(metrics['sangong_control_rate'], u)}"
        out.append(text + "。")
    extra = [f"{label}{fmt(value)}{u}" for label, value in (("会议费支出", finance.meeting_spent),
                                                           ("培训费支出", finance.training_spent)) if value is not None]
    if extra:
        out.append("、".join(extra) + "。")
    if finance.special_funds:
        funds = []
        for f in finance.special_funds:
            text = f"{f.name}预算{fmt(f.budget)}{u}"
            if f.received is not None:
                text += f"，到位{fmt(f.received)}{u}"
            if f.spent is not None:
                text += f"，支出{fmt(f.spent)}{u}"
            funds.append(text)
        text = f"管理专项资金{len(funds)}项：" + "；".join(funds)
        rates = [f"{metrics[k].label}为{_metric_value(metrics[k], u)}"
                 for k in ("special_arrival_rate", "special_execution_rate") if k in metrics]
        out.append(text + "。" + ("，".join(rates) + "。" if rates else ""))
    if finance.carryover_end and finance.carryover_end.total is not None:
        out.append(f"年末结转结余{fmt(finance.carryover_end.total)}{u}{_split_text(finance.carryover_end, u)}。")
    yoy = [m for k, m in metrics.items() if k.startswith("yoy_rate:")]
    if yoy:
        out.append("与上年相比，" + "，".join(
            f"{m.label.replace('较上年增减率', '')}{'增长' if m.value >= 0 else '下降'}{fmt(abs(m.value))}%" for m in yoy) + "。")
    return out


def _split_text(split, unit: str) -> str:
    parts = [f"{label}{fmt(v)}{unit}" for label, v in (("基本支出", split.basic), ("项目支出", split.project))
             if v is not None]
    return f"，其中{'、'.join(parts)}" if parts and len(parts) == 2 else ""


def conclusion_sentence(sheet: ScoreSheet) -> str:
    """经评价小组综合评定，得分为96.65分，等级为“优”。 (project: 自评得分为…)"""
    ev = sheet.evaluation
    if sheet.framework.kind == "项目支出":
        subject = ev.framework.fund or ev.framework.name
        return (f"评价得分：{ev.unit.name}{ev.year}年度{subject}绩效评价，自评得分为{fmt(sheet.total)}分，"
                f"等级为“{sheet.grade}”。")
    who = "评价小组" if ev.team else ""
    return f"经{who}综合评定，得分为{fmt(sheet.total)}分，等级为“{sheet.grade}”，具体指标体系得分情况详见附件1。"


def group_rows(sheet: ScoreSheet, code: str) -> list[ScoreRow]:
    """Level-3 indicator rows (no sub-rows) anywhere under the group ``code``."""
    return [r for r in sheet.indicator_rows if any(g.code == code for g in r.path)]


def group_summary(rows: list[ScoreRow], metrics: dict[str, Metric] | None = None) -> str:
    """What a group's rows lost and why, in the words of the 评分过程 (``agency_sentence``)."""
    lost = [(r, charts_module.lost_points(r)) for r in rows]
    deducted = [(r, x) for r, x in lost if x > 0]
    na = [r for r in rows if r.not_applicable is not None]
    parts = []
    if deducted:
        parts.append("扣分指标：" + "；".join(
            f"{r.name}（分值{fmt(r.effective_weight)}分，得分{fmt(r.score)}分），{agency_sentence(r, metrics).rstrip('。')}"
            for r, _ in deducted) + "。")
    else:
        parts.append(f"所属{len(rows) - len(na)}项指标均达到评分标准，得满分。" if rows else "无指标。")
    if na:
        parts.append("不适用：" + "；".join(f"{r.name}（{r.not_applicable}）" for r in na) + "。")
    return "".join(parts)


# --- 评分过程 as an agency writes it --------------------------------------------------------

_NUM = r"-?\d+(?:\.\d+)?"
_OVER_WEIGHT = re.compile(rf"(合计)?得?({_NUM})分（超过分值，按({_NUM})分计）")
_FORMULA = re.compile(rf"[，；]?按[^，；。]*?=({_NUM})(?:%|‰)?(?:×{_NUM}分)?")
_RESCALED = re.compile(r"；因不适用指标分值重新分配，按×[\d.]+折算")
_SUBROWS = re.compile(rf"分项合计：[^＝]*＝({_NUM})分")
_MANUAL = re.compile(rf"人工评分({_NUM})分")
_JUDGED = re.compile(rf"评价人给分({_NUM})分（该档为分值的[^）]*）")
_SUM_TOTAL = re.compile(rf"；合计({_NUM})分(，封顶{_NUM}分)?$")
_SCALED = re.compile(rf"，折算为({_NUM})分$")
_ENDS_WITH_SCORE = re.compile(rf"(得(满分)?{_NUM}分|不得分)$")
_SATURATED = re.compile(rf"，按满分({_NUM})分计$")
_PRO_RATA = re.compile(rf"，按{_NUM}%×{_NUM}计({_NUM})分$")


def agency_sentence(row: ScoreRow, metrics: dict[str, Metric] | None = None) -> str:
    """The scoring of one row in the words an agency's 评分过程 uses.

    ``预算执行率99.81%，目标100%，按评分标准扣0.02分，得1.98分。`` — plain sentences ending with
    the points scored: no rule-type names, no formulas with variable names, no “人工评分…理由”
    (override reasons and missing-data messages are reviewer matters, kept in the reviewer's
    copy). A row whose data is missing (and that nobody scored by hand) becomes a placeholder,
    so the command lists it among what is still to fill in. ``metrics`` are the evaluation's
    financial metrics, for rows whose actual value is one of them (``actual_from``)."""
    score = fmt(row.score)
    if row.not_applicable is not None:
        return f"本指标不适用（{row.not_applicable}），其分值按规定调整至其他指标。"
    if row.overridden:
        return f"经评价小组评定，得{score}分。"
    if row.error and not row.manual:
        return placeholder(f"{row.code}{row.name}完成情况")
    ind = row.indicator
    actual = row.input.actual
    if actual is None and row.input.actual_from and metrics and row.input.actual_from in metrics:
        actual = metrics[row.input.actual_from].value
    lost = charts_module.lost_points(row)
    if row.rule_type == "deduct_per_unit" and actual is not None and lost > 0:
        unit = ind.target.unit
        unit = "%" if unit.startswith("%") else ("‰" if unit.startswith("‰") else unit)
        target = ind.target.text or "目标"
        return f"{ind.label}{fmt(actual)}{unit}，目标{target}，按评分标准扣{fmt(lost)}分，得{score}分。"
    text = row.explanation.strip()
    text = _SUBROWS.sub(lambda m: f"各分项合计得{m.group(1)}分", text)
    text = _OVER_WEIGHT.sub(lambda m: f"{m.group(1) or ''}得{m.group(3)}分", text)
    text = _RESCALED.sub("，因部分指标不适用按比例折算", text)
    text = _FORMULA.sub("", text)
    text = _JUDGED.sub(lambda m: f"得{m.group(1)}分", text)
    text = _MANUAL.sub(lambda m: f"经评价小组评定，得{m.group(1)}分", text)
    text = text.replace("；无超额数据，不加分", "")
    text = _SUM_TOTAL.sub(lambda m: f"；合计得{m.group(1)}分", text)
    text = _SCALED.sub(lambda m: f"，按分值{fmt(row.effective_weight)}分折算，得{m.group(1)}分", text)
    text = _SATURATED.sub(lambda m: f"，得满分{m.group(1)}分", text)
    text = _PRO_RATA.sub(lambda m: f"，按比例得{m.group(1)}分", text)
    text = text.rstrip("。；，")
    if not _ENDS_WITH_SCORE.search(text):
        text += f"，得{score}分"
    return text + "。"


def _process(row: ScoreRow, evidence: str, metrics: dict[str, Metric]) -> str:
    """The 评分过程 cell: the recorded evidence, then the scoring sentence."""
    return "\n".join(x for x in (evidence, agency_sentence(row, metrics)) if x)


# --- one total, stated once ------------------------------------------------------------

_TOTAL_WORDS = "(得分|总分|总得分|综合得分|自评得分|评价得分|评分)"


@dataclass
class TotalFix:
    """A total written in the narrative that differs from the computed one: what the text said
    and what the report says instead (the reviewer's copy lists these)."""

    section: str
    written: str
    replaced: str


def fix_written_totals(text: str, sheet: ScoreSheet, section: str, fixes: list[TotalFix]) -> str:
    """Replace the declared (申报) total where the written narrative states it as the unit's
    score (``得分95分``) by the computed total (``得分95.87分``): the report states one total.
    Numbers that are not the declared total are left as written."""
    declared = sheet.declared_total
    if declared is None or declared == sheet.total:
        return text
    pattern = re.compile(rf"{_TOTAL_WORDS}(为|是|：|:)?\s*{re.escape(fmt(declared))}\s*分")

    def repl(m: re.Match) -> str:
        new = f"{m.group(1)}{m.group(2) or ''}{fmt(sheet.total)}分"
        fixes.append(TotalFix(section, m.group(0), new))
        return new

    return pattern.sub(repl, text)


def report_date_text(day: _dt.date) -> str:
    """A date as reports write it: 2026年12月2日."""
    return f"{day.year}年{day.month}月{day.day}日"


# --- the context ------------------------------------------------------------------------

def _group_label(group: Group, weight: Decimal, with_code: bool) -> str:
    return f"{group.code if with_code else ''}{group.name}（{fmt(weight)}分）"


def _score_rows(sheet: ScoreSheet, reviewer: bool) -> list[dict[str, Any]]:
    weights = {gt.group.code: gt.weight for gt in sheet.groups}
    rows = []
    for r in sheet.rows:
        top = r.path[0] if r.path else None
        below = r.path[1:]
        l1_key = top.code if top else ""
        l2_key = "/".join(g.code for g in below) or l1_key
        l1 = _group_label(top, weights[top.code], True) if top else ""
        l1_name = _group_label(top, weights[top.code], False) if top else ""
        l2 = "／".join(f"{g.code}{g.name}" for g in below)
        l2_name = "／".join(g.name for g in below)
        na = r.not_applicable is not None
        evidence = r.input.evidence.strip()
        explanation = r.explanation.strip()
        process = _process(r, evidence, sheet.evaluation.metrics)
        indent = "　" if r.parent else ""
        rows.append({
            "code": r.code, "name": r.name, "label": f"{indent}{r.code}{r.name}", "name_label": f"{indent}{r.name}",
            "is_subrow": r.parent is not None, "parent": r.parent or "",
            "l1": l1, "l1_name": l1_name, "l2": l2, "l2_name": l2_name,
            "l1_cell": merge_cell(l1_key, l1), "l1_name_cell": merge_cell(l1_key, l1_name),
            "l2_cell": merge_cell(f"{l1_key}|{l2_key}", l2), "l2_name_cell": merge_cell(f"{l1_key}|{l2_key}", l2_name),
            "weight": fmt(r.weight), "effective_weight": fmt(r.effective_weight),
            "target": r.indicator.target.text, "criteria": r.indicator.criteria,
            "description": r.indicator.description, "data_source": r.indicator.data_source,
            "evidence": evidence, "explanation": explanation, "process": process,
            "score": "不适用" if na else fmt(r.score),
            "declared": fmt(r.declared) if r.declared is not None and reviewer else "",
            "lost": fmt(charts_module.lost_points(r)), "not_applicable": r.not_applicable or "",
            "manual": r.manual, "overridden": r.overridden, "error": r.error or "",
        })
    return rows


def _levels(sheet: ScoreSheet, reviewer: bool) -> list[dict[str, Any]]:
    totals = {gt.group.code: gt for gt in sheet.groups}

    def entry(group: Group, number: int) -> dict[str, Any]:
        gt = totals[group.code]
        rows = group_rows(sheet, group.code)
        lost = sum((charts_module.lost_points(r) for r in rows), ZERO)
        return {"code": group.code, "name": group.name, "number": number, "cn_number": cn_number(number),
                "points": fmt(group.points) if group.points is not None else fmt(gt.weight),
                "weight": fmt(gt.weight), "score": fmt(gt.score), "lost": fmt(lost), "rate": _rate(gt.score, gt.weight),
                "declared": fmt(gt.declared) if gt.declared is not None and reviewer else "",
                "summary": group_summary(rows, sheet.evaluation.metrics)}

    return [{**entry(top, i), "children": [entry(child, j) for j, child in enumerate(top.groups, 1)]}
            for i, top in enumerate(sheet.framework.groups, 1)]


def _questionnaire(q: Questionnaire, reviewer: bool) -> dict[str, Any]:
    questions, option_rows = [], []
    for i, question in enumerate(q.questions, 1):
        rate = question.satisfaction()
        rate_text = _percent(rate) if rate is not None else "—"
        options = [{"label": o.label, "points": fmt(o.points), "count": str(o.count),
                    "subtotal": fmt(o.points * o.count)} for o in question.options]
        questions.append({"no": str(i), "text": question.text, "answers": str(question.answers),
                          "total": fmt(question.total), "rate": rate_text, "options": options})
        for o in options:
            option_rows.append({**o, "no_cell": merge_cell(f"q{i}", str(i)),
                                "question_cell": merge_cell(f"q{i}", question.text),
                                "rate_cell": merge_cell(f"q{i}", rate_text)})
    score = fmt(quantize(q.score, 2)) if q.valid > 0 else "—"
    counts = "　".join(f"{label}：{value}份" for label, value in
                       (("发放问卷", q.issued), ("收回问卷", q.returned), ("有效问卷", q.valid)) if value is not None)
    full = sum((qq.full_points for qq in q.questions), ZERO)
    return {"id": q.id, "title": q.title or "满意度调查问卷", "issued": "" if q.issued is None else str(q.issued),
            "returned": "" if q.returned is None else str(q.returned), "valid": str(q.valid),
            "full_points": fmt(full), "total": fmt(q.total), "score": score, "counts": counts,
            "declared_total": fmt(q.declared_total) if q.declared_total is not None and reviewer else "",
            "declared_score": fmt(q.declared_score) if q.declared_score is not None and reviewer else "",
            "summary": f"问卷满分{fmt(full)}分，{q.valid}份有效问卷合计{fmt(q.total)}分，综合得分{score}分"
                       f"（{fmt(q.total)}÷{q.valid}）。" if q.valid > 0 else "无有效问卷。",
            "questions": questions, "option_rows": option_rows}


def _finance(sheet: ScoreSheet) -> dict[str, Any] | None:
    ev = sheet.evaluation
    if ev.finance is None:
        return None
    metrics = ev.metrics
    sentences = finance_sentences(ev.finance, metrics, ev.year)
    shown = [m for m in metrics.values() if not (m.name == "budget_adjustment_gap" and m.value == 0)]
    rows = [{"no": str(i), "name": m.name, "label": m.label, "value": _metric_value(m, ev.finance.unit),
             "formula": m.formula} for i, m in enumerate(shown, 1)]
    return {"unit": ev.finance.unit, "sentences": sentences, "text": "\a".join(sentences), "metrics": rows,
            "problems": [f"{p.where}：{p.message}" for p in check_finance(ev.finance)]}


def _amount(value: Decimal | None) -> str:
    return "" if value is None else f"{value:,.2f}"


def _final_accounts(sheet: ScoreSheet) -> dict[str, Any] | None:
    ev = sheet.evaluation
    fa = ev.finance.final_accounts if ev.finance else None
    if fa is None:
        return None
    total = [_amount(fa.total[c] if c in fa.total else fa.column_sum(c)) for c in fa.columns]
    problems: list[FinanceCheck] = [p for p in check_finance(ev.finance) if p.where.startswith("决算表")]
    heading = fa.title if ev.unit.name in fa.title else f"{ev.unit.name}{ev.year}年{fa.title}"
    return {"title": fa.title, "heading": heading, "unit": fa.unit, "columns": list(fa.columns),
            "rows": [{"code": r.code, "name": r.name, "cells": [_amount(r.values.get(c)) for c in fa.columns]}
                     for r in fa.rows],
            "total_cells": total, "total_published": bool(fa.total),
            "problems": [f"{p.where}：{p.message}" for p in problems]}


def _sections(sheet: ScoreSheet, finance: dict | None, fixes: list[TotalFix]) -> dict[str, dict[str, Any]]:
    ev = sheet.evaluation
    titles = SECTION_TITLES[sheet.framework.kind]
    generated = {"budget": finance["sentences"] if finance else [], "conclusion": [conclusion_sentence(sheet)]}
    out = {}
    for key in NARRATIVE_SECTIONS:
        title = titles.get(key, NARRATIVE_SECTIONS[key])
        written = _paragraphs(fix_written_totals(ev.narrative.get(key, ""), sheet, title, fixes))
        auto = generated.get(key, [])
        shown = (["".join(auto)] if auto else []) + written
        out[key] = {"key": key, "title": title, "written": "\a".join(written), "generated": "".join(auto),
                    "missing": not written, "text": "\a".join(shown) if shown else placeholder(title),
                    "rich": _rich(shown, title)}
    return out


def _charts(sheet: ScoreSheet, tpl: DocxTemplate | None, chart_dir: Path | None) -> dict[str, Any]:
    if tpl is None or chart_dir is None:
        return {"lost_by_group": None, "deductions": None}
    width = Mm(150)
    lost = charts_module.lost_by_group_chart(sheet, chart_dir / "lost_by_group.png")
    ded = charts_module.deductions_chart(sheet, chart_dir / "deductions.png")
    return {"lost_by_group": InlineImage(tpl, str(lost), width=width),
            "deductions": InlineImage(tpl, str(ded), width=width) if ded else None}


def _findings(findings: list[Finding]) -> list[dict[str, str]]:
    out = []
    for i, f in enumerate(findings, 1):
        where = ""
        if f.loc is not None and f.loc.file:
            where = Path(f.loc.file).name + (f":{f.loc.line}" if f.loc.line else "")
        out.append({"no": str(i), "code": f.code, "kind": f.kind, "title": f.title,
                    "severity": SEVERITY.get(f.severity, f.severity), "message": f.message, "location": where})
    return out


def _review_rows(sheet: ScoreSheet) -> list[dict[str, str]]:
    """Rows a reviewer looks at: a declared score other than the computed one, a score given
    or changed by hand (with its reason), data missing, not applicable."""
    out = []
    for r in sheet.rows:
        notes = []
        if r.declared is not None and r.declared != r.score:
            notes.append(f"申报{fmt(r.declared)}分，按规则计算{fmt(r.score)}分")
        if r.overridden:
            notes.append(f"改分理由：{r.override_reason}")
        elif r.manual:
            notes.append("评价小组人工评分")
        if r.error and not r.overridden:
            notes.append(r.error)
        if r.not_applicable is not None:
            notes.append(f"不适用：{r.not_applicable}")
        if not notes:
            continue
        out.append({"no": str(len(out) + 1), "code": r.code, "name": r.name, "weight": fmt(r.weight),
                    "declared": fmt(r.declared) if r.declared is not None else "",
                    "score": "不适用" if r.not_applicable is not None else fmt(r.score),
                    "rule": RULE_NAMES.get(r.rule_type, r.rule_type), "explanation": r.explanation,
                    "note": "；".join(notes)})
    return out


def _review_summary(sheet: ScoreSheet, fixes: list[TotalFix], label: str) -> list[str]:
    ev = sheet.evaluation
    lines = [f"按评分规则计算总分{fmt(sheet.total)}分，等级“{sheet.grade}”，"
             f"{'合格' if sheet.passed else '不合格'}（合格线{fmt(sheet.framework.pass_line)}分）。"]
    if sheet.declared_total is not None:
        if sheet.declared_total == sheet.total:
            lines.append(f"单位申报总分{fmt(sheet.declared_total)}分，与计算一致。")
        else:
            lines.append(f"单位申报总分{fmt(sheet.declared_total)}分，与计算总分相差"
                         f"{fmt(abs(sheet.declared_total - sheet.total))}分；报告只写计算总分{fmt(sheet.total)}分。")
    if ev.declared_grade and ev.declared_grade != sheet.grade:
        lines.append(f"单位申报等级“{ev.declared_grade}”，按规则为“{sheet.grade}”。")
    for fix in fixes:
        lines.append(f"“{fix.section}”中写的“{fix.written}”，报告中按计算结果写作“{fix.replaced}”。")
    lines.append(f"计分所用{label}；报告与评分表由 jixiao {JIXIAO_VERSION} 生成。")
    return lines


def _grades_text(grades) -> str:
    """优（≥90分）、良（≥80分）、中（≥60分）、差（<60分）"""
    parts = []
    for i, band in enumerate(grades):
        if band.min > 0 or i == 0:
            parts.append(f"{band.name}（≥{fmt(band.min)}分）")
        else:
            parts.append(f"{band.name}（<{fmt(grades[i - 1].min)}分）")
    return "、".join(parts)


def report_title(sheet: ScoreSheet) -> str:
    ev = sheet.evaluation
    if ev.title:
        return ev.title if ev.title.endswith("报告") else ev.title + "报告"
    if sheet.framework.kind == "项目支出":
        return f"{ev.unit.name}{ev.year}年度{ev.framework.fund or ev.framework.name}绩效自评报告"
    return f"{ev.unit.name}{ev.year}年度部门整体支出绩效自评报告"


def build_context(sheet: ScoreSheet, findings: list[Finding], tpl: DocxTemplate | None = None,
                  chart_dir: Path | None = None, *, reviewer: bool = False, report_date: str | None = None,
                  today: _dt.date | None = None) -> dict[str, Any]:
    """The template context for one scored evaluation (see docs/reports.md for each field).

    ``reviewer=False`` (the default) is the agency's report, the one handed in: no audit
    findings, no declared (申报) scores, no tool name — ``findings``, ``review``, the
    ``declared_*`` fields and ``generator`` are empty. ``reviewer=True`` is the reviewer's
    copy (复核底稿): the same report plus the attachments 核查发现 and 评分复核说明.

    ``report_date`` (as written, e.g. ``2024年5月``) overrides the evaluation's; with neither
    the report is dated ``today`` (default: the day it is generated).

    With ``tpl`` and ``chart_dir`` the charts are drawn into ``chart_dir`` and given as
    images; without them ``charts.*`` are None (used to check templates)."""
    ev = sheet.evaluation
    fw = sheet.framework
    finance = _finance(sheet)
    final_accounts = _final_accounts(sheet)
    questionnaires = [_questionnaire(q, reviewer) for q in ev.questionnaires]
    lost_total = sum((charts_module.lost_points(r) for r in sheet.indicator_rows), ZERO)
    fixes: list[TotalFix] = []
    sections = _sections(sheet, finance, fixes)
    label = rules_label(fw.id, fw.version, sheet.rules_hash)
    present = {"score_table": True, "questionnaires": bool(questionnaires), "finance": finance is not None,
               "final_accounts": final_accounts is not None, "findings": reviewer, "review": reviewer}
    attachments = []
    for key, title in ATTACHMENT_TITLES.items():
        if present[key]:
            attachments.append({"key": key, "number": len(attachments) + 1, "title": title})
    project_name = ev.title or (f"{ev.unit.name}{ev.year}年度部门整体支出" if fw.kind == "部门整体"
                                else f"{ev.year}年度{fw.fund or fw.name}")
    return {
        "report_title": report_title(sheet),
        "project_name": project_name,
        "kind": fw.kind,
        "year": ev.year,
        "unit": {"name": ev.unit.name, "level": ev.unit.level or "", "region": ev.unit.region},
        "framework": {"id": fw.id, "name": fw.name, "kind": fw.kind, "fund": fw.fund, "version": fw.version,
                      "source": fw.source, "total": fmt(fw.total), "pass_line": fmt(fw.pass_line),
                      "grades": _grades_text(fw.grades)},
        "rules_hash": sheet.rules_hash,
        "rules_version": label,
        "rules_check": check_code(sheet.rules_hash),
        "reviewer": reviewer,
        "reviewer_mark": REVIEWER_MARK if reviewer else "",
        "evaluator": ev.evaluator or ev.unit.name,
        "report_date": report_date or ev.report_date or report_date_text(today or _dt.date.today()),
        "team": [{"role": m.role, "name": m.name, "title": m.title, "org": m.org} for m in ev.team],
        "placeholder": {"team": highlighted(placeholder("评价小组成员")),
                        "report_date": highlighted(placeholder("报告日期"))},
        "total": fmt(sheet.total),
        "grade": sheet.grade,
        "passed": sheet.passed,
        "pass_result": "合格" if sheet.passed else "不合格",
        "weight_total": fmt(sheet.weight_total),
        "total_lost": fmt(lost_total),
        "total_rate": _rate(sheet.total, sheet.weight_total),
        "declared_total": fmt(sheet.declared_total) if sheet.declared_total is not None and reviewer else "",
        "declared_grade": (ev.declared_grade or "") if reviewer else "",
        "conclusion_sentence": conclusion_sentence(sheet),
        "sections": sections,
        "level1": _levels(sheet, reviewer),
        "score_rows": _score_rows(sheet, reviewer),
        "questionnaires": questionnaires,
        "finance": finance,
        "final_accounts": final_accounts,
        "findings": _findings(findings) if reviewer else [],
        "review": {"summary": _review_summary(sheet, fixes, label) if reviewer else [],
                   "rows": _review_rows(sheet) if reviewer else []},
        "total_fixes": [{"section": f.section, "written": f.written, "replaced": f.replaced} for f in fixes],
        "attachments": attachments,
        "attachment_no": {a["key"]: a["number"] for a in attachments},
        "charts": _charts(sheet, tpl, chart_dir),
        "generator": f"jixiao {JIXIAO_VERSION}" if reviewer else "",
    }
