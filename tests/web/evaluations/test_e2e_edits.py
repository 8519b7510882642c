"""End to end in Debian's headless Chromium: refused saves are shown at the row with both
values and nothing typed is lost (two pages on one row, a bad number, a network failure);
the 核查发现（总体） card follows a live edit; the rows with reviewer comments are listed
once; the return comment shows only while the evaluation is 退回; submit / return / approve
ask first; a project form with unsaved edits cannot be submitted."""

from ..e2e import IMAGES, sign_in  # noqa: I001  (sets DJANGO_ALLOW_ASYNC_UNSAFE first)
import re

import pytest

from jixiao.web.models import Evaluation, IndicatorValue
from jixiao.web.projects.models import ProjectForm

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

NANJING = "南京市医疗保险管理中心"


def open_nanjing(page, site):
    page.goto(f"{site}/")
    page.click(f"table a:has-text('{NANJING}')")
    page.wait_for_selector("#row-C22")


def type_actual(page, value):
    field = page.locator("#row-C22 input[name=actual]")
    field.fill(value)
    field.press("Tab")


def c22():
    ev = Evaluation.objects.get(unit__name=NANJING, framework__key="nanjing-2023-department")
    return IndicatorValue.objects.get(evaluation=ev, code="C22")


def test_a_save_refused_in_a_second_page_shows_both_values_and_keeps_mine(page, site):
    sign_in(page, site, "nanjing_tianbao")
    open_nanjing(page, site)
    other = page.context.new_page()  # the same row open in a second tab, loaded before the first saves
    open_nanjing(other, site)
    assert page.inner_text("#total") == other.inner_text("#total") == "96.65"

    type_actual(page, "10.5")
    page.wait_for_function("document.querySelector('#total').innerText === '99.65'")
    assert page.locator("#row-C22 td.score").inner_text() == "3.00"
    assert c22().data["actual"] == "10.5"

    type_actual(other, "5")  # stale: refused with 409
    other.wait_for_selector("#row-C22 .save-refused")
    notice = other.locator("#row-C22 .save-refused")
    assert "已被他人（或另一窗口）修改" in notice.inner_text()
    assert notice.locator("tr[data-field=actual] td.theirs").inner_text() == "10.5"
    assert notice.locator("tr[data-field=actual] td.mine").inner_text() == "5"
    field = other.locator("#row-C22 input[name=actual]")
    assert field.input_value() == "5" and "unsaved" in field.get_attribute("class")
    assert other.inner_text("#total") == "99.65"  # the saved state, out of band
    # the cells around the inputs show what is saved too: 10.5 meets the 10% target, 3 points
    assert other.locator("#row-C22 td.score").inner_text() == "3.00"
    assert "10.5%" in other.locator("#row-C22 td.explain").inner_text()
    IMAGES.mkdir(parents=True, exist_ok=True)
    other.locator("#row-C22").screenshot(path=str(IMAGES / "web-conflict.png"))
    assert c22().data["actual"] == "10.5" and c22().version == 1  # nothing overwritten

    notice.locator("button.overwrite").click()  # the user decides: their value wins
    other.wait_for_selector("#row-C22.changed")
    assert other.locator("#row-C22 .save-refused").count() == 0
    assert c22().data["actual"] == "5" and c22().version == 2

    type_actual(page, "7.24")  # the first page is now stale: take the server's value instead
    page.wait_for_selector("#row-C22 .save-refused")
    assert page.locator("#row-C22 .save-refused tr[data-field=actual] td.theirs").inner_text() == "5"
    page.click("#row-C22 .save-refused button.take-server")
    page.wait_for_function("document.querySelector('#row-C22 input[name=actual]').value === '5'")
    assert page.locator("#row-C22 .save-refused").count() == 0
    assert page.inner_text("#total") == "96.65"  # 5 misses the 10% target as 7.24 does: C22 0 points
    type_actual(page, "7.24")  # the row as saved carries the current version: this save goes through
    page.wait_for_selector("#row-C22.changed")
    assert page.inner_text("#total") == "96.65"
    assert c22().data["actual"] == "7.24" and c22().version == 3


