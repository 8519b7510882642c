"""Shared by the end-to-end tests (Debian's headless Chromium through pytest-playwright); their
browser and ``site`` fixtures live in conftest.py."""

import os

os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")  # playwright's sync API runs an event loop in the test thread
from pathlib import Path

from jixiao.web.demo import DEMO_PASSWORD

IMAGES = Path(__file__).resolve().parents[2] / "docs" / "images"
CHROMIUM = os.environ.get("JIXIAO_CHROMIUM", "/usr/bin/chromium")


def sign_in(page, site: str, username: str) -> None:
    """Sign in as a demo account (password jixiao2024), starting from a clean browser session."""
    # leave the page first: a request of the page before (a poll, its icon) answered after the
    # cookies are cleared would set that page's CSRF cookie again, and the sign-in be refused
    page.goto("about:blank")
    page.context.clear_cookies()
    page.goto(f"{site}/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", DEMO_PASSWORD)
    # the login page's own URL ends in "/" too: wait for the answer to the POST, and say what the
    # page said if the sign-in did not go through
    with page.expect_navigation(timeout=60_000):
        page.click("button[type=submit]")
    if page.url.rstrip("/").endswith("/login"):
        raise AssertionError(f"{username} 未能登录：{page.url}\n{page.inner_text('body')[:1500]}")


def open_dashboard_for(page, site: str, framework_text: str) -> None:
    """The dashboard with the framework whose name contains ``framework_text`` chosen (rankings
    compare one framework; the default is the one with most evaluations), charts drawn."""
    page.goto(f"{site}/dashboard/")
    option = page.locator("select[name=framework] option", has_text=framework_text).get_attribute("value")
    page.select_option("select[name=framework]", option)
    page.click("#dashboard-filters button[type=submit]")
    page.wait_for_selector("#chart-grades canvas")
