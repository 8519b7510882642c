"""The site against a real database: scores equal the core's, edits are saved with a trail,
stale edits are refused, the workflow cannot be skipped, the API works."""

import json
from decimal import Decimal

import pytest

from jixiao.web.models import Evaluation, IndicatorValue
from jixiao.web.tasks import build_reports_now, enqueue_report
from .conftest import nanjing

pytestmark = pytest.mark.django_db


def test_demo_scores_equal_the_core(demo):
    from jixiao.core.scoring import score
    from jixiao.io.yamlio import load_evaluation
    from conftest import EXAMPLES

    core, _ = load_evaluation(EXAMPLES / "nanjing-2023-department.yaml")
    assert nanjing(demo).total == score(core).total == Decimal("96.65")
    assert nanjing(demo).grade == "优"
    assert len(demo) == 6


def test_entry_page_shows_rows_findings_and_total(demo, login):
    page = login("nanjing_tianbao").get(f"/evaluations/{nanjing(demo).pk}/").content.decode()
    assert 'id="row-B11"' in page and "部门预算执行率99.81%，低于目标0.19个百分点，扣0.02分" in page
    assert '<span class="big" id="total">96.65</span>' in page
    assert "申报3分，按规则应得0分" in page  # the C22 finding beside its row


def test_autosave_rescores_and_keeps_a_trail(demo, login):
    client, ev = login("nanjing_tianbao"), nanjing(demo)
    response = client.post(f"/evaluations/{ev.pk}/rows/C22/", {"version": 0, "actual": "10.5", "declared": "3"})
    assert response.status_code == 200
    html = response.content.decode()
    assert 'id="row-C22"' in html and 'data-score="3.00"' in html
    assert '<span class="big" id="total">99.65</span>' in html  # out-of-band total
    value = IndicatorValue.objects.get(evaluation=ev, code="C22")
    assert value.data["actual"] == "10.5" and value.version == 1
    history = list(value.history.all())
    assert history[0].data["actual"] == "10.5" and history[1].data["actual"] == "7.24"
    assert history[0].history_user.username == "nanjing_tianbao"
    assert Evaluation.objects.get(pk=ev.pk).total == Decimal("99.65")
    trail = client.get(f"/evaluations/{ev.pk}/").content.decode()
    # the trail in words: 字段 旧值 → 新值, one entry per changed field, no raw keys
    assert '<td>C22 实际值</td><td class="explain">7.24</td><td class="explain">10.5</td>' in trail
    assert "actual=" not in trail and "C22 填报内容" not in trail


def test_trail_names_each_changed_field_and_nothing_else(demo, login):
    from jixiao.web.evaluations.views import _history

    client, ev = login("nanjing_tianbao"), nanjing(demo)
    before = IndicatorValue.objects.get(evaluation=ev, code="C22").data
    assert client.post(f"/evaluations/{ev.pk}/rows/C22/", {"version": 0, "actual": before["actual"],
                                                           "declared": before["declared"], "evidence": "统计年报第3页"}).status_code == 200
    entries = [e for e in _history(Evaluation.objects.get(pk=ev.pk)) if e["what"].startswith("C22")]
    assert [(e["what"], e["before"], e["after"]) for e in entries] == [
        ("C22 佐证材料", before.get("evidence", ""), "统计年报第3页")]
    html = client.get(f"/evaluations/{ev.pk}/trail/").content.decode()
    assert client.post(f"/evaluations/{ev.pk}/trail/").status_code == 405  # the trail is read only
    assert "C22 佐证材料" in html and "C22 实际值" not in html and "evidence=" not in html


