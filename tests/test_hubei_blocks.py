"""The Hubei 年度项目绩效自评表 read from run-together text (tests/fixtures/published/real/12_…):
its rows print no 分值, only their 年度绩效目标 block's points, so each block is one row of the
sheet scored the sum of its rows, the rows are listed under it, and the block is checked.

Altered copies of the real text show each check finds what it should and nothing else."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import pytest

from jixiao.io.published_audit import audit_file

REAL = Path(__file__).resolve().parent / "fixtures" / "published" / "real"
BASE = (REAL / "12_huanggang_shuitubaochi_jiance_2020.txt").read_text(encoding="utf-8")


def _audit(tmp_path, text: str):
    path = tmp_path / "hubei.txt"
    path.write_text(text, encoding="utf-8")
    published, audits = audit_file(path)
    assert published.layout == "flat-hubei"
    return published, audits[0]


def _kinds(ta, confidence=None):
    return sorted(f.kind for f in ta.findings if confidence is None or f.confidence == confidence)


def test_rows_listed_under_their_blocks(tmp_path):
    published, ta = _audit(tmp_path, BASE)
    rows = [(r.parent, r.name, r.weight, r.declared) for r in ta.table.rows]
    assert rows[0][1:] == ("预算执行率", Decimal(20), Decimal(20))
    listed = [(r[1], r[3]) for r in rows if r[2] is None]
    assert listed == [("监测数据必须合格", Decimal(10)), ("取得2018-2022监测资料", Decimal(10)),
                      ("整编资料审核", Decimal("19.6")), ("监测数据资料整编", Decimal(20)), ("完成年度资料上报", Decimal(20))]
    blocks = [r for r in ta.table.rows if r.weight == 40]
    assert [b.declared for b in blocks] == [Decimal("39.6"), Decimal(40)]
    assert all(r[0] == blocks[0].code for r in rows[2:5]) and all(r[0] == blocks[1].code for r in rows[6:])
    # the whole table: 20 + 40 + 40 points, its 总分 99.6 checked against the rows and found right
    assert ta.sheet.weight_total == 100 and ta.table.declared_total == Decimal("99.6") and ta.sheet.total == Decimal("99.6")
    assert not any(f.kind in ("declared-total", "total-mismatch", "weights-total", "group-points") for f in ta.findings)


def test_every_row_met_yet_the_block_lost_points_is_said_not_certain(tmp_path):
    _, ta = _audit(tmp_path, BASE)
    assert _kinds(ta) == ["block-met-but-lost"]
    (f,) = ta.findings
    assert f.confidence == "medium"
    assert "3项指标实际完成值均达到年初目标值" in f.message and "39.6分" in f.message and "失分0.4分" in f.message


def test_a_missed_target_in_the_block_gives_no_block_finding(tmp_path):
    text = BASE.replace("整編資料審核98%98%19.6", "整編資料審核98%90%19.6")
    assert text != BASE
    _, ta = _audit(tmp_path, text)
    assert "block-met-but-lost" not in _kinds(ta)


@pytest.mark.parametrize("old, new, kind", [
    ("總分99.6", "總分98.6", "declared-total"),              # the 总分 is not the rows' sum
    ("完成年度資料上報(bào)100%100%20", "完成年度資料上報(bào)100%100%25", "above-weight"),  # block 2: 45 of 40
    ("監(jiān)測數(shù)據(jù)必須合格100%100%10", "監(jiān)測數(shù)據(jù)必須合格100%100%41", "above-weight"),  # a row above its block
])
def test_arithmetic_against_the_block_is_certain(tmp_path, old, new, kind):
    assert old in BASE
    _, ta = _audit(tmp_path, BASE.replace(old, new))
    assert kind in _kinds(ta, "high"), ta.findings


def test_a_block_not_read_whole_leaves_the_total_unchecked(tmp_path):
    # a row whose values carry no unit cannot be cut with certainty: the block is not read
    text = BASE.replace("完成年度資料上報(bào)100%100%20", "完成年度資料上報(bào)10010020")
    published, ta = _audit(tmp_path, text)
    assert ta.table.declared_total is None and ta.table.printed_total == Decimal("99.6")
    assert any("年度绩效目标2（40分）的各行未能全部分开" in e.message for e in published.errors)
    assert not any(f.confidence == "high" for f in ta.findings)


def _baoshan_docx(path: Path, scores=("20", "20", "20", "10", "10"), total="100") -> Path:
    """The 保山 项目支出绩效自评表 of real/26 drawn as Word draws it: 预算执行情况(20分) over its money
    header and figures, 年度绩效目标(80分) merged down the indicator rows, 一级 headings with their
    points merged over their rows, no 分值 column, 总分(100分) at the foot."""
    from docx import Document

    doc = Document()
    doc.add_paragraph("2022年度项目支出绩效自评表")
    rows = [
        ["预算执行情况(万元)(20分)", "", "预算数(A)", "执行数(B)", "执行率(B/A)", "得分(20分*执行率)", ""],
        ["", "年度财政资金总额", "34.64", "34.64", "100%", "20", ""],
        ["年度绩效目标(80分)", "一级指标", "二级指标", "三级指标", "年初目标值(A)", "实际完成值(B)", "得分"],
        ["", "产出指标(60分)", "数量指标", "慰问重点优抚对象", "100%", "100%", scores[0]],
        ["", "", "质量指标", "补助经费足额拨付率", "100%", "100%", scores[1]],
        ["", "", "时效指标", "春节前完成走访慰问", "按时限完成", "100%", scores[2]],
        ["", "效益指标(10分)", "社会效益指标", "年内无群体性事件发生", "小于5次", "无上访", scores[3]],
        ["", "满意度指标(10分)", "服务对象满意度指标", "服务对象满意率", "100%", "100%", scores[4]],
        ["总分(100分)", total, "自评等级", "优", "", "", ""],
    ]
    table = doc.add_table(rows=len(rows), cols=7)
    for r, cells in enumerate(rows):
        for c, text in enumerate(cells):
            table.cell(r, c).text = text
    table.cell(0, 0).merge(table.cell(1, 0))  # 预算执行情况(20分) over its header and figures
    table.cell(0, 0).text = "预算执行情况(万元)(20分)"
    table.cell(2, 0).merge(table.cell(7, 0))  # 年度绩效目标(80分) down the indicator rows
    table.cell(3, 1).merge(table.cell(5, 1))  # 产出指标(60分) over its three rows
    table.cell(2, 0).text = "年度绩效目标(80分)"
    table.cell(3, 1).text = "产出指标(60分)"
    doc.save(path)
    return path


def test_the_baoshan_form_in_word_reads_its_rows_under_their_headings(tmp_path):
    published, audits = audit_file(_baoshan_docx(tmp_path / "baoshan.docx"))
    ta = audits[0]
    listed = [(r.name, r.declared) for r in ta.table.rows if r.weight is None]
    assert [n for n, _ in listed] == ["慰问重点优抚对象", "补助经费足额拨付率", "春节前完成走访慰问", "年内无群体性事件发生",
                                     "服务对象满意率"]
    assert sorted(r.weight for r in ta.table.rows if r.weight is not None and r.parent is None) == [10, 10, 20, 60]
    assert ta.table.declared_total == 100 and ta.sheet.total == 100 and ta.sheet.weight_total == 100
    assert not [f for f in ta.findings if f.confidence == "high"], ta.findings


def test_the_baoshan_form_in_word_with_a_row_above_its_heading_and_a_wrong_total(tmp_path):
    path = _baoshan_docx(tmp_path / "bad.docx", scores=("20", "20", "25", "10", "10"), total="100")
    _, audits = audit_file(path)
    high = sorted(f.kind for f in audits[0].findings if f.confidence == "high")
    # 20 + 20 + 25 = 65 over 产出指标(60分); the rows add up to 105, not the 总分 100
    assert "above-weight" in high and "declared-total" in high, audits[0].findings


def test_the_command_lists_the_rows_as_read():
    from typer.testing import CliRunner

    from jixiao.cli import app

    result = CliRunner().invoke(app, ["audit", str(REAL / "12_huanggang_shuitubaochi_jiance_2020.txt"), "--rows"],
                                env={"COLUMNS": "140"})
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    row = next(l for l in lines if "整编资料审核" in l)
    assert "未印出" in row and "19.6" in row
    block = next(l for l in lines if "T1-02 *" in l)  # the block with the finding, marked
    assert "40" in block and "39.6" in block
    assert "读取的指标行" in result.output and "目标下各指标均达到" in result.output
