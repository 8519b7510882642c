"""Scoring semantics (issue 8): grade bands, 不适用, generic rules, overrides, rule versions,
the one rounding policy and weights at every level."""

from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from pydantic import ValidationError

from jixiao.core.audit import audit
from jixiao.core.compare import IncomparableSheets, compare
from jixiao.core.model import Evaluation, Framework
from jixiao.core.scoring import score
from jixiao.core.versioning import rules_hash
from conftest import D

PROPORTIONAL = {"type": "proportional"}


def framework(**overrides) -> dict:
    """Two level-1 groups: A (40 = A1 30 [A11 10, A12 20] + A2 10 [A21 10]), B (60 = B1 60 [B11 30, B12 30])."""
    data = {
        "id": "t", "name": "测试", "kind": "项目支出", "version": "1",
        "groups": [
            {"code": "A", "name": "产出", "points": 40, "groups": [
                {"code": "A1", "name": "数量", "points": 30, "indicators": [
                    {"code": "A11", "name": "甲", "weight": 10, "target": "100%", "rule": PROPORTIONAL},
                    {"code": "A12", "name": "乙", "weight": 20, "target": "100%", "rule": PROPORTIONAL}]},
                {"code": "A2", "name": "质量", "points": 10, "indicators": [
                    {"code": "A21", "name": "丙", "weight": 10, "target": "100%", "rule": PROPORTIONAL}]}]},
            {"code": "B", "name": "效益", "points": 60, "groups": [
                {"code": "B1", "name": "社会效益", "points": 60, "indicators": [
                    {"code": "B11", "name": "丁", "weight": 30, "target": "100%", "rule": PROPORTIONAL},
                    {"code": "B12", "name": "戊", "weight": 30, "target": "100%", "rule": PROPORTIONAL}]}]}]}
    data.update(overrides)
    return data


def evaluate(fw: dict, **inputs) -> Evaluation:
    return Evaluation.model_validate({"unit": {"name": "测试县医保局", "level": "县"}, "year": 2023,
                                      "framework": Framework.model_validate(fw), "inputs": inputs})


FULL = {"actual": 100}
HALF = {"actual": 50}


# --- 1. grade bands are framework data -----------------------------------------------------------

def test_national_default_grades():
    sheet = score(evaluate(framework(), A11=FULL, A12=FULL, A21=FULL, B11=FULL, B12={"actual": "63.33"}))
    assert sheet.total == D("89.00") and sheet.grade == "良" and sheet.passed


def test_provincial_and_guangxi_grade_bands():
    provincial = framework(grades=[{"name": "优", "min": 80}, {"name": "良", "min": 70}, {"name": "中", "min": 60},
                                   {"name": "差", "min": 0}])
    sheet = score(evaluate(provincial, A11=FULL, A12=FULL, A21=FULL, B11=FULL, B12={"actual": "40"}))
    assert sheet.total == 82 and sheet.grade == "优"
    guangxi = framework(grades=[{"name": "一等", "min": 90}, {"name": "二等", "min": 75}, {"name": "三等", "min": 60},
                                {"name": "四等", "min": 0}], pass_line=75)
    sheet = score(evaluate(guangxi, A11=FULL, A12=FULL, A21=FULL, B11=FULL, B12={"actual": "40"}))
    assert sheet.grade == "二等" and sheet.passed
    sheet = score(evaluate(guangxi, A11=HALF, A12=FULL, A21=FULL, B11=HALF, B12=HALF))
    assert sheet.total == 65 and sheet.grade == "三等" and not sheet.passed


def test_grade_bands_must_descend():
    with pytest.raises(ValidationError, match="从高到低"):
        Framework.model_validate(framework(grades=[{"name": "差", "min": 0}, {"name": "优", "min": 90}]))


# --- 2. not applicable -------------------------------------------------------------------------

def test_not_applicable_redistributed_within_level2_group():
    ev = evaluate(framework(), A11={"not_applicable": "本年度无此项业务"}, A12=HALF, A21=FULL, B11=FULL, B12=FULL)
    sheet = score(ev)
    a12 = sheet.row("A12")
    assert a12.factor == D("1.5") and a12.effective_weight == 30
    assert a12.score == 15  # 50% of 20 points, scaled to 30 points
    assert sheet.row("A11").score == 0 and sheet.row("A11").not_applicable == "本年度无此项业务"
    assert sheet.row("A21").factor == 1 and sheet.row("B11").factor == 1
    assert sheet.total == 85
    kinds = [(f.code, f.kind) for f in audit(sheet)]
    assert ("A11", "not-applicable") in kinds


