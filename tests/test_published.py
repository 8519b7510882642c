"""Auditing published reports: importing filled score tables as printed (text dumps in three
layouts, Word, Excel), reading criteria text as rules, recomputing, and the findings."""

from __future__ import annotations

import json
from decimal import Decimal
from pathlib import Path

import pytest
from typer.testing import CliRunner

from jixiao.cli.audit import audit_app
from jixiao.io.published_audit import audit_file, audit_table, rank, summarize
from jixiao.core.criteria import extract_actual, extract_values, parse_criteria
from jixiao.core.model import IndicatorInput, Target
from jixiao.core.rules import Context, parse_rule
from jixiao.core.scoring import score
from jixiao.core.textaudit import text_audit
from jixiao.io.published import align, header_roles, import_published, import_text, parse_heading

FIXTURES = Path(__file__).resolve().parent / "fixtures" / "published"
SEED_000 = FIXTURES / "000_81e9f6194e317fea.txt"
SEED_002 = FIXTURES / "002_1222604dfb85d547.txt"
SEED_003 = FIXTURES / "003_c08468265d65532a.txt"
SEED_004 = FIXTURES / "004_7ab78650c84a53aa.txt"


def D(x) -> Decimal:
    return Decimal(str(x))


def kinds(audit, code=None) -> set[str]:
    return {f.kind for f in audit.findings if code is None or f.code == code}


def finding(audit, code, kind):
    return next(f for f in audit.findings if f.code == code and f.kind == kind)


@pytest.fixture(scope="module")
def seed000():
    published, audits = audit_file(SEED_000)
    return published, audits[0]


@pytest.fixture(scope="module")
def seed002():
    published, audits = audit_file(SEED_002)
    return published, audits[0]


@pytest.fixture(scope="module")
def seed004():
    return audit_file(SEED_004)


# --- seed 000: one cell per line ------------------------------------------------------------

def test_000_every_row_recovered(seed000):
    published, audit = seed000
    table = audit.table
    assert published.layout == "cell" and published.year == 2023 and published.unit == "南京市医疗保险管理中心"
    # The published 三级指标 table has 45 rows (A11 … E21), as the hand-made example has.
    assert table.rows_read == 45
    assert [r.code for r in table.rows][:3] == ["A11", "A21", "A22"] and table.rows[-1].code == "E21"
    assert audit.sheet.weight_total == 100 and table.declared_weight_total == 100
    assert table.declared_total == D("99.85")
    assert sum(r.declared for r in table.rows) == D("99.85")
    b11 = table.row("B11")
    assert (b11.weight, b11.declared, b11.actual) == (2, D("1.98"), D("99.81"))
    assert "每低1%扣除5%得权重分" in b11.criteria
    groups = {g.code: (g.name, g.points) for g in table.framework.groups}
    assert groups == {"A": ("部门决策", 15), "B": ("部门管理", 20), "C": ("部门履职", 36),
                      "D": ("部门综合绩效", 21), "E": ("可持续发展能力", 8)}
    # a cell's own line breaks (A21中长期\n目标明确性) and a blank line inside a cell (B13)
    assert table.row("A21").name == "中长期目标明确性"
    assert table.row("B13").weight == 1 and table.row("B13").evidence.startswith("2023年市医保中心")


def test_000_rules_and_recomputation(seed000):
    _, audit = seed000
    table, sheet = audit.table, audit.sheet
    assert table.rows_with_rule == 45
    shapes = {r.code: r.parsed.shape for r in table.rows}
    assert shapes["A11"] == "checklist" and shapes["A21"] == "graded" and shapes["B11"] == "deduct_per_unit"
    assert shapes["B13"] == "deduct_per_unit" and shapes["B51"] == "per_incident" and shapes["C11"] == "proportional"
    assert shapes["C21"] == "binary" and shapes["E11"] == "growth"
    assert sheet.row("B11").score == D("1.98") and sheet.row("B12").score == D("2.87")
    assert sheet.row("C42").input.actual == D("13.5809")  # 135809人 in 万人
    assert sheet.total == D("96.85")


def test_000_findings(seed000):
    _, audit = seed000
    c22 = finding(audit, "C22", "score-mismatch")
    assert "申报3分" in c22.message and "应得0分" in c22.message and c22.confidence == "high"
    assert "target-missed-full" in kinds(audit, "C22")
    total = finding(audit, "总分", "total-mismatch")
    assert "99.85" in total.message and "96.85" in total.message
    conflict = finding(audit, "A41", "figure-conflict")
    assert "93.02" in conflict.message and "99.11" in conflict.message and conflict.confidence == "medium"
    mismatched = {f.code for f in audit.findings if f.kind == "score-mismatch"}
    assert mismatched == {"C22"}
    assert not audit.unverified


# --- seed 002: pipe rows, merged cells left out, sub-rows -------------------------------------------

