"""The performance cycle core (jixiao.core.cycle), its file formats, exports and CLI."""

from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from openpyxl import load_workbook
from pydantic import ValidationError
from typer.testing import CliRunner

from jixiao.cli.cycle import cycle_app
from jixiao.core.cycle import (GREEN, RED, YELLOW, AllocationPlan, MonitoringReport, Problem, ReasonsMissing,
                               TargetTable, Thresholds, allocate, apply_targets, assess, check_table,
                               effective_thresholds, months_elapsed, next_year_sections, table_from_framework,
                               time_progress)
from jixiao.core.model import Evaluation, Framework
from jixiao.core.numbers import quantize
from jixiao.core.scoring import score
from jixiao.io.cycle_yaml import load_allocation, load_monitoring, load_problems, load_targets
from jixiao.io.yamlio import load_framework

EXAMPLES = Path(__file__).resolve().parent.parent / "docs" / "examples" / "cycle"
D = Decimal


def framework():
    fw, errors = load_framework("builtin:national-capability-2023")
    assert not errors
    return fw


# --- monitoring ------------------------------------------------------------------------

def test_time_progress_from_period():
    assert months_elapsed("2024-Q2") == 6 and months_elapsed("2024-07") == 7
    assert time_progress("2024-Q1") == 25 and time_progress("2024-12") == 100
    with pytest.raises(ValueError, match="监控期间"):
        months_elapsed("2024-13")


@pytest.mark.parametrize("completion, light", [
    ("50", GREEN), ("40", GREEN),          # lag 10 is still green (not above the threshold)
    ("39.99", YELLOW), ("30", YELLOW),     # lag 20 is still yellow
    ("29.99", RED), ("0", RED), ("120", GREEN),
])
def test_thresholds_at_the_boundaries(completion, light):
    report = MonitoringReport(unit="u", period="2024-Q2", rows=[{"code": "X", "completion": completion, "reason": "r"}])
    assert assess(report).rows[0].light == light


def test_yellow_and_red_need_a_reason():
    report = MonitoringReport(unit="u", period="2024-Q2", rows=[
        {"code": "G", "completion": "55"}, {"code": "Y", "completion": "35"}, {"code": "R", "completion": "10", "reason": "  "}])
    with pytest.raises(ReasonsMissing) as exc:
        assess(report)
    assert exc.value.codes == ("Y", "R")
    loose = assess(report, strict=False)
    assert loose.missing_reasons == ("Y", "R") and [r.light for r in loose.rows] == [GREEN, YELLOW, RED]


def test_spending_against_the_time_line_needs_a_reason_too():
    report = MonitoringReport(unit="u", period="2024-09", budget="1000000", spent="400000")  # 40% vs 75%
    with pytest.raises(ReasonsMissing, match="资金"):
        assess(report)
    report = report.model_copy(update={"spending_reason": "合同未签"})
    result = assess(report)
    assert result.spending.light == RED and result.spending.completion == 40 and result.spending.lag == 35


def test_completion_from_actual_and_target_direction():
    report = MonitoringReport(unit="u", period="2024-Q2", rows=[
        {"code": "N", "target": "≥4次", "actual": "2"},               # 50%
        {"code": "L", "target": "≤60分钟", "actual": "45", "expected": "100"},  # met: 100%
        {"code": "M", "target": "≤60分钟", "actual": "80", "expected": "100", "reason": "超时"},  # 75%
        {"code": "Q", "target": "明确", "reason": "无进度数据"}])            # unknown: counts as 0
    rows = assess(report).rows
    assert [r.completion for r in rows[:3]] == [50, 100, 75] and rows[3].completion is None
    assert [r.light for r in rows] == [GREEN, GREEN, RED, RED]


def test_configurable_thresholds_table_wins_over_framework():
    table, fw = Thresholds(yellow=5, red=8), Thresholds(yellow=15, red=30)
    assert effective_thresholds(table, fw) is table and effective_thresholds(None, fw) is fw
    assert effective_thresholds().yellow == 10
    report = MonitoringReport(unit="u", period="2024-Q2", rows=[{"code": "X", "completion": "43", "reason": "r"}])
    assert assess(report, effective_thresholds(None, fw)).rows[0].light == GREEN
    assert assess(report, effective_thresholds(table, fw)).rows[0].light == YELLOW
    with pytest.raises(ValidationError, match="红灯阈值"):
        Thresholds(yellow=20, red=10)


