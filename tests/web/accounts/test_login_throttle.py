"""Password guessing is throttled: after 5 failures even the right password is refused."""

import pytest
from django.test import Client

from jixiao.web.demo import DEMO_PASSWORD

pytestmark = pytest.mark.django_db


def test_login_is_throttled_after_five_failures(demo):
    client = Client()
    for _ in range(5):
        page = client.post("/login/", {"username": "nanjing_tianbao", "password": "wrong"}).content.decode()
        assert "用户名或密码不正确" in page
    page = client.post("/login/", {"username": "nanjing_tianbao", "password": DEMO_PASSWORD}).content.decode()
    assert "登录失败次数过多" in page
    assert "_auth_user_id" not in client.session
    # another account is not locked by these failures
    assert client.post("/login/", {"username": "sheng_shenhe", "password": DEMO_PASSWORD}).status_code == 302


def test_success_clears_failures(demo):
    client = Client()
    for _ in range(3):
        client.post("/login/", {"username": "admin", "password": "wrong"})
    assert client.post("/login/", {"username": "admin", "password": DEMO_PASSWORD}).status_code == 302
    from jixiao.web.models import LoginFailure
    assert not LoginFailure.objects.filter(username="admin").exists()
