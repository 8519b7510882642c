"""Every role × page or API endpoint × own / sibling / parent / child unit: allow or deny."""

import json

import pytest

from ..conftest import nanjing, xundian

pytestmark = pytest.mark.django_db

# Objects: N = 南京 (a city under the province), X = 寻甸 (a county under 昆明).
# Users: nanjing_tianbao (preparer of N), zhongwei_tianbao (preparer of a sibling city),
# xundian_tianbao (preparer of X), kunming_shenhe (reviewer of 昆明: X is below, N is not),
# sheng_shenhe (province reviewer: both below), sheng_caizheng (province finance), admin.
VIEW = {
    ("nanjing_tianbao", "N"): 200, ("nanjing_tianbao", "X"): 403,
    ("zhongwei_tianbao", "N"): 403, ("zhongwei_tianbao", "X"): 403,
    ("xundian_tianbao", "N"): 403, ("xundian_tianbao", "X"): 200,
    ("kunming_shenhe", "N"): 403, ("kunming_shenhe", "X"): 200,
    ("sheng_shenhe", "N"): 200, ("sheng_shenhe", "X"): 200,
    ("sheng_caizheng", "N"): 200, ("sheng_caizheng", "X"): 200,
    ("admin", "N"): 200, ("admin", "X"): 200,
}
EDIT = {  # only the preparer of the unit, while draft
    (user, obj): 200 if (user, obj) in {("nanjing_tianbao", "N"), ("xundian_tianbao", "X")} else 403
    for (user, obj) in VIEW
}
SUBMIT = {k: (302 if v == 200 else 403) for k, v in EDIT.items()}


def _objects(demo):
    return {"N": nanjing(demo), "X": xundian(demo)}


def _first_leaf(ev):
    return "B11" if ev.unit.name.startswith("南京") else "A11"


@pytest.mark.parametrize("user, obj", sorted(VIEW))
def test_view_page_and_api(demo, login, user, obj):
    ev = _objects(demo)[obj]
    client = login(user)
    assert client.get(f"/evaluations/{ev.pk}/").status_code == VIEW[(user, obj)]
    assert client.get(f"/evaluations/{ev.pk}/radar.json").status_code == VIEW[(user, obj)]
    assert client.get(f"/api/evaluations/{ev.pk}").status_code == VIEW[(user, obj)]
    listed = {e["id"] for e in client.get("/api/evaluations").json()}
    assert (ev.pk in listed) == (VIEW[(user, obj)] == 200)


@pytest.mark.parametrize("user, obj", sorted(EDIT))
def test_edit_row_and_api_write(demo, login, user, obj):
    ev = _objects(demo)[obj]
    client = login(user)
    code = _first_leaf(ev)
    assert client.post(f"/evaluations/{ev.pk}/rows/{code}/", {"version": 0}).status_code == EDIT[(user, obj)]
    put = client.put(f"/api/evaluations/{ev.pk}/values/{code}", data=json.dumps({"data": {}}),
                     content_type="application/json")
    assert put.status_code == EDIT[(user, obj)]


@pytest.mark.parametrize("user, obj", sorted(SUBMIT))
def test_submit(demo, login, user, obj):
    ev = _objects(demo)[obj]
    assert login(user).post(f"/evaluations/{ev.pk}/submit/").status_code == SUBMIT[(user, obj)]


REVIEW = {  # approve a submitted evaluation: a reviewer above the unit
    ("kunming_shenhe", "X"): 302, ("sheng_shenhe", "N"): 302, ("sheng_shenhe", "X"): 302,
}
PUBLISH = {("sheng_caizheng", "N"): 302, ("sheng_caizheng", "X"): 302}


@pytest.mark.parametrize("user, obj", sorted(VIEW))
def test_approve_and_publish(demo, login, user, obj):
    ev = _objects(demo)[obj]
    preparer = "nanjing_tianbao" if obj == "N" else "xundian_tianbao"
    login(preparer).post(f"/evaluations/{ev.pk}/submit/")
    client = login(user)
    assert client.post(f"/evaluations/{ev.pk}/approve/").status_code == REVIEW.get((user, obj), 403)
    ev.refresh_from_db()
    if ev.state != "approved":
        login("sheng_shenhe").post(f"/evaluations/{ev.pk}/approve/")
    assert client.post(f"/evaluations/{ev.pk}/publish/").status_code == PUBLISH.get((user, obj), 403)


@pytest.mark.parametrize("user, status", [("admin", 200), ("sheng_shenhe", 200), ("sheng_caizheng", 200),
                                          ("kunming_shenhe", 200), ("nanjing_tianbao", 403)])
def test_dashboard(demo, login, user, status):
    assert login(user).get("/dashboard/").status_code == status


def test_anonymous_is_sent_to_login(demo):
    from django.test import Client

    ev = nanjing(demo)
    assert Client().get(f"/evaluations/{ev.pk}/").status_code == 302
    assert Client().get("/").url.startswith("/login/")
    assert Client().get("/public/").status_code == 200
