"""Shared by the end-to-end tests (Debian's headless Chromium through pytest-playwright); their
browser and ``site`` fixtures live in conftest.py."""

import os

os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")  # playwright's sync API runs an event loop in the test thread
import re
from pathlib import Path

from jixiao.web.demo import DEMO_PASSWORD

IMAGES = Path(__file__).resolve().parents[2] / "docs" / "images"
CHROMIUM = os.environ.get("JIXIAO_CHROMIUM", "/usr/bin/chromium")


def sign_in(page, site: str, username: str) -> None:
    """Sign in as a demo account (password jixiao2024), starting from a clean browser session."""
    page.context.clear_cookies()
    page.goto(f"{site}/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", DEMO_PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(re.compile(r".*/$"))


def open_dashboard_for(page, site: str, framework_text: str) -> None:
    """The dashboard with the framework whose name contains ``framework_text`` chosen (rankings
    compare one framework; the default is the one with most evaluations), charts drawn."""
    page.goto(f"{site}/dashboard/")
    option = page.locator("select[name=framework] option", has_text=framework_text).get_attribute("value")
    page.select_option("select[name=framework]", option)
    page.click("#dashboard-filters button[type=submit]")
    page.wait_for_selector("#chart-grades canvas")
