"""Score tables whose cells reach us as running text (jixiao.io.published.runon): rows are re-cut
only where one cut fits, the rest is named, findings are never of high confidence."""

from __future__ import annotations

from jixiao.io.published import import_text
from jixiao.io.published.runon import run_together_rows, spaced_rows

SPACED = ("某市财政预算支出项目绩效目标自评表 自评总分: 88 项目权重 评价内容 分值 自评分 项目决策 5 分 立项依据 3 3 复核分 "
          "评价标准及依据 有上级文件计 3 分,没有不得分。 1、资金管理办法 1 分; 资金管理 2 1 2、会计核算规范 1 分。 "
          "项目年度目标 1:道路养护 一级 指标 二级 指标名称 年初指 年终完 自评 复核")


def test_spaced_rows_name_points_score_and_numbered_criteria():
    rows, notes, _ = spaced_rows(SPACED, "x.txt")
    cells = [r.cells for r in rows[1:3]]
    assert cells[0][2:5] == ["立项依据", "3", "3"] and "计3分" in cells[0][5] and "资金管理办法" not in cells[0][5]
    assert cells[1][2:5] == ["资金管理", "2", "1"] and cells[1][5].startswith("1、资金管理办法1分")
    assert any("未读取" in n for n in notes)  # the 项目绩效 part is named, not dropped


def test_spaced_table_audited_at_most_medium_with_its_header_total_not_checked():
    published = import_text(SPACED, "x.txt", 2021)
    table = published.tables[0]
    assert [r.name for r in table.rows] == ["立项依据", "资金管理"]
    assert str(table.printed_total) == "88" and table.declared_total is None  # the copy is cut: not checked
    from jixiao.io.published_audit import audit_table

    assert all(f.confidence != "high" for f in audit_table(table).findings)


RUN = ("部门整体支出绩效评价指标表一级指标分值二级指标分值三级指标分值评价标准指标说明得分投入10预算配置10"
       "人员控制率4人员控制率≤100%，计4分；每超过一个百分点扣0.5分。人员控制率=在职人数/编制数×100%。3"
       "预算完成率6100%计满分，每低于5%扣2分。预算完成率=执行数/预算数×100%6过程20资金管理")


def test_run_together_rows_cut_where_the_criteria_confirm_the_points():
    rows, notes, _ = run_together_rows(RUN, "y.txt")
    got = [r.cells[2:5] for r in rows[1:] if r.cells[3]]
    # 6100%: the 分值 6 (≤ 预算配置10) and the criteria 100%计满分; headings 投入/预算配置/过程 are not rows
    assert got == [["人员控制率", "4", "3"], ["预算完成率", "6", "6"]]
    assert any("资金管理" in n for n in notes)  # the text ends in the next row: named


def test_run_together_score_above_the_points_is_not_taken():
    text = RUN.replace("×100%。3预算完成率", "×100%。9预算完成率")  # 9 > 分值4: the cut does not fit
    rows, notes, _ = run_together_rows(text, "y.txt")
    assert [r.cells[2] for r in rows[1:] if r.cells[3]] == ["预算完成率"]
    assert any("人员控制率" in n and "未读取" in n for n in notes)


HUBEI = ("2020年度某项目绩效自评表项目名称某项目预算执行情况(万元)(20分)预算数(A)执行数(B)执行率(B/A)得分(20分*执行率)"
         "年度财政资金总额{money}年度绩效目标1(80分)一级指标二级指标三级指标年初目标值(A)实际完成值(B)得分"
         "产出指标数量指标监测点位100%100%80总分{total}")


def test_hubei_money_row_read_and_a_block_without_row_points_stands_as_one_row():
    published = import_text(HUBEI.format(money="10880%18", total="98"), "h.txt", 2020)
    table = published.tables[0]
    assert [(r.name, str(r.weight), str(r.declared)) for r in table.rows] == [
        ("预算执行率", "20", "18"), ("年度绩效目标1（80分）各项指标（1项，各行分值未印出）", "80", "80"), ("监测点位", "None", "80")]
    # every block read: the table is whole, its 总分 98 = 18 + 80 is the declared total
    assert str(table.printed_total) == "98" and str(table.declared_total) == "98"
    said = " ".join(e.message for e in published.errors)
    assert "预算数10、执行数8、执行率80%" in said and "分值只标在其上的标题" in said
    from jixiao.io.published_audit import audit_table

    # 20 × 80% = 16, not 18: found (a re-cut reading: not high); the 100 points and the 总分's sum hold
    kinds = {f.kind for f in audit_table(table).findings}
    assert "score-mismatch" in kinds or "money-rate" in kinds
    assert not kinds & {"weights-total", "declared-total", "heading-points", "block-met-but-lost"}


def test_hubei_money_digits_that_cut_two_ways_and_disagree_with_the_score_are_not_read():
    from jixiao.io.published.runon import _money_cuts, hubei_rows

    assert _money_cuts("10880") == [("10", "8", "80")]
    assert len(_money_cuts("1010100")) == 2  # 10|10|100 or 10101|0|0
    rows, notes, _ = hubei_rows(HUBEI.format(money="1010100%15", total="95"), "h.txt")
    assert rows == [] and "无法唯一分开" in notes[0]


def test_spaced_copy_ending_after_its_last_row_checks_only_the_rows_read():
    text = SPACED.split("项目年度目标")[0]  # no 项目绩效 part and no 合计: the copy may go on
    published = import_text(text, "x.txt", 2021)
    from jixiao.io.published_audit import audit_table

    kinds = {f.kind for f in audit_table(published.tables[0]).findings}
    assert not kinds & {"weights-total", "heading-points", "declared-total"}
    assert any("之后结束" in e.message for e in published.errors)
