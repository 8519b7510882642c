"""The performance cycle on the site, on the demo city 昆明 and its three counties (寻甸 and the
illustrative 示例甲县, 示例乙县): targets set and approved, two quarters of monitoring with one red
warning, the year-end evaluation started from the targets, a problem tracked to done, and next
year's allocation to the cent — plus each follow-up of issue 9 (red lights and audit findings
become problems, next year's report from the problems, configurable factors, monitoring
submit/return, the thresholds page) with the permissions of each role."""

from decimal import Decimal
from io import BytesIO

import pytest
from docx import Document
from openpyxl import load_workbook

from jixiao.web.models import (Allocation, Evaluation, FrameworkVersion, MonitoringReport, Problem, TargetTable,
                               ThresholdSetting, Unit)

pytestmark = pytest.mark.django_db
FUND = "医疗服务与保障能力提升补助资金（医疗保障服务能力提升部分）"
D = Decimal
# preparer of each demo county of 昆明 (created by the demo: jixiao.web.cycle.demo)
COUNTIES = {"寻甸回族彝族自治县医疗保险中心": "xundian_tianbao", "示例甲县医疗保障局": "jiaxian_tianbao",
            "示例乙县医疗保障局": "yixian_tianbao"}
REVIEWER = "kunming_shenhe"


def unit(name: str) -> Unit:
    return Unit.objects.get(name=name)


def create_table(client, year=2025) -> TargetTable:
    framework = FrameworkVersion.objects.get(key="national-capability-2023", builtin=True)
    response = client.post("/cycle/targets/", {"year": year, "framework": framework.pk, "overall_goal": "提升医保服务能力"})
    assert response.status_code == 302, response.content.decode()[:500]
    return TargetTable.objects.latest("pk")


def approved_table(login, username="xundian_tianbao", year=2025) -> TargetTable:
    preparer = login(username)
    table = create_table(preparer, year)
    assert preparer.post(f"/cycle/targets/{table.pk}/", {"overall_goal": "提升医保服务能力", "target:B11": "≥95%",
                                                         "new_code": "F1", "new_name": "电子凭证激活人数",
                                                         "new_target": "≥120万人"}).status_code == 302
    assert preparer.post(f"/cycle/targets/{table.pk}/submit/").status_code == 302
    assert login(REVIEWER).post(f"/cycle/targets/{table.pk}/approve/").status_code == 302
    table.refresh_from_db()
    assert table.state == TargetTable.APPROVED
    return table


def monitoring_post(table, completion="55", **overrides):
    data = {"budget": "4618400", "spent": "2400000"}
    for row in table.rows.all():
        data[f"completion:{row.code}"] = completion
    data.update(overrides)
    return data


def docx_text(path) -> str:
    document = Document(str(path))
    cells = [c.text for t in document.tables for r in t.rows for c in r.cells]
    return "\n".join([p.text for p in document.paragraphs] + cells)


# --- the demo city ----------------------------------------------------------------------

def test_demo_city_runs_the_whole_cycle(demo, login):
    """The demo data: 昆明 with three counties, 2024 targets approved, two quarters with one
    red light (reason given) that became a problem, a problem done, the 2025 allocation."""
    kunming = unit("昆明市医疗保障局")
    counties = list(kunming.children.order_by("pk"))
    assert [c.name for c in counties] == list(COUNTIES)
    tables = TargetTable.objects.filter(unit__in=counties, year=2024)
    assert tables.count() == 3 and all(t.state == TargetTable.APPROVED for t in tables)
    reports = MonitoringReport.objects.filter(table__in=tables)
    assert sorted(reports.values_list("period", flat=True)) == ["2024-Q1"] * 3 + ["2024-Q2"] * 3
    from jixiao.web.cycle.views import assessment_of

    red = [(r, row) for r in reports for row in assessment_of(r).all_rows if row.light == "red"]
    assert len(red) == 1 and red[0][1].code == "C102" and "合并召开" in red[0][1].reason
    problem = Problem.objects.get(source="monitoring", unit__name="寻甸回族彝族自治县医疗保险中心")
    assert problem.report == red[0][0] and "合并召开" in problem.description and problem.status == "in_progress"
    assert Problem.objects.filter(unit__in=counties, status="done").count() == 1
    allocation = Allocation.objects.get(unit=kunming, year=2025)
    response = login(REVIEWER).get(f"/cycle/allocations/{allocation.pk}/")
    amounts = {line.name: line.amount for line in response.context["result"].lines}
    # 286,500,000 cents by 参保人数 40 / 任务完成率 20 / 绩效评价得分 25 / 资金执行进度 15; the two cents left
    # after flooring go to 乙县 (.918) and 寻甸 (.759), not 甲县 (.322)
    assert amounts == {"寻甸回族彝族自治县医疗保险中心": D("1074352.10"), "示例甲县医疗保障局": D("945524.67"),
                       "示例乙县医疗保障局": D("845123.23")}
    assert sum(amounts.values()) == D("2865000.00")
    page = response.content.decode()
    assert "2023年自评" in page and "2024-Q2监控" in page  # score and spending taken from the records
    assert "52.27" in page  # 寻甸's 2024-Q2 execution 1,290,000 ÷ 2,468,000 = 52.2690…% → 52.27
    assert login("jiaxian_tianbao").get(f"/cycle/targets/{tables.get(unit=counties[1]).pk}/").status_code == 200


