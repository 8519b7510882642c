"""End to end in Debian's headless Chromium at 1366×768: the 项目支出绩效自评表 pages (/projects/).
寻甸's preparer sees the department roll-up, lowers one 实际完成值 of seed 002's
第三方参与医疗保障基金监管项目, is refused a save without 偏差原因 (the row named in Chinese), saves
with it and sees the core's new total, downloads the Excel holding that total and submits; 昆明's
reviewer sees the form read-only, returns it with a comment, and approves the resubmitted form.
Screenshots go to docs/images/project-*.png."""

from ..e2e import IMAGES, sign_in  # noqa: I001  (sets DJANGO_ALLOW_ASYNC_UNSAFE first)
import copy
from decimal import Decimal

import pytest
from openpyxl import load_workbook

from jixiao.core import project_form as core
from jixiao.core.numbers import fmt
from jixiao.web.projects.demo import THIRD_PARTY
from jixiao.web.projects.models import ProjectForm

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

PROJECT = "第三方参与医疗保障基金监管项目"
ROW = 0  # 定点医药机构现场核查数量: 年度指标值 ≥265家, 实际完成值 265, 分值 20
LOWER = "250"
REASON = "部分定点零售药店年内歇业，未能现场核查；改进措施：按季度更新定点机构名单"


def expected_after_change() -> core.FormReview:
    """The demo form with the one 实际完成值 lowered and its 偏差原因, reviewed by the core."""
    data = copy.deepcopy(THIRD_PARTY)
    data["indicators"][ROW].update(actual=LOWER, reason=REASON)
    return core.review(core.ProjectForm.model_validate(data))


def rollup_field(page, field):
    return page.inner_text(f"#project-rollup td[data-field={field}]")