def test_not_applicable_redistributed_within_level1_group():
    ev = evaluate(framework(not_applicable="level1"), A11={"not_applicable": "无"}, A12=HALF, A21=FULL,
                  B11=FULL, B12=FULL)
    sheet = score(ev)
    # A's 40 points now rest on A12 (20) and A21 (10): factor 4/3
    assert sheet.row("A12").factor == sheet.row("A21").factor
    assert sheet.row("A12").score == D("13.33") and sheet.row("A21").score == D("13.33")
    assert sheet.row("B11").factor == 1
    assert sheet.total == D("86.66")  # the sum of the rounded rows: the table adds up


def test_not_applicable_rescaled_to_total():
    ev = evaluate(framework(not_applicable="rescale"), A11={"not_applicable": "无"}, A12=FULL, A21=FULL,
                  B11=FULL, B12=FULL)
    sheet = score(ev)
    assert sheet.row("B11").factor == D(100) / D(90)
    assert sheet.row("B11").score == D("33.33")
    assert sheet.total == sum(r.score for r in sheet.indicator_rows) == D("99.99")


def test_whole_level2_group_not_applicable_moves_up_to_level1():
    ev = evaluate(framework(), A21={"not_applicable": "无"}, A11=FULL, A12=FULL, B11=FULL, B12=FULL)
    sheet = score(ev)
    assert sheet.row("A11").factor == D(40) / D(30)
    assert sheet.row("A11").score + sheet.row("A12").score == D("40.00")
    assert sheet.total == 100


def test_not_applicable_needs_a_reason():
    with pytest.raises(ValidationError, match="写明理由"):
        evaluate(framework(), A11={"not_applicable": "  "})


# --- 3. generic 正向/反向/定性 ----------------------------------------------------------------

def generic_framework() -> dict:
    ind = lambda code, target, direction="正向", weight=10: {
        "code": code, "name": code, "weight": weight, "target": target, "direction": direction}
    return {"id": "g", "name": "通用", "kind": "项目支出", "default_rule": "generic", "total": 40, "groups": [
        {"code": "C", "name": "产出", "indicators": [
            ind("C1", "≥95%"), ind("C2", "≤30分钟", "反向"), ind("C3", "=0"), ind("C4", "按要求完成", "定性")]}]}


def test_generic_positive_negative_equal_and_qualitative():
    sheet = score(evaluate(generic_framework(), C1={"actual": "90.25"}, C2={"actual": 45}, C3={"actual": 0},
                           C4={"judgement": "部分达成", "manual": 7}))
    assert sheet.row("C1").score == D("9.50")   # 90.25 / 95 × 10
    assert sheet.row("C2").score == D("5.00")   # halfway from 30 to 60
    assert sheet.row("C3").score == 10
    assert sheet.row("C4").score == 7 and sheet.row("C4").manual
    sheet = score(evaluate(generic_framework(), C1={"actual": 99}, C2={"actual": 25}, C3={"actual": 1},
                           C4={"judgement": "达成", "manual": 10}))
    assert [sheet.row(c).score for c in ("C1", "C2", "C3", "C4")] == [10, 10, 0, 10]


def test_qualitative_score_outside_its_band_is_refused():
    sheet = score(evaluate(generic_framework(), C1={"actual": 99}, C2={"actual": 25}, C3={"actual": 0},
                           C4={"judgement": "部分达成", "manual": 9}))
    row = sheet.row("C4")
    assert row.score == 0 and "6分≤得分<8分" in row.error
    assert ("C4", "input-error") in [(f.code, f.kind) for f in audit(sheet)]


# --- 4. manual override ------------------------------------------------------------------------

def test_override_keeps_computed_score_and_reason():
    ev = evaluate(framework(), A11={"actual": 80, "override": {"score": 10, "reason": "统计口径调整，经复核已完成"}},
                  A12=FULL, A21=FULL, B11=FULL, B12=FULL)
    sheet = score(ev)
    row = sheet.row("A11")
    assert row.computed == 8 and row.score == 10 and row.override_reason == "统计口径调整，经复核已完成"
    assert sheet.total == 100
    findings = [f for f in audit(sheet) if f.kind == "override"]
    assert len(findings) == 1 and "计算得分8分，人工改为10分" in findings[0].message


def test_override_without_reason_is_refused():
    with pytest.raises(ValidationError, match="理由"):
        evaluate(framework(), A11={"actual": 80, "override": {"score": 10, "reason": " "}})