# --- targets ---------------------------------------------------------------------------

def test_target_table_prefilled_from_framework_and_applied_to_the_evaluation():
    fw = framework()
    table = table_from_framework(fw, "示例市医疗保障局", 2024, overall_goal="提升能力")
    assert len(table.rows) == len(list(fw.indicators())) and table.row("B11").target.text == "≥90%"
    data = table.model_dump()
    data["rows"] = list(data["rows"])
    for row in data["rows"]:
        if row["code"] == "B11":
            row["target"] = "≥95%"
    data["rows"].append({"code": "F1", "name": "电子凭证激活人数", "target": "≥120万人", "free": True})
    start = apply_targets(TargetTable.model_validate(data), fw)
    assert start.framework.indicator("B11").target.value == 95
    assert start.framework.version == "2023+示例市医疗保障局2024" and start.framework.id == fw.id
    assert "总体目标：提升能力" in start.goals_text and "电子凭证激活人数：≥120万人" in start.goals_text
    assert start.framework.indicator("C102").target.text == "≥2次"  # rows without a new target keep the framework's


def test_year_end_evaluation_scores_against_the_approved_target():
    fw = Framework.model_validate({
        "id": "mini", "name": "示例", "kind": "项目支出", "groups": [{"code": "A", "name": "产出", "indicators": [
            {"code": "A1", "name": "覆盖率", "weight": 100, "target": "≥90%", "rule": {"type": "binary"}}]}]})
    table = TargetTable(unit="示例县", year=2024, framework="mini", rows=[{"code": "A1", "target": "≥95%"}])
    start = apply_targets(table, fw)
    inputs = {"A1": {"actual": "93"}}
    before = score(Evaluation(unit={"name": "示例县"}, year=2024, framework=fw, inputs=inputs))
    after = score(Evaluation(unit={"name": "示例县"}, year=2024, framework=start.framework, inputs=inputs))
    assert before.total == 100 and after.total == 0 and "≥95%" in after.row("A1").explanation


def test_unknown_codes_must_be_marked_free():
    table = TargetTable(unit="u", year=2024, framework="national-capability-2023", rows=[{"code": "Z9", "target": "1"}])
    assert check_table(table, framework()) == ["指标体系中没有指标Z9（自设指标请标 free: true）"]
    with pytest.raises(ValueError, match="Z9"):
        apply_targets(table, framework())
    with pytest.raises(ValidationError, match="重复"):
        TargetTable(unit="u", year=2024, rows=[{"code": "A"}, {"code": "A"}])


# --- problems --------------------------------------------------------------------------

def test_problems_become_next_year_sections():
    problems = [
        Problem(title="支出进度偏慢", source="monitoring", year=2023, owner="财务科", measures="按月调度",
                status="done", result="全年执行率98.24%"),
        Problem(title="指标不够细化", source="evaluation", year=2023, due=date(2024, 3, 31), measures="细化目标",
                status="in_progress"),
        Problem(title="资料不全", source="audit", year=2023, due=date(2024, 6, 30), measures="补齐资料"),
    ]
    text = next_year_sections(problems, today=date(2024, 4, 1))
    assert text["problems"].splitlines() == ["一是支出进度偏慢。（来源：2023年运行监控）", "二是指标不够细化。（来源：2023年绩效自评）",
                                             "三是资料不全。（来源：2023年审计）"]
    measures = text["measures"].splitlines()
    assert measures[0] == "一是按月调度。已整改到位：全年执行率98.24%。（责任人：财务科）"
    assert measures[1] == "二是细化目标，整改中，计划于2024年3月31日前完成（已逾期）。"
    assert measures[2] == "三是补齐资料，未整改，计划于2024年6月30日前完成。"
    assert next_year_sections([])["problems"].startswith("本年度未发现")
    with pytest.raises(ValidationError, match="整改结果"):
        Problem(title="x", source="audit", year=2023, status="done")


# --- allocation ------------------------------------------------------------------------

def plan(amount, unit="元", weights=("40", "20", "25", "15"), recipients=None):
    factors = [{"key": "insured", "name": "参保人数", "weight": weights[0]},
               {"key": "task", "name": "任务完成", "weight": weights[1]},
               {"key": "score", "name": "绩效得分", "weight": weights[2], "kind": "score"},
               {"key": "spending", "name": "执行进度", "weight": weights[3]}]
    recipients = recipients or [
        {"name": "甲", "values": {"insured": "1", "task": "1", "spending": "1"}, "score": "1"},
        {"name": "乙", "values": {"insured": "1", "task": "1", "spending": "1"}, "score": "1"},
        {"name": "丙", "values": {"insured": "1", "task": "1", "spending": "1"}, "score": "1"}]
    return AllocationPlan(amount=amount, unit=unit, factors=factors, recipients=recipients)


