"""The 项目支出绩效自评表 in PDF text with cells printed apart from their labels
(jixiao.io.form_text_apart): 31's money figures before their labels, its rows' values before
their names — on the real copy and on altered copies of it."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import pytest

from jixiao.io.form_text import _DASH, _dec, cells_of, published_form_text, read_form_text
from jixiao.io.form_text_apart import money_apart
from jixiao.io.published_audit import audit_table

NAME = "31_shanghai_putuo_tiyu_yunying_2022.txt"
TEXT = (Path(__file__).parent / "fixtures" / "published" / "real" / NAME).read_text(encoding="utf-8")


def _altered(old: str, new: str) -> str:
    assert TEXT.count(old) >= 1, old
    return TEXT.replace(old, new, 1)


def _findings(text: str, table: int) -> list:
    published = published_form_text(text, NAME)
    return audit_table(published.tables[table - 1]).findings


def test_money_figures_before_their_labels_are_read_and_the_misprinted_rate_found():
    diag = read_form_text(TEXT, NAME)
    first, second = diag.tables
    money = first.form.money
    assert (money.total.initial, money.total.annual, money.total.spent) == (
        Decimal("250000.00"), Decimal("250000.00"), Decimal("215457.6"))
    assert (money.declared_rate, money.declared_score) == (Decimal("86.19"), Decimal("8.62"))
    assert not first.money_uncertain and "唯一符合算术" in first.money_note
    # the 其中 rows' labels are printed apart from their figures too: not read, so no money-sum check
    assert money.fiscal.empty and money.carryover.empty and money.other.empty
    rate = [f for f in _findings(TEXT, 1) if f.code == "F1"]
    assert [(f.kind, f.confidence) for f in rate] == [("money-rate", "high")]
    assert "86.19%" in rate[0].message and "86.18%" in rate[0].message
    # the second form, cut in its indicator header: its 执行率 row (9,034 and 10 45.17% printed further on)
    money = second.form.money
    assert (money.total.annual, money.total.spent, money.declared_rate, money.declared_score) == (
        Decimal("20000.00"), Decimal("9034"), Decimal("45.17"), Decimal("4.52"))
    assert second.truncated and not second.rows
    assert _findings(TEXT, 2) == []
    assert any("截断" in m and "第2张" in m for m in diag.messages())


def test_a_consistent_rate_gives_no_finding():
    assert _findings(_altered("86.19%", "86.18%"), 1) == []


def test_a_misprinted_score_is_found():
    findings = _findings(_altered("8.62 250000", "9.62 250000"), 1)
    assert ("F1", "score-mismatch", "high") in {(f.code, f.kind, f.confidence) for f in findings}


def test_a_stray_figure_leaves_a_count_that_does_not_fit_and_says_so():
    diag = read_form_text(_altered("目标 86.19%", "目标 5 86.19%"), NAME)
    t = diag.tables[0]
    assert t.form.money.total.annual is None and t.form.money.declared_rate is None
    assert "对不上" in t.money_uncertain and "未读取" in t.money_uncertain
    assert any("项目资金表各数字印在栏目名称之前" in m for m in diag.messages())
    assert not any(f.confidence == "high" for f in _findings(_altered("目标 86.19%", "目标 5 86.19%"), 1)
                   if f.code == "F1")


@pytest.mark.parametrize("old, new, why", [
    ("86.19%", "50.00%", "没有一种对位"),  # no placement gives 执行数 ÷ 预算数 near the 执行率
    (" 10 8.62 ", " 8.62 ", "没有一种对位"),  # 分值 missing: a sub-row's 0 is never taken for the 得分
])
def test_figures_no_placement_fits_are_not_read(old, new, why):
    t = read_form_text(_altered(old, new), NAME).tables[0]
    assert t.form.money.total.annual is None and t.form.money.declared_score is None
    assert why in t.money_uncertain


def test_two_placements_that_fit_are_not_read():
    # 年初预算数 20100: 9034 ÷ 20100 = 44.94% is as near 45.17% as 9034 ÷ 20000 — which is 全年预算数?
    diag = read_form_text(_altered("20000.00 20000.00 4.52", "20100.00 20000.00 4.52"), NAME)
    second = diag.tables[1]
    assert second.form is None
    assert "有2种对位" in second.money_uncertain
    assert any("第2张" in m and "不能确定各数字所属的列" in m for m in diag.messages())


def test_five_columns_without_the_initial_budget():
    cells = cells_of("全年预算数 全年执行数 分值 执行率 得分 200 190 10 9.5 年度资金总额 项目资金 (万元) 预期目标 95% 实际完成情况")
    read = money_apart(cells, _dec, _DASH)
    assert read.values == {"annual": Decimal(200), "spent": Decimal(190), "weight": Decimal(10),
                           "rate": Decimal(95), "score": Decimal("9.5")}
    # 100 95 10 9.5 95%: 分值 10 得分 9.5 of 100/95, or 分值 100 得分 95 of 10/9.5 — said, not chosen
    cells = cells_of("全年预算数 全年执行数 分值 执行率 得分 100 95 10 9.5 年度资金总额 项目资金 95% 实际完成情况")
    read = money_apart(cells, _dec, _DASH)
    assert not read.values and "有2种对位" in read.problem
    # figures after the row label: the ordinary drawing, not this one
    assert money_apart(cells_of("全年预算数 全年执行数 分值 执行率 得分 年度资金总额 200 190 10 95% 9.5"), _dec, _DASH) is None


def test_values_printed_before_their_names_are_paired_in_table_order():
    t = read_form_text(TEXT, NAME).tables[0]
    rows = [(r.level2, r.name, r.target, r.actual, r.weight, r.score) for r in t.rows]
    assert rows == [
        ("数量指标", "与委托运营方结算完成率", "=100%", "100%", 10, 10),  # its wrapped 率 printed after the values
        ("质量指标", "合同结算条款完成率", "=100%", "100%", 20, 20),
        ("时效指标", "费用结算及时性", "及时", "及时", 20, 20),
        ("社会效益指标", "与委托运营方合同完成率", "=100%", "100%", 30, 30),
        ("服务对象满意度指标", "场馆开放满意度", ">=90%", "100%", 10, 10),
    ]
    assert (t.declared_weight_total, t.declared_total) == (Decimal(100), Decimal("98.62"))
    # the 产出 rows' values (10, 20, 20) and the 满意度 row's (10) could be swapped within the heading
    # points: those rows are marked uncertain; the one 效益 row (30) is not
    assert [bool(r.uncertain) for r in t.rows] == [True, True, True, False, True]


def test_values_that_cannot_be_paired_with_their_names_are_named_not_guessed():
    # one 二级 heading fewer than names: which heading has two rows is not printed
    diag = read_form_text(_altered("服务对象满意度指标 场馆", "场馆"), NAME)
    t = diag.tables[0]
    assert not t.rows
    assert any("数目不相等" in u.why for u in t.unread)
    assert any("5组数值、5个三级指标名称、4个二级指标" in m for m in diag.messages())


def test_a_label_printed_after_its_value_is_not_read_as_the_next_labels_value():
    """31 prints 上海市普陀区体育事业管理中心 before 实施单位 and 其中:当年财政拨款 after it: the 其中 row's
    label is not the 实施单位 (it was shown as the table's unit)."""
    diag = read_form_text(TEXT, NAME)
    for table in diag.tables:
        assert table.form is not None
        assert table.form.department == "上海市普陀区体育局"
        assert not table.form.implementer.startswith("其中")