def test_002_every_row_recovered(seed002):
    published, audit = seed002
    table = audit.table
    assert published.layout == "pipe" and published.unit == "寻甸回族彝族自治县医疗保险中心"
    codes = [r.code for r in table.rows]
    assert codes[:8] == ["A11", "A12", "A13", "A14", "A15", "A16", "A17", "A18"]
    assert codes[8:15] == ["A21-1", "A21-2", "A21-3", "A22-1", "A22-2", "A22-3", "A22-4"]
    assert codes[-2:] == ["C81", "C82"] and table.rows_read == 35
    assert table.declared_total == 95 and table.declared_weight_total == 100
    assert audit.sheet.weight_total == 100
    assert sum(r.declared for r in table.rows) == 95
    a21 = table.framework.indicator("A21")
    assert a21.weight == 6 and [s.weight for s in a21.subrows] == [2, 2, 2]
    assert table.framework.indicator("A22").weight == 10
    # B11's second line has no points of its own: it joins B11 (score 2 + 2)
    b11 = table.row("B11")
    assert b11.weight == 4 and b11.declared == 4 and "该项不得分" in b11.criteria
    heads = {g.code: (g.name, g.points) for top in table.framework.groups for g in top.groups}
    assert heads["A1"] == ("参保管理工作", 22) and heads["C7"] == ("内部管理", 4) and heads["C9"] == ("城乡医疗救助", 2)
    assert table.row("A13").criteria.startswith("1、确保建档立卡") and table.row("A16").declared == 2


def test_002_coverage_and_findings(seed002):
    _, audit = seed002
    table = audit.table
    assert table.rows_with_rule == 34  # C82 publishes no criteria
    c72 = finding(audit, "C72", "score-mismatch")
    assert "申报3分" in c72.message and "3.87" in c72.message
    assert table.row("C72").parsed.shape == "questionnaire" and table.row("C72").actual == D("96.75")
    year = finding(audit, "A12", "wrong-year")
    assert "2020年" in year.message and year.confidence == "high"
    assert {"C7", "C8"} <= {f.code for f in audit.findings if f.kind == "group-points"}
    assert {"B11", "C11", "C12", "C21", "C63", "C81"} <= {f.code for f in audit.findings if f.kind == "criteria-points"}
    assert "figure-conflict" in kinds(audit, "正文")  # 评定通过率 74% and 71%
    assert audit.sheet.total == D("95.87")
    assert set(audit.unverified) == {"A11", "A14", "C12"}


# --- seed 004: three TAB tables, page breaks, split rows, late headings ----------------------------------

def test_004_three_tables(seed004):
    published, audits = seed004
    assert published.layout == "tab" and len(audits) == 3
    assert [a.table.declared_total for a in audits] == [D("91.4"), 99, 91]
    assert [a.table.rows_read for a in audits] == [38, 28, 28]
    assert all(a.sheet.weight_total == 100 for a in audits)
    for a, points in zip(audits, ([18, 22, 50, 10], [20, 20, 37, 13, 10], [23, 20, 47, 10])):
        assert [g.points for g in a.table.framework.groups] == points
        assert not kinds(a) & {"group-points", "weights-total", "declared-total"}


def test_004_layout_details(seed004):
    published, audits = seed004
    t1, t2, t3 = (a.table for a in audits)
    # 过程管理 (22分) is printed beside 资金监管有效性, yet 预算执行率 (its 资金管理 group) belongs to it
    process = t1.framework.groups[1]
    assert process.name == "过程管理" and [g.name for g in process.groups] == ["资金管理", "组织管理"]
    assert process.groups[0].indicators[0].name == "预算执行率"
    assert any("标题印在后页" in e.message for e in published.errors)
    # a row split over a page break: its evidence continues on the next page
    assert t1.row("T1-26").evidence.endswith("参保工作情况纳入地方党委、政府考核事项中。")
    assert "此项总分不超 4 分" in t1.row("T1-36").criteria or "此项总分不超4分" in t1.row("T1-36").criteria
    # the second 分值 column is the score; rows printed one cell short are realigned
    assert t2.row("T2-12").weight == 5 and t2.row("T2-12").declared == 5 and t2.row("T2-12").actual == 451178
    assert t2.row("T2-13").actual == 228961
    assert t3.row("T3-10").criteria.endswith("零分:综合评价分值排名较上年下降")


def test_004_findings(seed004):
    _, (a1, a2, a3) = seed004
    rate = finding(a1, "T1-08", "score-mismatch")
    assert "申报8.7分" in rate.message and "8.08" in rate.message and rate.confidence == "high"
    assert a1.sheet.row("T1-13").score == D("1.3")  # three banded parts from 98.90%, 101.27%, 49.74%
    assert {f.code for f in a1.findings if f.kind == "score-mismatch"} == {"T1-08"}
    assert not kinds(a2) & {"score-mismatch", "total-mismatch"}
    people = finding(a3, "T3-15", "score-mismatch")
    assert "4.95" in people.message and people.confidence == "low"
    assert a1.table.rows_with_rule == 38 and a2.table.rows_with_rule == 28 and a3.table.rows_with_rule == 25


def test_003_has_no_table():
    published = import_published(SEED_003)
    assert published.tables == () and "未找到指标得分表" in published.errors[-1].message


# --- the criteria parser, shape by shape, with the seeds' wording ------------------------------------------

def rule_of(text, weight, target=""):
    parsed = parse_criteria(text, D(weight), Target.model_validate(target))
    assert parsed.rule is not None, parsed.note
    parse_rule(parsed.rule)
    return parsed.rule


