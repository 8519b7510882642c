"""The JSON API refuses the numbers the entry page refuses (issue: bad numbers), each named,
and writes nothing: exponent notation (JSON's 1e400 is infinity), a comma as a decimal point,
a negative or above-100 share; plain numbers, numeric strings and full-width digits pass."""

import json

import pytest

from jixiao.web.models import IndicatorValue

from ..conftest import nanjing


def put(client, ev, code, data):
    return client.put(f"/api/evaluations/{ev.pk}/values/{code}", data=json.dumps({"data": data}),
                      content_type="application/json")


@pytest.mark.parametrize("data, message", [
    ({"actual": "1e400"}, "C22 actual：不接受科学计数法“1e400”"),
    ({"actual": 1e400}, "C22 actual：不接受科学计数法"),
    ({"actual": "7,24"}, "C22 actual：逗号不能作小数点"),
    ({"declared": "-1"}, "C22 declared："),
    ({"actual": "-5"}, "C11 actual："),  # 职工医疗保险参保人数: a count is never negative
])
def test_api_refuses_bad_numbers_and_writes_nothing(demo, login, data, message):
    ev = nanjing(demo)
    before = list(IndicatorValue.objects.filter(evaluation=ev).values_list("code", "version", "data"))
    response = put(login("nanjing_tianbao"), ev, message[:3], data)
    assert response.status_code == 422, response.content
    detail = response.json()["detail"]
    assert any(d["message"].startswith(message) for d in detail), detail
    assert list(IndicatorValue.objects.filter(evaluation=ev).values_list("code", "version", "data")) == before


def test_api_accepts_plain_and_full_width_numbers(demo, login):
    ev = nanjing(demo)
    client = login("nanjing_tianbao")
    assert put(client, ev, "C22", {"actual": 10.5}).json()["total"] == "99.65"
    assert put(client, ev, "C22", {"actual": "７．２４"}).json()["total"] == "96.65"