def test_equal_thirds_of_an_awkward_amount_add_up_to_the_cent():
    result = allocate(plan("100.00"))
    assert [line.amount for line in result.lines] == [D("33.34"), D("33.33"), D("33.33")]  # tie: list order
    assert result.total == D("100.00") and result.balanced


def test_largest_remainder_exact_case():
    recipients = [{"name": n, "values": {"insured": v, "task": v, "spending": v}, "score": v}
                  for n, v in (("甲", "1"), ("乙", "2"), ("丙", "4"))]
    result = allocate(plan("0.10", recipients=recipients))
    # exact cents 10/7, 20/7, 40/7 = 1.43, 2.86, 5.71: floors 1+2+5 = 8, the two cents left go
    # to the largest remainders .86 (乙) and .71 (丙), not to 甲 (.43)
    assert [line.amount for line in result.lines] == [D("0.01"), D("0.03"), D("0.06")]


def test_score_factor_changes_the_amount():
    base = [{"name": n, "values": {"insured": "10", "task": "100", "spending": "90"}, "score": s}
            for n, s in (("甲", "95"), ("乙", "80"))]
    a, b = allocate(plan("10000", recipients=base)).lines
    assert a.amount + b.amount == D("10000")
    # only the score differs: 甲 gets 75%/2 + 25% × 95/175 of the fund = 5107.142857… → 5107.14
    assert (a.amount, b.amount) == (D("5107.14"), D("4892.86"))


def test_seed003_example_allocates_865_wan_exactly():
    loaded, errors = load_allocation(EXAMPLES / "allocation-2024.yaml")
    assert not errors
    result = allocate(loaded)
    assert result.total == D("8650000.00") and loaded.amount_yuan == D("8650000")
    assert all(line.amount == line.amount.quantize(D("0.01")) for line in result.lines)


def test_plan_validation():
    with pytest.raises(ValidationError, match="权重之和须为100%"):
        plan("100", weights=("40", "20", "25", "10"))
    with pytest.raises(ValidationError, match="不是整分"):
        plan("100.001")
    with pytest.raises(ValidationError, match="缺少绩效评价得分"):
        plan("100", recipients=[{"name": "甲", "values": {"insured": "1", "task": "1", "spending": "1"}}])
    with pytest.raises(ValidationError, match="合计为0"):
        plan("100", recipients=[{"name": "甲", "values": {"insured": "0", "task": "1", "spending": "1"}, "score": "1"}])


amounts = st.decimals(min_value=D("0.01"), max_value=D("99999999999.99"), places=2, allow_nan=False, allow_infinity=False)
values = st.decimals(min_value=D("0"), max_value=D("1000000"), places=3, allow_nan=False, allow_infinity=False)


@settings(max_examples=200, deadline=None)
@given(amount=amounts, rows=st.lists(st.tuples(values, values, values, values), min_size=1, max_size=12),
       weights=st.lists(st.integers(min_value=1, max_value=97), min_size=3, max_size=3))
def test_property_amounts_sum_exactly_to_the_fund(amount, rows, weights):
    rows = [tuple(v + D("0.001") for v in r) for r in rows]  # no factor totals zero
    w = [D(x) for x in weights]
    if sum(w) >= 100:
        w = [D(1), D(1), D(1)]
    weights4 = (*(str(x) for x in w), str(100 - sum(w)))
    recipients = [{"name": f"县{i}", "values": {"insured": r[0], "task": r[1], "spending": r[2]}, "score": r[3]}
                  for i, r in enumerate(rows)]
    result = allocate(plan(amount, weights=weights4, recipients=recipients))
    assert result.total == amount
    assert all(line.amount >= 0 and line.amount == line.amount.quantize(D("0.01")) for line in result.lines)
    # no recipient is more than one cent away from its exact share
    for line in result.lines:
        assert abs(line.share * int(amount * 100) - int(line.amount * 100)) < 1


# --- files, exports, CLI ---------------------------------------------------------------

