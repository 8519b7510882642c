"""End to end in Debian's headless Chromium: what is public and what is not, the API docs with
no internet, the admin's account pages, the evaluation list's search and pages, the dashboard's
export, and the error pages in Chinese."""

from ..e2e import IMAGES, sign_in  # noqa: I001  (sets DJANGO_ALLOW_ASYNC_UNSAFE first)
import io
import re
from decimal import Decimal
from pathlib import Path

import pytest
from docx import Document
from openpyxl import load_workbook

from jixiao.web.models import Evaluation

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

NANJING = "南京市医疗保险管理中心"


def _publish(name: str) -> Evaluation:
    ev = Evaluation.objects.select_related("unit").get(unit__name=name)
    Evaluation.objects.filter(pk=ev.pk).update(state=Evaluation.PUBLISHED)
    return ev


def test_anonymous_visitor_reads_the_score_table_and_downloads_the_report(page, site):
    ev = _publish(NANJING)
    page.context.clear_cookies()
    page.goto(f"{site}/public/")
    assert "登录" in page.inner_text("header")
    page.click(f"#published a:has-text('{NANJING}')")
    page.wait_for_selector("#score-table")
    assert page.inner_text("#public-total") == "96.65"
    assert "C22" in page.inner_text("#score-table")
    IMAGES.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(IMAGES / "web-public.png"))
    with page.expect_download() as download:
        page.click("#download-docx")
    assert download.value.suggested_filename.endswith(".docx")
    document = Document(io.BytesIO(Path(download.value.path()).read_bytes()))
    text = "\n".join([p.text for p in document.paragraphs] +
                     [c.text for t in document.tables for r in t.rows for c in r.cells])
    assert NANJING in text and "96.65" in text
    # the private pages stay closed: the entry page sends to the login page, a signed-in
    # account of another unit gets the Chinese 403 page
    page.goto(f"{site}/evaluations/{ev.pk}/")
    assert "/login/" in page.url
    sign_in(page, site, "zhongwei_tianbao")
    for url in (f"/evaluations/{ev.pk}/", f"/evaluations/{ev.pk}/trail/", f"/evaluations/{ev.pk}/extra/"):
        response = page.goto(f"{site}{url}")
        assert response.status == 403 and "403 无权访问" in page.inner_text("#error-page"), url
    response = page.goto(f"{site}/public/999999/")
    assert response.status == 404 and "404 页面不存在" in page.inner_text("#error-page")


def test_api_docs_load_with_no_internet(page, site):
    outside = []

    def only_local(route):
        if route.request.url.startswith(site):
            route.continue_()
        else:
            outside.append(route.request.url)
            route.abort()

    page.route("**/*", only_local)
    page.goto(f"{site}/api/docs")
    page.wait_for_selector(".swagger-ui .info .title", timeout=30_000)
    assert "jixiao" in page.inner_text(".swagger-ui .info .title")
    page.wait_for_selector(".opblock-summary-path", timeout=30_000)
    assert "/api/evaluations" in page.inner_text(".swagger-ui")
    assert outside == []


def test_admin_creates_an_account_that_signs_in(page, site):
    sign_in(page, site, "admin")
    page.click("header a:has-text('账号与单位')")
    page.click("#new-account")
    page.fill("#id_username", "nanjing_2")
    page.select_option("#id_unit", str(Evaluation.objects.get(unit__name=NANJING).unit_id))
    page.select_option("#id_role", "preparer")
    page.fill("#id_password", "short")
    page.click(".admin-form button[type=submit]")
    assert "密码至少8位" in page.inner_text(".admin-form")
    page.fill("#id_password", "nanjing-2024")
    page.click(".admin-form button[type=submit]")
    page.wait_for_selector("#account-nanjing_2")
    assert "填报人" in page.inner_text("#account-nanjing_2")
    page.screenshot(path=str(IMAGES / "web-admin-accounts.png"))
    page.context.clear_cookies()
    page.goto(f"{site}/login/")
    page.fill("#id_username", "nanjing_2")
    page.fill("#id_password", "nanjing-2024")
    page.click("button[type=submit]")
    page.wait_for_url(re.compile(r".*/$"))
    assert "nanjing_2" in page.inner_text("header") and "账号与单位" not in page.inner_text("header")
    assert NANJING in page.inner_text("#evaluations")


def test_list_search_and_dashboard_export(page, site):
    sign_in(page, site, "admin")
    total = Evaluation.objects.count()
    assert f"共{total}条" in page.inner_text("#found")
    page.fill("input[name=q]", "中卫")
    page.click("#filters button[type=submit]")
    page.wait_for_url(re.compile(r".*q=.*"))
    count = Evaluation.objects.filter(unit__name__contains="中卫").count()
    assert f"共{count}条" in page.inner_text("#found") and count == 3
    assert all("中卫" in row for row in page.locator("#evaluations tr td:first-child").all_inner_texts())

    page.goto(f"{site}/dashboard/")
    nanjing = Evaluation.objects.get(unit__name=NANJING)
    page.select_option("select[name=framework]", str(nanjing.framework_id))
    page.click("#dashboard-filters button[type=submit]")
    page.wait_for_selector("#chart-lost canvas")
    assert NANJING in page.inner_text("#ranking") and "中卫市医疗保障局" not in page.inner_text("#ranking")
    with page.expect_download() as download:
        page.click("#export-ranking")
    rows = list(load_workbook(io.BytesIO(Path(download.value.path()).read_bytes())).active.iter_rows(values_only=True))
    assert rows[0][1] == "单位" and rows[1][1] == NANJING
    assert Decimal(str(rows[1][rows[0].index("得分")])) == Decimal("96.65")