def scored(rule, weight, target="", **inputs):
    ctx = Context(weight=D(weight), target=Target.model_validate(target), input=IndicatorInput.model_validate(inputs))
    return parse_rule(rule).score(ctx).score


@pytest.mark.parametrize("text, weight, target, expected", [
    ("基本医疗保险参保人数达标得4分，否则按比例得分。", 4, "548.05万人", {"type": "proportional"}),
    ("稽核投诉案件及各类办件办理率需达90 %，按照实际业绩值与标准值的比值，乘以3分计分。", 3, "90%", {"type": "proportional"}),
    ("基本医疗保险参保人数达标得4分，否则不得分。", 4, "548.05万人", {"type": "binary"}),
    ("DRG住院极值病案抽查率达到目标得2分，未达到不得分。", 2, "2‰", {"type": "binary"}),
    ("①部门预算执行率为100%，得满分；②部门预算执行率没有达到100%，每低1%扣除5%得权重分，扣完为止。", 2, "100%",
     {"type": "deduct_per_unit", "direction": "short", "fraction_of_weight": D("0.05")}),
    ("未完成的,每下降一个百分点扣0.5分,扣完为止", 3, "100%",
     {"type": "deduct_per_unit", "direction": "short", "points": D("0.5")}),
    ("①“三公”经费控制率在100%（含）以下，得满分；②每超出1%扣除5%的权重，扣完为止。", 1, "≤100%",
     {"type": "deduct_per_unit", "direction": "over", "fraction_of_weight": D("0.05")}),
    ("①符合《中共中央国务院关于深化医疗保障制度改革的意见》(2分) ②印发《“十四五”全民医疗保障规划》相关文件(1分)", 3, "",
     {"type": "checklist"}),
    ("①年度工作目标可衡量，得1分；不可衡量，得0分。②年度工作目标可实现，得 1分；不可实现，得 0分。本指标分值为上述2项各自得分之和。",
     2, "科学合理", {"type": "checklist"}),
    ("已建立以内控环境、风险评估等为主要模块的内控体系，得1分；每缺失一个模块扣除0.2分，扣完为止。", 1, "完备",
     {"type": "per_incident", "deductions": [{"kind": "缺失模块", "points": D("0.2")}]}),
    ("按时、按质上报的计满分。迟报扣0.2分,错报一次扣0.5分,扣完为止。", 2, "",
     {"type": "per_incident", "deductions": [{"kind": "迟报", "points": D("0.2")}, {"kind": "错报", "points": D("0.5")}]}),
    ("未按规定执行的,每出现一例扣0.5分,本项可扣至负分。", 2, "", {"type": "per_incident", "floor": None}),
    ("拒绝办理参保的,每查实一例分别扣1分,扣分下不保底。", 2, "", {"type": "per_incident", "floor": None}),
    ("完成99%以上得1分、98%~99%得0.5分、98%以下不得分", 1, "≥99%", {"type": "bands"}),
    ("满分:≥2次 合格(1分):1次 零分:0次", 2, "≥2次", {"type": "bands"}),
    ("满分: ≥ 90% 合格: ≥ 80% 零分: ≤ 50% 其他: 合格之上: $60+40*(实际值-80\\%)/10\\%$ 合格之下: $60-60*(80\\%-实际值)/30\\%$",
     1, "≥ 90%", {"type": "formula", "scale": "percent"}),
    ("满分:达到标准值 零分:(实际值/标准值)≤50% 其他:(实际值/标准值)*5", 5, "≥38000人次",
     {"type": "proportional", "zero_at_or_below": D("0.5")}),
    ("全年执行数/全年预算数*10分(执行率≥90%,按10分计算)", 10, "≥90%", {"type": "saturating_rate", "saturation": 90}),
    ("明确得2分；明确性不足得1分；不明确得0分", 2, "明确",
     {"type": "graded", "levels": [{"label": "明确", "points": 2}, {"label": "明确性不足", "points": 1},
                                   {"label": "不明确", "points": 0}]}),
    ("满分:成效明显 合格:有成效但不明显 零分:没有成效", 2, "成效明显", {"type": "graded"}),
    ("每下降一个百分点扣0.5分,扣完为止,对超额完成任务的,每超一个百分点,加0.2分,加分以2分封顶。", 3, "100%",
     {"type": "bonus", "points": D("0.2"), "cap": 2}),
    ("完成参保缴费任务的计满分;未完成的不计分;超额完成任务的每超过1个百分点加1分,加分上不封顶。", 3, "100%",
     {"type": "bonus", "points": 1}),
    ("年末应支尽支的计满分,支付进度慢的不得分。职工、城乡居民分别计算,各占1/2。", 2, "",
     {"type": "sum", "parts": [{"name": "职工", "weight": 1, "rule": {"type": "binary"}},
                               {"name": "城乡居民", "weight": 1, "rule": {"type": "binary"}}]}),
    ("建立动态调整机制(1.5分);做好价格监测(1.5分);实施信用评价(1分);试点城市所在省份额外加0.5分。(此项总分不超过4分)", 4, "落实",
     {"type": "sum", "cap": 4}),
    ("根据抽样问卷调查结果评分,100分满分折算为4分。", 4, "", {"type": "questionnaire"}),
    ("①当期基本医疗保险费收入较去年同期增长，得满分；②较去年同期下降的，不得分。", 4, ">0", {"type": "growth"}),
    ("不合理费用查处率达到或高于全市平均查处率计5分,低于按比例计分", 5, "",
     {"type": "reference", "mode": "at_least", "below": "proportional"}),
    ("不合理扣款金额排名前五的,计2分", 2, "", {"type": "reference", "mode": "rank", "top": 5}),
    ("医保范围内个人负担10%以内。达标，得2分；未达标，得0分。", 2, "10%", {"type": "binary", "comparator": "<="}),
])
def test_criteria_shapes(text, weight, target, expected):
    rule = rule_of(text, weight, target)
    for key, value in expected.items():
        if key == "levels":
            assert [{k: lv[k] for k in ("label", "points")} for lv in rule["levels"]] == value
        elif key == "parts":
            assert [{k: p[k] for k in ("name", "weight", "rule")} for p in rule["parts"]] == value
        elif key == "deductions":
            assert [{k: d[k] for k in ("kind", "points")} for d in rule["deductions"]] == value
        else:
            assert rule[key] == value, (key, rule)