def test_stale_edit_is_refused_with_both_values(demo, login):
    client, ev = login("nanjing_tianbao"), nanjing(demo)
    assert client.post(f"/evaluations/{ev.pk}/rows/C22/", {"version": 0, "actual": "10.5"}).status_code == 200
    stale = client.post(f"/evaluations/{ev.pk}/rows/C22/", {"version": 0, "actual": "5"})
    assert stale.status_code == 409
    text = stale.content.decode()
    # both values at the row, in words: the saved one and the one typed (kept, not saved)
    assert '<td>实际值</td><td class="theirs">10.5</td><td class="mine">5</td>' in text
    assert IndicatorValue.objects.get(evaluation=ev, code="C22").data["actual"] == "10.5"


def test_bad_number_is_refused_in_chinese_and_nothing_changes(demo, login):
    client, ev = login("nanjing_tianbao"), nanjing(demo)
    response = client.post(f"/evaluations/{ev.pk}/rows/C22/", {"version": 0, "actual": "七"})
    assert "C22 实际值：“七”不是数字" in response.content.decode()
    assert IndicatorValue.objects.get(evaluation=ev, code="C22").data["actual"] == "7.24"


def test_override_needs_a_reason(demo, login):
    client, ev = login("nanjing_tianbao"), nanjing(demo)
    response = client.post(f"/evaluations/{ev.pk}/rows/C22/", {"version": 0, "actual": "7.24", "override_score": "3"})
    assert "人工改分必须写明理由" in response.content.decode()
    response = client.post(f"/evaluations/{ev.pk}/rows/C22/",
                           {"version": 0, "actual": "7.24", "override_score": "3", "override_reason": "口径调整"})
    assert 'data-score="3.00"' in response.content.decode()


def test_workflow_submit_return_fix_approve_publish(demo, login):
    ev = nanjing(demo)
    preparer, reviewer, finance = login("nanjing_tianbao"), login("sheng_shenhe"), login("sheng_caizheng")
    # approval and publication cannot skip submission
    assert reviewer.post(f"/evaluations/{ev.pk}/approve/").status_code == 403
    assert finance.post(f"/evaluations/{ev.pk}/publish/").status_code == 403
    assert preparer.post(f"/evaluations/{ev.pk}/submit/").status_code == 302
    assert Evaluation.objects.get(pk=ev.pk).state == "submitted"
    assert preparer.post(f"/evaluations/{ev.pk}/rows/C22/", {"version": 0, "actual": "11"}).status_code == 403
    assert preparer.post(f"/evaluations/{ev.pk}/approve/").status_code == 403  # no self-approval
    reviewer.post(f"/evaluations/{ev.pk}/return/", {"comment": "请核实C22", "comment:C22": "下降比率7.24%未达10%"})
    assert Evaluation.objects.get(pk=ev.pk).state == "returned"
    assert IndicatorValue.objects.get(evaluation=ev, code="C22").reviewer_comment == "下降比率7.24%未达10%"
    assert preparer.post(f"/evaluations/{ev.pk}/rows/C22/", {"version": 0, "actual": "7.24", "declared": "0"}).status_code == 200
    preparer.post(f"/evaluations/{ev.pk}/submit/")
    reviewer.post(f"/evaluations/{ev.pk}/approve/")
    assert Evaluation.objects.get(pk=ev.pk).state == "approved"
    assert finance.post(f"/evaluations/{ev.pk}/publish/").status_code == 302
    assert Evaluation.objects.get(pk=ev.pk).state == "published"
    states = [h.state for h in Evaluation.objects.get(pk=ev.pk).history.order_by("history_date")]
    assert states[-5:] == ["submitted", "returned", "submitted", "approved", "published"]
    assert "南京市医疗保险管理中心" in login("zhongwei_tianbao").get("/public/").content.decode()


def test_return_needs_a_comment(demo, login):
    ev = nanjing(demo)
    login("nanjing_tianbao").post(f"/evaluations/{ev.pk}/submit/")
    login("sheng_shenhe").post(f"/evaluations/{ev.pk}/return/", {"comment": ""})
    assert Evaluation.objects.get(pk=ev.pk).state == "submitted"


