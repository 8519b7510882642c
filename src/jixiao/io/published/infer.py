"""Inputs inferred from the evidence text, or from the declared score where the evidence gives
no figure a rule can use."""

from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from jixiao.core.criteria import Confidence, max_award, normalize, subset_for
from jixiao.core.model import IndicatorInput, Target
from jixiao.core.rules import Context, MissingInput, parse_rule, RuleError
from jixiao.io.published.columns import NUM


_NEGATIVE = re.compile(r"未完成|未达到|未开展|尚未|没有|未按时|未及时|未能|存在|有虚报|有重复|不符合|未落实|未建立")


def _probe_actual(rule: dict[str, Any], weight: Decimal, target: Target) -> bool:
    """Whether the rule can be computed from an actual value (rather than a met verdict)."""
    try:
        parse_rule(rule).score(Context(weight=weight, target=target, input=IndicatorInput(actual=Decimal(1))))
        return True
    except MissingInput:
        return rule.get("type") not in ("checklist", "graded", "per_incident", "manual")
    except (RuleError, ArithmeticError):
        return False


def _level_award(level: dict[str, Any], weight: Decimal) -> Decimal:
    return Decimal(str(level["points"])) if "points" in level else weight * Decimal(str(level["fraction"]))


@dataclass(frozen=True)
class _Inferred:
    data: dict[str, Any]
    confidence: Confidence
    note: str
    verified: bool = True


def _infer(rule: dict[str, Any], weight: Decimal, declared: Decimal | None, evidence: str) -> _Inferred | None:
    """Inputs that need no figure, taken from the evidence words or the declared score."""
    kind = rule["type"]
    if kind == "graded":
        text = normalize(evidence)
        labels = sorted(((alias, lv) for lv in rule["levels"] for alias in (lv["label"], *lv.get("aliases", ()))
                         if alias not in ("满分", "合格", "零分") and len(alias) >= 2),
                        key=lambda x: -len(x[0]))
        for alias, level in labels:
            if normalize(alias) in text:
                return _Inferred({"judgement": level["label"]}, "medium", f"评分过程写明“{alias}”")
        if declared is None:
            return None
        levels = sorted(rule["levels"], key=lambda lv: -_level_award(lv, weight))
        chosen = next((lv for lv in levels if _level_award(lv, weight) == declared), None)
        exact = chosen is not None
        chosen = chosen or next((lv for lv in levels if _level_award(lv, weight) <= declared), levels[-1])
        return _Inferred({"judgement": chosen["label"]}, "low",
                         "按申报得分确定评定等级" if exact else "申报得分不是任何评定等级的分值，取不高于它的等级")
    if kind == "checklist":
        if declared is None:
            return None
        points = [Decimal(str(i["points"])) for i in rule["items"]]
        chosen, exact = subset_for(points, declared)
        return _Inferred({"checks": [rule["items"][i]["id"] for i in chosen]}, "low",
                         "按申报得分确定满足的评分要点" if exact else "申报得分不是任何评分要点组合的分值，取不高于它的组合")
    if kind == "per_incident":
        if declared is None:
            return None
        base = Decimal(str(rule["base"])) if rule.get("base") is not None else weight
        if declared >= base:
            return _Inferred({"incidents": {}}, "low", "按申报得分确定无扣分事项")
        for d in rule["deductions"]:
            if d.get("points") is not None and Decimal(str(d["points"])) > 0:
                step = Decimal(str(d["points"]))
                count = ((base - declared) / step).to_integral_value(rounding="ROUND_CEILING")
                exact = count * step == base - declared
                return _Inferred({"incidents": {d["kind"]: count}}, "low",
                                 "按申报得分推算扣分次数" if exact else "申报得分不是按次扣分可得的分值，取不高于它的次数")
        zero = next((d for d in rule["deductions"] if d.get("zero")), None)
        if zero is not None and declared == 0:
            return _Inferred({"incidents": {zero["kind"]: 1}}, "low", "按申报得分确定发生不得分事项")
        ranged = next((d for d in rule["deductions"] if d.get("points") is None and not d.get("zero")), None)
        if ranged is not None:
            return _Inferred({"incidents": {ranged["kind"]: base - declared}}, "low", "按申报得分确定扣分")
        return None
    if kind == "binary" or (kind == "bonus" and rule["base"].get("type") == "binary"):
        if _NEGATIVE.search(normalize(evidence)):
            return _Inferred({"met": False}, "medium", "评分过程表明未达到")
        if declared is None:
            return None
        met = declared >= weight
        return _Inferred({"met": met}, "low", "按申报得分确定是否达到" if met or declared == 0 else
                         "申报得分既非满分也非0分，按未达到计")
    if kind == "sum" and declared is not None and all(p["rule"]["type"] in ("binary", "checklist", "graded")
                                                       for p in rule["parts"]):
        weights = [Decimal(str(p["weight"])) if p.get("weight") is not None else weight for p in rule["parts"]]
        awards = [max_award(p["rule"], w) for p, w in zip(rule["parts"], weights)]
        chosen, exact = subset_for(awards, declared)
        parts = {p["name"]: _all_or_nothing(p["rule"], i in chosen) for i, p in enumerate(rule["parts"])}
        return _Inferred({"parts": parts}, "low",
                         "按申报得分确定各部分是否达到" if exact else "申报得分不是各部分组合可得的分值，取不高于它的组合")
    return None


def _all_or_nothing(rule: dict[str, Any], met: bool) -> dict[str, Any]:
    if rule["type"] == "graded":
        levels = sorted(rule["levels"], key=lambda lv: -_level_award(lv, Decimal(100)))
        return {"judgement": (levels[0] if met else levels[-1])["label"]}
    return {"met": met}


def _questionnaire_score(text: str) -> Decimal | None:
    m = re.search(rf"问卷综合得分\D{{0,8}}?({NUM})", text or "")
    return Decimal(m[1]) if m else None
