"""Each rule type against the seed rows that use it (values from the published tables)."""

from decimal import Decimal

import pytest

from jixiao.core.numbers import quantize
from jixiao.core.rules import RULES, MissingInput, RuleError, parse_rule
from conftest import D, run

SHORT_5PCT = {"type": "deduct_per_unit", "direction": "short", "step": 1, "fraction_of_weight": "0.05"}


def q(result) -> Decimal:
    return quantize(result.score, 2)


# --- shape 4/5: deduct per unit --------------------------------------------------------

def test_000_b11_budget_execution_rate_gives_1_98():
    result = run(SHORT_5PCT, 2, "100%", label="部门预算执行率", actual="99.81")
    assert q(result) == D("1.98")
    assert result.explanation == "部门预算执行率99.81%，低于目标0.19个百分点，扣0.02分"


def test_000_b12_special_funds_rate_gives_2_87():
    result = run(SHORT_5PCT, 3, "100%", actual="99.11")
    assert q(result) == D("2.87")
    assert "扣0.13分" in result.explanation


def test_deduct_short_stops_at_zero_and_over_direction():
    assert run(SHORT_5PCT, 2, "100%", actual="70").score == 0  # 30 × 5% × 2 = 3 > 2: 扣完为止
    over = {**SHORT_5PCT, "direction": "over"}
    assert run(over, 1, "≤100%", actual="97.68").score == 1  # 000 B13
    assert q(run(over, 1, "≤100%", actual="104")) == D("0.80")


def test_deduct_whole_steps_and_negative_floor():
    rule = {"type": "deduct_per_unit", "points": "0.5", "whole_steps": True, "floor": None}
    assert run(rule, 3, "100%", actual="98.5").score == D("2.5")  # one whole point short
    assert run(rule, 3, "100%", actual="80").score == D("-7")


# --- shape 1, 2, 3 ------------------------------------------------------------------------

def test_000_c22_binary_target_missed_scores_zero():
    result = run({"type": "binary"}, 3, "10%", label="次均费用同比下降比率", actual="7.24")
    assert result.score == 0
    assert "未达到目标≥10%" in result.explanation


def test_binary_with_verdict():
    assert run({"type": "binary"}, 3, "100%", met=True).score == 3
    assert run({"type": "binary"}, 3, "100%", met=False).score == 0


def test_000_c11_proportional_capped_and_partial():
    assert run({"type": "proportional"}, 4, "548.05万人", actual="549.05").score == 4
    assert q(run({"type": "proportional"}, 4, "548.05万人", actual="500")) == D("3.65")


def test_004_proportional_with_floor():
    rule = {"type": "proportional", "zero_at_or_below": "0.9"}
    assert q(run(rule, 5, "100%", actual="98.90")) == D("4.95")  # 004 参保人数
    assert run(rule, 5, "100%", actual="90").score == 0


# --- shape 6, 7 ---------------------------------------------------------------------------

CHECKLIST_B63 = {"type": "checklist", "items": [{"id": i, "points": "0.2"} for i in range(1, 6)]}


def test_000_b63_checklist():
    assert run(CHECKLIST_B63, 1, checks=[1, 2, 3, 4, 5]).score == 1
    result = run(CHECKLIST_B63, 1, checks=[1, 2, 3, 5])
    assert result.score == D("0.8")
    assert "未满足④" in result.explanation
    with pytest.raises(RuleError):
        run(CHECKLIST_B63, 1, checks=[6])
    with pytest.raises(MissingInput):
        run(CHECKLIST_B63, 1)


def test_002_a17_per_incident_late_and_wrong_reports():
    rule = {"type": "per_incident", "deductions": [{"kind": "迟报", "points": "0.2"}, {"kind": "错报", "points": "0.5"}]}
    assert run(rule, 2, incidents={"迟报": 0, "错报": 0}).score == 2
    result = run(rule, 2, incidents={"迟报": 1, "错报": 1})
    assert result.score == D("1.3")
    assert result.explanation == "迟报1次扣0.2分，错报1次扣0.5分，共扣0.7分，得1.3分"
    assert run(rule, 2, incidents={"错报": 5}).score == 0  # 扣完为止


def test_002_c41_per_incident_may_go_negative():
    rule = {"type": "per_incident", "floor": None, "deductions": [{"kind": "未按规定执行", "points": "0.5"}]}
    assert run(rule, 2, incidents={"未按规定执行": 6}).score == -1