def test_example_files_load():
    table, errors = load_targets(EXAMPLES / "targets-2024.yaml")
    assert not errors and check_table(table, framework()) == []
    report, errors = load_monitoring(EXAMPLES / "monitoring-2024-Q2.yaml")
    assert not errors and report.rows[0].name == "召开医保工作会议"  # filled in from the target table
    result = assess(report)
    assert (result.count(GREEN), result.count(YELLOW), result.count(RED)) == (3, 2, 1)
    problems, errors = load_problems(EXAMPLES / "problems-2023.yaml")
    assert not errors and len(problems) == 3


def test_located_errors(tmp_path):
    bad = tmp_path / "a.yaml"
    bad.write_text("amount: 100\nfactors:\n  - {key: a, name: A, weight: abc}\nrecipients: []\n", encoding="utf-8")
    plan_, errors = load_allocation(bad)
    assert plan_ is None and any(e.line == 3 and "factors.0.weight" in e.field for e in errors)
    bad.write_text("problems:\n  - title: x\n    source: gossip\n    year: 2023\n", encoding="utf-8")
    problems, errors = load_problems(bad)
    assert problems is None and errors[0].field == "problems.0.source" and errors[0].line == 3


def test_score_factor_from_an_evaluation_file(tmp_path):
    evaluation = Path(__file__).resolve().parent.parent / "examples" / "xundian-2023-department.yaml"
    path = tmp_path / "alloc.yaml"
    path.write_text(f"""amount: 100
factors:
  - {{key: people, name: 参保人数, weight: 50}}
  - {{key: score, name: 绩效评价得分, kind: score, weight: 50}}
recipients:
  - {{name: 甲县, values: {{people: 1}}, evaluation: {evaluation}}}
  - {{name: 乙县, values: {{people: 1}}, score: 60}}
""", encoding="utf-8")
    loaded, errors = load_allocation(path)
    assert not errors, errors
    from jixiao.io.yamlio import load_evaluation

    expected = score(load_evaluation(evaluation)[0]).total
    assert loaded.recipients[0].score == expected and allocate(loaded).total == 100
    path.write_text(path.read_text(encoding="utf-8").replace(str(evaluation), "missing.yaml"), encoding="utf-8")
    loaded, errors = load_allocation(path)
    assert loaded is None and "文件不存在" in str(errors[0])


def test_excel_exports_never_write_formulas(tmp_path):
    report = MonitoringReport(unit="=HYPERLINK(\"http://x\")", period="2024-Q2", rows=[
        {"code": "X", "name": "+cmd", "completion": "10", "reason": "=1+1", "measures": "@SUM(A1)"}])
    from jixiao.io.cycle_excel import export_allocation, export_monitoring

    out = export_monitoring(assess(report), tmp_path / "m.xlsx")
    ws = load_workbook(out).active
    cells = [c for row in ws.iter_rows() for c in row if c.value is not None]
    assert all(c.data_type != "f" for c in cells)
    assert any(c.value == "=1+1" and c.data_type == "s" for c in cells)
    loaded, _ = load_allocation(EXAMPLES / "allocation-2024.yaml")
    recipients = [r.model_dump() for r in loaded.recipients]
    recipients[0]["name"] = "=cmd|' /C calc'!A0"
    result = allocate(loaded.model_copy(update={"recipients": tuple(AllocationPlan.model_validate(
        {**loaded.model_dump(), "recipients": recipients}).recipients)}))
    ws = load_workbook(export_allocation(result, tmp_path / "a.xlsx")).active
    cells = [c for row in ws.iter_rows() for c in row if c.value is not None]
    assert all(c.data_type != "f" for c in cells)
    amounts = [D(repr(ws.cell(r, 12).value)) for r in range(4, 9)]
    assert sum(amounts) == D("8650000") and D(repr(ws.cell(9, 12).value)) == D("8650000")


