"""The performance cycle on the site: a demo city (宿州) with three counties sets and approves
targets, reports two quarters of monitoring with one red warning, starts the year-end
evaluation from the targets, tracks a problem to done, and allocates next year's fund to the
cent — with the permissions of each role."""

from decimal import Decimal

import pytest
from django.contrib.auth import get_user_model

from jixiao.web.demo import DEMO_PASSWORD
from jixiao.web.models import (Account, Allocation, Evaluation, FrameworkVersion, MonitoringReport, Problem,
                               TargetTable, Unit)

pytestmark = pytest.mark.django_db
FUND = "医疗服务与保障能力提升补助资金（医疗保障服务能力提升部分）"


@pytest.fixture
def city(demo):
    """宿州 with three illustrative counties, a preparer for each and a city reviewer."""
    suzhou = Unit.objects.get(name="宿州市医疗保障局")
    User = get_user_model()
    counties = []
    for i, name in enumerate(("示例甲县医疗保障局", "示例乙县医疗保障局", "示例丙县医疗保障局")):
        county = Unit.objects.create(name=name, level="县", parent=suzhou)
        user = User.objects.create_user(username=f"county{i}", password=DEMO_PASSWORD)
        Account.objects.create(user=user, unit=county, role=Account.PREPARER)
        counties.append(county)
    reviewer = User.objects.create_user(username="suzhou_shenhe", password=DEMO_PASSWORD)
    Account.objects.create(user=reviewer, unit=suzhou, role=Account.REVIEWER)
    return {"city": suzhou, "counties": counties}


def create_table(client, year=2024) -> TargetTable:
    framework = FrameworkVersion.objects.get(key="national-capability-2023", builtin=True)
    response = client.post("/cycle/targets/", {"year": year, "framework": framework.pk, "overall_goal": "提升医保服务能力"})
    assert response.status_code == 302, response.content.decode()[:500]
    return TargetTable.objects.latest("pk")


def approved_table(login, username="county0", reviewer="suzhou_shenhe") -> TargetTable:
    preparer = login(username)
    table = create_table(preparer)
    assert preparer.post(f"/cycle/targets/{table.pk}/", {"overall_goal": "提升医保服务能力", "target:B11": "≥95%",
                                                         "new_code": "F1", "new_name": "电子凭证激活人数",
                                                         "new_target": "≥120万人"}).status_code == 302
    assert preparer.post(f"/cycle/targets/{table.pk}/submit/").status_code == 302
    assert login(reviewer).post(f"/cycle/targets/{table.pk}/approve/").status_code == 302
    table.refresh_from_db()
    assert table.state == TargetTable.APPROVED
    return table


def monitoring_post(table, **overrides):
    data = {"budget": "4618400", "spent": "2400000"}
    for row in table.rows.all():
        data[f"completion:{row.code}"] = "55"
    data.update(overrides)
    return data


def test_target_table_workflow_and_permissions(city, login):
    preparer = login("county0")
    table = create_table(preparer)
    assert table.rows.count() == 38 and table.rows.get(code="B11").target == "≥90%"  # prefilled from the framework
    page = preparer.get(f"/cycle/targets/{table.pk}/").content.decode()
    assert "≥90%" in page and "提交审核" in page
    assert login("county1").get(f"/cycle/targets/{table.pk}/").status_code == 403  # sibling county
    assert login("kunming_shenhe").get(f"/cycle/targets/{table.pk}/").status_code == 403  # other city
    assert login("suzhou_shenhe").get(f"/cycle/targets/{table.pk}/").status_code == 200
    assert login("county1").post(f"/cycle/targets/{table.pk}/", {"target:B11": "≥1%"}).status_code == 403
    assert login("suzhou_shenhe").post(f"/cycle/targets/{table.pk}/approve/").status_code == 403  # still draft
    assert preparer.post(f"/cycle/targets/{table.pk}/submit/").status_code == 302
    assert preparer.post(f"/cycle/targets/{table.pk}/approve/").status_code == 403  # not one's own
    assert preparer.post(f"/cycle/targets/{table.pk}/", {"target:B11": "≥1%"}).status_code == 403  # submitted: locked
    reviewer = login("suzhou_shenhe")
    reviewer.post(f"/cycle/targets/{table.pk}/return/", {"comment": ""})
    table.refresh_from_db()
    assert table.state == TargetTable.SUBMITTED  # a return needs a comment
    reviewer.post(f"/cycle/targets/{table.pk}/return/", {"comment": "B11目标偏低"})
    table.refresh_from_db()
    assert table.state == TargetTable.RETURNED and table.history.count() >= 3


