"""Rows printed without 分值 under a heading that carries the points (a block).

Some forms print no 分值 for their indicator rows, only for the heading above them: the Hubei
年度项目绩效自评表 (``年度绩效目标1(40分)`` over rows of 年初目标值(A) | 实际完成值(B) | 得分) and
the Yunnan 保山 form drawn after it (``产出指标(60分)``). A row's weight cannot be known without
assuming the rule it would be audited by, so the rows are not scored one by one: the heading
stands in the score sheet as one row (a *block*) of the heading's points, scored the sum of its
rows' 得分, and the rows are listed under it (``PublishedRow.weight`` None, ``parent`` the
block). What the table's own arithmetic settles is checked with certainty — a row's 得分 above
the block's points, the rows' sum above them (the block's above-weight), the 总分 and the 100
points — and what the form's generic rule suggests is said with less: every row meets its
target yet the block lost points (which row lost them is not printed).
"""

from __future__ import annotations

import re
from decimal import Decimal

from jixiao.core.audit import KINDS
from jixiao.core.criteria import ParsedCriteria
from jixiao.core.model import Indicator, IndicatorInput, SourceRef, Target
from jixiao.core.numbers import fmt, ZERO
from jixiao.io.published.columns import to_decimal
from jixiao.io.published.result import FormFinding, PublishedRow

#: What the audit says of the rows listed under a block.
ROW_NOTE = "表中各行未印出分值，不按行计分，与所属标题的分值核对"


def _number(text: str) -> Decimal | None:
    m = re.fullmatch(r"\s*[≥≤><=＞＜≧≦]?\s*(\d+(?:\.\d+)?)\s*[^\d.]*", text or "")
    return Decimal(m[1]) if m else None


def _met(target_text: str, actual_text: str) -> bool | None:
    """Whether a row's 实际完成值 meets its 年初目标值 (both numbers, the target's comparator or
    ≥); None when that cannot be told from what is printed."""
    try:
        target = Target.model_validate(target_text or "")
    except ValueError:
        return None
    actual = _number(actual_text)
    if target.value is None or actual is None:
        return None
    return target.met_by(actual)


def build_block(code: str, heading: str, points: Decimal, recs: list, loc: SourceRef | None
                ) -> tuple[Indicator, IndicatorInput, list[PublishedRow], list[FormFinding]]:
    """The block row of a heading with ``points`` over ``recs`` (``rows._Rec``, no 分值), its
    input (kept at the sum of the rows' 得分), the rows listed under it and its findings."""
    scores = [to_decimal(r.fields.get("score", "")) for r in recs]
    declared = sum((s for s in scores if s is not None), ZERO) if any(s is not None for s in scores) else None
    name = f"{heading}（{fmt(points)}分）各项指标（{len(recs)}项，各行分值未印出）"
    indicator = Indicator(code=code, name=name, weight=points, criteria="", loc=loc)
    item = IndicatorInput(declared=declared, manual=declared, evidence=f"所属{len(recs)}项指标得分之和", loc=loc)
    parsed = ParsedCriteria(rule=None, confidence="medium", note=ROW_NOTE, shape=None)
    block_row = PublishedRow(code=code, name=name, weight=points, declared=declared, criteria="",
                             evidence=item.evidence, parsed=parsed, input_confidence="medium",
                             input_note=f"所属{len(recs)}项指标的得分之和（各行分值未印出，逐行列于其下）",
                             verified=False, loc=loc)
    rows, findings, met = [block_row], [], []
    for k, (rec, score) in enumerate(zip(recs, scores), 1):
        f = rec.fields
        row_name = re.sub(r"\s+", "", f.get("level3", "")) or f"第{k}项"
        target, actual = f.get("target", ""), f.get("actual", "")
        rows.append(PublishedRow(code=f"{code}-{k}", name=row_name, weight=None, declared=score, criteria="",
                                 evidence=f"年初目标值{target}，实际完成值{actual}", parsed=parsed,
                                 input_confidence="medium", input_note="按申报得分列出，未复核", verified=False,
                                 loc=rec.loc, parent=code, actual=_number(actual)))
        if score is not None and score > points:
            findings.append(FormFinding(f"{code}-{k}", "above-weight", KINDS["above-weight"],
                                         f"“{row_name}”申报{fmt(score)}分，超过所属“{heading}”的分值{fmt(points)}分",
                                         "error", rec.loc))
        met.append(_met(target, actual))
    if met and all(met) and declared is not None and declared < points and None not in scores:
        findings.append(FormFinding(code, "block-met-but-lost", KINDS["block-met-but-lost"],
                                     f"“{heading}”的{len(met)}项指标实际完成值均达到年初目标值，按通用规则应得满分"
                                     f"{fmt(points)}分，各行得分合计{fmt(declared)}分，失分{fmt(points - declared)}分；"
                                     "各行分值未印出，不能确定失分的一行", "warning", loc))
    return indicator, item, rows, findings
