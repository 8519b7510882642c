"""The one parser for numbers people type (core.numbers.parse_typed) and the input bounds the
core derives from an indicator (core.input_bounds)."""

from decimal import Decimal

import pytest

from jixiao.core.input_bounds import input_bounds, quantity_bounds
from jixiao.core.model import Indicator, Target
from jixiao.core.numbers import NumberError, parse_typed


@pytest.mark.parametrize("text, value", [
    ("98.5", "98.5"), ("９８．５", "98.5"), ("98.5％", "98.5"), ("98.5%", "98.5"), ("1,234.5", "1234.5"),
    ("12,345,678", "12345678"), ("－３", "-3"), (".5", "0.5"), (" 7.24 ", "7.24"), ("１，２３４", "1234")])
def test_accepted(text, value):
    assert parse_typed(text) == Decimal(value)


@pytest.mark.parametrize("text, reason", [
    ("1e400", "不接受科学计数法“1e400”"), ("1E5", "不接受科学计数法"), ("1,0e5", "不接受科学计数法"),
    ("98,5", "逗号不能作小数点：“98,5”"), ("1234,5", "逗号不能作小数点"), ("1,23", "逗号不能作小数点"),
    ("12,3456", "逗号只用于每三位分节"), ("1" * 400, "位数过多"), ("0.12345678901", "小数位数过多"),
    ("NaN", "不是数字"), ("Infinity", "不是数字"), ("七", "“七”不是数字"), ("0x10", "不是数字")])
def test_refused_with_a_named_reason(text, reason):
    with pytest.raises(NumberError) as info:
        parse_typed(text)
    assert reason in str(info.value)


def test_percent_sign_only_where_allowed():
    assert parse_typed("", percent=False) is None
    with pytest.raises(NumberError):
        parse_typed("5%", percent=False)


def ind(name, target="", rule=None):
    return Indicator(code="X1", name=name, weight=Decimal(5), target=Target.model_validate(target), rule=rule)


@pytest.mark.parametrize("name, target, value, refused", [
    ("参保完成率", "100%", "-5", "百分比不能为负数：“-5”"),
    ("异地就医联网结算覆盖率", "100%", "105", "百分比应在0到100之间，“105”超出范围"),
    ("参保对象满意度", "≥90%", "100", None),
    ("基本医保综合参保率", "≥95%", "101.27", None),  # seed 004: above the registered population
    ("基本医疗保险参保目标任务", "100%", "101.05", None),  # 寻甸: a target exceeded
    ("“三公”经费控制率", "≤100%", "112", None),  # overspending: for the audit to see
    ("当期基本医疗保险费收入同比增长率", ">0", "-3.5", None),  # a change has any sign
    ("次均费用同比下降比", "10%", "-2", None),
    ("职工医疗保险参保人数", "548.05万人", "-1", "数量（万人）不能为负数"),
    ("DRG住院极值病案抽查率", "2‰", "1200", "千分比应在0到1000之间"),
    ("政策文件解读", "实现医保信息公开", "-1", None),  # nothing says what it counts
])
def test_bounds_from_the_framework(name, target, value, refused):
    problem = input_bounds(ind(name, target), ("actual",)).problem(Decimal(value), value)
    assert problem == refused if refused is None else refused in problem


def test_bounds_of_other_inputs():
    indicator = ind("费用审核", "")
    assert "得分不能为负数" in input_bounds(indicator, ("declared",)).problem(Decimal(-1))
    assert "得分不能为负数" in input_bounds(indicator, ("override",)).problem(Decimal(-1))
    assert "不能为负数" in input_bounds(indicator, ("incidents", "违规")).problem(Decimal(-2))
    assert input_bounds(indicator, ("values", "职工参保人数占就业人口比重")).hi == 100
    assert input_bounds(indicator, ("values", "企业缴费基数增幅差")).problem(Decimal(-4)) is None
    assert quantity_bounds("不合理费用查处率").problem(Decimal(101)) is not None


@pytest.mark.parametrize("actual, reason", [
    ("1e400", "实际完成值：不接受科学计数法“1e400”"), ("98,5", "逗号不能作小数点"),
    ("-5", "实际完成值：数量（家）不能为负数：“-5”"), ("x", "实际完成值“x”不是数值")])
def test_project_form_actuals_use_the_same_parser(actual, reason):
    from jixiao.core.project_form import FormRow

    row = FormRow(level1="产出指标", level2="数量指标", name="定点医药机构现场核查数量", target="≥265家", actual=actual)
    with pytest.raises(ValueError) as info:
        row.actual_value()
    assert reason in str(info.value)
    assert FormRow(level1="产出指标", level2="数量指标", name="核查数量", target="≥265家", actual="２６５家").actual_value() == 265
