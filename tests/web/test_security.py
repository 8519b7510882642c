"""User text is escaped everywhere; forms need CSRF tokens; the change trail is read-only."""

import pytest
from django.test import Client

from jixiao.web.demo import DEMO_PASSWORD
from .conftest import nanjing

pytestmark = pytest.mark.django_db
XSS = '<script>alert("x")</script><img src=x onerror=alert(1)>'


def test_evidence_and_comments_are_escaped(demo, login):
    ev = nanjing(demo)
    preparer = login("nanjing_tianbao")
    preparer.post(f"/evaluations/{ev.pk}/rows/C22/", {"version": 0, "actual": "7.24", "evidence": XSS})
    preparer.post(f"/evaluations/{ev.pk}/submit/")
    login("sheng_shenhe").post(f"/evaluations/{ev.pk}/return/", {"comment": XSS, "comment:C22": XSS})
    page = preparer.get(f"/evaluations/{ev.pk}/").content.decode()
    assert XSS not in page
    assert "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;" in page


def test_unit_names_are_escaped(demo, login):
    ev = nanjing(demo)
    ev.unit.name = XSS
    ev.unit.save()
    page = login("sheng_shenhe").get("/").content.decode()
    assert XSS not in page and "&lt;img src=x onerror=alert(1)&gt;" in page


def test_forms_need_csrf_tokens(demo):
    client = Client(enforce_csrf_checks=True)
    assert client.login(username="nanjing_tianbao", password=DEMO_PASSWORD)
    ev = nanjing(demo)
    assert client.post(f"/evaluations/{ev.pk}/rows/C22/", {"version": 0, "actual": "10"}).status_code == 403
    assert client.post(f"/evaluations/{ev.pk}/submit/").status_code == 403


def test_change_trail_has_no_write_route(demo, login):
    from django.urls import get_resolver

    routes = [str(p.pattern) for p in get_resolver().url_patterns]
    assert not any("history" in r for r in routes)
    assert login("admin").post("/evaluations/1/history/").status_code == 404