# --- the full cycle through the pages ----------------------------------------------------

def test_full_cycle(demo, login):
    reviewer = login(REVIEWER)
    # 1. targets set and approved, for each of the three counties
    tables = {name: approved_table(login, username) for name, username in COUNTIES.items()}
    xundian = tables["寻甸回族彝族自治县医疗保险中心"]
    assert xundian.rows.count() == 39 and xundian.rows.get(code="B11").target == "≥95%"
    # 2. two quarters of monitoring, one red warning
    budgets = {"寻甸回族彝族自治县医疗保险中心": ("2400000", "600000", "1250000"),
               "示例甲县医疗保障局": ("1800000", "420000", "870000"),
               "示例乙县医疗保障局": ("1500000", "360000", "690000")}
    for name, table in tables.items():
        client = login(COUNTIES[name])
        budget, q1, q2 = budgets[name]
        url = f"/cycle/targets/{table.pk}/monitoring/"
        assert client.post(url + "2025-Q1/", monitoring_post(table, budget=budget, spent=q1)).status_code == 302
        q2_data = monitoring_post(table, budget=budget, spent=q2)
        if name.startswith("寻甸"):
            q2_data["completion:C102"] = "20"  # 20% against 50%: red
            response = client.post(url + "2025-Q2/", q2_data)
            assert response.status_code == 400 and "须填写偏差原因" in response.content.decode()
            assert not MonitoringReport.objects.filter(table=table, period="2025-Q2").exists()
            q2_data["reason:C102"] = "上半年会议合并召开"
        assert client.post(url + "2025-Q2/", q2_data).status_code == 302
        for period in ("2025-Q1", "2025-Q2"):
            report = MonitoringReport.objects.get(table=table, period=period)
            assert client.post(f"/cycle/monitoring/{report.pk}/submit/").status_code == 302
            assert reviewer.post(f"/cycle/monitoring/{report.pk}/approve/").status_code == 302
    reports = MonitoringReport.objects.filter(table__in=tables.values())
    assert reports.count() == 6 and set(reports.values_list("state", flat=True)) == {"approved"}
    red = MonitoringReport.objects.get(table=xundian, period="2025-Q2")
    assert red.warnings == 1 and red.rows.get(code="C102").light == "red"
    assert sum(r.rows.filter(light="red").count() for r in reports) == 1
    page = reviewer.get("/cycle/warnings/").content.decode()
    assert "上半年会议合并召开" in page and "红灯" in page
    for fmt_ in ("xlsx", "docx"):
        response = login("xundian_tianbao").get(f"/cycle/monitoring/{red.pk}/export.{fmt_}")
        assert response.status_code == 200 and b"".join(response.streaming_content)[:2] == b"PK"
    assert login("jiaxian_tianbao").get(f"/cycle/monitoring/{red.pk}/export.xlsx").status_code == 403
    # 3. the year-end evaluation starts from the approved targets; each county fills 预算执行率
    evaluations = {}
    for (name, table), actual in zip(tables.items(), ("90", "81", "72")):
        client = login(COUNTIES[name])
        assert client.post(f"/cycle/targets/{table.pk}/start/").status_code == 302
        table.refresh_from_db()
        evaluations[name] = table.evaluation
        assert client.post(f"/evaluations/{table.evaluation.pk}/rows/B11/", {"version": 0, "actual": actual}).status_code == 200
    evaluation = evaluations["寻甸回族彝族自治县医疗保险中心"]
    assert evaluation.framework.version == "2023+寻甸回族彝族自治县医疗保险中心2025"
    assert "≥95%" in evaluation.framework.yaml_text
    assert "电子凭证激活人数：≥120万人" in evaluation.extra["narrative"]["goals"]
    login("xundian_tianbao").post(f"/cycle/targets/{xundian.pk}/start/")  # a second start creates nothing
    assert Evaluation.objects.filter(unit=xundian.unit, year=2025).count() == 1
    totals = {name: Evaluation.objects.get(pk=e.pk).total for name, e in evaluations.items()}
    # B11 预算执行率 (10分) scores rate × 10 ÷ 100, full from 90%: 90 → 10分, 81 → 8.1分, 72 → 7.2分;
    # nothing else is entered yet
    assert totals == {"寻甸回族彝族自治县医疗保险中心": D(10), "示例甲县医疗保障局": D("8.1"), "示例乙县医疗保障局": D("7.2")}
    # 4. the red light became a problem, tracked to done
    problem = Problem.objects.get(origin=f"monitoring:{xundian.pk}:C102")
    assert problem.source == "monitoring" and problem.year == 2025 and "上半年会议合并召开" in problem.description
    preparer = login("xundian_tianbao")
    preparer.post(f"/cycle/problems/{problem.pk}/", {"status": "done", "result": ""})
    problem.refresh_from_db()
    assert problem.status == "open"  # done needs a result
    preparer.post(f"/cycle/problems/{problem.pk}/", {"status": "done", "result": "全年召开4次"})
    problem.refresh_from_db()
    assert problem.status == "done"
    page = preparer.get("/cycle/problems/?year=2025").content.decode()
    assert "一是召开医保工作会议进度滞后" in page and "已整改到位：全年召开4次" in page
    assert "召开医保工作会议进度滞后" not in login("jiaxian_tianbao").get("/cycle/problems/").content.decode()
    # 5. next year's allocation among the three counties, checked to the cent
    assert reviewer.post("/cycle/allocations/", {"year": "2026", "fund": FUND, "amount": "1000000.01"}).status_code == 302
    allocation = Allocation.objects.get(unit__name="昆明市医疗保障局", year=2026)
    data = {}
    for i, name in enumerate(COUNTIES):
        pk = unit(name).pk
        data.update({f"value:{pk}:insured": str(50 + i * 7), f"value:{pk}:task": "99.5"})
    assert reviewer.post(f"/cycle/allocations/{allocation.pk}/", data).status_code == 302
    response = reviewer.get(f"/cycle/allocations/{allocation.pk}/")
    result = response.context["result"]
    assert result is not None and result.total == D("1000000.01") and result.balanced
    plan = {r.name: r for r in result.plan.recipients}
    assert {n: r.score for n, r in plan.items()} == totals  # each county's evaluation total is its score
    # spending from the 2025-Q2 monitoring: 1,250,000 ÷ 2,400,000 = 52.083…% → 52.08; 48.33; 46.00
    assert [plan[n].values["spending"] for n in COUNTIES] == [D("52.08"), D("48.33"), D("46.00")]
    amounts = [line.amount for line in result.lines]
    # insured 50/57/64 of 171 (40%), task equal (20%), score 10/8.1/7.2 of 25.3 (25%), spending 52.08/48.33/46
    # of 146.41 (15%): exact shares × 100,000,001 cents, floored (remainders .473, .943, .583), the one cent
    # left to the largest remainder, 甲县
    assert amounts == [D("335796.97"), D("329554.59"), D("334648.45")]
    assert "1,000,000.01" in response.content.decode()
    export = reviewer.get(f"/cycle/allocations/{allocation.pk}/export.xlsx")
    assert export.status_code == 200
    sheet = load_workbook(BytesIO(b"".join(export.streaming_content))).active
    numbers = [c.value for row in sheet.iter_rows() for c in row if isinstance(c.value, (int, float))]
    assert 1000000.01 in numbers and all(c.data_type != "f" for row in sheet.iter_rows() for c in row)
    assert login("xundian_tianbao").get(f"/cycle/allocations/{allocation.pk}/").status_code == 403
    assert login("suzhou_tianbao").get(f"/cycle/allocations/{allocation.pk}/").status_code == 403