def test_preparer_fills_saves_downloads_and_submits_reviewer_returns_and_approves(page, site, tmp_path):
    IMAGES.mkdir(parents=True, exist_ok=True)
    before = core.review(core.ProjectForm.model_validate(copy.deepcopy(THIRD_PARTY)))
    after = expected_after_change()
    lost = after.row_score(ROW)
    assert before.sheet.total == Decimal("94.68") and after.sheet.total < before.sheet.total
    assert lost.score < lost.weight  # the row loses points: 20 × 250 ÷ 265

    # the list: 寻甸's two forms and their roll-up (元: 400000 + 30万元)
    sign_in(page, site, "xundian_tianbao")
    page.click("header a:has-text('项目自评表')")
    page.wait_for_selector("#project-rollup")
    assert page.inner_text("#project-rollup h2") == "项目支出绩效自评汇总（2023年度）"
    assert rollup_field(page, "count") == "2"
    assert rollup_field(page, "budget") == "700000" and rollup_field(page, "spent") == "668000"
    assert rollup_field(page, "rate") == "95.43%"  # 668000 ÷ 700000
    assert rollup_field(page, "weighted") == "95.33"  # (94.68 × 400000 + 96.2 × 300000) ÷ 700000
    assert rollup_field(page, "mean") == "95.44"
    assert "示例：医保经办服务能力提升项目" not in page.content()  # 宿州's form is not 寻甸's
    page.screenshot(path=str(IMAGES / "project-list.png"))

    # the form: total 94.68 as the core gives it
    page.click(f"#project-rollup a:has-text('{PROJECT}')")
    page.wait_for_selector("#indicators")
    assert page.inner_text("#total") == "94.68" and page.inner_text("#grade") == "优"
    assert page.inner_text("#rate") == "98.00%"
    row = page.locator(f"#row-{ROW}")
    assert row.locator(f"input[name='row:{ROW}:name']").input_value() == "定点医药机构现场核查数量"
    assert row.locator(".row-score").inner_text() == "20.00"

    # lower the 实际完成值: the row loses points, so saving without 偏差原因 is refused, the row named
    row.locator(f"input[name='row:{ROW}:actual']").fill(LOWER)
    page.click("#save-btn")
    page.wait_for_selector("#form-errors")
    error = page.inner_text("#form-errors")
    assert (f"指标第{ROW + 1}行：“定点医药机构现场核查数量”得{fmt(lost.score)}分（分值{fmt(lost.weight)}分），"
            f"失分但未填写偏差原因分析及改进措施") in error, error
    assert page.locator(f"input[name='row:{ROW}:actual']").input_value() == LOWER  # what was typed is kept
    page.screenshot(path=str(IMAGES / "project-error.png"))
    record = ProjectForm.objects.get(project=PROJECT)
    assert record.total == Decimal("94.68") and record.document["indicators"][ROW]["actual"] == "265"  # nothing saved

    # with 偏差原因 the save goes through and the page shows the core's new total
    page.fill(f"textarea[name='row:{ROW}:reason']", REASON)
    page.click("#save-btn")
    page.wait_for_selector(".messages li:has-text('已保存')")
    assert page.inner_text("#total") == str(after.sheet.total)
    assert page.inner_text("#grade") == after.sheet.grade
    assert page.locator(f"#row-{ROW} .row-score").inner_text() == str(lost.score)
    page.locator("#indicators").evaluate("t => { t.closest('.card').scrollIntoView(); window.scrollBy(0, -64); }")
    page.screenshot(path=str(IMAGES / "project-form.png"))
    record.refresh_from_db()
    assert record.total == after.sheet.total and record.state == ProjectForm.DRAFT
    assert record.history.first().history_change_reason == "填报"

    # the Excel download opens and holds the new total in its 总分 row, 得分 column
    with page.expect_download() as info:
        page.click("a:has-text('下载Excel')")
    path = tmp_path / "form.xlsx"
    info.value.save_as(path)
    assert info.value.suggested_filename.endswith(".xlsx")
    ws = load_workbook(path).active
    cells = {c.value: c for r in ws.iter_rows() for c in r if c.value is not None}
    header = [c.value for c in ws[cells["三级指标"].row]]
    score_col = header.index("得分") + 1
    assert Decimal(str(ws.cell(cells["总分"].row, score_col).value)) == after.sheet.total
    assert Decimal(str(ws.cell(cells["定点医药机构现场核查数量"].row, score_col).value)) == lost.score

    # submit: read-only from now on
    page.click("#submit-btn")
    page.wait_for_selector(".messages li:has-text('已提交')")
    assert page.inner_text("h1 .state") == "已提交"
    assert page.locator("#save-btn").count() == 0

    # 昆明's reviewer: the form read-only, returned with a comment …
    sign_in(page, site, "kunming_shenhe")
    page.goto(f"{site}/projects/")
    page.click(f"table a:has-text('{PROJECT}')")
    page.wait_for_selector("#indicators")
    assert page.inner_text("#total") == str(after.sheet.total)
    assert "只读" in page.inner_text(".card >> nth=0")
    assert page.locator(f"input[name='row:{ROW}:actual']").is_disabled()
    assert page.locator(f"input[name='row:{ROW}:actual']").input_value() == LOWER
    assert page.locator("#save-btn").count() == 0
    page.click("button:has-text('退回')")  # without a comment: refused
    page.wait_for_selector(".messages li.error:has-text('退回时须填写审核意见')")
    assert page.inner_text("h1 .state") == "已提交"
    page.fill("input[name=comment]", "请补充核查名单")
    page.click("button:has-text('退回')")
    page.wait_for_selector(".messages li:has-text('已退回')")
    assert page.inner_text("h1 .state") == "退回"

    # … the preparer sees the comment and submits again …
    sign_in(page, site, "xundian_tianbao")
    page.goto(f"{site}/projects/{record.pk}/")
    assert "审核意见：请补充核查名单" in page.inner_text("body")
    assert page.locator(f"input[name='row:{ROW}:actual']").is_enabled()
    page.click("#submit-btn")
    page.wait_for_selector(".messages li:has-text('已提交')")

    # … and the reviewer approves it
    sign_in(page, site, "kunming_shenhe")
    page.goto(f"{site}/projects/{record.pk}/")
    page.click("#approve-btn")
    page.wait_for_selector(".messages li:has-text('已审核通过')")
    assert page.inner_text("h1 .state") == "审核通过"
    record.refresh_from_db()
    assert record.state == ProjectForm.APPROVED and record.total == after.sheet.total
    assert [h.history_change_reason for h in record.history.order_by("history_id")][-5:] == \
        ["填报", "提交", "退回", "提交", "审核通过"]