def test_full_cycle(city, login):
    # 1. targets set and approved
    table = approved_table(login)
    preparer = login("county0")
    # 2. two quarters of monitoring, one red warning
    assert preparer.post(f"/cycle/targets/{table.pk}/monitoring/2024-Q1/", monitoring_post(table, spent="1200000")).status_code == 302
    q2 = monitoring_post(table, **{"completion:C102": "20"})  # 20% vs 50%: red
    response = preparer.post(f"/cycle/targets/{table.pk}/monitoring/2024-Q2/", q2)
    assert response.status_code == 400 and "须填写偏差原因" in response.content.decode()
    assert not MonitoringReport.objects.filter(table=table, period="2024-Q2").exists()
    q2["reason:C102"] = "上半年会议合并召开"
    assert preparer.post(f"/cycle/targets/{table.pk}/monitoring/2024-Q2/", q2).status_code == 302
    report = MonitoringReport.objects.get(table=table, period="2024-Q2")
    assert report.warnings == 1 and report.rows.get(code="C102").light == "red"
    page = login("suzhou_shenhe").get("/cycle/warnings/").content.decode()
    assert "上半年会议合并召开" in page and "红灯" in page and "示例甲县医疗保障局" in page
    for fmt_ in ("xlsx", "docx"):
        response = preparer.get(f"/cycle/monitoring/{report.pk}/export.{fmt_}")
        assert response.status_code == 200 and b"".join(response.streaming_content)[:2] == b"PK"
    assert login("county1").get(f"/cycle/monitoring/{report.pk}/export.xlsx").status_code == 403
    # 3. the year-end evaluation starts from the approved targets
    response = preparer.post(f"/cycle/targets/{table.pk}/start/")
    assert response.status_code == 302
    table.refresh_from_db()
    evaluation = table.evaluation
    assert evaluation.framework.version == "2023+示例甲县医疗保障局2024"
    assert "B11" in evaluation.framework.yaml_text and "≥95%" in evaluation.framework.yaml_text
    assert "电子凭证激活人数：≥120万人" in evaluation.extra["narrative"]["goals"]
    assert preparer.get(f"/evaluations/{evaluation.pk}/").status_code == 200
    preparer.post(f"/cycle/targets/{table.pk}/start/")  # a second start creates nothing
    assert Evaluation.objects.filter(unit=table.unit, year=2024).count() == 1
    # 4. a problem tracked to done
    preparer.post("/cycle/problems/", {"year": "2024", "source": "monitoring", "title": "会议召开进度滞后",
                                       "owner": "办公室", "due": "2024-09-30", "measures": "按季度召开"})
    problem = Problem.objects.get(title="会议召开进度滞后")
    preparer.post(f"/cycle/problems/{problem.pk}/", {"status": "done", "result": ""})
    problem.refresh_from_db()
    assert problem.status == "open"  # done needs a result
    preparer.post(f"/cycle/problems/{problem.pk}/", {"status": "done", "result": "全年召开4次"})
    problem.refresh_from_db()
    assert problem.status == "done"
    page = preparer.get("/cycle/problems/").content.decode()
    assert "一是会议召开进度滞后" in page and "已整改到位：全年召开4次" in page
    assert "会议召开进度滞后" not in login("county1").get("/cycle/problems/").content.decode()
    # 5. next year's allocation among the three counties, checked to the cent
    reviewer = login("suzhou_shenhe")
    assert reviewer.post("/cycle/allocations/", {"year": "2025", "fund": FUND, "amount": "1000000.01"}).status_code == 302
    allocation = Allocation.objects.get(unit=city["city"])
    data = {}
    for i, county in enumerate(city["counties"]):
        data.update({f"value:{county.pk}:insured": str(50 + i * 7), f"value:{county.pk}:task": "99.5",
                     f"value:{county.pk}:spending": str(90 + i)})
        if i:
            data[f"score:{county.pk}"] = str(80 + i)  # no evaluation yet: entered by hand
    data.update({"weight:insured": "40", "weight:task": "20", "weight:score": "25", "weight:spending": "15"})
    assert reviewer.post(f"/cycle/allocations/{allocation.pk}/", data).status_code == 302
    response = reviewer.get(f"/cycle/allocations/{allocation.pk}/")
    page = response.content.decode()
    result = response.context["result"]
    assert result is not None and result.total == Decimal("1000000.01") and result.balanced
    scores = {r.name: r.score for r in result.plan.recipients}
    assert scores["示例甲县医疗保障局"] == evaluation.total  # the county's evaluation total is its score
    assert scores["示例乙县医疗保障局"] == 81
    assert "1,000,000.01" in page
    export = reviewer.get(f"/cycle/allocations/{allocation.pk}/export.xlsx")
    assert export.status_code == 200
    assert login("county0").get(f"/cycle/allocations/{allocation.pk}/").status_code == 403
    assert login("kunming_shenhe").get(f"/cycle/allocations/{allocation.pk}/").status_code == 403


