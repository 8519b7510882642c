"""End to end in Debian's headless Chromium: fill, submit, return, fix, approve, download,
and see the unit on the dashboard. Screenshots of the main pages go to docs/images/."""

from ..e2e import IMAGES, open_dashboard_for, sign_in  # noqa: I001  (sets DJANGO_ALLOW_ASYNC_UNSAFE first)
import io

import zipfile
from pathlib import Path

import pytest
from openpyxl import load_workbook


pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def open_nanjing(page):
    page.click("table a:has-text('南京市医疗保险管理中心')")
    page.wait_for_selector("#row-C22")


def test_fill_submit_return_fix_approve_download(page, site):
    IMAGES.mkdir(parents=True, exist_ok=True)
    page.goto(f"{site}/login/")
    page.screenshot(path=str(IMAGES / "web-login.png"))

    sign_in(page, site, "nanjing_tianbao")
    open_nanjing(page)
    assert page.inner_text("#total") == "96.65"
    page.screenshot(path=str(IMAGES / "web-entry.png"))
    # the preparer corrects C22: the score and the total update live, without a reload
    row = page.locator("#row-C22")
    row.locator("input[name=actual]").fill("10.5")
    row.locator("input[name=actual]").press("Tab")
    page.wait_for_function("document.querySelector('#total').innerText === '99.65'")
    assert page.locator("#row-C22 td.score").inner_text() == "3.00"
    page.click("#submit-btn")
    page.wait_for_selector("text=已提交")

    sign_in(page, site, "sheng_shenhe")
    open_nanjing(page)
    page.fill("textarea[name='comment:C22']", "10.5%无依据，请附统计报表")
    page.fill("input[name=comment]", "请补充C22的依据")
    page.click("#return-btn")
    page.wait_for_selector("text=审核意见：请补充C22的依据")

    sign_in(page, site, "nanjing_tianbao")
    open_nanjing(page)
    assert "10.5%无依据" in page.inner_text("#row-C22")
    row = page.locator("#row-C22")
    row.locator("input[name=actual]").fill("7.24")
    row.locator("input[name=actual]").press("Tab")
    page.wait_for_function("document.querySelector('#total').innerText === '96.65'")
    page.click("#submit-btn")
    page.wait_for_selector("text=已提交")

    sign_in(page, site, "sheng_shenhe")
    open_nanjing(page)
    page.click("#approve-btn")
    page.wait_for_selector("text=审核通过")
    page.uncheck("input[name=pdf]")
    page.click("#report-btn")
    page.wait_for_selector("#download", timeout=120_000)
    with page.expect_download() as download_info:
        page.click("#download")
    package = zipfile.ZipFile(io.BytesIO(Path(download_info.value.path()).read_bytes()))
    xlsx = next(n for n in package.namelist() if n.endswith(".xlsx"))
    values = [c for row in load_workbook(io.BytesIO(package.read(xlsx))).worksheets[0].iter_rows(values_only=True)
              for c in row if c is not None]
    assert any(str(v) in ("96.65", "96.650") for v in values)

    open_dashboard_for(page, site, "南京市医疗保险管理中心")
    assert "南京市医疗保险管理中心" in page.inner_text("#ranking")
    page.screenshot(path=str(IMAGES / "web-dashboard.png"), full_page=False)
