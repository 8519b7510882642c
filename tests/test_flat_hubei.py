"""The Hubei 项目自评表 from a .doc flattened to one line, its header and labels printed after its
rows (tests/fixtures/published/real/34_…), read by ``jixiao.io.published.flat_hubei``.

Altered copies of the real text show that each check finds what it should and nothing else, and
that where a cut or a placement is not certain the copy is read less and says so."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import pytest

from jixiao.io.published.flat_hubei import _cuts, flat_hubei_rows
from jixiao.io.published_audit import audit_file

REAL = Path(__file__).resolve().parent / "fixtures" / "published" / "real"
BASE = (REAL / "34_hubeiform_shangwu_fuwumaoyi_2020.txt").read_text(encoding="utf-8")
TOTALS = ("declared-total", "weights-total", "heading-points", "group-points")


def _audit(tmp_path, text: str):
    path = tmp_path / "hubei.txt"
    path.write_text(text, encoding="utf-8")
    published, audits = audit_file(path)
    assert published.layout == "flat-hubei-doc"
    return published, audits[0]


def _altered(*pairs: tuple[str, str]) -> str:
    text = BASE
    for old, new in pairs:
        assert text.count(old) == 1, old
        text = text.replace(old, new)
    return text


def _kinds(ta, confidence=None):
    return sorted({f.kind for f in ta.findings if confidence is None or f.confidence == confidence})


def _notes(published) -> str:
    return "\n".join(e.message for e in published.errors)


def test_rows_money_and_headings_as_the_form_prints_them(tmp_path):
    _, ta = _audit(tmp_path, BASE)
    rows = ta.table.rows
    assert (rows[0].name, rows[0].weight, rows[0].declared) == ("预算执行率", Decimal(20), Decimal(20))
    assert rows[0].money is not None and rows[0].money.execution_rate() == 100
    blocks = [r for r in rows if r.parent is None and r.weight in (60, 40)]
    assert [(b.weight, b.declared) for b in blocks] == [(60, 60), (40, 40)]
    listed = [(r.parent, r.name, r.declared) for r in rows if r.weight is None]
    assert [n for _, n, _ in listed[:6]] == ["服务外包在岸(万美元)", "服务外包离岸(万美元)", "支持服务贸易、服务外包企业数量",
                                           "企业国际质量提升", "预算资金执行率", "资金拨付及时性"]
    assert all(p == blocks[0].code and s == 10 for p, _, s in listed[:6])
    assert all(p == blocks[1].code and s == 20 for p, _, s in listed[6:]) and len(listed) == 8
    quality = next(r for r in rows if r.name == "企业国际质量提升")
    assert quality.evidence == "年初目标值获得目的国(地区)受众欢迎，实际完成值受目的国受众欢迎显著"
    effect = rows[-2]
    assert "企业较好把握正确政治导向和文化方向情况的评价" in effect.evidence
    group = next(g for g in ta.table.framework.groups if g.points == 80)
    assert group.name == "年度绩效目标" and [c.points for c in group.groups] == [60, 40]


def test_the_total_of_120_printed_100_is_certain(tmp_path):
    _, ta = _audit(tmp_path, BASE)
    assert ta.table.declared_total == 100 and ta.sheet.total == 120
    assert {"declared-total", "weights-total", "heading-points"} <= set(_kinds(ta, "high"))
    # nothing is said of a row: every row is within its heading
    assert not any(f.kind in ("above-weight", "score-mismatch", "money-rate") for f in ta.findings)


def test_a_consistent_copy_gets_no_finding(tmp_path):
    # 产出指标 of 40 points, its first four rows scored 5: 20 + 40 + 40 = 100 = 总分, 年度绩效目标 80 = 40 + 40
    text = _altered(("产出指标 (60 分)", "产出指标 (40 分)"), ("23333.56 10", "23333.56 5"), ("4557.51 10", "4557.51 5"),
                    ("3 3 10", "3 3 5"), ("众欢迎显著 10", "众欢迎显著 5"))
    _, ta = _audit(tmp_path, text)
    assert ta.table.declared_total == 100 and ta.sheet.weight_total == 100
    assert not [f for f in ta.findings if f.confidence == "high"], ta.findings


def test_a_total_printed_as_the_rows_sum_is_no_total_finding(tmp_path):
    _, ta = _audit(tmp_path, _altered(("20 20 100", "20 20 120")))
    assert ta.table.declared_total == 120
    assert "declared-total" not in _kinds(ta)
    assert {"weights-total", "heading-points"} <= set(_kinds(ta, "high"))  # 120 points, 60 + 40 under 80: still


def test_a_row_above_its_heading_is_certain(tmp_path):
    _, ta = _audit(tmp_path, _altered(("100% 10 社会效益", "100% 70 社会效益")))
    assert "above-weight" in _kinds(ta, "high")
    (f,) = [f for f in ta.findings if f.kind == "above-weight" and "资金拨付及时性" in f.message]
    assert "70分" in f.message and "60分" in f.message


def test_without_the_top_heading_the_headings_are_the_level1(tmp_path):
    _, ta = _audit(tmp_path, _altered(("年度 绩效 目标 (80 分) ", "")))
    assert [g.points for g in ta.table.framework.groups] == [20, 60, 40]
    assert not any("年度绩效目标" in f.message for f in ta.findings)
    assert {"declared-total", "weights-total", "heading-points"} <= set(_kinds(ta, "high"))
    (f,) = [f for f in ta.findings if f.kind == "heading-points"]
    assert "一级指标标明的分值合计120分" in f.message


def test_a_value_cut_that_is_not_certain_is_left_out_and_said(tmp_path):
    # 众欢迎众 nearly fills its line: the 年初目标值 may go on after it, so where it ends is not known
    published, ta = _audit(tmp_path, _altered(("众欢迎 受目的国受", "众欢迎众 受目的国受")))
    row = next(r for r in ta.table.rows if r.name == "企业国际质量提升")
    assert row.declared == 10 and row.evidence == "年初目标值，实际完成值"
    assert "“企业国际质量提升”一行：年初目标值与实际完成值的分界不能唯一确定，年初目标值、实际完成值未读取" in _notes(published)
    assert ta.table.declared_total == 100  # the row's 得分 is certain: the table is still whole


def test_a_name_whose_end_is_not_certain_keeps_its_certain_part(tmp_path):
    published, ta = _audit(tmp_path, BASE)
    assert [r.name for r in ta.table.rows[-2:]] == ["企业把握政治导向和文", "推动企业走出去方面发"]
    assert "名称只取确定的部分“企业把握政治导向和文”，年初目标值未读取" in _notes(published)


def test_rows_whose_heading_is_not_certain_are_not_placed(tmp_path):
    # the labels after the rows name a 二级 of 效益 as well: the six rows without a label of their own
    # may be 产出's or 效益's — not placed, and the copy is read as a cut one
    published, ta = _audit(tmp_path, _altered(("时效指标 效益指标", "经济效益 指标 效益指标")))
    assert not any(r.name == "服务外包在岸(万美元)" for r in ta.table.rows)
    assert ("6行不能确定属于哪个标有分值的一级指标（各行之后印出的二级指标数量指标、经济效益指标、质量指标分属产出指标、"
            "效益指标），未读取") in _notes(published)
    assert ta.table.declared_total is None and ta.table.printed_total == 100
    assert not set(_kinds(ta, "high")) & {"declared-total", "weights-total"}


def test_scores_that_cannot_be_told_apart_are_not_read(tmp_path):
    # no figure after 20 20 although 总分 is among the labels: which number is which is not known
    published, ta = _audit(tmp_path, _altered(("20 20 100", "20 20")))
    assert "2行的得分和总分不能确定，未读取" in _notes(published)
    # the 效益 heading is left out whole (its rows present would pass for all), the rest is read and checked
    assert "效益指标(40分)之下有未读出的行，该标题及其各行均不列出" in _notes(published)
    assert [r.weight for r in ta.table.rows if r.parent is None] == [20, 60]
    assert ta.table.declared_total is None and ta.table.printed_total is None
    assert not [f for f in ta.findings if f.confidence == "high"], ta.findings


def test_cells_are_cut_only_where_one_cut_fits():
    least = {"name": Decimal(10)}
    # 企业国际质量提升 does not fill its 10-wide line: it is the whole name; 众欢迎 ends the 年初目标值
    (cut,) = _cuts(["企业国际质量提升", "获得目的国", "(地区)受", "众欢迎", "受目的国受", "众欢迎显著"],
                   ["name", "target", "actual"], least)
    assert ["".join(c) for c in cut] == ["企业国际质量提升", "获得目的国(地区)受众欢迎", "受目的国受众欢迎显著"]
    # a full second line may be the name's or the 年初目标值's first
    assert len(_cuts(["企业把握政治导向和文", "化方向情况", "企业把握正", "情况的评价"], ["name", "target"], least)) == 2


@pytest.mark.parametrize("text", ["", "三级指标 年初目标值 (A) 实际完成值 (B) 得分", BASE.replace("三级指标", "指标")])
def test_other_text_is_not_taken(text):
    assert flat_hubei_rows(text, "x.txt")[0] == []