def test_per_incident_zero_kind():
    rule = {"type": "per_incident", "deductions": [{"kind": "挪用", "zero": True}]}
    assert run(rule, 6, incidents={"挪用": 1}).score == 0


# --- shape 8: bands, and a sum of banded parts -----------------------------------------------

COVERAGE = {
    "type": "sum",
    "parts": [
        {"name": "参保人数目标完成", "weight": 1, "input": "completion",
         "rule": {"type": "bands", "bands": [{"min": 99, "points": 1}, {"min": 98, "max": 99, "points": "0.5"}]}},
        {"name": "参保率", "weight": "0.6", "input": "rate",
         "rule": {"type": "bands", "bands": [{"min": 95, "points": "0.6"}, {"min": 90, "max": 95, "points": "0.4"}]}},
        {"name": "职工参保人数占就业人口比重", "weight": "0.4", "input": "share",
         "rule": {"type": "bands", "bands": [{"min": 60, "points": "0.4"}, {"min": 40, "max": 60, "points": "0.2"}]}},
    ],
}


def test_004_coverage_three_banded_parts_give_1_3():
    result = run(COVERAGE, 2, "达标", values={"completion": "98.90", "rate": "101.27", "share": "49.74"})
    assert result.score == D("1.3")  # 0.5 + 0.6 + 0.2, as published
    assert "合计1.3分" in result.explanation


def test_004_cross_province_settlement_bands():
    rule = {"type": "bands", "bands": [
        {"max": 65, "points": "0.5"}, {"min": 65, "max": 70, "points": 1},
        {"min": 70, "max": 80, "points": 2}, {"min": 80, "max": 100, "max_inclusive": True, "points": 3}]}
    assert run(rule, 3, "逐年提高", actual="90.9").score == 3
    assert run(rule, 3, "逐年提高", actual="65").score == 1
    assert run(rule, 3, "逐年提高", actual="64.99").score == D("0.5")


# --- shape 9/10/18: formulas -------------------------------------------------------------------

ACCEPTANCE = {"type": "formula", "scale": "percent", "direction": "up", "cases": [
    {"when": "actual >= 90", "score": "100"},
    {"when": "actual <= 50", "score": "0"},
    {"when": "actual >= 80", "score": "60+40*(actual-80)/10"},
    {"score": "60-60*(80-actual)/30"}]}


@pytest.mark.parametrize("actual, expected", [("100", "1"), ("90", "1"), ("85", "0.8"), ("80", "0.6"),
                                              ("65", "0.3"), ("50", "0"), ("20", "0")])
def test_004_information_system_acceptance_formula(actual, expected):
    assert run(ACCEPTANCE, 1, "≥90%", actual=actual).score == D(expected)


def test_004_fund_balance_lower_is_better_formula():
    rule = {"type": "formula", "scale": "percent", "cases": [
        {"when": "actual <= 15", "score": "100"}, {"when": "actual > 16", "score": "0"},
        {"score": "60+40*(16-actual)/1"}]}
    assert run(rule, 3, "≤15%", actual="0.84").score == 3
    assert q(run(rule, 3, "≤15%", actual="15.5")) == D("2.40")
    assert run(rule, 3, "≤15%", actual="17").score == 0


def test_formula_missing_variable_is_missing_input():
    with pytest.raises(MissingInput):
        run(ACCEPTANCE, 1, "≥90%")


def test_formula_rejects_unsafe_text_at_load_time():
    with pytest.raises(Exception, match="只能调用"):
        parse_rule({"type": "formula", "cases": [{"score": "__import__('os').system('x')"}]})


# --- shape 10, 11, 12, 13, 14, 15, 16, 18 ---------------------------------------------------------

def test_000_d15_lower_is_better():
    rule = {"type": "lower_is_better"}
    assert run(rule, 2, "≤10%", actual="3.20").score == 2
    assert run(rule, 2, "≤10%", actual="10.5").score == 0
    assert run({"type": "lower_is_better", "mode": "linear"}, 2, "≤10%", actual="15").score == 1
    assert q(run({"type": "lower_is_better", "mode": "ratio"}, 2, "≤10%", actual="12.5")) == D("1.60")


A21_LEVELS = {"type": "graded", "levels": [{"label": "明确", "points": 2}, {"label": "明确性不足", "points": 1},
                                           {"label": "不明确", "points": 0}]}


