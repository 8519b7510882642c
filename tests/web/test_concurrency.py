"""Two people saving the same row at once: exactly one save wins, the other gets a conflict
with both values, and nothing is silently overwritten. Real concurrent connections need a
server database: this runs in the PostgreSQL stage of scripts/test (SQLite's in-memory test
database is private to one connection)."""

import threading

import pytest
from django.db import connection
from django.test import Client

from jixiao.web.demo import DEMO_PASSWORD, setup_demo
from jixiao.web.models import Evaluation, IndicatorValue

from django.conf import settings as django_settings

pytestmark = [pytest.mark.django_db(transaction=True),
              pytest.mark.skipif(not django_settings.DATABASES["default"]["ENGINE"].endswith("postgresql"),
                                 reason="concurrent connections are tested on PostgreSQL (scripts/test runs that stage)")]


def test_concurrent_saves_of_one_row(settings):
    setup_demo()
    ev = Evaluation.objects.get(unit__name="南京市医疗保险管理中心")
    clients = []
    for _ in range(4):
        client = Client()
        assert client.login(username="nanjing_tianbao", password=DEMO_PASSWORD)
        clients.append(client)
    results: list[tuple[str, int]] = []
    barrier = threading.Barrier(len(clients))

    def save(client, value):
        barrier.wait()
        try:
            response = client.post(f"/evaluations/{ev.pk}/rows/C22/", {"version": 0, "actual": value})
            results.append((value, response.status_code))
        finally:
            connection.close()

    threads = [threading.Thread(target=save, args=(c, v)) for c, v in zip(clients, ("11", "12", "13", "14"))]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    statuses = sorted(code for _, code in results)
    assert statuses == [200, 409, 409, 409], results
    winner = next(v for v, code in results if code == 200)
    row = IndicatorValue.objects.get(evaluation=ev, code="C22")
    assert row.data["actual"] == winner and row.version == 1
    assert row.history.count() == 2  # the import and the one accepted save
