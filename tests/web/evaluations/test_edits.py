"""Refused row saves answer with the saved and the typed value (issue 17 point 2), named
number errors (point 3), the live findings card, comment list, current return comment and
confirmations (point 4), project-form submissions that carry what the user saw."""

import pytest

from jixiao.web.models import Evaluation, IndicatorValue, ProjectForm

from ..conftest import nanjing

pytestmark = pytest.mark.django_db


def c22(ev):
    return IndicatorValue.objects.get(evaluation=ev, code="C22")


def test_stale_save_shows_both_values_the_row_as_saved_and_the_version(demo, login):
    client, ev = login("nanjing_tianbao"), nanjing(demo)
    assert client.post(f"/evaluations/{ev.pk}/rows/C22/", {"version": 0, "actual": "10.5"}).status_code == 200
    response = client.post(f"/evaluations/{ev.pk}/rows/C22/", {"version": 0, "actual": "5", "evidence": "统计年报"})
    html = response.content.decode()
    assert response.status_code == 409
    assert 'data-kind="stale"' in html and 'data-version="1"' in html and "用我的值覆盖" in html
    assert '<td>实际值</td><td class="theirs">10.5</td><td class="mine">5</td>' in html
    assert '<td class="mine">统计年报</td>' in html
    assert '<template class="server-row"><tr id="row-C22"' in html and 'value="10.5"' in html
    assert '<span class="big" id="total">99.65</span>' in html  # the saved total, out of band
    assert c22(ev).data["actual"] == "10.5"


def test_save_into_a_submitted_evaluation_is_refused_with_both_values(demo, login):
    client, ev = login("nanjing_tianbao"), nanjing(demo)
    assert client.post(f"/evaluations/{ev.pk}/submit/").status_code == 302
    response = client.post(f"/evaluations/{ev.pk}/rows/C22/", {"version": 0, "actual": "11"})
    html = response.content.decode()
    assert response.status_code == 403 and 'data-kind="locked"' in html and "评价已已提交" not in html
    assert "评价的状态为“已提交”，您不能再修改" in html and '<td class="theirs">7.24</td><td class="mine">11</td>' in html
    assert "用我的值覆盖" not in html  # nothing to overwrite into a submitted evaluation
    assert c22(ev).data["actual"] == "7.24"


@pytest.mark.parametrize("typed, reason", [
    ("1e400", "C22 实际值：不接受科学计数法“1e400”"), ("98,5", "C22 实际值：逗号不能作小数点：“98,5”"),
    ("1" * 400, "C22 实际值：“11111111111111111111…”位数过多")])
def test_bad_numbers_are_refused_by_name(demo, login, typed, reason):
    client, ev = login("nanjing_tianbao"), nanjing(demo)
    response = client.post(f"/evaluations/{ev.pk}/rows/C22/", {"version": 0, "actual": typed})
    assert response.status_code == 400 and reason in response.content.decode()
    assert c22(ev).data["actual"] == "7.24"


def test_out_of_range_values_are_refused_and_full_width_read(demo, login):
    client, ev = login("nanjing_tianbao"), nanjing(demo)
    response = client.post(f"/evaluations/{ev.pk}/rows/D14/", {"version": 0, "actual": "105"})
    assert response.status_code == 400
    assert "D14 实际值：百分比应在0到100之间，“105”超出范围" in response.content.decode()
    response = client.post(f"/evaluations/{ev.pk}/rows/C11/", {"version": 0, "actual": "-5"})
    assert response.status_code == 400 and "C11 实际值：数量（万人）不能为负数：“-5”" in response.content.decode()
    response = client.post(f"/evaluations/{ev.pk}/rows/C22/", {"version": 0, "actual": "１０．５"})
    assert response.status_code == 200 and c22(ev).data["actual"] == "10.5"


def test_findings_card_comes_with_every_save(demo, login):
    client, ev = login("nanjing_tianbao"), nanjing(demo)
    assert "按规则计算96.65分" in client.get(f"/evaluations/{ev.pk}/").content.decode()
    html = client.post(f"/evaluations/{ev.pk}/rows/C22/", {"version": 0, "actual": "10.5"}).content.decode()
    assert '<div id="general-findings" hx-swap-oob="true">' in html and "按规则计算99.65分" in html


def test_comments_listed_and_return_comment_only_while_returned(demo, login):
    ev = nanjing(demo)
    preparer, reviewer, finance = login("nanjing_tianbao"), login("sheng_shenhe"), login("sheng_caizheng")
    page = preparer.get(f"/evaluations/{ev.pk}/").content.decode()
    assert 'data-confirm="确定提交审核吗？提交后本评价即锁定，不能再修改，直到审核人退回。"' in page
    preparer.post(f"/evaluations/{ev.pk}/submit/")
    page = reviewer.get(f"/evaluations/{ev.pk}/").content.decode()
    assert "确定退回吗？" in page and "确定审核通过吗？" in page
    reviewer.post(f"/evaluations/{ev.pk}/return/", {"comment": "请核实C22", "comment:C22": "下降比率7.24%未达10%"})
    page = preparer.get(f"/evaluations/{ev.pk}/").content.decode()
    assert 'id="row-comments"' in page and '<a href="#row-C22">C22</a>' in page and "下降比率7.24%未达10%" in page
    assert 'id="review-comment">审核意见：请核实C22' in page
    preparer.post(f"/evaluations/{ev.pk}/submit/")
    reviewer.post(f"/evaluations/{ev.pk}/approve/")
    page = finance.get(f"/evaluations/{ev.pk}/").content.decode()
    assert "确定公开吗？" in page
    finance.post(f"/evaluations/{ev.pk}/publish/")
    assert Evaluation.objects.get(pk=ev.pk).state == "published"
    page = reviewer.get(f"/evaluations/{ev.pk}/").content.decode()
    assert "请核实C22" not in page.split("变更记录")[0]  # not in red at the top any more
    assert 'id="review-comment"' not in page and 'id="row-comments"' not in page


def test_project_submit_carries_the_version_seen_and_no_unsaved_edits(demo, login):
    record = ProjectForm.objects.get(project="第三方参与医疗保障基金监管项目")
    client = login("xundian_tianbao")
    # a refused save: the page shows the edits, marks the form dirty, and its submit says so
    response = client.post(f"/projects/{record.pk}/", {"version": record.lock_version, "row_count": "0",
                                                       "money:total:annual": "1e400"})
    html = response.content.decode()
    assert response.status_code == 400 and "不接受科学计数法“1e400”" in html
    assert 'data-dirty="1"' in html and '<input type="hidden" name="unsaved" value="1">' in html
    assert 'data-requires-saved="project-form"' in html
    response = client.post(f"/projects/{record.pk}/submit/", {"version": record.lock_version, "unsaved": "1"},
                           follow=True)
    assert "页面上的修改尚未保存" in response.content.decode()
    record.refresh_from_db()
    assert record.state == ProjectForm.DRAFT
    response = client.post(f"/projects/{record.pk}/submit/", {"version": record.lock_version - 1}, follow=True)
    assert "已被修改" in response.content.decode()
    record.refresh_from_db()
    assert record.state == ProjectForm.DRAFT
    assert client.post(f"/projects/{record.pk}/submit/", {"version": record.lock_version}).status_code == 302
    record.refresh_from_db()
    assert record.state == ProjectForm.SUBMITTED
