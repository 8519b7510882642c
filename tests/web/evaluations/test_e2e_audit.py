"""End to end in Debian's headless Chromium: a reviewer uploads a real published table on the
audit page and checks, in the 读取的指标行 details under the table's summary, how its rows were
read — the 保山 form's rows printed without 分值 under their 产出指标（60分） heading — on a
1366-wide screen without scrolling the page sideways."""

from ..e2e import sign_in  # noqa: I001  (sets DJANGO_ALLOW_ASYNC_UNSAFE first)
from pathlib import Path

import pytest

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

BAOSHAN = (Path(__file__).resolve().parents[2] / "fixtures" / "published" / "real"
           / "26_baoshan_tuiyijunren_chunjieweiwen_2022.txt")


def test_reviewer_sees_the_rows_as_read_under_a_block(page, site):
    sign_in(page, site, "sheng_shenhe")
    page.click("header a:has-text('核查报告')")
    page.set_input_files("input[type=file][name=file]", str(BAOSHAN))
    page.click("#audit-btn")
    page.wait_for_selector("details.rows-read")
    details = page.locator("details.rows-read").first
    assert not details.locator("table.rows-read").is_visible()  # closed until asked for
    details.locator("summary").click()
    table = details.locator("table.rows-read")
    assert table.is_visible()

    block = table.locator("tr.head", has_text="产出指标（60分）")
    assert block.locator("td").nth(2).inner_text() == "60"
    assert block.locator("td").nth(3).inner_text() == "60"
    # the three rows listed under it, in order, indented, 分值 未印出, 20 each
    rows = table.locator("tr")
    start = next(i for i in range(rows.count()) if "产出指标（60分）" in rows.nth(i).inner_text())
    listed = [rows.nth(start + k) for k in (1, 2, 3)]
    names = [r.locator("td").nth(1).inner_text() for r in listed]
    assert names[1:] == ["补助经费足额拨付率", "春节前完成走访慰问"] and names[0].startswith("慰问伤残军人50人")
    for r in listed:
        assert "listed" in r.get_attribute("class")
        assert r.locator("td").nth(2).inner_text() == "未印出" and r.locator("td").nth(3).inner_text() == "20"
    block_left = block.locator("td").nth(1).evaluate("td => parseFloat(getComputedStyle(td).paddingLeft)")
    row_left = listed[0].locator("td").nth(1).evaluate("td => parseFloat(getComputedStyle(td).paddingLeft)")
    assert row_left > block_left  # indented under the heading
    assert "subrow" not in (rows.nth(start + 4).get_attribute("class") or "")  # the next heading is not listed

    total = table.locator("tr.total")
    assert [total.locator("td").nth(i).inner_text() for i in (0, 2, 3, 5)] == ["总分", "100", "100", "100"]
    # the page body does not scroll sideways at 1366 px, rows open
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    assert page.evaluate("document.body.scrollWidth <= document.documentElement.clientWidth")