# --- target tables ----------------------------------------------------------------------

def test_target_table_workflow_and_permissions(demo, login):
    preparer = login("jiaxian_tianbao")
    table = create_table(preparer)
    assert table.rows.count() == 38 and table.rows.get(code="B11").target == "≥90%"  # prefilled from the framework
    page = preparer.get(f"/cycle/targets/{table.pk}/").content.decode()
    assert "≥90%" in page and "提交审核" in page
    assert login("yixian_tianbao").get(f"/cycle/targets/{table.pk}/").status_code == 403  # sibling county
    assert login("nanjing_tianbao").get(f"/cycle/targets/{table.pk}/").status_code == 403  # other city
    assert login(REVIEWER).get(f"/cycle/targets/{table.pk}/").status_code == 200
    assert login("yixian_tianbao").post(f"/cycle/targets/{table.pk}/", {"target:B11": "≥1%"}).status_code == 403
    assert login(REVIEWER).post(f"/cycle/targets/{table.pk}/approve/").status_code == 403  # still draft
    assert preparer.post(f"/cycle/targets/{table.pk}/submit/").status_code == 302
    assert preparer.post(f"/cycle/targets/{table.pk}/approve/").status_code == 403  # not one's own
    assert preparer.post(f"/cycle/targets/{table.pk}/", {"target:B11": "≥1%"}).status_code == 403  # submitted: locked
    reviewer = login(REVIEWER)
    reviewer.post(f"/cycle/targets/{table.pk}/return/", {"comment": ""})
    table.refresh_from_db()
    assert table.state == TargetTable.SUBMITTED  # a return needs a comment
    reviewer.post(f"/cycle/targets/{table.pk}/return/", {"comment": "B11目标偏低"})
    table.refresh_from_db()
    assert table.state == TargetTable.RETURNED and table.history.count() >= 3