def test_cli(tmp_path):
    runner = CliRunner()
    result = runner.invoke(cycle_app, ["allocate", str(EXAMPLES / "allocation-2024.yaml"), "--out", str(tmp_path / "a.xlsx")])
    assert result.exit_code == 0, result.output
    assert "8,650,000.00 元 = 待分配金额 8,650,000.00 元" in result.output and (tmp_path / "a.xlsx").exists()
    for suffix in ("xlsx", "docx"):
        result = runner.invoke(cycle_app, ["monitor", str(EXAMPLES / "monitoring-2024-Q2.yaml"), "--out", str(tmp_path / f"m.{suffix}")])
        assert result.exit_code == 0, result.output
    from docx import Document

    text = "\n".join(p.text for p in Document(str(tmp_path / "m.docx")).paragraphs)
    assert "红灯1项" in text and "上半年全市工作会议" in text
    result = runner.invoke(cycle_app, ["problems", str(EXAMPLES / "problems-2023.yaml"), "--today", "2024-04-15"])
    assert result.exit_code == 0 and "已逾期" in result.output and "一是资金支出进度偏慢" in result.output
    bad = tmp_path / "m.yaml"
    bad.write_text("unit: u\nperiod: 2024-Q2\nrows:\n  - {code: X, completion: 5}\n", encoding="utf-8")
    result = runner.invoke(cycle_app, ["monitor", str(bad)])
    assert result.exit_code == 2 and "须填写偏差原因" in result.output
    result = runner.invoke(cycle_app, ["targets", str(EXAMPLES / "targets-2024.yaml")])
    assert result.exit_code == 0 and "总体目标" in result.output


# --- the whole cycle for a demo city with three counties (core) ---------------------------

CITY_FRAMEWORK = {
    "id": "city-demo", "name": "示例市医保能力提升项目", "kind": "项目支出", "version": "2024",
    "fund": "医疗服务与保障能力提升补助资金", "groups": [
        {"code": "A", "name": "产出指标", "indicators": [
            {"code": "A1", "name": "召开医保工作会议", "weight": 30, "target": "≥4次", "rule": {"type": "binary"}},
            {"code": "A2", "name": "信息系统验收合格率", "weight": 30, "target": "≥95%", "rule": {"type": "binary"}}]},
        {"code": "B", "name": "满意度指标", "indicators": [
            {"code": "B1", "name": "参保人员满意度", "weight": 40, "target": "≥85%", "rule": {"type": "binary"}}]}]}