def test_bad_numbers_and_network_failures_are_shown_at_the_row(page, site):
    sign_in(page, site, "nanjing_tianbao")
    open_nanjing(page, site)
    for typed, reason in (("1e400", "C22 实际值：不接受科学计数法“1e400”"), ("7,24", "逗号不能作小数点"),
                          ("1" * 30, "位数过多")):
        type_actual(page, typed)
        page.wait_for_selector(f"#row-C22 .save-refused:has-text('{reason}')")
        assert page.locator("#row-C22 input[name=actual]").input_value() == typed
        assert page.locator("#row-C22 .save-refused tr[data-field=actual] td.theirs").inner_text() == "7.24"
        assert c22().data["actual"] == "7.24"
    assert page.inner_text("#total") == "96.65"
    type_actual(page, "９．５")  # full-width digits are read
    page.wait_for_selector("#row-C22.changed")
    assert c22().data["actual"] == "9.5"

    page.route(re.compile(r".*/rows/C22/$"), lambda route: route.abort())
    type_actual(page, "10.5")
    page.wait_for_selector("#row-C22 .save-refused:has-text('网络错误')")
    notice = page.locator("#row-C22 .save-refused")
    assert "9.5" in notice.inner_text() and "10.5" in notice.inner_text()
    assert page.locator("#row-C22 input[name=actual]").input_value() == "10.5"
    assert c22().data["actual"] == "9.5"
    page.unroute(re.compile(r".*/rows/C22/$"))
    notice.locator("button.overwrite").click()  # 重试保存
    page.wait_for_function("document.querySelector('#total').innerText === '99.65'")
    assert c22().data["actual"] == "10.5"


def test_findings_card_follows_a_live_edit(page, site):
    sign_in(page, site, "nanjing_tianbao")
    open_nanjing(page, site)
    assert "按规则计算96.65分" in page.inner_text("#general-findings")
    type_actual(page, "10.5")
    page.wait_for_function("document.querySelector('#total').innerText === '99.65'")
    card = page.inner_text("#general-findings")
    assert "按规则计算99.65分" in card and "96.65" not in card


def test_comments_listed_confirmations_asked_and_old_return_comment_gone(page, site):
    sign_in(page, site, "nanjing_tianbao")
    open_nanjing(page, site)
    page.answer_dialogs = False  # 取消: nothing happens
    page.click("#submit-btn")
    page.wait_for_timeout(300)
    assert page.dialogs == ["确定提交审核吗？提交后本评价即锁定，不能再修改，直到审核人退回。"]
    assert Evaluation.objects.get(unit__name=NANJING, framework__key="nanjing-2023-department").state == "draft"
    page.answer_dialogs = True
    page.click("#submit-btn")
    page.wait_for_selector("text=已提交")

    sign_in(page, site, "sheng_shenhe")
    open_nanjing(page, site)
    page.fill("textarea[name='comment:C22']", "下降比7.24%未达10%，请附统计报表")
    page.fill("input[name=comment]", "请补充C22的依据")
    page.click("#return-btn")
    page.wait_for_selector("#review-comment")
    assert "退回后填报人可以修改" in page.dialogs[-1]

    sign_in(page, site, "nanjing_tianbao")
    open_nanjing(page, site)
    listing = page.locator("#row-comments")
    assert "C22" in listing.inner_text() and "次均费用同比下降比" in listing.inner_text()
    assert "下降比7.24%未达10%，请附统计报表" in listing.inner_text()
    listing.locator("a:has-text('C22')").click()
    page.wait_for_url(re.compile(r".*#row-C22$"))
    assert page.inner_text("#review-comment") == "审核意见：请补充C22的依据"
    page.click("#submit-btn")
    page.wait_for_selector("text=已提交")

    sign_in(page, site, "sheng_shenhe")
    open_nanjing(page, site)
    page.click("#approve-btn")
    page.wait_for_selector("text=审核通过")
    assert "通过后本评价不能再修改" in page.dialogs[-1]
    assert page.locator("#review-comment").count() == 0  # approved: the old return comment is history
    assert page.locator("#row-comments").count() == 0


def test_project_form_with_unsaved_edits_is_not_submitted(page, site):
    sign_in(page, site, "xundian_tianbao")
    record = ProjectForm.objects.get(project="第三方参与医疗保障基金监管项目")
    page.goto(f"{site}/projects/{record.pk}/")
    page.fill("input[name='row:0:actual']", "250")  # typed, not saved
    page.click("#submit-btn")
    page.wait_for_timeout(300)
    assert "未保存的修改" in page.dialogs[-1]
    assert "unsaved" in page.get_attribute("input[name='row:0:actual']", "class")
    record.refresh_from_db()
    assert record.state == ProjectForm.DRAFT

    page.click("#save-btn")  # refused: the row loses points without 偏差原因
    page.wait_for_selector("#form-errors")
    assert page.input_value("input[name='row:0:actual']") == "250"
    page.click("#submit-btn")  # the page shows the refused edits: still blocked
    page.wait_for_timeout(300)
    assert "未保存的修改" in page.dialogs[-1]
    record.refresh_from_db()
    assert record.state == ProjectForm.DRAFT