def test_criteria_rules_score_as_published():
    assert scored(rule_of("①…为100%，得满分；②没有达到100%，每低1%扣除5%得权重分，扣完为止。", 2, "100%"), 2, "100%",
                  actual="99.81") == D("1.981")
    checklist = rule_of("①预决算双平台公开，得0.5分；未公开，得0分；②内容和时限符合要求，得0.5分，不符合，得0分；"
                        "本指标分值为上述2项各自得分之和。", 1)
    assert [i["points"] for i in checklist["items"]] == [D("0.5"), D("0.5")]
    formula = rule_of("满分: ≥ 90% 合格: ≥ 80% 零分: ≤ 50% 其他: 合格之上: 60+40*(实际值-80%)/10% 合格之下: 60-60*(80%-实际值)/30%",
                      2, "≥90%")
    assert scored(formula, 2, "≥90%", actual=85) == D("1.6") and scored(formula, 2, "≥90%", actual=95) == 2
    bands = rule_of("参保率≥95%(得0.6分)、90%~95%(得0.4分)、<90%(不得分)", D("0.6"), "≥95%")
    assert scored(bands, D("0.6"), "≥95%", actual=92) == D("0.4")
    floor = rule_of("满分:达到标准值 零分:(实际值/标准值)≤50% 其他:(实际值/标准值)*5", 5, "≥100人次")
    assert scored(floor, 5, "≥100人次", actual=50) == 0 and scored(floor, 5, "≥100人次", actual=80) == 4
    lower = rule_of("满分: ≤ 15% 合格: 16% 零分: > 16% 其他: 合格之下 60 + 40 * (16% - 实际值) / 1%", 3, "≤ 15%")
    assert scored(lower, 3, "≤ 15%", actual="15.5") == D("2.4") and scored(lower, 3, "≤ 15%", actual=17) == 0
    negative = rule_of("每出现一例扣0.5分,本项可扣至负分。", 1)
    assert scored(negative, 1, incidents={negative["deductions"][0]["kind"]: 3}) == D("-0.5")


def test_criteria_judgement_and_unexecutable():
    assert parse_criteria("信息系统运转正常,信息数据及时准确", D(2), Target()).rule is None
    assert parse_criteria("", D(2), Target()).note.startswith("无评分标准")
    # a per-unit rule against 全市平均 has no numeric threshold: recognised, not executable
    parsed = parse_criteria("增幅低于全市平均水平的,每下降一个百分点扣0.5分", D(4), Target())
    assert parsed.rule is None and parsed.shape == "deduct_per_unit" and "无法执行" in parsed.note


def test_criteria_points_mismatch_is_kept_and_noted():
    parsed = parse_criteria("按时报送计1分。按时报送季度表计1分。", D(1), Target())
    assert parsed.rule["type"] == "checklist" and parsed.confidence == "low" and "不符" in parsed.note


@pytest.mark.parametrize("evidence, target, expected", [
    ("2023年度部门预算调整后预算数为5210.39万元，实际支出数为5200.47 万元，预算执行率为99.81%。", "100%", "99.81"),
    ("2023年末职工医保参保人数549.05万人，完成目标任务100.18%，该项得权重分。", "548.05万人", "549.05"),
    ("及时将4部门认定的医疗救助对象共计135809人，纳入医疗救助范围。", "13.58万人", "13.5809"),
    ("预算执行率 80.76", "≥90%", "80.76"),
    ("2023年共抽调2339份病案，约占全年实际发生住院病案的3.6‰。", "2‰", "3.6"),
    ("召开医保工作政府信 息公开工作会议12次", "≥2次", "12"),
    ("2023年当期基本医疗保险费收入同比增长率达0.15%", ">0", "0.15"),
    ("依据《规划》（宁政办发〔2022〕58号）文件精神落实", "100%", None),
    ("待遇分别由500、600元提高至600元、1200元", "100%", None),
])
def test_extract_actual(evidence, target, expected):
    value = extract_actual(evidence, Target.model_validate(target))
    assert value == (None if expected is None else D(expected))


