"""End to end in Debian's headless Chromium at 1366×768: the performance cycle (/cycle/) on the
demo city 昆明. 昆明's reviewer sees 寻甸's red light with its reason on 监控预警; 寻甸's preparer
opens the submitted 2024-Q2 report, then enters 2024-Q3 progress — a red row without a reason is
refused, naming the row — and saves; the reviewer finds the red light's problem on 问题整改 (one
problem, updated by Q3), the 2025 allocation to the cent (the amounts add up to the fund and
equal the core's allocation of the figures, 寻甸's spending now taken from Q3), and the
thresholds page. Screenshots go to docs/images/cycle-*.png."""

from ..e2e import IMAGES, sign_in  # noqa: I001  (sets DJANGO_ALLOW_ASYNC_UNSAFE first)
from decimal import Decimal

import pytest

from jixiao.core import cycle
from jixiao.core.numbers import quantize
from jixiao.web.cycle.demo import ALLOCATION_AMOUNT, ALLOCATION_DATA, RED_MEASURES, RED_REASON, SPENDING
from jixiao.web.cycle.views import DEFAULT_FACTORS
from jixiao.web.models import Allocation, Evaluation, MonitoringReport, Problem, TargetTable, ThresholdSetting

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

XUNDIAN = "寻甸回族彝族自治县医疗保险中心"
JIA, YI = "示例甲县医疗保障局", "示例乙县医疗保障局"
Q3_SPENT = "1900000"  # 寻甸's budget 2,468,000 元: 76.99% against the 75% line, green
Q3_COMPLETION = "78"  # every row but C102
Q3_REASON = "三季度专题会议因防汛工作再次推迟，仅召开一次。"
Q3_MEASURES = "十月上旬补开专题会议。"


def cells(row) -> list[str]:
    return [t.strip() for t in row.locator("td").all_inner_texts()]


def spending_rate(budget: str, spent: str) -> Decimal:
    return quantize(Decimal(spent) * 100 / Decimal(budget), 2)


def expected_allocation() -> cycle.Allocation:
    """The 2025 allocation computed by the core from the figures themselves: the typed 参保人数
    and 任务完成率, 寻甸's evaluation total (the others' typed scores), and each county's latest
    2024 spending rate — 寻甸's from the Q3 report this test enters."""
    xundian_score = Evaluation.objects.get(unit__name=XUNDIAN).total
    budgets = {key: budget for key, (budget, _) in SPENDING.items()}
    rates = {"xundian": spending_rate(budgets["xundian"], Q3_SPENT),
             "kunming_jia": spending_rate(budgets["kunming_jia"], SPENDING["kunming_jia"][1]["2024-Q2"]),
             "kunming_yi": spending_rate(budgets["kunming_yi"], SPENDING["kunming_yi"][1]["2024-Q2"])}
    names = {"xundian": XUNDIAN, "kunming_jia": JIA, "kunming_yi": YI}
    recipients = []
    for key, name in names.items():
        typed = ALLOCATION_DATA[key]
        score = xundian_score if key == "xundian" else Decimal(typed["score"])
        recipients.append({"name": name, "score": score,
                           "values": {"insured": Decimal(typed["insured"]), "task": Decimal(typed["task"]),
                                      "spending": rates[key]}})
    factors = [{"key": f["key"], "name": f["name"], "unit": f["unit"], "weight": Decimal(f["weight"]),
                "kind": f["kind"]} for f in DEFAULT_FACTORS]
    plan = cycle.AllocationPlan(amount=ALLOCATION_AMOUNT, unit="元", factors=factors, recipients=recipients)
    return cycle.allocate(plan)