def test_000_a21_graded_judgement():
    assert run(A21_LEVELS, 2, "明确", judgement="明确").score == 2
    assert run(A21_LEVELS, 2, "明确", judgement="明确性不足").score == 1
    with pytest.raises(RuleError, match="可选"):
        run(A21_LEVELS, 2, "明确", judgement="很好")


A11_BONUS = {"type": "bonus", "base": {"type": "deduct_per_unit", "points": "0.5"}, "points": "0.2", "cap": 2}


def test_002_a11_bonus_with_cap():
    assert run(A11_BONUS, 3, "100%", actual="100").score == 3
    assert run(A11_BONUS, 3, "100%", actual="101.05").score == D("3.21")
    assert run(A11_BONUS, 3, "100%", actual="130").score == 5  # 加分以2分封顶
    assert run(A11_BONUS, 3, "100%", actual="98").score == 2  # 每下降一个百分点扣0.5分


def test_bonus_without_cap_is_unbounded():
    rule = {**A11_BONUS, "cap": None}
    assert run(rule, 3, "100%", actual="150").score == 13


def test_002_a22_split_parts_each_half():
    rule = {"type": "sum", "parts": [{"name": "职工", "weight": 1, "rule": {"type": "binary"}},
                                     {"name": "城乡居民", "weight": 1, "rule": {"type": "binary"}}]}
    both = run(rule, 2, "应支尽支", parts={"职工": {"met": True}, "城乡居民": {"met": True}})
    assert both.score == 2
    one = run(rule, 2, "应支尽支", parts={"职工": {"met": True}, "城乡居民": {"met": False}})
    assert one.score == 1
    assert "城乡居民：评定为未达到" in one.explanation


def test_004_capped_sum_never_exceeds_four():
    rule = {"type": "sum", "cap": 4, "parts": [
        {"name": "价格机制", "weight": "1.5", "rule": {"type": "binary"}},
        {"name": "价格监管", "weight": "1.5", "rule": {"type": "binary"}},
        {"name": "信用评价", "weight": 1, "rule": {"type": "binary"}},
        {"name": "试点省份加分", "weight": "0.5", "rule": {"type": "binary"}}]}
    all_met = {name: {"met": True} for name in ("价格机制", "价格监管", "信用评价", "试点省份加分")}
    assert run(rule, 4, parts=all_met).score == 4
    assert run(rule, 4, parts={**all_met, "价格监管": {"met": False}}).score == 3


def test_002_c12_against_a_reference():
    rule = {"type": "reference", "below": "proportional"}
    assert run(rule, 5, "全市平均", actual="3.2", reference="3.0").score == 5
    assert run(rule, 5, "全市平均", actual="1.5", reference="3.0").score == D("2.5")
    assert run({"type": "reference", "mode": "rank", "top": 5}, 2, actual=3).score == 2
    assert run({"type": "reference", "mode": "rank", "top": 5}, 2, actual=6).score == 0


def test_002_c72_questionnaire_96_75_converts_to_3_87():
    result = run({"type": "questionnaire"}, 4, actual="96.75")
    assert q(result) == D("3.87")
    assert result.explanation == "问卷综合得分96.75分（满分100分），折算为3.87分"


def test_000_e11_growth():
    assert run({"type": "growth"}, 4, ">0", actual="0.15").score == 4
    assert run({"type": "growth"}, 4, ">0", actual="-0.5").score == 0
    assert run({"type": "growth"}, 4, values={"current": 105, "previous": 100}).score == 4
    assert run({"type": "growth"}, 4, values={"current": 100, "previous": 100}).score == 0


def test_004_budget_execution_saturating_rate():
    rule = {"type": "saturating_rate", "saturation": 90}
    assert q(run(rule, 10, "≥90%", actual="80.76")) == D("8.08")
    assert run(rule, 10, "≥90%", actual="98.24").score == 10


def test_manual_score_for_judgement_rows():
    result = run({"type": "manual"}, 3, manual="2")
    assert result.score == 2 and result.manual
    with pytest.raises(RuleError):
        run({"type": "manual"}, 3, manual="4")
    with pytest.raises(MissingInput):
        run({"type": "manual"}, 3)


def test_registry_covers_all_eighteen_shapes():
    shapes = {s for cls in RULES.values() for s in cls.shapes}
    assert shapes == set(range(1, 19))
    assert "manual" in RULES


def test_unknown_rule_type_is_refused():
    with pytest.raises(Exception, match="union_tag_invalid|does not match any of the expected tags"):
        parse_rule({"type": "magic"})
