"""The admin's pages for accounts, units and roles: only admins, Chinese form messages, the
unit tree, deactivation and passwords that take effect, every change in the change trail; and
the header shows each role only the links it can use."""

import re

import pytest
from django.contrib.auth.models import User
from django.test import Client

from jixiao.web.demo import ACCOUNTS
from jixiao.web.models import Account, Unit

pytestmark = pytest.mark.django_db

PAGES = ["/manage/accounts/", "/manage/accounts/new/", "/manage/units/", "/manage/units/new/", "/manage/trail/"]


@pytest.mark.parametrize("user", [a[0] for a in ACCOUNTS] + ["anonymous"])
def test_only_admins(demo, login, user):
    client = Client() if user == "anonymous" else login(user)
    for url in PAGES:
        status = client.get(url).status_code
        assert status == {"admin": 200, "anonymous": 302}.get(user, 403), (url, status)
    account = Account.objects.get(user__username="nanjing_tianbao")
    response = client.post(f"/manage/accounts/{account.pk}/active/", {"active": "0"})
    assert response.status_code == {"admin": 302, "anonymous": 302}.get(user, 403)
    assert User.objects.get(username="nanjing_tianbao").is_active == (user != "admin")


def test_create_account_validates_in_chinese_then_signs_in(demo, login):
    admin = login("admin")
    nanjing = Unit.objects.get(name="南京市医疗保险管理中心")
    bad = admin.post("/manage/accounts/new/", {"username": "nanjing_tianbao", "unit": nanjing.pk, "role": "finance",
                                                "password": "123", "is_active": "on"}).content.decode()
    assert "用户名“nanjing_tianbao”已被使用" in bad and "密码至少8位" in bad and "财政复核账号须属于财政部门" in bad
    assert "请选择单位" in admin.post("/manage/accounts/new/", {"username": "x"}).content.decode()
    response = admin.post("/manage/accounts/new/", {"username": "nanjing_new", "unit": nanjing.pk, "role": "preparer",
                                                     "password": "neu-pass-2024", "is_active": "on"})
    assert response.status_code == 302
    account = Account.objects.get(user__username="nanjing_new")
    assert (account.unit, account.role) == (nanjing, "preparer")
    client = Client()
    assert client.login(username="nanjing_new", password="neu-pass-2024")
    assert "南京市医疗保险管理中心" in client.get("/").content.decode()


def test_edit_role_deactivate_password_and_the_trail(demo, login):
    admin = login("admin")
    account = Account.objects.get(user__username="suzhou_tianbao")
    province = Unit.objects.get(name="示范省医疗保障局")
    assert admin.post(f"/manage/accounts/{account.pk}/", {"username": "suzhou_tianbao", "unit": province.pk,
                                                          "role": "reviewer", "is_active": "on"}).status_code == 302
    account.refresh_from_db()
    assert (account.unit, account.role) == (province, "reviewer")
    mismatch = admin.post(f"/manage/accounts/{account.pk}/password/", {"password": "abcdefgh1", "again": "abcdefgh2"})
    assert "两次输入的密码不一致" in mismatch.content.decode()
    assert admin.post(f"/manage/accounts/{account.pk}/password/",
                      {"password": "abcdefgh1", "again": "abcdefgh1"}).status_code == 302
    assert Client().login(username="suzhou_tianbao", password="abcdefgh1")
    admin.post(f"/manage/accounts/{account.pk}/active/", {"active": "0"})
    assert not Client().login(username="suzhou_tianbao", password="abcdefgh1")
    me = Account.objects.get(user__username="admin")
    assert "不能停用自己的账号" in admin.post(f"/manage/accounts/{me.pk}/active/", {"active": "0"}, follow=True) \
        .content.decode()
    assert User.objects.get(username="admin").is_active
    trail = admin.get("/manage/trail/").content.decode()
    for text in ("修改单位或角色", "角色", "填报人", "审核人", "示范省医疗保障局", "设置密码", "停用账号"):
        assert text in trail, text
    assert "pbkdf2" not in trail  # never a password hash


def test_unit_tree_moves_children_and_refuses_a_loop(demo, login):
    admin = login("admin")
    kunming = Unit.objects.get(name="昆明市医疗保障局")
    xundian = Unit.objects.get(name__startswith="寻甸")
    tree = admin.get("/manage/units/").content.decode()
    assert tree.index("昆明市医疗保障局") < tree.index("寻甸回族彝族自治县医疗保险中心")
    loop = admin.post(f"/manage/units/{kunming.pk}/", {"name": kunming.name, "level": "市", "kind": "agency",
                                                       "region": kunming.region, "parent": xundian.pk})
    assert "上级单位不能是本单位或其下级单位" in loop.content.decode()
    assert "财政部门须选择复核范围" in admin.post("/manage/units/new/", {
        "name": "新财政局", "level": "市", "kind": "finance"}).content.decode()
    assert "请填写单位名称" in admin.post("/manage/units/new/", {"level": "市", "kind": "agency"}).content.decode()
    nanjing = Unit.objects.get(name="南京市医疗保险管理中心")
    assert admin.post("/manage/units/new/", {"name": "新城区医疗保障局", "level": "区", "kind": "agency",
                                             "region": "昆明市新城区", "parent": kunming.pk}).status_code == 302
    new = Unit.objects.get(name="新城区医疗保障局")
    assert new.path.startswith(kunming.path)
    # 昆明 moves under 南京: 寻甸 and the new district move with it, and 南京's reviewers now see them
    assert admin.post(f"/manage/units/{kunming.pk}/", {"name": kunming.name, "level": "市", "kind": "agency",
                                                       "region": kunming.region, "parent": nanjing.pk}).status_code == 302
    for unit in (kunming, xundian, new):
        unit.refresh_from_db()
        assert unit.path.startswith(nanjing.path), unit.name
    assert "新建单位" in admin.get("/manage/trail/").content.decode()


def _header_links(html: str) -> list[str]:
    return re.findall(r'href="([^"]+)"', html.split("<header>")[1].split("</header>")[0])


@pytest.mark.parametrize("user, role", [(a[0], a[2]) for a in ACCOUNTS])
def test_header_shows_only_pages_the_role_can_use(demo, login, user, role):
    client = login(user)
    links = _header_links(client.get("/").content.decode())
    for href in links:
        assert client.get(href).status_code == 200, (user, href)
    assert ("/manage/accounts/" in links) == (role == Account.ADMIN)
    assert ("/dashboard/" in links) == (role != Account.PREPARER)
    assert ("/cycle/allocations/" in links) == (role != Account.PREPARER)