def test_warning_monitoring_problem_allocation_and_thresholds(page, site):
    IMAGES.mkdir(parents=True, exist_ok=True)

    # 监控预警: 寻甸's red light of 2024-Q2, with its reason, first
    sign_in(page, site, "kunming_shenhe")
    page.click("header a:has-text('监控预警')")
    page.wait_for_selector("#warnings")
    assert "红灯1项" in page.inner_text("main > p")
    first = cells(page.locator("#warnings tr").nth(1))
    assert first[0] == XUNDIAN and first[2] == "2024-Q2" and first[4] == "C102" and first[5] == "召开医保工作会议"
    assert first[8] == "红灯" and first[9] == RED_REASON
    assert page.locator("#warnings tr").nth(1).locator(".light-red").count() == 1
    assert any(c[0] == YI and c[4] == "C107" and c[8] == "黄灯" for c in
               (cells(page.locator("#warnings tr").nth(i)) for i in range(2, page.locator("#warnings tr").count())))
    page.screenshot(path=str(IMAGES / "cycle-warnings.png"))

    # 寻甸's preparer: the submitted 2024-Q2 report is read-only, its red row with the reason …
    sign_in(page, site, "xundian_tianbao")
    page.click("header a:has-text('绩效目标')")
    page.click(f"table a:has-text('{XUNDIAN}')")
    page.click("a:has-text('2024-Q2')")
    page.wait_for_selector("#monitoring")
    assert "已提交" in page.inner_text("h1")
    q2_red = page.locator("#monitoring tr:has(td:text-is('C102'))")
    assert "红灯" in q2_red.inner_text() and RED_REASON in q2_red.inner_text()
    assert page.locator("input[name^='completion:']").count() == 0  # read-only
    assert "召开医保工作会议进度滞后" in page.inner_text("#red-problems")

    # … then 2024-Q3: progress entered; C102 by its 累计完成 (1 of ≥2次: 50% against 75%: red)
    page.click("a:has-text('返回目标表')")
    page.fill("input[name=period]", "2024-Q3")
    page.click("button:has-text('填报')")
    page.wait_for_selector("#monitoring")
    assert "（2024-Q3）" in page.inner_text("h1")
    page.fill("input[name=budget]", SPENDING["xundian"][0])
    page.fill("input[name=spent]", Q3_SPENT)
    completions = page.locator("input[name^='completion:']")
    table = TargetTable.objects.get(unit__name=XUNDIAN, year=2024)
    rows = table.rows.count()
    assert completions.count() == rows == 39 and table.rows.filter(code="F1", free=True).exists()  # 38 + free F1
    for i in range(completions.count()):
        field = completions.nth(i)
        if field.get_attribute("name") != "completion:C102":
            field.fill(Q3_COMPLETION)
    page.fill("input[name='actual:C102']", "1")
    page.click("button:has-text('保存并计算监控结果')")  # the red row has no reason: refused, the row named
    page.wait_for_selector("ul.messages li.error")
    assert "以下黄灯/红灯指标须填写偏差原因：C102" in page.inner_text("ul.messages")
    red_row = page.locator("#monitoring tr.missing")
    assert red_row.count() == 1 and cells(red_row)[0] == "C102" and "红灯" in red_row.inner_text()
    assert not MonitoringReport.objects.filter(period="2024-Q3").exists()  # nothing saved
    page.fill("textarea[name='reason:C102']", Q3_REASON)
    page.fill("textarea[name='measures:C102']", Q3_MEASURES)
    page.click("button:has-text('保存并计算监控结果')")
    page.wait_for_selector("ul.messages li:has-text('已保存')")
    assert f"已保存：绿灯{rows}项，黄灯0项，红灯1项；红灯已登记为整改问题1项" in page.inner_text("ul.messages")
    assert "序时进度 75.00%" in page.inner_text("main")
    assert "76.99%" in page.inner_text(".card >> nth=0")  # 1,900,000 ÷ 2,468,000
    red_row = page.locator("#monitoring tr:has(td:text-is('C102'))")
    assert "红灯 50.00%" in red_row.inner_text()
    red_row.scroll_into_view_if_needed()
    page.evaluate("window.scrollBy(0, -300)")
    page.screenshot(path=str(IMAGES / "cycle-monitoring.png"))
    report = MonitoringReport.objects.get(period="2024-Q3")
    assert report.warnings == 1 and report.state == MonitoringReport.DRAFT
    page.click("button:has-text('提交审核')")
    page.wait_for_selector("ul.messages li:has-text('已提交')")

    # 问题整改: the red light is one problem of 寻甸, updated by Q3, its owner and status kept
    sign_in(page, site, "kunming_shenhe")
    page.click("header a:has-text('问题整改')")
    page.wait_for_selector("#problems")
    problems = Problem.objects.filter(unit__name=XUNDIAN, source="monitoring")
    assert problems.count() == 1 and problems.get().report == report
    row = page.locator("#problems tr:has-text('召开医保工作会议进度滞后')")
    assert row.count() == 1
    text = row.inner_text()
    assert XUNDIAN in text and "运行监控" in text and "2024-Q3红灯" in text
    assert "2024-Q3运行监控红灯：召开医保工作会议完成进度50%，应完成75%，落后25个百分点" in text
    assert Q3_REASON in text and "县医保中心办公室" in text and "2024-09-30" in text
    assert RED_MEASURES in text and Q3_MEASURES not in text  # measures already written are kept
    assert row.locator("select[name=status]").input_value() == "in_progress"
    page.screenshot(path=str(IMAGES / "cycle-problems.png"))

    # 因素法分配: the amounts add up to the fund to the cent and are the core's allocation
    expected = expected_allocation()
    assert expected.balanced
    page.click("header a:has-text('因素法分配')")
    page.click("table a:has-text('昆明市医疗保障局')")
    page.wait_for_selector("#allocation")
    header = page.locator("#allocation tr").first.inner_text()
    for name in ("参保人数", "参保任务完成率", "绩效评价得分", "资金执行进度"):
        assert name in header
    shown = {}
    for i in range(1, 4):
        line = cells(page.locator("#allocation tr").nth(i))
        shown[line[0]] = Decimal(line[-1].replace(",", ""))  # shown as 1,114,158.59
    assert set(shown) == {XUNDIAN, JIA, YI}
    assert sum(shown.values()) == ALLOCATION_AMOUNT == Decimal("2865000.00")
    assert shown == {line.name: line.amount for line in expected.lines}
    assert page.inner_text("#total") == "2,865,000.00"
    xundian_row = page.locator(f"#allocation tr:has(td:text-is('{XUNDIAN}'))")
    assert "76.99" in xundian_row.inner_text() and "2024-Q3监控" in xundian_row.inner_text()
    assert "2023年自评" in xundian_row.inner_text()
    total_cells = page.locator("#allocation tr").last.locator("th").all_inner_texts()
    assert total_cells[-1] == "2,865,000.00"
    page.screenshot(path=str(IMAGES / "cycle-allocation.png"))
    assert Allocation.objects.get(year=2025).amount == ALLOCATION_AMOUNT

    # 监控阈值: 昆明's 2024 setting
    page.click(".cycle-nav a:has-text('监控阈值')")
    page.wait_for_selector("#thresholds")
    setting = page.locator("#thresholds tr:has(td:text-is('昆明市医疗保障局'))")
    assert setting.count() == 1
    assert cells(setting)[1:5] == ["2024", "10.00", "20.00", cycle.Thresholds(yellow=10, red=20).describe()]
    assert ThresholdSetting.objects.filter(unit__name="昆明市医疗保障局", year=2024).count() == 1