def test_extract_values_in_order():
    values = extract_values("参保率达到98.90%,参 保率101.27%,职工参 保人数占就业人口比 重49.74%", ["a", "b", "c"])
    assert values == {"a": D("98.90"), "b": D("101.27"), "c": D("49.74")}
    assert extract_values("参保率98.90%", ["a", "b"]) is None


# --- layouts and headings, on small tables -----------------------------------------------------------------

def test_headings_and_header_roles():
    assert parse_heading("A部门\n决策（15\n分）") == ("部门决策", 15, "A")
    assert parse_heading("A1、参保管理工作(22分)") == ("参保管理工作", 22, "A1")
    assert parse_heading("项目决策 (18分)") == ("项目决策", 18, None)
    assert parse_heading("六C3、两特病管理(2分)") == ("两特病管理", 2, "C3")
    assert parse_heading("D11 DRG住院极值病案抽查率")[2] == "D11"
    roles = header_roles("一级指标\t二级指标\t三级指标\t标准值\t评分标准\t分值\t指标说明\t分值\t实际完成情况".split("\t"))
    assert roles == ["level1", "level2", "level3", "target", "criteria", "weight", "description", "score", "evidence"]
    assert header_roles(["标题序号", "问题内容", "选项内容", "标准分值"]) is None


def test_align_pipe_rows():
    roles = ["level1", "level2", "level3", "weight", "score", "description", "criteria", "source"]
    assert align(["A13.建档立卡贫困人口参保", "3", "3", "1、确保100%参保,计满分,否则不得分。", "参保管理科"], roles) == [2, 3, 4, 6, 7]
    assert align(["2", "2", "做好印章管理", "失误的每次扣0.5分,扣完为止。"], roles) == [3, 4, 5, 6]
    assert align(["C9、城乡医疗救助(2分", "C82.落实城乡医疗救助待遇", "2", "2", "费用结算科"], roles) == [1, 2, 3, 4, 7]
    assert align(["2", "未经审批不得外提供数据", "该项不得分。"], roles) == [4, 5, 6]


TAB_TABLE = """2023年度测试资金绩效自评
一级指标\t二级指标\t三级指标\t标准值\t评分标准\t分值\t指标说明\t得分\t实际完成情况
产出 (6分)\t数量\t人数\t≥100人\t达到目标得4分，否则按比例得分。\t4\t说明\t4\t完成120
\t\t会议\t≥2次\t满分:≥2次 合格(1分):1次 零分:0次\t2\t说明\t2\t召开会议

一级指标\t二级指标\t三级指标\t标准值\t评分标准\t分值\t指标说明\t得分\t实际完成情况
\t\t\t\t\t\t\t\t1次
效益 (4分)\t社会效益\t满意度\t≥90%\t满意度达到90%得4分，低于90%按比例得分。\t4\t说明\t4\t满意度为80%
总计\t\t\t\t\t\t\t10\t
"""


def test_tab_layout_page_break_and_continuation():
    published = import_text(TAB_TABLE, "t.txt")
    (table,) = published.tables
    assert published.layout == "tab" and table.rows_read == 3 and table.declared_total == 10
    assert table.row("T1-01").actual == 120  # "完成120": no unit printed, the lone number is taken
    assert table.row("T1-02").evidence == "召开会议1次" and table.row("T1-02").actual == 1
    sheet = score(table.evaluation)
    assert sheet.row("T1-02").score == 1 and sheet.row("T1-03").score == D("3.56")
    audit = audit_table(table)
    assert {f.code for f in audit.findings if f.kind == "score-mismatch"} == {"T1-02", "T1-03"}


CELL_TABLE = "指标体系得分情况\n" + "\n".join([
    "\t一级\n指标", "\t二级指标", "\t三级指标", "\t权重", "\t目标值", "\t评分标准", "\t评分过程", "\t得分", "",
    "\tA决策\n（5分）", "\tA1目标", "\tA11目标明确性", "\t2", "\t明确", "\t明确得2分；不明确得0分", "\t目标明确", "\t2", "",
    "\t", "\t", "\tA12预算执行\n率", "", "\t3", "\t100%", "\t每低1%扣除5%的权重分，扣完为止。", "\t预算执行率为90%", "\t3", "",
    "\t合计", "\t5", "\t", "\t", "\t", "\t4.5"]) + "\n"


def test_cell_layout_merged_blanks_and_blank_line_in_cell():
    published = import_text(CELL_TABLE, "c.txt", year=2023)
    (table,) = published.tables
    assert published.layout == "cell" and [r.code for r in table.rows] == ["A11", "A12"]
    assert table.row("A12").name == "预算执行率" and table.row("A12").weight == 3
    assert table.declared_total == D("4.5") and table.declared_weight_total == 5
    audit = audit_table(table)
    assert "score-mismatch" in kinds(audit, "A12") and "declared-total" in kinds(audit, "总分")


# --- Word and Excel tables with deliberate errors --------------------------------------------------------

