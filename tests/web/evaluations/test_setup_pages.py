"""Frameworks assigned to units for a year; evaluations started from an assignment; report
narrative and financial data edited on the site, validated by the core."""

import pytest
import yaml

from jixiao.web.models import Evaluation, FrameworkVersion, Unit
from ..conftest import xundian

pytestmark = pytest.mark.django_db


def test_assign_and_start_an_evaluation(demo, login):
    fw = FrameworkVersion.objects.get(key="national-medical-aid-2023")
    kunming = Unit.objects.get(name="昆明市医疗保障局")
    admin = login("admin")
    admin.post("/assignments/", {"framework": fw.pk, "unit": kunming.pk, "year": 2024, "fund": "医疗救助补助资金",
                                 "include_subtree": "1"})
    preparer = login("xundian_tianbao")
    page = preparer.get("/assignments/").content.decode()
    assert "开始填报" in page
    assignment = fw.assignments.get()
    response = preparer.post(f"/assignments/{assignment.pk}/start/")
    ev = Evaluation.objects.get(unit__name__startswith="寻甸", year=2024)
    assert response.url == f"/evaluations/{ev.pk}/"
    assert ev.values.count() == 28 and ev.state == "draft"
    assert ev.total == 6  # only the per-incident rows (no incident recorded yet) score before entry
    # every row is marked as not yet filled in, so those 6 points are not mistaken for work done
    page = preparer.get(f"/evaluations/{ev.pk}/").content.decode()
    assert page.count(">尚未填报</span>") == 28
    code = ev.values.order_by("code").first().code
    assert preparer.post(f"/evaluations/{ev.pk}/rows/{code}/", {"version": 0, "evidence": "已核实"}).status_code == 200
    assert preparer.get(f"/evaluations/{ev.pk}/").content.decode().count(">尚未填报</span>") == 27
    assert login("nanjing_tianbao").post(f"/assignments/{assignment.pk}/start/").status_code == 403
    assert login("xundian_tianbao").post("/assignments/", {"framework": fw.pk}).status_code == 403


def test_edit_narrative_and_finance(demo, login):
    ev = xundian(demo)
    client = login("xundian_tianbao")
    page = client.get(f"/evaluations/{ev.pk}/extra/").content.decode()
    assert "存在问题及原因分析" in page and "finance:" in page
    data = yaml.safe_load(page.split('name="data"')[1].split(">", 1)[1].split("</textarea>")[0].replace("&#x27;", "'").replace("&quot;", '"'))
    data["finance"]["sangong"]["spent"] = "not a number"
    bad = client.post(f"/evaluations/{ev.pk}/extra/", {"narrative:problems": "人手不足", "data": yaml.safe_dump(data, allow_unicode=True)})
    assert "finance.sangong.spent" in bad.content.decode()
    ev.refresh_from_db()
    assert ev.extra["narrative"].get("problems") != "人手不足"
    data["finance"]["sangong"]["spent"] = "14056.57"
    client.post(f"/evaluations/{ev.pk}/extra/", {"narrative:problems": "人手不足", "data": yaml.safe_dump(data, allow_unicode=True)})
    ev.refresh_from_db()
    assert ev.extra["narrative"]["problems"] == "人手不足"
    assert ev.extra["finance"]["sangong"]["spent"] == "14056.57"
    assert login("nanjing_tianbao").get(f"/evaluations/{ev.pk}/extra/").status_code == 403
