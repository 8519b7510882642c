"""End to end in Debian's headless Chromium at 1366×768: preparers enter questionnaire counts
and a financial figure in the forms and see the core's recomputed scores. Screenshots go to
docs/images/extra-*.png."""

from ..e2e import IMAGES, sign_in  # noqa: I001  (sets DJANGO_ALLOW_ASYNC_UNSAFE first)
import pytest

from jixiao.web.models import Evaluation

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def open_extra(page, unit_name):
    page.click(f"table a:has-text('{unit_name}')")
    page.click("a:has-text('报告内容、财务数据与问卷')")
    page.wait_for_selector("#finance")


def test_preparer_enters_questionnaire_counts_and_a_finance_figure(page, site):
    IMAGES.mkdir(parents=True, exist_ok=True)

    # 寻甸: the questionnaire's counts per option, scored by the core (1935 ÷ 20 = 96.75 → C72 3.87)
    sign_in(page, site, "xundian_tianbao")
    open_extra(page, "寻甸回族彝族自治县医疗保险中心")
    assert page.inner_text("tr[data-metric=basic_share] td.num") == "78.15%"
    page.locator(".fin-fa").screenshot(path=str(IMAGES / "extra-final-accounts.png"))
    page.click(".extra-nav a:has-text('满意度问卷')")
    assert page.inner_text("[data-q-score=satisfaction]") == "96.75"
    assert page.inner_text("#linked-indicators tr[data-code=C72] td.score") == "3.87/4"
    assert page.inner_text("#extra-total") == "95.87"
    first = page.locator(".q-table tr").nth(1)
    first.locator("input[aria-label$='选项A.经常到基层调研·人数']").fill("18")
    first.locator("input[aria-label$='选项B.偶尔到基层调研·人数']").fill("2")
    page.locator("#questionnaires").screenshot(path=str(IMAGES / "extra-questionnaire.png"))
    page.click("#save-questionnaires")
    page.wait_for_selector("text=已保存（修改满意度问卷）")
    assert page.inner_text("[data-q-score=satisfaction]") == "96.25"  # 1925 ÷ 20
    assert page.inner_text("#linked-indicators tr[data-code=C72] td.score") == "3.85/4"
    assert page.inner_text("#extra-total") == "95.85"
    page.click(".extra-nav a:has-text('报告叙述')")
    page.screenshot(path=str(IMAGES / "extra-narrative.png"))
    page.locator("#trail").screenshot(path=str(IMAGES / "extra-trail.png"))
    page.click("text=寻甸回族彝族自治县医疗保险中心2023年部门整体支出绩效自评报告")
    page.wait_for_selector("#row-C72")
    assert page.inner_text("#total") == "95.85"
    assert page.locator("#row-C72 td.score").inner_text() == "3.85"

    # 南京: a finance figure; 预算执行率 and B11 recomputed by the core
    sign_in(page, site, "nanjing_tianbao")
    open_extra(page, "南京市医疗保险管理中心")
    assert page.inner_text("tr[data-metric=execution_rate] td.num") == "99.81%"
    assert page.inner_text("#linked-indicators tr[data-code=B11] td.score") == "1.98/2"
    page.screenshot(path=str(IMAGES / "extra-finance.png"))
    spent_basic = page.locator("input[aria-label='支出决算数（基本支出）']")
    spent_basic.fill("4058。14")  # a typo (Chinese full stop): located Chinese error, nothing saved
    page.click("#save-finance")
    page.wait_for_selector("#errors")
    assert "财务数据·支出决算数（基本支出）：不是有效数字" in page.inner_text("#errors")
    page.screenshot(path=str(IMAGES / "extra-error.png"))
    ev = Evaluation.objects.get(unit__name="南京市医疗保险管理中心", framework__key="nanjing-2023-department")
    assert ev.extra["finance"]["spent"]["basic"] == "4108.14" and str(ev.total) == "96.6500"
    page.locator("input[aria-label='支出决算数（基本支出）']").fill("4058.14")
    page.click("#save-finance")
    page.wait_for_selector("text=已保存（修改财务数据）")
    assert page.inner_text("tr[data-metric=execution_rate] td.num") == "98.85%"  # 5150.47 ÷ 5210.39
    assert page.inner_text("#linked-indicators tr[data-code=B11] td.score") == "1.89/2"
    assert page.inner_text("#extra-total") == "96.56"
    page.screenshot(path=str(IMAGES / "extra-finance-saved.png"))
    ev.refresh_from_db()
    assert str(ev.total) == "96.5600" and ev.history.first().history_change_reason == "修改财务数据"
