"""Financial analysis reproduces the figures the seeds publish (000 B11–B13, 002 附件1)."""

import pytest
from pydantic import ValidationError

from jixiao.core.finance import Finance, analyse, check
from jixiao.core.scoring import score
from jixiao.io.yamlio import load_evaluation
from conftest import D, EXAMPLES

NANJING = {
    "unit": "万元",
    "budget": {"initial": {"basic": "3591.46", "project": "210.77"}, "additions": "1408.16",
               "adjusted": {"basic": "4118.06", "project": "1092.33"}},
    "received": "5210.39",
    "spent": {"basic": "4108.14", "project": "1092.33"},
    "sangong": {"budget": "3.88", "spent": "3.79"},
    "special_funds": [{"name": "城乡居民医保基金市级财政补助", "budget": 112000, "received": "110903.65"},
                      {"name": "医疗救助", "budget": 11000, "received": 11000, "spent": 11000}],
}

# Seed 002 附件1 成本效益分析报告 (元)
XUNDIAN = {
    "unit": "元",
    "budget": {"adjusted": {"total": "9726874.48"}},
    "received": "9726874.48",
    "spent": {"basic": "7686896.13", "project": "2039978.35"},
    "total_expenditure": "9835613.17",
    "income": {"财政拨款收入": "9726874.48", "其他收入": "60908.78"},
    "expenditure_by_class": {"工资福利支出": "6339492.00", "商品和服务支出": "1731066.93",
                             "对个人和家庭的补助": "1765054.24"},
    "sangong": {"spent": "14056.57"},
    "meeting_spent": 0, "training_spent": 0,
    "carryover_end": {"basic": "6461.91", "project": 0},
    "cash": "303190.22", "fixed_assets": "142349.23",
    "prior_year": {"budget": "9297674.56", "income": "9391595.72", "spent": "9586798.93", "sangong_spent": 12000,
                   "meeting_spent": 9656, "training_spent": 16071, "cash": "522476.65", "fixed_assets": "178581.50"},
}


def test_000_budget_figures():
    m = analyse(Finance.model_validate(NANJING))
    assert m["execution_rate"].value == D("99.81")       # 5200.47 ÷ 5210.39
    assert m["arrival_rate"].value == 100
    assert m["sangong_control_rate"].value == D("97.68")  # 3.79 ÷ 3.88
    assert m["special_arrival_rate"].value == D("99.11")  # 121903.65 ÷ 123000, the published B12 figure
    assert m["budget_adjustment_gap"].value == 0          # 3802.23 + 1408.16 = 5210.39
    assert str(m["execution_rate"]) == "预算执行率99.81%"


def test_002_cost_analysis_figures():
    m = analyse(Finance.model_validate(XUNDIAN))
    assert m["execution_rate"].value == 100
    assert m["income"].value == D("9787783.26")
    assert m["income_share:财政拨款收入"].value == D("99.38")
    assert m["income_share:其他收入"].value == D("0.62")
    assert m["basic_share"].value == D("78.15")
    assert m["class_share:工资福利支出"].value == D("64.45")
    assert m["class_share:商品和服务支出"].value == D("17.60")
    assert m["class_share:对个人和家庭的补助"].value == D("17.95")
    assert m["yoy_change:budget"].value == D("429199.92")
    assert m["yoy_change:income"].value == D("396187.54")
    assert m["yoy_change:sangong"].value == D("2056.57")
    assert m["yoy_change:meeting"].value == -9656
    assert m["yoy_change:cash"].value == D("-219286.43")
    assert m["yoy_rate:cash"].value == D("-41.97")
    assert m["carryover_end"].value == D("6461.91")


def test_split_total_must_match_its_parts():
    with pytest.raises(ValidationError, match="不等于基本支出"):
        Finance.model_validate({"spent": {"basic": 1, "project": 2, "total": 4}})


def test_final_accounts_column_sums_are_checked():
    fa = {"columns": ["本年收入", "本年支出"], "total": {"本年收入": "100.00", "本年支出": "90"},
          "rows": [{"code": 2101501, "name": "行政运行", "values": {"本年收入": "60", "本年支出": "50"}},
                   {"code": 2101505, "name": "医疗保障政策管理", "values": {"本年收入": "40", "本年支出": "30"}}]}
    problems = check(Finance.model_validate({"final_accounts": fa}))
    assert [p.where for p in problems] == ["决算表“本年支出”栏"]
    assert problems[0].message == "合计行为90，各科目相加为80"
    assert Finance.model_validate({"final_accounts": fa}).final_accounts.rows[0].code == "2101501"


def test_indicators_take_actuals_from_finance():
    evaluation, errors = load_evaluation(EXAMPLES / "nanjing-2023-department.yaml")
    assert errors == []
    sheet = score(evaluation)
    assert sheet.row("B11").input.actual_from == "execution_rate"
    assert sheet.row("B11").score == D("1.98")
    assert sheet.row("B13").score == 1
    assert "97.68%" in sheet.row("B13").explanation


def test_actual_from_unknown_metric_is_a_located_error(tmp_path):
    text = (EXAMPLES / "nanjing-2023-department.yaml").read_text(encoding="utf-8")
    bad = tmp_path / "bad.yaml"
    bad.write_text(text.replace("actual_from: execution_rate", "actual_from: execution_ratio"), encoding="utf-8")
    _, errors = load_evaluation(bad)
    assert len(errors) == 1 and "execution_ratio" in errors[0].message and "execution_rate" in errors[0].message