def test_full_cycle_of_a_city_with_three_counties():
    fw = Framework.model_validate(CITY_FRAMEWORK)
    counties = ("示例甲县", "示例乙县", "示例丙县")
    # 1. targets set from the framework (甲县 raises A2), consistent with it: approved
    tables = {}
    for name in counties:
        table = table_from_framework(fw, name, 2024, overall_goal=f"{name}提升医保服务能力")
        if name == "示例甲县":
            data = table.model_dump()
            data["rows"] = [{**r, "target": "≥98%"} if r["code"] == "A2" else r for r in data["rows"]]
            table = TargetTable.model_validate(data)
        assert check_table(table, fw) == []
        tables[name] = table
    # 2. two quarters of monitoring, one red warning (乙县 A1 in Q2, with its reason)
    budgets = {"示例甲县": ("1800000", "430000", "905000"), "示例乙县": ("1500000", "352000", "702400"),
               "示例丙县": ("2400000", "640000", "1290000")}
    assessments = {}
    for name in counties:
        budget, q1, q2 = budgets[name]
        for period, spent in (("2024-Q1", q1), ("2024-Q2", q2)):
            progress = time_progress(period)
            rows = [{"code": r.code, "name": r.name, "target": r.target.text, "completion": progress + 1}
                    for r in tables[name].rows]
            if name == "示例乙县" and period == "2024-Q2":
                rows[0] = {**rows[0], "completion": "20"}
                with pytest.raises(ReasonsMissing, match="A1"):
                    assess(MonitoringReport(unit=name, period=period, budget=budget, spent=spent, rows=rows))
                rows[0]["reason"], rows[0]["measures"] = "会议合并召开", "三季度补开"
            assessments[name, period] = assess(MonitoringReport(unit=name, period=period, budget=budget, spent=spent,
                                                                rows=rows))
    reds = [(key, row) for key, a in assessments.items() for row in a.all_rows if row.light == RED]
    assert len(reds) == 1 and reds[0][0] == ("示例乙县", "2024-Q2") and reds[0][1].code == "A1"
    # 3. the red light becomes a tracked problem, tracked to done
    from jixiao.core.cycle import problem_from_light, problems_of_year

    problem = problem_from_light(reds[0][1], "2024-Q2", 2024)
    assert problem.title == "召开医保工作会议进度滞后" and problem.source == "monitoring" and problem.measures == "三季度补开"
    assert problem.description == "2024-Q2运行监控红灯：召开医保工作会议完成进度20%，应完成50%，落后30个百分点。偏差原因：会议合并召开。"
    with pytest.raises(ValidationError, match="整改结果"):
        Problem.model_validate({**problem.model_dump(), "status": "done"})
    done = Problem.model_validate({**problem.model_dump(), "status": "done", "result": "全年召开4次"})
    # 4. the year-end evaluation starts from the targets; its scores use them (甲县's 97% misses ≥98%)
    inputs = {"示例甲县": {"A1": {"actual": "4"}, "A2": {"actual": "97"}, "B1": {"actual": "90"}},
              "示例乙县": {"A1": {"actual": "3"}, "A2": {"actual": "96"}, "B1": {"actual": "88"}},
              "示例丙县": {"A1": {"actual": "5"}, "A2": {"actual": "99"}, "B1": {"actual": "92"}}}
    scores = {}
    for name in counties:
        start = apply_targets(tables[name], fw)
        evaluation = Evaluation(unit={"name": name}, year=2024, framework=start.framework, inputs=inputs[name],
                                narrative={"goals": start.goals_text})
        scores[name] = score(evaluation).total
        assert evaluation.narrative["goals"].startswith(f"总体目标：{name}提升医保服务能力")
    assert scores == {"示例甲县": 70, "示例乙县": 70, "示例丙县": 100}
    # next year's report of 乙县 lists the 2024 problem and what was done
    sections = next_year_sections(problems_of_year([done, problem.model_copy(update={"year": 2023})], 2024))
    assert sections == {"problems": "一是召开医保工作会议进度滞后。" + problem.description + "（来源：2024年运行监控）",
                        "measures": "一是三季度补开。已整改到位：全年召开4次。"}
    # 5. the 2025 allocation among the three counties: 参保人数 40 (typed), 绩效评价得分 30 (the evaluations),
    #    资金执行进度 20 (Q2 monitoring, 2 places), 资金结余率 10 (typed, reverse: the less, the more)
    spending = {n: quantize(assessments[n, "2024-Q2"].spending.completion, 2) for n in counties}
    # 905,000 ÷ 1,800,000 = 50.277…% → 50.28; 702,400 ÷ 1,500,000 = 46.826…% → 46.83; 1,290,000 ÷ 2,400,000 = 53.75%
    assert spending == {"示例甲县": D("50.28"), "示例乙县": D("46.83"), "示例丙县": D("53.75")}
    plan_ = AllocationPlan(amount="2865000.00", factors=[
        {"key": "insured", "name": "参保人数", "weight": 40}, {"key": "score", "name": "绩效评价得分", "kind": "score", "weight": 30},
        {"key": "spending", "name": "资金执行进度", "weight": 20},
        {"key": "rest", "name": "资金结余率", "weight": 10, "direction": "反向"}],
        recipients=[{"name": n, "values": {"insured": i, "spending": spending[n], "rest": r}, "score": scores[n]}
                    for n, i, r in zip(counties, ("36.85", "29.6", "48.37"), ("2", "4", "1"))])
    result = allocate(plan_)
    # exact shares × 286,500,000 cents, floored (remainders .971, .022, .008): one cent left, to 甲县
    assert [line.amount for line in result.lines] == [D("891313.26"), D("764919.73"), D("1208767.01")]
    assert result.total == D("2865000.00") and result.balanced


def test_reverse_factor_shares_the_reciprocals():
    reverse = [{"key": "rest", "name": "资金结余率", "weight": 100, "direction": "反向"}]
    recipients = [{"name": n, "values": {"rest": v}} for n, v in (("甲", "1"), ("乙", "2"), ("丙", "4"))]
    result = allocate(AllocationPlan(amount="70", factors=reverse, recipients=recipients))
    assert [line.amount for line in result.lines] == [D("40.00"), D("20.00"), D("10.00")]  # 4/7, 2/7, 1/7
    forward = [{**reverse[0], "direction": "正向"}]
    assert [line.amount for line in allocate(AllocationPlan(amount="70", factors=forward, recipients=recipients)).lines] \
        == [D("10.00"), D("20.00"), D("40.00")]
    recipients[0]["values"]["rest"] = "0"
    with pytest.raises(ValidationError, match="反向因素"):
        AllocationPlan(amount="70", factors=reverse, recipients=recipients)


