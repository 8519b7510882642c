"""Rows printed one a line with their cells run together (jixiao.io.form_lines): each line read
only where one cut fits, the rest named."""

from __future__ import annotations

from decimal import Decimal

from jixiao.io.form_lines import _points, _values, line_rows

FORM = """财政项目支出绩效自评表
项目名称城镇建设管理
项目资金(万元) 年初预算数全年预算数全年执行数分值执行率得分
年度资金总额145000000.00145000000.00120000000.0010{rate}%{money_score}
绩效指标一级指标二级指标三级指标年度指标值实际完成值分值得分偏差原因分析及改进措施
产出指标数量指标项目计划完成率100%100%1515
质量指标项目一次验收合格率100%80%1111管理不够到位
时效指标项目完成及时性及时较及时77受进度影响拖延
效益指标生态效益指标文明施工程度达标基本达标33文明宣传施工不够到位
满意度指标服务对象满意度指标群众满意度≧90%≧80%77宣传指导不到位
长效管理指标档案管理有效性有效有效55
总分:{total}
"""


def test_points_cut_only_where_one_cut_fits():
    assert _points("1515") == ("15", "15")
    assert _points("1010") == ("10", "10")  # 101|0 has a 分值 above 100
    assert _points("100") == ("10", "0")
    assert _points("1.51.5") == ("1.5", "1.5")
    assert _points("2018") == ("20", "18")  # 201|8 has a 分值 above 100, 2|018 leads with 0
    assert _points("115") == ("11", "5")  # 1|15 scores above its 分值
    assert _points("10.55") is None  # 10.5|5 or 1|0.55: two cuts fit, none is taken

def test_values_numbers_or_a_word_repeated():
    assert _values("项目计划完成率100%100%") == ("项目计划完成率", "100%", "100%")
    assert _values("群众满意度≧90%≧80%") == ("群众满意度", "≧90%", "≧80%")
    assert _values("项目完成及时性及时较及时") == ("项目完成及时性", "及时", "较及时")
    assert _values("文明施工程度达标基本达标") == ("文明施工程度", "达标", "基本达标")
    assert _values("档案管理有效性有效有效") == ("档案管理有效性", "有效", "有效")
    assert _values("项目完成情况良好") is None  # no second value


def test_a_form_of_run_together_lines_is_read_and_scored(tmp_path):
    from jixiao.io.published_audit import audit_file

    path = tmp_path / "lines.txt"
    path.write_text(FORM.format(rate="82.8", money_score="8.28", total="83"), encoding="utf-8")
    published, audits = audit_file(path)
    assert published.layout == "flat-lines"
    ta = audits[0]
    names = [r.name for r in ta.table.rows]
    assert names == ["预算执行率", "项目计划完成率", "项目一次验收合格率", "项目完成及时性", "文明施工程度", "群众满意度", "档案管理有效性"]
    weights = {r.name: r.weight for r in ta.table.rows}
    assert weights["项目一次验收合格率"] == 11 and weights["预算执行率"] == 10
    # 120000000 ÷ 145000000 = 82.76%, printed 82.8%; 80% of a 100% target at 11 points
    row = ta.sheet.row(next(r.code for r in ta.table.rows if r.name == "项目一次验收合格率"))
    assert row.score == Decimal("8.8")
    assert ta.table.declared_total == 83
    kinds = {f.kind for f in ta.findings}
    assert "score-mismatch" in kinds and "weights-total" in kinds  # 分值 add up to 68, not 100
    assert not any(f.confidence == "high" and f.kind == "score-mismatch" for f in ta.findings
                   if f.code != next(r.code for r in ta.table.rows if r.name == "预算执行率"))


def test_a_line_that_cuts_two_ways_is_named_not_read():
    text = FORM.format(rate="82.8", money_score="8.28", total="83").replace("项目计划完成率100%100%1515", "项目计划完成率100%100%10.55")
    rows, notes = line_rows(text, "x.txt")
    assert not any(r.cells[2:3] == ["项目计划完成率"] for r in rows)
    assert any("项目计划完成率" in n and "无法唯一分开" in n for n in notes)


from hypothesis import given, strategies as st  # noqa: E402


@given(st.integers(min_value=1, max_value=100), st.integers(min_value=0, max_value=100))
def test_points_never_guess(weight, score):
    """Whatever 分值 and 得分 are run together, a cut is taken only when it is the one cut that fits,
    and then it is the printed one."""
    if score > weight:
        return
    digits = f"{weight}{score}"
    cut = _points(digits)
    fits = [(digits[:i], digits[i:]) for i in range(1, len(digits))
            if not (digits[i:].startswith("0") and digits[i:] != "0") and not digits[:i].startswith("0")
            and int(digits[i:]) <= int(digits[:i]) <= 100]
    if len(fits) == 1:
        assert cut == (str(weight), str(score))
    else:
        assert cut is None