# --- red lights and audit findings become problems --------------------------------------

def test_a_red_light_becomes_one_problem(demo, login):
    table = approved_table(login, "jiaxian_tianbao")
    preparer = login("jiaxian_tianbao")
    url = f"/cycle/targets/{table.pk}/monitoring/"
    origin = f"monitoring:{table.pk}:C102"
    assert preparer.post(url + "2025-Q2/", monitoring_post(table, **{"completion:C107": "35", "reason:C107": "验收推迟"})).status_code == 302
    assert not Problem.objects.filter(unit=table.unit, year=2025).exists()  # yellow is a warning, not a problem
    preparer.post(url + "2025-Q2/", monitoring_post(table, **{"completion:C102": "10", "reason:C102": "会议推迟",
                                                              "measures:C102": "三季度补开"}))
    problem = Problem.objects.get(origin=origin)
    assert (problem.source, problem.year, problem.unit, problem.measures) == ("monitoring", 2025, table.unit, "三季度补开")
    assert problem.description == ("2025-Q2运行监控红灯：召开医保工作会议完成进度10%，应完成50%，落后40个百分点。"
                                   "偏差原因：会议推迟。")
    problem.owner = "办公室"
    problem.save()
    # the same light saved again, and red again the next quarter: the one problem is updated
    preparer.post(url + "2025-Q2/", monitoring_post(table, **{"completion:C102": "5", "reason:C102": "会议再次推迟"}))
    preparer.post(url + "2025-Q3/", monitoring_post(table, "75", spent="3500000",
                                                    **{"completion:C102": "30", "reason:C102": "仅召开1次"}))
    assert Problem.objects.filter(unit=table.unit, year=2025).count() == 1
    problem.refresh_from_db()
    assert "2025-Q3" in problem.description and "仅召开1次" in problem.description and problem.owner == "办公室"
    assert problem.report == MonitoringReport.objects.get(table=table, period="2025-Q3")
    # spending far behind the time line is a red light too
    assert preparer.post(url + "2025-Q4/", monitoring_post(table, "100", spent="100", spending_reason="合同未签")).status_code == 302
    spending = Problem.objects.get(origin=f"monitoring:{table.pk}:资金")
    assert spending.title == "预算执行进度滞后" and "合同未签" in spending.description
    page = preparer.get(url + "2025-Q4/").content.decode()
    assert "红灯登记的整改问题" in page and "合同未签" in page


def test_audit_findings_become_problems_with_one_click(demo, login):
    evaluation = Evaluation.objects.get(unit__name="寻甸回族彝族自治县医疗保险中心", year=2023)
    from jixiao.web import bridge

    _, findings = bridge.score_and_cache(evaluation)
    expected = [f for f in findings if f.severity != "info"]
    assert expected, "the demo evaluation has findings to track"
    page = login(REVIEWER).get(f"/evaluations/{evaluation.pk}/").content.decode()
    assert "findings-to-problems" in page
    assert "findings-to-problems" not in login("xundian_tianbao").get(f"/evaluations/{evaluation.pk}/").content.decode()
    assert login("xundian_tianbao").post(f"/cycle/evaluations/{evaluation.pk}/findings-to-problems/").status_code == 403
    assert login("suzhou_tianbao").post(f"/cycle/evaluations/{evaluation.pk}/findings-to-problems/").status_code == 403
    reviewer = login(REVIEWER)
    response = reviewer.post(f"/cycle/evaluations/{evaluation.pk}/findings-to-problems/", follow=True)
    tracked = Problem.objects.filter(evaluation=evaluation)
    assert tracked.count() == len(expected) and f"新增{len(expected)}项" in response.content.decode()
    first = expected[0]
    problem = tracked.get(origin=f"finding:{evaluation.pk}:{first.code}:{first.kind}")
    assert problem.source == "evaluation" and problem.year == 2023 and first.message.rstrip("。") in problem.description
    reviewer.post(f"/cycle/evaluations/{evaluation.pk}/findings-to-problems/")  # again: nothing doubles
    assert Problem.objects.filter(evaluation=evaluation).count() == len(expected)
    page = reviewer.get("/cycle/problems/?year=2023").content.decode()
    assert "一键登记为整改问题" in page and first.title in page