def test_findings_become_problems():
    from jixiao.core.cycle import problem_from_finding

    p = problem_from_finding("B11", "申报得分与按规则计算的得分不符", "申报10分，按规则应得9分", 2023)
    assert (p.title, p.description, p.source, p.year, p.status) == (
        "指标B11：申报得分与按规则计算的得分不符", "申报10分，按规则应得9分。", "evaluation", 2023, "open")
    assert problem_from_finding("总分", "申报总分与计算总分不符", "相差1分。", 2023).title == "申报总分与计算总分不符"


def test_cli_writes_the_year_end_evaluation_from_targets_and_score_scores_it(tmp_path):
    from jixiao.cli import app
    from jixiao.io.yamlio import load_evaluation

    runner = CliRunner()
    out = tmp_path / "自评.yaml"
    args = ["evaluation", str(EXAMPLES / "targets-2024.yaml"), "--problems", str(EXAMPLES / "problems-2023.yaml"),
            "--today", "2024-04-15", "--out", str(out)]
    result = runner.invoke(cycle_app, args)
    assert result.exit_code == 0, result.output
    evaluation, errors = load_evaluation(out)
    assert not errors, errors
    assert evaluation.framework.version == "2023+示例市医疗保障局2024"
    assert evaluation.framework.indicator("B11").target.text == "≥90%"
    assert evaluation.framework.indicator("C107").target.text == "≥95%"  # raised from the framework's ≥90%
    assert "6. 产出指标—数量指标—医保电子凭证激活人数：≥120万人" in evaluation.narrative["goals"]
    assert evaluation.narrative["problems"].startswith("一是资金支出进度偏慢")
    assert "（已逾期）" in evaluation.narrative["measures"]
    assert len(evaluation.inputs) == 38 and all(not i.actual for i in evaluation.inputs.values())
    # typed once: the preparer fills in the file, jixiao score scores it against the table's targets
    text = out.read_text(encoding="utf-8").replace('"B11": {}', '"B11": {actual: 95}')
    out.write_text(text, encoding="utf-8")
    scored = runner.invoke(app, ["score", str(out), "--json"])
    assert scored.exit_code == 0, scored.output
    import json

    sheet = json.loads(scored.output)
    row = next(r for r in sheet["indicators"] if r["code"] == "B11")
    assert D(row["score"]) == 10 and D(sheet["total"]) == 10 and sheet["framework"]["version"] == "2023+示例市医疗保障局2024"
    assert runner.invoke(cycle_app, args).exit_code == 2  # the file exists: not overwritten without --force
    assert runner.invoke(cycle_app, args + ["--force"]).exit_code == 0
    bad = tmp_path / "t.yaml"
    bad.write_text("unit: u\nyear: 2024\nframework: national-capability-2023\nrows:\n  - {code: Z9, target: '1'}\n",
                   encoding="utf-8")
    result = runner.invoke(cycle_app, ["evaluation", str(bad), "--out", str(tmp_path / "x.yaml")])
    assert result.exit_code == 2 and "Z9" in result.output and not (tmp_path / "x.yaml").exists()


def test_cli_tracks_red_lights_and_writes_the_narrative(tmp_path):
    runner = CliRunner()
    track = tmp_path / "问题.yaml"
    for _ in range(2):  # the second run updates, never doubles
        result = runner.invoke(cycle_app, ["monitor", str(EXAMPLES / "monitoring-2024-Q2.yaml"), "--track", str(track)])
        assert result.exit_code == 0, result.output
    problems, errors = load_problems(track)
    assert not errors and len(problems) == 1
    assert problems[0].title == "召开医保工作会议进度滞后" and problems[0].source == "monitoring" and problems[0].year == 2024
    assert "上半年全市工作会议" in problems[0].description
    narrative = tmp_path / "narrative.yaml"
    result = runner.invoke(cycle_app, ["problems", str(EXAMPLES / "problems-2023.yaml"), "--year", "2023",
                                       "--today", "2024-04-15", "--out", str(narrative)])
    assert result.exit_code == 0, result.output
    import yaml

    sections = yaml.safe_load(narrative.read_text(encoding="utf-8"))["narrative"]
    loaded, _ = load_problems(EXAMPLES / "problems-2023.yaml")
    assert sections == next_year_sections(loaded, date(2024, 4, 15))
    result = runner.invoke(cycle_app, ["problems", str(EXAMPLES / "problems-2023.yaml"), "--year", "2022"])
    assert result.exit_code == 0 and "本年度未发现需要整改的问题" in result.output
