"""Performance-cycle data of the demo province (called by ``jixiao.web.demo.setup_demo``).

昆明市 is the demo city of the whole cycle (issue 9). Besides 寻甸 it gets two counties that do
not exist — 示例甲县 and 示例乙县 (示例数据) — each with a preparer account. Everything below is
illustrative data (示例数据), not figures of any real county:

* 2024 绩效目标表 of the three counties (national capability framework, a few targets raised,
  one free row), approved; 昆明市's 2024 monitoring thresholds (黄灯 10, 红灯 20);
* two quarters of monitoring each (2024-Q1 approved, 2024-Q2 submitted) with exactly one red
  light — 寻甸 C102 in Q2, with its reason — which became a tracked problem;
* problems: that red light (整改中), a 2023 audit finding of 示例甲县 that is done, and a 2024
  self-evaluation finding of 示例乙县 still open;
* the 2025 factor allocation of 昆明市 among the three counties (参保人数 and 任务完成率 typed,
  绩效评价得分 from 寻甸's evaluation and typed for the others, 资金执行进度 from Q2 monitoring).

Lights, problems and amounts go through the same functions as the site (``cycle.views``), so
the demo shows what the pages compute.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal

FUND = "医疗服务与保障能力提升补助资金（医疗保障服务能力提升部分）"
FRAMEWORK = "national-capability-2023"
REGION = "云南省昆明市（示例县，虚构）"

#: (unit key, name, preparer username) of the two illustrative counties.
COUNTIES = [("kunming_jia", "示例甲县医疗保障局", "jiaxian_tianbao"),
            ("kunming_yi", "示例乙县医疗保障局", "yixian_tianbao")]

GOAL = ("推进医保信息化和标准化建设，加强基金监管和经办服务能力，年度预算执行率不低于95%，"
        "参保人员对医保服务的满意度不低于85%（示例数据）。")

#: Targets raised above the framework's standard values, per county.
TARGETS = {"B11": "≥95%", "D11": "≥88%"}
FREE_ROW = {"code": "F1", "name": "医保电子凭证激活率", "target": "≥80%", "level1": "产出指标", "level2": "数量指标"}

#: Budget (元) and spending by quarter, per county key (示例数据).
SPENDING = {
    "xundian": ("2468000", {"2024-Q1": "640000", "2024-Q2": "1290000"}),
    "kunming_jia": ("1820000", {"2024-Q1": "430000", "2024-Q2": "905000"}),
    "kunming_yi": ("1536000", {"2024-Q1": "352000", "2024-Q2": "702400"}),
}
RED_REASON = "上半年全县医保工作会议与全市会议合并召开，原定二季度的专题会议推迟到三季度。"
RED_MEASURES = "三季度召开两次专题会议，四季度召开年度总结会议。"
YELLOW_REASON = "信息系统验收排期在三季度，二季度仅完成部分模块验收。"

#: The 2025 allocation: typed factor values per county key (参保人数 万人, 任务完成率 %), and the
#: score typed for the counties without an evaluation.
ALLOCATION_AMOUNT = Decimal("2865000.00")
ALLOCATION_DATA = {
    "xundian": {"insured": "48.37", "task": "99.12"},
    "kunming_jia": {"insured": "36.85", "task": "100.3", "score": "92.5"},
    "kunming_yi": {"insured": "29.6", "task": "97.84", "score": "88"},
}


def setup_demo_cycle(units: dict) -> None:
    """Load demo targets, monitoring, problems and an allocation for the demo units. Adds the
    two illustrative counties to ``units`` (keys ``kunming_jia``, ``kunming_yi``)."""
    from django.contrib.auth import get_user_model

    from jixiao.core import cycle

    from jixiao.web import bridge
    from jixiao.web.cycle.views import assessment_of, core_report, save_monitoring, thresholds_for
    from jixiao.web.demo import DEMO_PASSWORD
    from jixiao.web.models import (Account, Allocation, FrameworkVersion, MonitoringReport, Problem, TargetRow, TargetTable,
                         ThresholdSetting, Unit)

    kunming = units["kunming"]
    User = get_user_model()
    for key, name, username in COUNTIES:
        units[key] = Unit.objects.create(name=name, level="县", region=REGION, parent=kunming)
        user = User.objects.create_user(username=username, password=DEMO_PASSWORD)
        Account.objects.create(user=user, unit=units[key], role=Account.PREPARER)
    counties = ["xundian", "kunming_jia", "kunming_yi"]

    ThresholdSetting.objects.create(unit=kunming, year=2024, yellow=Decimal(10), red=Decimal(20))

    version = FrameworkVersion.objects.get(key=FRAMEWORK, builtin=True)
    framework = bridge.core_framework(version)
    tables = {}
    for key in counties:
        unit = units[key]
        table = TargetTable.objects.create(unit=unit, year=2024, fund=FUND, framework=version, overall_goal=GOAL,
                                           state=TargetTable.APPROVED, review_comment="")
        prefilled = cycle.table_from_framework(framework, unit.name, 2024)
        rows = [TargetRow(table=table, code=r.code, name=r.name, target=TARGETS.get(r.code, r.target.text),
                          level1=r.level1, level2=r.level2, order=i) for i, r in enumerate(prefilled.rows)]
        rows.append(TargetRow(table=table, free=True, order=len(rows), **FREE_ROW))
        TargetRow.objects.bulk_create(rows)
        tables[key] = table

    for key in counties:
        table = tables[key]
        budget, spent = SPENDING[key]
        for period in ("2024-Q1", "2024-Q2"):
            report = MonitoringReport(table=table, period=period, budget=Decimal(budget), spent=Decimal(spent[period]))
            progress = cycle.time_progress(period)
            rows = {}
            for row in table.rows.all():
                entered = {"actual": "", "completion": progress + 2, "expected": None, "reason": "", "measures": ""}
                if key == "xundian" and period == "2024-Q2" and row.code == "C102":
                    entered.update(actual="0", completion=Decimal(0), reason=RED_REASON, measures=RED_MEASURES)
                if key == "kunming_yi" and period == "2024-Q2" and row.code == "C107":
                    entered.update(completion=Decimal(35), reason=YELLOW_REASON)
                rows[row.code] = entered
            assessment = cycle.assess(core_report(report, rows), thresholds_for(table), strict=True)
            save_monitoring(report, rows, assessment, reason="演示数据")
            report.state = MonitoringReport.APPROVED if period == "2024-Q1" else MonitoringReport.SUBMITTED
            report._change_reason = "演示数据"
            report.save()
    assert sum(assessment_of(r).count(cycle.RED) for r in MonitoringReport.objects.filter(table__in=tables.values())) == 1

    red = Problem.objects.get(unit=units["xundian"], source="monitoring")
    red.owner, red.due, red.status = "县医保中心办公室", date(2024, 9, 30), "in_progress"
    red._change_reason = "演示数据"
    red.save()
    Problem.objects.create(unit=units["kunming_jia"], year=2023, source="audit", title="部分医保信息化项目资料归档不全",
                           description="2023年审计发现两个信息化项目的验收资料未及时归档（示例数据）。",
                           owner="规划财务股", due=date(2024, 3, 31), measures="建立项目资料归档台账，逐项补齐验收资料",
                           status="done", result="两个项目验收资料已于2024年3月补齐归档，台账按月更新")
    Problem.objects.create(unit=units["kunming_yi"], year=2024, source="evaluation", title="绩效目标细化不足",
                           description="部分产出指标未分解到季度，难以开展运行监控（示例数据）。",
                           owner="规划财务股", due=date(2025, 6, 30), measures="按季度分解2025年绩效目标")

    allocation = Allocation.objects.create(unit=kunming, year=2025, fund=FUND, amount=ALLOCATION_AMOUNT,
                                           factors=_default_factors(),
                                           data={str(units[k].pk): v for k, v in ALLOCATION_DATA.items()})
    from jixiao.web.cycle.views import core_plan

    plan, errors, _ = core_plan(allocation)
    assert plan is not None and cycle.allocate(plan).balanced, errors


def _default_factors() -> list[dict]:
    from jixiao.web.cycle.views import DEFAULT_FACTORS

    return [dict(f) for f in DEFAULT_FACTORS]
