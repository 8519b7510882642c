from pathlib import Path

import pytest
from django.test import Client

from jixiao.web.demo import DEMO_PASSWORD, setup_demo
from jixiao.web.models import Evaluation


@pytest.fixture(scope="session")
def django_db_setup(django_db_setup, django_db_blocker):
    """Load the demo province once; each test runs in a transaction that is rolled back."""
    with django_db_blocker.unblock():
        setup_demo()


@pytest.fixture
def demo(db):
    setup_demo()  # a no-op when the session data is there; reloads after a transactional test
    return {e.unit.name + ":" + e.framework.key: e for e in Evaluation.objects.select_related("unit", "framework")}


@pytest.fixture
def login():
    def make(username: str) -> Client:
        client = Client()
        assert client.login(username=username, password=DEMO_PASSWORD), username
        return client
    return make


def nanjing(demo) -> Evaluation:
    return demo["南京市医疗保险管理中心:nanjing-2023-department"]


def xundian(demo) -> Evaluation:
    return next(e for k, e in demo.items() if k.startswith("寻甸"))


# --- end-to-end tests (marked e2e): Debian's chromium, a 1366×768 office screen, the demo site ---

@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args):
    from .e2e import CHROMIUM

    assert Path(CHROMIUM).exists(), f"需要 Debian 的 chromium（{CHROMIUM}）；scripts/system-packages 会安装它"
    return {**browser_type_launch_args, "executable_path": CHROMIUM,
            "args": ["--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--disable-background-networking",
                     "--disable-component-update", "--disable-sync", "--no-first-run", "--lang=zh-CN"]}


@pytest.fixture(scope="session")
def browser_context_args(browser_context_args):
    return {**browser_context_args, "viewport": {"width": 1366, "height": 768}, "locale": "zh-CN",
            "accept_downloads": True}


@pytest.fixture
def site(live_server, settings, tmp_path):
    """The demo province behind a live server; attachments and packages under tmp_path.

    The server runs the site's own WSGI application (``jixiao.web.wsgi``, what runserver and
    gunicorn serve) with DEBUG off, as ``jixiao demo`` runs it — not pytest-django's default
    handler, which serves /static/ and /media/ by itself and so hid that the demo served no
    static files at all."""
    from jixiao.web.wsgi import application

    assert not settings.DEBUG
    settings.MEDIA_ROOT = tmp_path
    live_server.thread.httpd.set_app(application)
    setup_demo()
    return live_server.url


@pytest.fixture
def page(page):
    """The browser page, answering the site's confirmation dialogs (提交审核, 退回, 审核通过,
    公开…) with 确定, as a user who reads them does; each dialog's text is kept in
    ``page.dialogs`` for tests to check. Set ``page.answer_dialogs = False`` to click 取消."""
    page.dialogs = []
    page.answer_dialogs = True

    def answer(dialog):
        page.dialogs.append(dialog.message)
        dialog.accept() if page.answer_dialogs else dialog.dismiss()

    page.on("dialog", answer)
    return page