def test_override_above_weight_is_not_taken():
    sheet = score(evaluate(framework(), A11={"actual": 80, "override": {"score": 11, "reason": "x"}},
                           A12=FULL, A21=FULL, B11=FULL, B12=FULL))
    assert sheet.row("A11").score == 8 and "超出" in sheet.row("A11").error


# --- 5. rule versions ------------------------------------------------------------------------

def test_rules_hash_ignores_wording_but_not_rules():
    base = rules_hash(Framework.model_validate(framework()))
    renamed = framework(name="另一个名称")
    renamed["groups"][0]["groups"][0]["indicators"][0]["criteria"] = "按比例得分"
    assert rules_hash(Framework.model_validate(renamed)) == base
    reweighted = framework()
    reweighted["groups"][0]["groups"][0]["indicators"][0]["rule"] = {"type": "binary"}
    assert rules_hash(Framework.model_validate(reweighted)) != base
    assert rules_hash(Framework.model_validate(framework(places=3))) != base


def test_sheets_under_different_rules_are_not_compared_silently():
    a = score(evaluate(framework(), A11=FULL, A12=FULL, A21=FULL, B11=FULL, B12=FULL))
    b = score(evaluate(framework(version="2", places=1), A11=HALF, A12=FULL, A21=FULL, B11=FULL, B12=FULL))
    with pytest.raises(IncomparableSheets, match="规则不同"):
        compare(a, b)
    result = compare(a, b, allow_different_rules=True)
    assert result.warning and result.total_change == -5
    same = compare(a, score(evaluate(framework(), A11=HALF, A12=FULL, A21=FULL, B11=FULL, B12=FULL)))
    assert same.same_rules and next(r for r in same.rows if r.code == "A11").change == -5


# --- 6. one rounding policy ---------------------------------------------------------------------

@settings(max_examples=100, deadline=None)
@given(values=st.lists(st.decimals(min_value=0, max_value=150, places=3), min_size=5, max_size=5),
       na=st.sampled_from([None, "A11", "A21", "B12"]), mode=st.sampled_from(["level2", "level1", "rescale"]))
def test_totals_equal_the_sum_of_rounded_rows(values, na, mode):
    inputs = {code: {"actual": v} for code, v in zip(("A11", "A12", "A21", "B11", "B12"), values)}
    if na:
        inputs[na] = {"not_applicable": "无此业务"}
    sheet = score(evaluate(framework(not_applicable=mode), **inputs))
    assert sheet.total == sum(r.score for r in sheet.indicator_rows)
    for gt in sheet.groups:
        under = [r for r in sheet.indicator_rows if gt.group in r.path]
        assert gt.score == sum(r.score for r in under)
    for row in sheet.rows:
        assert row.score == row.score.quantize(Decimal("0.01"))
    effective = sum(r.effective_weight for r in sheet.indicator_rows)
    assert abs(effective - 100) < D("1e-20")


def test_rounding_mode_is_framework_data():
    half_up = score(evaluate(framework(), A11={"actual": "80.05"}, A12=FULL, A21=FULL, B11=FULL, B12=FULL))
    down = score(evaluate(framework(rounding="down"), A11={"actual": "80.05"}, A12=FULL, A21=FULL, B11=FULL, B12=FULL))
    assert half_up.row("A11").score == D("8.01") and down.row("A11").score == D("8.00")


# --- 7. weights at every level -------------------------------------------------------------------

def test_every_level_mismatch_names_both_figures():
    fw = framework()
    fw["groups"][0]["points"] = 45           # level-1 heading vs its level-2 headings (30 + 10)
    fw["groups"][1]["groups"][0]["points"] = 55   # level-2 heading vs its rows (60)
    fw["groups"][0]["groups"][0]["indicators"][0]["subrows"] = [
        {"code": "A11-1", "name": "子项1", "weight": 4, "rule": PROPORTIONAL, "target": "100%"},
        {"code": "A11-2", "name": "子项2", "weight": 5, "rule": PROPORTIONAL, "target": "100%"}]
    sheet = score(evaluate(fw, **{"A11-1": FULL, "A11-2": FULL}, A12=FULL, A21=FULL, B11=FULL, B12=FULL))
    found = {(f.code, f.kind): f.message for f in audit(sheet)}
    assert found[("A", "group-points")] == "“产出”标明45分，所属指标分值合计40分"
    assert found[("A", "heading-points")] == "“产出”标明45分，下级标题标明的分值合计40分"
    assert found[("B1", "group-points")] == "“社会效益”标明55分，所属指标分值合计60分"
    assert found[("总分", "heading-points")] == "一级指标标明的分值合计105分，应为100分"
    assert found[("A11", "subrow-weights")] == "指标分值10分，分项分值合计9分"