# --- next year's report from the problems ------------------------------------------------

def test_next_years_evaluation_lists_last_years_problems(demo, login, tmp_path):
    """寻甸's 2024 red light (a demo problem, 整改中) and a problem done are written into the
    存在问题 / 改进措施 of its 2025 evaluation — on the site and in the Word report."""
    xundian = unit("寻甸回族彝族自治县医疗保险中心")
    Problem.objects.create(unit=xundian, year=2024, source="audit", title="个别票据未及时入账", measures="逐笔清理",
                           status="done", result="已于2024年12月全部入账")
    Problem.objects.create(unit=xundian, year=2023, source="audit", title="更早的问题")  # not last year's
    table = approved_table(login, "xundian_tianbao", 2025)
    preparer = login("xundian_tianbao")
    response = preparer.post(f"/cycle/targets/{table.pk}/start/", follow=True)
    assert "已按上年度问题整改情况填写" in response.content.decode()
    table.refresh_from_db()
    narrative = table.evaluation.extra["narrative"]
    problems, measures = narrative["problems"].splitlines(), narrative["measures"].splitlines()
    assert problems[0].startswith("一是召开医保工作会议进度滞后。2024-Q2运行监控红灯") and problems[0].endswith("（来源：2024年运行监控）")
    assert problems[1] == "二是个别票据未及时入账。（来源：2024年审计）" and len(problems) == 2
    assert measures[0].startswith("一是三季度召开两次专题会议") and "整改中，计划于2024年9月30日前完成" in measures[0]
    assert measures[1] == "二是逐笔清理。已整改到位：已于2024年12月全部入账。"
    page = preparer.get(f"/evaluations/{table.evaluation.pk}/").content.decode()
    assert "二是个别票据未及时入账" in page and "已整改到位：已于2024年12月全部入账" in page
    # the Word report, generated by the report code, carries both sections
    from jixiao.core.audit import audit
    from jixiao.core.scoring import score
    from jixiao.reports import render_report
    from jixiao.web.bridge import core_evaluation

    sheet = score(core_evaluation(Evaluation.objects.get(pk=table.evaluation.pk)))
    text = docx_text(render_report(sheet, audit(sheet), tmp_path / "report.docx"))
    assert "一是召开医保工作会议进度滞后" in text and "二是个别票据未及时入账。（来源：2024年审计）" in text
    assert "二是逐笔清理。已整改到位：已于2024年12月全部入账。" in text and "电子凭证激活人数：≥120万人" in text
    # a unit without last year's problems gets no invented text
    other = approved_table(login, "yixian_tianbao", 2026)
    login("yixian_tianbao").post(f"/cycle/targets/{other.pk}/start/")
    other.refresh_from_db()
    assert set(other.evaluation.extra["narrative"]) == {"goals"}


# --- allocation factors -------------------------------------------------------------------

