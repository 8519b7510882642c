"""Project forms of the demo province (called by ``jixiao.web.demo.setup_demo``).

ILLUSTRATIVE DATA. Three 项目支出绩效自评表, one per variant:

* 寻甸 (Yunnan 公开14表): seed 002's 第三方参与医疗保障基金监管项目. The project, the units and
  the 实际完成值 (265 institutions checked, 61 违规机构, 128.77万元 recovered…) come from seed
  002; every 年度指标值, 分值, the 满意度 row, the 项目资金 figures and the 偏差原因 are invented
  (as in tests/fixtures/project_forms/third-party-illustrative.yaml) — the form says so in its
  年度总体目标;
* 寻甸 (national form) and 宿州 (Hubei form): invented projects named 示例…, every figure
  invented, to show the other layouts and a department roll-up of more than one project.
"""

from __future__ import annotations

from jixiao.core.project_form import ProjectForm as CoreForm

NOTE = "【演示数据】年度指标值、分值、项目资金及偏差原因为虚构示例，不是公开数据"

THIRD_PARTY = {
    "variant": "yunnan", "year": 2023, "project": "第三方参与医疗保障基金监管项目",
    "department": "寻甸回族彝族自治县医疗保障局", "implementer": "寻甸回族彝族自治县医疗保险中心", "unit_level": "县",
    "region": "云南省昆明市寻甸回族彝族自治县",
    "money": {"unit": "元", "total": {"initial": 400000, "annual": 400000, "spent": 392000},
              "fiscal": {"initial": 400000, "annual": 400000, "spent": 392000}},
    "goals": [
        {"expected": "引入第三方力量参与医保基金监管，实现定点医药机构现场检查全覆盖",
         "actual": "对全县52家定点医疗机构和213家定点零售药店进行了全面现场核查，实现定点医药机构检查100%全覆盖"},
        {"expected": NOTE, "actual": "实际完成值取自寻甸回族彝族自治县医疗保险中心2023年部门整体支出绩效自评报告"},
    ],
    "indicators": [
        {"level1": "产出指标", "level2": "数量指标", "name": "定点医药机构现场核查数量", "target": "≥265家", "actual": "265",
         "weight": 20},
        {"level1": "产出指标", "level2": "数量指标", "name": "处理违规定点医疗机构", "target": "≥50家次", "actual": "61",
         "weight": 10},
        {"level1": "产出指标", "level2": "质量指标", "name": "定点医药机构检查覆盖率", "target": "=100%", "actual": "100%",
         "weight": 10},
        {"level1": "产出指标", "level2": "时效指标", "name": "举报投诉办结时限", "target": "≤30天", "actual": "36", "weight": 10,
         "reason": "个别案件需跨部门协查，办结延迟；改进措施：建立协查台账，限时督办"},
        {"level1": "效益指标", "level2": "经济效益指标", "name": "追回违规医保基金", "target": "≥150万元", "actual": "128.77",
         "weight": 15, "reason": "违规行为较上年减少，追回金额未达预期；改进措施：加强大数据筛查"},
        {"level1": "效益指标", "level2": "社会效益指标", "name": "基金监管长效机制", "target": "有效建立", "actual": "达成",
         "weight": 15, "score": 14, "reason": "第三方参与机制运行首年，制度尚待完善"},
        {"level1": "满意度指标", "level2": "服务对象满意度指标", "name": "定点医药机构满意度", "target": "≥90%", "actual": "93%",
         "weight": 10},
    ],
}

IT_NATIONAL = {
    "variant": "national", "year": 2023, "project": "示例：医保信息系统运行维护项目",
    "department": "寻甸回族彝族自治县医疗保障局", "implementer": "寻甸回族彝族自治县医疗保险中心", "unit_level": "县",
    "money": {"unit": "万元", "total": {"initial": 30, "annual": 30, "spent": 27.6},
              "fiscal": {"initial": 30, "annual": 30, "spent": 27.6}},
    "goals": [{"expected": "保障医保信息系统全年稳定运行", "actual": "系统全年稳定运行，故障均在时限内修复"},
              {"expected": "【演示数据】本项目及全部数字均为虚构示例", "actual": ""}],
    "indicators": [
        {"level1": "产出指标", "level2": "数量指标", "name": "运维服务器数量", "target": "≥12台", "actual": "12", "weight": 20},
        {"level1": "产出指标", "level2": "质量指标", "name": "系统可用率", "target": "≥99.5%", "actual": "99.8%", "weight": 15},
        {"level1": "产出指标", "level2": "时效指标", "name": "故障修复时限", "target": "≤4小时", "actual": "3", "weight": 15},
        {"level1": "效益指标", "level2": "社会效益指标", "name": "参保群众线上办事顺畅", "target": "明显改善", "actual": "达成",
         "weight": 30, "score": 27, "reason": "高峰期偶有卡顿；改进措施：扩容带宽"},
        {"level1": "满意度指标", "level2": "服务对象满意度指标", "name": "经办人员满意度", "target": "≥90%", "actual": "92%",
         "weight": 10},
    ],
}

SERVICE_HUBEI = {
    "variant": "hubei", "year": 2023, "project": "示例：医保经办服务能力提升项目（湖北省格式演示）",
    "department": "宿州市医疗保障局", "implementer": "宿州市医疗保障局", "unit_level": "市",
    "money": {"unit": "万元", "total": {"initial": 80, "annual": 100, "spent": 90},
              "fiscal": {"initial": 80, "annual": 80, "spent": 75}, "carryover": {"annual": 20, "spent": 15}},
    "goals": [{"expected": "建成15分钟医保服务圈", "actual": "建成村级服务点120个"},
              {"expected": "【演示数据】本项目及全部数字均为虚构示例", "actual": ""}],
    "indicators": [
        {"level1": "产出指标", "level2": "数量指标", "name": "新建村级医保服务点", "target": "≥120个", "actual": "120"},
        {"level1": "产出指标", "level2": "质量指标", "name": "服务点事项可办率", "target": "≥90%", "actual": "85%",
         "reason": "部分事项需系统授权，正在推进"},
        {"level1": "效益指标", "level2": "社会效益指标", "name": "群众就近办事", "target": "明显改善", "actual": "达成",
         "score": 27, "reason": "偏远村服务点人员流动大"},
        {"level1": "满意度指标", "level2": "服务对象满意度指标", "name": "参保群众满意度", "target": "≥90%", "actual": "94%"},
    ],
}

DEMO_FORMS = [("xundian", THIRD_PARTY), ("xundian", IT_NATIONAL), ("suzhou", SERVICE_HUBEI)]


def setup_demo_projects(units: dict) -> None:
    """Load demo project forms for the demo units (keys as in ``demo._units``), scored by the core."""
    from jixiao.web.projects.models import ProjectForm
    from jixiao.web.projects.views import store

    for key, data in DEMO_FORMS:
        form = CoreForm.model_validate(data)
        store(ProjectForm(unit=units[key]), form, "演示数据")
