"""403, 404 and 500 pages in Chinese, served with DEBUG off (as `jixiao demo` and gunicorn run)."""

import pytest
from django.core.exceptions import PermissionDenied
from django.test import Client
from django.urls import include, path

from .conftest import nanjing

pytestmark = pytest.mark.django_db


def _crash(request):
    raise RuntimeError("boom")


def _denied(request):
    raise PermissionDenied("仅管理员可使用该页面")


urlpatterns = [path("crash/", _crash), path("denied/", _denied), path("", include("jixiao.web.urls"))]


def test_403_in_chinese_with_the_reason(demo, login, settings):
    assert not settings.DEBUG
    response = login("zhongwei_tianbao").get(f"/evaluations/{nanjing(demo).pk}/")
    html = response.content.decode()
    assert response.status_code == 403
    assert "403 无权访问" in html and "无权访问该评价" in html and "公开报告" in html
    assert '<html lang="zh-hans">' in html and "jixiao 绩效自评" in html  # the site's own header


def test_404_in_chinese_for_anonymous_visitors_too(demo, settings):
    assert not settings.DEBUG
    for url in ("/no-such-page/", f"/public/{nanjing(demo).pk}/"):  # a draft is not public
        response = Client().get(url)
        html = response.content.decode()
        assert response.status_code == 404, url
        assert "404 页面不存在" in html and "登录" in html and "Not Found" not in html


@pytest.mark.urls(__name__)
def test_500_in_chinese_without_a_request_context(demo, settings):
    settings.DEBUG = False
    response = Client(raise_request_exception=False).get("/crash/")
    html = response.content.decode()
    assert response.status_code == 500
    assert "500 服务器内部错误" in html and "boom" not in html and "Traceback" not in html
    denied = Client().get("/denied/")
    assert denied.status_code == 403 and "仅管理员可使用该页面" in denied.content.decode()


def test_500_template_renders_with_no_context_at_all():
    from django.template import loader

    html = loader.get_template("500.html").render()
    assert "服务器内部错误" in html and "{%" not in html


def test_csrf_failure_in_chinese(demo):
    client = Client(enforce_csrf_checks=True)
    assert client.login(username="nanjing_tianbao", password="jixiao2024")
    response = client.post("/audit/")
    assert response.status_code == 403 and "请求已过期" in response.content.decode()