def test_allocation_factors_are_configurable(demo, login):
    reviewer = login(REVIEWER)
    assert reviewer.post("/cycle/allocations/", {"year": "2025", "fund": "示例资金", "amount": "100.00"}).status_code == 302
    allocation = Allocation.objects.latest("pk")
    pks = [unit(n).pk for n in COUNTIES]
    url = f"/cycle/allocations/{allocation.pk}/"
    # weights not adding up to 100%: refused in Chinese, nothing saved
    response = reviewer.post(url, {"weight:insured": "50"}, follow=True)
    assert "各因素权重之和须为100%，实际为110%" in response.content.decode()
    allocation.refresh_from_db()
    assert [f["weight"] for f in allocation.factors] == ["40", "20", "25", "15"]
    assert "“参保人数”的权重须填写" in reviewer.post(url, {"weight:insured": ""}, follow=True).content.decode()
    assert "不是数字" in reviewer.post(url, {"weight:insured": "四十"}, follow=True).content.decode()
    # two score factors are refused too
    response = reviewer.post(url, {"weight:insured": "30", "new_name": "得分二", "new_weight": "10", "new_source": "score"},
                             follow=True)
    assert "只能作为一个因素" in response.content.decode()
    # a reverse factor added, 任务完成率 deleted, weights re-set; typed values for the typed factors
    data = {"delete:task": "1", "weight:insured": "50", "weight:score": "20", "weight:spending": "10",
            "new_name": "资金结余率", "new_unit": "%", "new_weight": "20", "new_source": "data", "new_direction": "反向",
            "name:insured": "参保人数（年末）"}
    for pk, insured, rest in zip(pks, ("1", "1", "2"), ("1", "2", "4")):
        data[f"value:{pk}:insured"] = insured
        data[f"value:{pk}:f5"] = rest
    for pk in pks[1:]:
        data[f"value:{pk}:score"] = "80"  # no evaluation up to 2024: typed by hand
    assert reviewer.post(url, data).status_code == 302
    allocation.refresh_from_db()
    assert [(f["name"], f["weight"], f["source"], f["direction"]) for f in allocation.factors] == [
        ("参保人数（年末）", "50", "data", "正向"), ("绩效评价得分", "20", "score", "正向"),
        ("资金执行进度", "10", "spending", "正向"), ("资金结余率", "20", "data", "反向")]
    response = reviewer.get(url)
    result = response.context["result"]
    plan = {r.name: r for r in result.plan.recipients}
    assert plan["寻甸回族彝族自治县医疗保险中心"].score == D("95.87")  # its 2023 evaluation
    assert [plan[n].values["spending"] for n in COUNTIES] == [D("52.27"), D("49.73"), D("45.73")]  # 2024-Q2 monitoring
    # 10,000 cents: insured 1/4, 1/4, 2/4 (50%); score 95.87, 80, 80 of 255.87 (20%); spending 52.27, 49.73, 45.73
    # of 147.73 (10%); 结余率 reversed: 1/1, 1/2, 1/4 of 7/4 → 4/7, 2/7, 1/7 (20%); floored 34.96 + 27.83 +
    # 37.21 = 100.00, no cent left
    assert [line.amount for line in result.lines] == [D("34.96"), D("27.83"), D("37.21")]
    assert result.total == D("100.00")
    page = response.content.decode()
    assert "资金结余率" in page and "（反向）" in page and "2023年自评" in page
    export = reviewer.get(url + "export.xlsx")
    sheet = load_workbook(BytesIO(b"".join(export.streaming_content))).active
    assert "资金结余率20%（反向）" in sheet.cell(2, 1).value
    assert [D(repr(sheet.cell(r, 12).value)) for r in (4, 5, 6, 7)] == [D("34.96"), D("27.83"), D("37.21"), D("100")]
    # a reverse factor needs values above 0
    reviewer.post(url, {f"value:{pks[0]}:f5": "0"})
    response = reviewer.get(url)
    assert response.context["result"] is None and "反向因素" in response.content.decode()
    assert login("xundian_tianbao").post(url, data).status_code == 403


# --- monitoring submit / return -----------------------------------------------------------

def test_monitoring_is_submitted_locked_and_returned(demo, login):
    table = approved_table(login, "yixian_tianbao")
    preparer, reviewer = login("yixian_tianbao"), login(REVIEWER)
    url = f"/cycle/targets/{table.pk}/monitoring/2025-Q1/"
    assert preparer.post(url, monitoring_post(table, spent="1200000")).status_code == 302
    report = MonitoringReport.objects.get(table=table, period="2025-Q1")
    assert report.state == "draft"
    # crafted POSTs cannot skip a state
    assert reviewer.post(f"/cycle/monitoring/{report.pk}/approve/").status_code == 403  # a draft
    assert reviewer.post(f"/cycle/monitoring/{report.pk}/return/", {"comment": "x"}).status_code == 403
    assert login("jiaxian_tianbao").post(f"/cycle/monitoring/{report.pk}/submit/").status_code == 403  # not theirs
    assert reviewer.post(f"/cycle/monitoring/{report.pk}/submit/").status_code == 403
    assert preparer.post(f"/cycle/monitoring/{report.pk}/submit/").status_code == 302
    report.refresh_from_db()
    assert report.state == "submitted"
    assert preparer.post(f"/cycle/monitoring/{report.pk}/submit/").status_code == 403  # twice
    assert preparer.post(url, monitoring_post(table, spent="1")).status_code == 403  # read-only now
    page = preparer.get(url).content.decode()
    assert 'name="spent"' not in page and "等待上级审核" in page
    assert preparer.post(f"/cycle/monitoring/{report.pk}/approve/").status_code == 403  # not one's own
    assert reviewer.post(f"/cycle/monitoring/{report.pk}/frobnicate/").status_code == 404
    reviewer.post(f"/cycle/monitoring/{report.pk}/return/", {"comment": ""})
    report.refresh_from_db()
    assert report.state == "submitted"  # a return needs a comment
    reviewer.post(f"/cycle/monitoring/{report.pk}/return/", {"comment": "支出数据有误"})
    report.refresh_from_db()
    assert report.state == "returned" and report.review_comment == "支出数据有误"
    assert "支出数据有误" in preparer.get(url).content.decode()
    assert preparer.post(url, monitoring_post(table, spent="1150000")).status_code == 302
    report.refresh_from_db()
    assert report.spent == D("1150000")
    assert preparer.post(f"/cycle/monitoring/{report.pk}/submit/").status_code == 302
    assert reviewer.post(f"/cycle/monitoring/{report.pk}/approve/").status_code == 302
    report.refresh_from_db()
    assert report.state == "approved"
    assert reviewer.post(f"/cycle/monitoring/{report.pk}/return/", {"comment": "x"}).status_code == 403
    assert preparer.post(url, monitoring_post(table)).status_code == 403
    states = [h.state for h in report.history.order_by("history_date", "history_id")]
    assert states[-5:] == ["submitted", "returned", "returned", "submitted", "approved"]