@pytest.fixture(scope="module")
def built(tmp_path_factory):
    import importlib.util

    spec = importlib.util.spec_from_file_location("published_build", FIXTURES / "build.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module.build_all(tmp_path_factory.mktemp("published"))


def test_docx_department_errors(built):
    published, (audit,) = audit_file(built["department"])
    table = audit.table
    assert published.year == 2023 and published.unit == "示例市医疗保障局"
    assert table.rows_read == 8 and table.declared_total == D("97.6") and table.declared_weight_total == 96
    assert "weights-total" in kinds(audit, "总分")                       # weights ≠ 100
    assert {"A", "C"} <= {f.code for f in audit.findings if f.kind == "group-points"}  # heading ≠ rows
    assert "criteria-points" in kinds(audit, "A21")                   # criteria points ≠ weight
    assert "应得2.25分" in finding(audit, "A22", "score-mismatch").message  # declared ≠ rule
    assert "target-missed-full" in kinds(audit, "B21")                # target missed yet full
    assert "above-weight" in kinds(audit, "B22")                      # score above weight
    assert finding(audit, "B12", "wrong-year").confidence == "high"    # wrong year
    assert "narrative-total" in kinds(audit, "总分")                   # report text ≠ table
    assert not kinds(audit, "B11") and not kinds(audit, "A11")


def test_xlsx_project_errors(built):
    published, (one, two) = audit_file(built["project"])
    assert published.layout == "xlsx" and one.table.title == "2023年度示例县医疗救助补助资金绩效自评"
    assert one.table.rows_read == 7 and one.table.declared_total == D("42.5")
    assert one.table.row("T1-03").actual == 85  # a percent-formatted cell
    assert {"above-weight", "score-mismatch"} <= kinds(one, "T1-02")
    assert "应得3.4分" in finding(one, "T1-03", "score-mismatch").message
    assert "target-missed-full" in kinds(one, "T1-04") and "应得8分" in finding(one, "T1-05", "score-mismatch").message
    assert "应得1.5分" in finding(one, "T1-06", "score-mismatch").message
    assert "group-points" in kinds(one, "T1-B") and "weights-total" in kinds(one, "总分")
    assert not kinds(one, "T1-07") and not kinds(one, "T1-01")
    assert two.table.declared_total == 98
    assert "wrong-year" in kinds(two, "T2-01") and "criteria-points" in kinds(two, "T2-02")
    assert "group-points" in kinds(two, "T2-B")


def test_docx_split_table(built):
    published, (audit,) = audit_file(built["split"])
    table = audit.table
    assert table.rows_read == 5
    assert [g.name for g in table.framework.groups] == ["项目决策", "过程管理", "满意度指标"]
    assert [i.name for i in table.framework.groups[1].walk()] == ["专项资金执行率", "资金监管"]
    assert not kinds(audit) & {"group-points", "weights-total"}
    assert table.row("T1-03").evidence == "专项资金执行率为95%，资金已全部拨付。"
    assert "declared-total" in kinds(audit, "总分")
    conflict = finding(audit, "T1-03", "figure-conflict")
    assert "95%" in conflict.message and "90%" in conflict.message


# --- the command ---------------------------------------------------------------------------------

runner = CliRunner()


def test_cli_json_one_table():
    result = runner.invoke(audit_app, [str(SEED_000), "--json"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    assert data["rows_read"] == 45 and data["rows_with_rule"] == 45
    assert data["declared_total"] == "99.85" and data["computed_total"] == "96.85"
    c22 = next(f for f in data["findings"] if f["code"] == "C22" and f["kind"] == "score-mismatch")
    assert set(c22) >= {"code", "kind", "message", "confidence"} and c22["confidence"] == "high"


def test_cli_json_several_tables():
    result = runner.invoke(audit_app, [str(SEED_004), "--json", "--year", "2023"])
    data = json.loads(result.output)
    assert [t["declared_total"] for t in data["tables"]] == ["91.4", "99", "91"]
    assert [t["rows_read"] for t in data["tables"]] == [38, 28, 28]
    assert all(isinstance(t["computed_total"], str) for t in data["tables"])


def test_cli_rich_output_and_unreadable():
    result = runner.invoke(audit_app, [str(SEED_002)])
    assert result.exit_code == 0 and "C72" in result.output and "未复核" in result.output
    missing = runner.invoke(audit_app, [str(SEED_003)])
    assert missing.exit_code == 2


def test_cli_folder_summary(built, tmp_path):
    folder = tmp_path / "reports"
    folder.mkdir()
    for path in (*built.values(), SEED_000, SEED_003):
        (folder / path.name).write_bytes(path.read_bytes())
    out = tmp_path / "summary.xlsx"
    result = runner.invoke(audit_app, [str(folder), "--out", str(out), "--json"])
    assert result.exit_code == 0, result.output
    reports = json.loads(result.output)["reports"]
    assert len(reports) == 5 and reports[-1]["file"] == SEED_003.name
    weights = [Decimal(r["weight"]) for r in reports]
    assert weights == sorted(weights, reverse=True)
    from openpyxl import load_workbook

    wb = load_workbook(out)
    assert wb.sheetnames == ["汇总", "发现明细"] and wb["汇总"].max_row == 6
    assert wb["发现明细"].max_row > 20


def test_rank_orders_by_weight_then_count():
    results = [audit_file(SEED_000), audit_file(SEED_002)]
    ranked = rank([summarize(p, a) for p, a in results])
    assert ranked[0].weight >= ranked[1].weight


def test_text_audit_needs_no_narrative(seed002):
    _, audit = seed002
    found = text_audit(audit.table.evaluation)
    assert {f.kind for f in found} == {"wrong-year"}


# --- layouts from the corpus of real tables (tests/fixtures/published/real) -----------------------

def test_total_row_with_only_the_weights_total_declares_no_score():
    text = ("绩效指标(90分) | 一级指标 | 二级指标 | 三级指标 | 指标性质 | 指标值 | 度量单位 | 完成值 | 权重 | 得分 | 未完成原因分析 |\n"
            "产出指标 | 经济成本指标 | 成本控制数 | ≤ | 30 | 万元 | 完成 | 90 | 90 | ||\n"
            "合计 | 100 | |||||||||\n")
    (table,) = import_text(text, "t.txt").tables
    assert table.declared_total is None and table.declared_weight_total == 100
    assert table.framework.total == 90  # 绩效指标(90分) with no 预算执行情况 block before it: that part of the form


def test_two_header_rows_run_into_one_line_and_a_row_over_three_lines():
    text = ("| 年初预算数 | 全年预算数 | 全年执行数 | 分值 | 执行率 | 得分 | 年度资金总额 |\n"
            "| 200 | 200 | 10 | 100% | 10 | 其中:当年财政 拨款 |\n"
            "| — | 年度 总体 目标 | 绩效指标 | 年度指标值 | 实际完成值 | 分值 | 得分 | 偏差原因分析及改进措施 | 一级指标 | 二级指标 | 三级指标"
            " | 指标性质 | 指标值 | 度量单位 | 产出指标 | 数量指标 | 受助人数 | ≧ | 735 | 人次 | 735 | 45 | 45 |\n"
            "| 效益指标 | 经济效益 指标 | 减轻家庭负担 |\n| 有效 |\n| 有效 | 35 | 35 |\n"
            "| 满意度指标 | 服务对象满意度指标等 | 学生满意度 | ≧ | 95 | % | 100% | 10 | 7 |\n"
            "| 其他需要说明事项 | 无 | 总分 | 100 | 97 | 优 |\n")
    (table,) = import_text(text, "t.txt").tables
    names = [r.name for r in table.rows]
    assert names == ["预算执行率", "受助人数", "减轻家庭负担", "学生满意度"], names
    assert [r.weight for r in table.rows] == [10, 45, 35, 10] and table.declared_total == 97


def test_numbered_rows_over_several_lines_and_a_row_cut_by_the_end_of_the_text():
    text = ("部门整体支出绩效评价自评表\n序号 | 一级 指标 |\n二级 指标 |\n三级 指标 |\n"
            "指标分值 | 指标解释 | 指标说明及评分标准 | 自评得分 |\n"
            "1 | 规划 (6分) |\n基础信息 (3分) | 基础信息 完整性 | 3 | 说明 | 1、信息真实(1分); 2、信息完整(1分); 3、信息准确(1分)。 |\n3 |\n"
            "2 | 工作计划 (3分) | 计划完整性 | 3 | 说明 | 年度工作计划是否完整可行(3分) | 3 | |\n"
            "3 | 执行 (35分) |\n预算执行 (18分) | 预算执行率 | 5 | 说明 |\n1、除上级政策性因素影响外")
    published = import_text(text, "t.txt")
    (table,) = published.tables
    assert [(r.name.replace(" ", ""), r.weight, r.declared) for r in table.rows] == [
        ("基础信息完整性", 3, 3), ("计划完整性", 3, 3)]
    assert all(r.parsed.executable for r in table.rows)
    assert any("文本在此行中断" in e.message for e in published.errors)


def test_traditional_characters_with_pinyin_are_read_as_simplified():
    from jixiao.io.traditional import to_simplified

    assert to_simplified("項(xiàng)目績(jì)效自評(píng)表：預(yù)算執(zhí)行率、實(shí)際完成值、滿(mǎn)意度") == \
        "项目绩效自评表：预算执行率、实际完成值、满意度"
    assert to_simplified("项目绩效自评表（2023）(a)") == "项目绩效自评表（2023）(a)"  # simplified text untouched


def test_chongqing_run_together_rows_split_only_where_one_cut_fits():
    from jixiao.io.chongqing_text import _split, chongqing_rows

    assert _split(Decimal(100), "1010") == ("10", "10") and _split(Decimal(100), "22") == ("2", "2")
    assert _split(Decimal(76), "107.6") == ("10", "7.6") and _split(Decimal(90), "55") is None
    text = ("部门整体绩效自评表执行率(%)执行率权重执行率得分(分)76%107.6指标名称计量单位指标性质年初指标值调整指标值"
            "年成值全完值得分系数(%)指标权重(分)指标得分(分)是否核心指标基础信息完善%100%100%100%11否"
            "组织宣传活动次数次到0次43次100%1010是播发稿件数量篇2200篇2859篇90%55否公共服务")
    rows, notes = chongqing_rows(text, "t.txt")
    cells = [r.cells[2:7] for r in rows[1:]]
    assert cells[0] == ["预算执行率", "", "76%", "10", "7.6"]
    assert cells[1] == ["基础信息完善", "100%", "100%", "1", "1"]
    assert cells[2] == ["组织宣传活动次数", "", "", "10", "10"]  # the OCR-damaged target is not taken
    assert cells[3][0] == "公共服务" and any("播发稿件数量" in n for n in notes)  # 90% × ? = 55: not cut


def test_sichuan_money_block_and_a_row_cut_by_the_end_of_the_text():
    text = ("部门预算项目支出绩效自评表(2023年度) | ||\n"
            "预算执行情况(10分) | 年度预算数(万元) | 年初预算 | 调整后预算数 | 预算执行数 | 预算执行率 | 权重 | 得分 | 原因 | ||\n"
            "总额 | 0.00 | 3.36 | 3.36 | 100.00% | 10 | 10 | 说明 | |||\n"
            "绩效指标(90分) | 一级指标 | 二级指标 | 三级指标 | 指标性质 | 指标值 | 度量单位 | 完成值 | 权重 | 得分 | 未完成原因分析 |\n"
            "产出指标 | 质量指标 | 完成购买并支付资金 | = | 100 | \n")
    published = import_text(text, "t.txt")
    (table,) = published.tables
    (row,) = table.rows
    assert row.name == "预算执行率" and row.weight == 10 and row.declared == 10 and row.parsed.executable
    assert any("文本在此行中断" in e.message for e in published.errors)


def test_ningxia_run_together_rows_cut_only_one_way():
    from jixiao.io.ningxia_text import _money, _weight_and_values, ningxia_rows

    assert _money("64.864.864.8100%") == ("64.8", "64.8", "64.8", "100%")  # 执行数 ÷ 调整预算数 = 执行率
    assert _weight_and_values("102370人2370人") == [("10", "2370人", "2370人")]
    assert _weight_and_values("415万元15万元") == [("4", "15万元", "15万元")]
    text = ("项目支出绩效自评表自评得分98项目资金年度资金总额年初预算数调整预算数(A)全年执行数(B)执行率(B/A)64.864.864.8100%"
            "一级指标二级指标三级指标参考分值指标值(A)全年实际值(B)得分未完成原因分析及改进措施"
            "项目决策(10分)项目目标完整性4一目标明确4项目管理(25分)投入管理预算执行率10一100%9"
            "项目产出(30分)数量指标(10分)保障人数102370人2370人IO成本指标(10分)绿化等成本3M.8万元14.8万元3"
            "项目效益(35分)服务对象满意度指标(10分)学生和老")
    rows, notes, more = ningxia_rows(text, "t.txt")
    assert more["total"] == Decimal(98) and not more["whole"]  # cut inside its last row
    assert rows[1].cells == ["年度资金总额", "64.8", "64.8", "64.8", "10", "100%", "9"]  # the 预算执行率 row
    cells = [r.cells[2:7] for r in rows[3:]]
    assert cells[0] == ["项目目标完整性", "—", "目标明确", "4", "4"]
    assert cells[1] == ["保障人数", "2370人", "2370人", "10", "10"]  # IO read as 10 (not above 参考分值 10)
    assert cells[2] == ["绿化等成本", "M.8万元", "14.8万元", "3", "3"]  # the OCR damage is kept, not corrected
    assert cells[3] == ["学生和老", "", "", "10", ""]  # cut by the end of the text: no score

    published = import_text(text, "t.txt")
    (table,) = published.tables
    assert table.declared_total == Decimal(98)  # 4 + 9 + 10 + 3 = 26, and the cut row at most 10: 98 impossible
    assert any("自评得分不可能成立" in e.message for e in published.errors)


def test_unweighted_qizhong_breakdown_rows_are_not_scored_rows():
    text = ("一级指标 | 二级指标 | 三级指标 | 分值 | 年度指标值 | 全年实际值 | 得分 | 未完成原因 |\n"
            "产出指标 | 数量指标 | ★补助鱼塘面积 | 10 | 3亩 | 3亩 | 10 | |\n"
            "其中鱼塘养殖面积 | 3亩 | 3亩 | ||||\n"
            "…… | ||||\n"
            "效益指标 | 社会效益指标 | 受益人口数量 | 10 | 90人 | 90人 | 10 | |\n")
    published = import_text(text, "t.txt")
    (table,) = published.tables
    assert [r.name for r in table.rows] == ["★补助鱼塘面积", "受益人口数量"]
    assert any("其中鱼塘养殖面积" in e.message and "不计为评分行" in e.message for e in published.errors)


def test_level1_heading_alone_in_the_level2_column_and_a_copy_cut_in_the_next_heading():
    """13 (real): ``产 出 指 标 (50分)`` alone on its row is the 一级 heading; the text ending in ``满意``
    is a copy cut in the 满意度 heading — a consistent table gets no finding."""
    real = Path(__file__).resolve().parent / "fixtures" / "published" / "real"
    published, audits = audit_file(next(real.glob("13_*.txt")))[:2]
    (ta,) = audits
    assert len(ta.table.rows) == 8 and not ta.findings, [(f.kind, f.message) for f in ta.findings]
    assert [g.points for g in ta.table.framework.groups] == [10, 50, 30]