def test_api_lists_reads_writes_and_submits(demo, login):
    ev = nanjing(demo)
    client = login("nanjing_tianbao")
    listed = client.get("/api/evaluations").json()
    assert [e["unit"] for e in listed] == ["南京市医疗保险管理中心"]
    sheet = client.get(f"/api/evaluations/{ev.pk}").json()
    assert sheet["total"] == "96.65" and any(f["code"] == "C22" for f in sheet["findings"])
    put = client.put(f"/api/evaluations/{ev.pk}/values/C22", data=json.dumps({"data": {"actual": "12"}, "version": 0}),
                     content_type="application/json")
    assert put.status_code == 200 and put.json()["total"] == "99.65"
    stale = client.put(f"/api/evaluations/{ev.pk}/values/C22", data=json.dumps({"data": {"actual": "1"}, "version": 0}),
                       content_type="application/json")
    assert stale.status_code == 409 and stale.json()["current"]["actual"] == "12"
    bad = client.put(f"/api/evaluations/{ev.pk}/values/C22", data=json.dumps({"data": {"actual": "x"}}),
                     content_type="application/json")
    assert bad.status_code == 422
    assert client.post(f"/api/evaluations/{ev.pk}/submit").json()["state"] == "submitted"
    assert client.post(f"/api/evaluations/{ev.pk}/submit").status_code == 403
    schema = client.get("/api/openapi.json").json()
    assert "/api/evaluations/{pk}/values/{code}" in schema["paths"]


def test_api_basic_auth_for_integrations(demo):
    import base64

    from django.test import Client

    token = base64.b64encode(b"sheng_shenhe:jixiao2024").decode()
    response = Client().get("/api/evaluations", HTTP_AUTHORIZATION=f"Basic {token}")
    assert response.status_code == 200 and len(response.json()) == 6
    assert Client().get("/api/evaluations").status_code == 401


def test_dashboard_for_overseers(demo, login):
    page = login("sheng_shenhe").get("/dashboard/").content.decode()
    assert "echarts.min.js" in page and "南京市医疗保险管理中心" in page and "单位排名" in page
    assert login("kunming_shenhe").get("/dashboard/").content.decode().count("/evaluations/") == 1
    assert login("nanjing_tianbao").get("/dashboard/").status_code == 403


def test_framework_upload_refuses_changed_rules_under_same_version(demo, login):
    from django.core.files.uploadedfile import SimpleUploadedFile
    from jixiao.web.models import FrameworkVersion

    fv = FrameworkVersion.objects.get(key="nanjing-2023-department")
    admin = login("admin")
    changed = fv.yaml_text.replace("fraction_of_weight: '0.05'", "fraction_of_weight: '0.1'", 1)
    assert changed != fv.yaml_text
    response = admin.post("/frameworks/", {"file": SimpleUploadedFile("n.yaml", changed.encode())}, follow=True)
    assert "已存在且规则不同" in response.content.decode()
    bumped = changed.replace("version: '2023'", "version: 2023-r2", 1)
    response = admin.post("/frameworks/", {"file": SimpleUploadedFile("n.yaml", bumped.encode())}, follow=True)
    assert "已保存" in response.content.decode()
    assert FrameworkVersion.objects.filter(key="nanjing-2023-department").count() == 2
    assert nanjing(demo).framework_id == fv.pk  # the evaluation keeps its version
    assert login("nanjing_tianbao").post("/frameworks/", {}).status_code == 403


def test_report_job_builds_a_package(demo, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    ev = nanjing(demo)
    job = enqueue_report([ev], None, pdf=False)  # Huey runs immediately under tests
    job.refresh_from_db()
    if job.status != "done":
        build_reports_now(job.pk)
        job.refresh_from_db()
    assert job.status == "done", job.message
    import zipfile

    names = zipfile.ZipFile(tmp_path / job.result).namelist()
    assert any(n.endswith(".docx") for n in names) and any(n.endswith(".xlsx") for n in names)
