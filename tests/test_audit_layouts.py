"""Layouts of issue 14, rebuilt (tests/fixtures/published/layouts): each read by header meaning,
its rows, weights and declared total found, and every planted inconsistency reported."""

from __future__ import annotations

import importlib.util
from decimal import Decimal as D
from pathlib import Path

import pytest

from jixiao.io.published_audit import audit_file, file_json

HERE = Path(__file__).resolve().parent / "fixtures" / "published" / "layouts"


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    spec = importlib.util.spec_from_file_location("layouts_build", HERE / "build.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module.build_all(tmp_path_factory.mktemp("layouts"))


def _by(ta, name):
    return next(r for r in ta.table.rows if r.name == name)


def _kinds(ta, code):
    return {f.kind for f in ta.findings if f.code == code}


def test_national_form_in_word_without_criteria(built):
    published, audits = audit_file(built["national"])
    (ta,) = audits
    t = ta.table
    assert t.rows_read == 7 and t.rows_with_rule == 7
    assert ta.sheet.weight_total == 100 and t.declared_total == 94
    execution = _by(ta, "预算执行率")
    assert execution.parsed.shape == "saturating_rate" and execution.weight == 10 and execution.actual == D("96.00")
    assert ta.sheet.row(execution.code).score == D("9.60")
    assert {r.parsed.shape for r in t.rows if r.name != "预算执行率"} == {"generic"}
    assert ta.sheet.total == D("97.72")
    training, aware, satisfied = _by(ta, "培训人次"), _by(ta, "政策知晓率"), _by(ta, "参训人员满意度")
    for row in (training, satisfied):  # met, points lost: arithmetic, high confidence
        f = next(f for f in ta.findings if f.code == row.code and f.kind == "score-mismatch")
        assert f.confidence == "high" and "通用规则" in f.message and "已达到" in f.message
    missed = next(f for f in ta.findings if f.code == aware.code and f.kind == "target-missed-full")
    assert missed.confidence == "medium" and "通用规则" in missed.message  # generic rule: lower confidence
    assert "total-mismatch" in _kinds(ta, "总分")
    assert not _kinds(ta, execution.code) and not _kinds(ta, _by(ta, "长效培训机制").code)


def test_yunnan_14_in_excel_with_nature_and_unit_columns(built):
    published, audits = audit_file(built["yunnan"])
    (ta,) = audits
    t = ta.table
    assert t.rows_read == 8 and t.rows_with_rule == 8
    assert ta.sheet.weight_total == 100 and t.declared_total == D("94.5")
    limit = _by(ta, "举报办结时限")
    assert ta.table.framework.indicator(limit.code).target.comparator == "<=" and limit.actual == 12
    f = next(f for f in ta.findings if f.code == limit.code and f.kind == "score-mismatch")
    assert f.confidence == "high" and "应得10分" in f.message
    assert "declared-total" in _kinds(ta, "总分")
    assert ta.sheet.row(_by(ta, "预算执行率").code).score == D("9.80")
    assert _by(ta, "基金监管长效机制").parsed.shape == "generic"
    assert ta.sheet.row(_by(ta, "基金监管长效机制").code).score == 14  # 定性, evaluator's 14 inside 达成's band


def test_seed004_table_split_over_two_word_tables(built):
    published, audits = audit_file(built["split"])
    (ta,) = audits  # one table, not two halves
    t = ta.table
    assert t.rows_read == 9 and t.rows_with_rule == 9
    assert ta.sheet.weight_total == 100 and t.declared_total == 98
    dup = _by(ta, "重复参保人数(人)")
    assert dup.actual == 326
    assert {"score-mismatch", "target-missed-full"} <= _kinds(ta, dup.code)
    assert next(f for f in ta.findings if f.code == dup.code and f.kind == "score-mismatch").confidence == "high"


def test_json_says_layout_and_rules(built):
    published, audits = audit_file(built["national"])
    data = file_json(published, audits)
    assert data["rows_read"] == 7 and data["rows_with_rule"] == 7 and data["declared_total"] == "94"
    assert {r["rule"] for r in data["rows"]} == {"generic", "saturating_rate"}


FLATTENED = ("示例县2023年度部门整体支出绩效评价指标表 一级指标 二级指标 三级指标 分值 评分标准 得分 部门决策 目标设定 "
             "绩效目标合理性 3 目标合理得3分，否则不得分 3 部门管理 资金管理 预算执行率 5 每低1%扣0.5分 4.5 合计 100 96")


def test_a_file_that_cannot_be_placed_says_what_it_found(tmp_path):
    """Issue 14.5: never a silent 0-rule result — CLI, --json and the notes the site shows."""
    from typer.testing import CliRunner

    from jixiao.cli import app

    path = tmp_path / "flattened.txt"
    path.write_text(FLATTENED + "\n", encoding="utf-8")
    published, audits = audit_file(path)
    assert not audits
    note = next(e for e in published.errors if "无法读取" in e.message)
    assert note.line == 1 and "三级指标" in note.message and "无法确定每个数字属于哪一列" in note.message
    result = CliRunner().invoke(app, ["audit", str(path), "--json"])
    assert result.exit_code == 2
    import json

    data = json.loads(result.output)
    assert data["tables"] == [] and any("无法确定每个数字属于哪一列" in n for n in data["notes"])
    plain = CliRunner().invoke(app, ["audit", str(path)])
    assert plain.exit_code == 2 and "无法确定每个数字属于哪一列" in plain.output


def test_a_header_that_is_not_an_indicator_header_is_named(tmp_path):
    from docx import Document

    doc = Document()
    table = doc.add_table(rows=2, cols=5)
    for c, h in enumerate(("序号", "项目", "分值", "得分", "指标值")):
        table.cell(0, c).text = h
    for c, v in enumerate(("1", "参保率", "10", "10", "95%")):
        table.cell(1, c).text = v
    doc.add_paragraph("二级指标 三级指标 分值 得分")  # table words in the text, no table
    path = tmp_path / "other.docx"
    doc.save(path)
    published, audits = audit_file(path)
    assert not audits
    header = next(e for e in published.errors if e.file == "other.docx#表1")
    assert header.line == 1 and "无法读取" in header.message and "缺少三级指标列" in header.message
    assert any("并成连续文字" in e.message and e.line == 2 for e in published.errors)


def test_rows_without_any_rule_are_explained(tmp_path):
    text = "\t".join(("一级指标", "三级指标", "分值", "得分")) + "\n" + "\t".join(("产出", "参保人数", "10", "9")) + "\n"
    path = tmp_path / "bare.txt"
    path.write_text(text, encoding="utf-8")
    published, (ta,) = audit_file(path)
    assert ta.table.rows_read == 1 and ta.table.rows_with_rule == 0
    assert any("没有一行读出可执行的评分规则" in e.message for e in published.errors)