# --- thresholds ----------------------------------------------------------------------------

def test_thresholds_page_sets_the_lights(demo, login):
    table = approved_table(login, "jiaxian_tianbao")
    reviewer = login(REVIEWER)
    assert reviewer.get("/cycle/thresholds/").status_code == 200
    post = {"unit": table.unit.pk, "year": "2025"}
    for yellow, red, message in (("8", "5", "红灯阈值不能小于黄灯阈值"), ("-1", "5", "阈值不能为负数"),
                                 ("10", "120", "不能超过100"), ("abc", "5", "不是数字"), ("", "5", "均须填写")):
        response = reviewer.post("/cycle/thresholds/", {**post, "yellow": yellow, "red": red}, follow=True)
        assert message in response.content.decode(), message
    assert not ThresholdSetting.objects.filter(unit=table.unit, year=2025).exists()
    assert reviewer.post("/cycle/thresholds/", {**post, "yellow": "2", "red": "4"}).status_code == 302
    setting = ThresholdSetting.objects.get(unit=table.unit, year=2025)
    assert (setting.yellow, setting.red) == (D(2), D(4))
    # lag 3 (47% against 50%) is yellow under 2/4, so it needs a reason; the city's looser setting is overridden
    reviewer.post("/cycle/thresholds/", {"unit": unit("昆明市医疗保障局").pk, "year": "2025", "yellow": "15", "red": "30"})
    url = f"/cycle/targets/{table.pk}/monitoring/2025-Q2/"
    response = login("jiaxian_tianbao").post(url, monitoring_post(table, **{"completion:C102": "47", "budget": "", "spent": ""}))
    assert response.status_code == 400 and "C102" in response.content.decode()
    assert "示例甲县医疗保障局2025年监控阈值" in login("jiaxian_tianbao").get(f"/cycle/targets/{table.pk}/").content.decode()
    # without the county's own setting the city's applies (lag 3 is green); updating does not duplicate
    setting.delete()
    assert login("jiaxian_tianbao").post(url, monitoring_post(table, **{"completion:C102": "47"})).status_code == 302
    assert MonitoringReport.objects.get(table=table, period="2025-Q2").rows.get(code="C102").light == "green"
    reviewer.post("/cycle/thresholds/", {"unit": unit("昆明市医疗保障局").pk, "year": "2025", "yellow": "12", "red": "30"})
    assert ThresholdSetting.objects.filter(unit__name="昆明市医疗保障局", year=2025).count() == 1
    # the table's own thresholds still win
    table.yellow, table.red = D(1), D(2)
    table.save()
    response = login("jiaxian_tianbao").get(f"/cycle/targets/{table.pk}/").content.decode()
    assert "本目标表设置" in response
    response = login("jiaxian_tianbao").post(url, monitoring_post(table, **{"completion:C102": "47"}))
    assert response.status_code == 400 and "C102" in response.content.decode()  # lag 3 > 2: red under 1/2
    # permissions: preparers cannot, a reviewer of another city cannot set 昆明's counties
    assert login("jiaxian_tianbao").get("/cycle/thresholds/").status_code == 403
    assert login("jiaxian_tianbao").post("/cycle/thresholds/", {**post, "yellow": "1", "red": "2"}).status_code == 403
    from django.contrib.auth import get_user_model

    from jixiao.web.models import Account

    other = get_user_model().objects.create_user(username="suzhou_shenhe", password="jixiao2024")
    Account.objects.create(user=other, unit=unit("宿州市医疗保障局"), role=Account.REVIEWER)
    assert login("suzhou_shenhe").post("/cycle/thresholds/", {**post, "yellow": "1", "red": "2"}).status_code == 403
    city = ThresholdSetting.objects.get(unit__name="昆明市医疗保障局", year=2025)
    assert login("suzhou_shenhe").post(f"/cycle/thresholds/{city.pk}/delete/").status_code == 403
    assert "昆明市医疗保障局" not in login("suzhou_shenhe").get("/cycle/thresholds/").content.decode().split("<h2>")[0]


