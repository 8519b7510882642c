"""Layouts of issue 14, rebuilt (tests/fixtures/published/layouts): each read by header meaning,
its rows, weights and declared total found, and every planted inconsistency reported."""

from __future__ import annotations

import importlib.util
from decimal import Decimal as D
from pathlib import Path

import pytest

from jixiao.cli_audit import audit_file, file_json

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