def test_warnings_page_shows_only_the_subtree(city, login):
    suzhou_table = approved_table(login)
    xundian = login("xundian_tianbao")
    xundian_table = create_table(xundian)
    xundian.post(f"/cycle/targets/{xundian_table.pk}/submit/")
    assert login("kunming_shenhe").post(f"/cycle/targets/{xundian_table.pk}/approve/").status_code == 302
    login("county0").post(f"/cycle/targets/{suzhou_table.pk}/monitoring/2024-Q2/",
                          monitoring_post(suzhou_table, **{"completion:C102": "10", "reason:C102": "宿州原因"}))
    xundian.post(f"/cycle/targets/{xundian_table.pk}/monitoring/2024-Q2/",
                 monitoring_post(xundian_table, **{"completion:C107": "10", "reason:C107": "寻甸原因"}))
    kunming = login("kunming_shenhe").get("/cycle/warnings/").content.decode()
    assert "寻甸原因" in kunming and "宿州原因" not in kunming
    suzhou = login("suzhou_shenhe").get("/cycle/warnings/").content.decode()
    assert "宿州原因" in suzhou and "寻甸原因" not in suzhou
    province = login("sheng_shenhe").get("/cycle/warnings/").content.decode()
    assert "宿州原因" in province and "寻甸原因" in province
    assert login("county0").get("/cycle/warnings/").status_code == 403


def test_thresholds_from_the_table(city, login):
    table = approved_table(login)
    table.yellow, table.red = Decimal(2), Decimal(4)
    table.save()
    response = login("county0").post(f"/cycle/targets/{table.pk}/monitoring/2024-Q2/", monitoring_post(table, **{
        "completion:C102": "47", "budget": "", "spent": ""}))  # lag 3: yellow under the table's own setting
    assert response.status_code == 400 and "C102" in response.content.decode()


def test_pages_render_for_every_role(city, login):
    for user in ("county0", "suzhou_shenhe", "sheng_caizheng", "admin"):
        client = login(user)
        for url in ("/cycle/targets/", "/cycle/problems/", "/cycle/allocations/"):
            assert client.get(url).status_code == 200, (user, url)
    assert login("county0").post("/cycle/allocations/", {"year": "2025", "fund": "x", "amount": "1"}).status_code == 403
    assert login("suzhou_shenhe").post("/cycle/targets/", {"year": "2024"}).status_code == 403