# --- scope and pages ----------------------------------------------------------------------

def test_warnings_page_shows_only_the_subtree(demo, login):
    from django.contrib.auth import get_user_model

    from jixiao.web.models import Account

    suzhou = get_user_model().objects.create_user(username="suzhou_shenhe", password="jixiao2024")
    Account.objects.create(user=suzhou, unit=unit("宿州市医疗保障局"), role=Account.REVIEWER)
    table = create_table(login("suzhou_tianbao"))
    login("suzhou_tianbao").post(f"/cycle/targets/{table.pk}/submit/")
    assert login("suzhou_shenhe").post(f"/cycle/targets/{table.pk}/approve/").status_code == 403  # its own unit
    assert login("sheng_shenhe").post(f"/cycle/targets/{table.pk}/approve/").status_code == 302
    login("suzhou_tianbao").post(f"/cycle/targets/{table.pk}/monitoring/2025-Q2/",
                                 monitoring_post(table, **{"completion:C102": "10", "reason:C102": "宿州原因"}))
    kunming = login(REVIEWER).get("/cycle/warnings/").content.decode()
    assert "合并召开" in kunming and "宿州原因" not in kunming  # 寻甸's demo red light
    page = login("suzhou_shenhe").get("/cycle/warnings/").content.decode()
    assert "宿州原因" in page and "合并召开" not in page
    province = login("sheng_shenhe").get("/cycle/warnings/").content.decode()
    assert "宿州原因" in province and "合并召开" in province
    assert login("xundian_tianbao").get("/cycle/warnings/").status_code == 403


def test_pages_render_for_every_role(demo, login):
    for user in ("xundian_tianbao", REVIEWER, "sheng_caizheng", "admin"):
        client = login(user)
        for url in ("/cycle/targets/", "/cycle/problems/", "/cycle/allocations/"):
            assert client.get(url).status_code == 200, (user, url)
    for user in (REVIEWER, "sheng_caizheng", "admin"):
        assert login(user).get("/cycle/thresholds/").status_code == 200
    assert login("xundian_tianbao").post("/cycle/allocations/", {"year": "2025", "fund": "x", "amount": "1"}).status_code == 403
    assert login(REVIEWER).post("/cycle/targets/", {"year": "2024"}).status_code == 403
    assert login(REVIEWER).post("/cycle/allocations/", {"year": "2025", "fund": "x", "amount": "1.001"}).status_code == 302
    assert not Allocation.objects.filter(fund="x").exists()  # not whole cents


def test_a_quarter_with_nothing_entered_shows_no_red_lights(demo, login):
    table = approved_table(login, "jiaxian_tianbao")
    preparer = login("jiaxian_tianbao")
    url = f"/cycle/targets/{table.pk}/monitoring/2025-Q2/"
    page = preparer.get(url).content.decode()
    assert "light light-red" not in page and "红灯0项" in page and "未填报" in page
    # saved with only the budget and one row: the other rows are 未填报, not red, and no problem is tracked
    post = {"budget": "4618400", "spent": "2400000", "completion:C102": "55"}
    assert preparer.post(url, post).status_code == 302
    report = MonitoringReport.objects.get(table=table, period="2025-Q2")
    assert report.warnings == 0 and not Problem.objects.filter(unit=table.unit, year=2025).exists()
    page = preparer.get(url).content.decode()
    assert "light light-red" not in page and "红灯0项" in page
    # a row entered as far behind is red as before
    preparer.post(url, {**post, "completion:C107": "5", "reason:C107": "验收推迟"})
    assert "light light-red" in preparer.get(url).content.decode()
    # 1e400 typed as 累计完成 is refused by name
    response = preparer.post(url, {**post, "actual:C107": "1e400"})
    assert response.status_code == 400 and "C107累计完成：不接受科学计数法“1e400”" in response.content.decode()
