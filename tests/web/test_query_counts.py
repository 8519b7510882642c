"""A fixed number of SQL queries per page, whatever the number of rows, history entries,
units and evaluations: the entry page, the row save (live scoring), the home list and the
dashboard. Each page is measured, then the data grows (more saved rows and so more history,
more units with evaluations) and the page must issue exactly as many queries again."""

from decimal import Decimal

import pytest
from django.core.cache import caches
from django.db import connection
from django.test.utils import CaptureQueriesContext
from simple_history.utils import bulk_create_with_history

from jixiao.web.models import Evaluation, IndicatorValue, Unit

from .conftest import nanjing

# Upper bounds per page (measured counts are asserted equal across sizes below).
MAX_ENTRY_PAGE = 20
MAX_ROW_SAVE = 25
MAX_HOME = 10
MAX_DASHBOARD = 12  # 10 for the evaluations + 2 for the project-form roll-up (latest year, its forms)


def _count(client, method: str, url: str, data=None) -> int:
    """Queries of one request, with the dashboard's cached aggregates cleared first: the count
    measured is always the full one (a cache hit only saves queries)."""
    caches["template_fragments"].clear()
    with CaptureQueriesContext(connection) as ctx:
        response = getattr(client, method)(url, data or {})
    assert response.status_code == 200, (url, response.status_code)
    return len(ctx.captured_queries)


def _numeric_row(ev: Evaluation) -> str:
    """A row of the Nanjing evaluation whose form takes an actual value."""
    return next(v.code for v in ev.values.all() if "actual" in (v.data or {}) and "actual_from" not in v.data)


def _grow_units(n: int) -> None:
    """Add ``n`` county units, each with a copy of every demo evaluation and its rows."""
    parent = Unit.objects.get(name="昆明市医疗保障局")
    templates = list({e.framework_id: e for e in Evaluation.objects.select_related("framework")}.values())
    values = {e.pk: list(e.values.all()) for e in templates}
    for i in range(n):
        unit = Unit.objects.create(name=f"测试县{i}医疗保障局", level="县", region="测试", parent=parent)
        for t in templates:
            ev = Evaluation.objects.create(unit=unit, year=t.year, framework=t.framework, extra=t.extra,
                                           total=t.total, grade=t.grade, summary=t.summary,
                                           declared_total=t.declared_total)
            bulk_create_with_history([IndicatorValue(evaluation=ev, code=v.code, data=v.data, score=v.score,
                                                     explanation=v.explanation) for v in values[t.pk]],
                                     IndicatorValue)


@pytest.mark.django_db
def test_entry_page_and_row_save_queries_do_not_grow_with_rows_or_history(demo, login, django_assert_max_num_queries):
    ev = nanjing(demo)
    client = login("nanjing_tianbao")
    page = f"/evaluations/{ev.pk}/"
    code = _numeric_row(ev)
    save = f"/evaluations/{ev.pk}/rows/{code}/"
    client.get(page)  # warm: framework parsed and cached scores written once
    first_page = _count(client, "get", page)
    first_save = _count(client, "post", save, {"actual": "95.5"})
    # more history: every numeric row saved twice
    codes = [v.code for v in ev.values.all() if "actual" in (v.data or {}) and "actual_from" not in v.data]
    assert len(codes) >= 5
    for i, c in enumerate(codes):
        for value in ("90", "91.5"):
            # within every row's range (percentages stay at most 100: out-of-range values are refused)
            r = client.post(f"/evaluations/{ev.pk}/rows/{c}/", {"actual": str(Decimal(value) + Decimal(i) / 10)})
            assert r.status_code == 200
    assert IndicatorValue.history.filter(evaluation_id=ev.pk).count() > 2 * len(codes)
    client.get(page)
    assert _count(client, "get", page) == first_page
    assert _count(client, "post", save, {"actual": "96"}) == first_save
    with django_assert_max_num_queries(MAX_ENTRY_PAGE):
        assert client.get(page).status_code == 200
    with django_assert_max_num_queries(MAX_ROW_SAVE):
        assert client.post(save, {"actual": "97"}).status_code == 200


@pytest.mark.django_db
def test_home_and_dashboard_queries_do_not_grow_with_units(demo, login, django_assert_max_num_queries):
    admin, reviewer = login("admin"), login("sheng_shenhe")
    before = {"home": _count(admin, "get", "/"), "dashboard": _count(admin, "get", "/dashboard/"),
              "provincial": _count(reviewer, "get", "/dashboard/")}
    count = Evaluation.objects.count()
    per_unit = Evaluation.objects.values("framework").distinct().count()
    _grow_units(15)
    total = count + 15 * per_unit
    assert Evaluation.objects.count() == total
    after = {"home": _count(admin, "get", "/"), "dashboard": _count(admin, "get", "/dashboard/"),
             "provincial": _count(reviewer, "get", "/dashboard/")}
    assert after == before
    with django_assert_max_num_queries(MAX_HOME):
        assert admin.get("/").status_code == 200
    with django_assert_max_num_queries(MAX_DASHBOARD):
        response = admin.get("/dashboard/")
        assert response.status_code == 200 and f"{total}份评价" in response.content.decode()
    with django_assert_max_num_queries(MAX_DASHBOARD):
        assert reviewer.get("/dashboard/").status_code == 200


@pytest.mark.django_db
def test_dashboard_at_a_larger_size_keeps_its_queries_and_its_sums(demo, login, django_assert_max_num_queries):
    """200 more units with 1,000 more scored evaluations: the national dashboard issues the same
    number of queries, counts them all, and its points-lost and findings sums (added by the
    database on PostgreSQL) equal the sums of the cached summaries added in Python."""
    from collections import Counter

    from jixiao.web.evaluations.views import summary_totals, visible_evaluations

    admin = login("admin")
    before = _count(admin, "get", "/dashboard/")
    parent = Unit.objects.get(name="昆明市医疗保障局")
    templates = list({e.framework_id: e for e in Evaluation.objects.select_related("framework")}.values())
    new = []
    for i in range(200):
        unit = Unit.objects.create(name=f"大测试县{i}医疗保障局", level="县", region="测试", parent=parent)
        for t in templates:
            new.append(Evaluation(unit=unit, year=t.year, framework=t.framework, extra=t.extra, total=t.total,
                                  grade=t.grade, summary=t.summary, declared_total=t.declared_total))
    Evaluation.objects.bulk_create(new, batch_size=500)
    total = Evaluation.objects.exclude(total=None).count()
    assert total >= 1000
    assert _count(admin, "get", "/dashboard/") == before
    with django_assert_max_num_queries(MAX_DASHBOARD):
        response = admin.get("/dashboard/")
    assert response.status_code == 200 and f"{total}份评价" in response.content.decode()
    from django.contrib.auth import get_user_model

    scored = visible_evaluations(get_user_model().objects.get(username="admin")).exclude(total=None)
    lost, kinds = Counter(), Counter()
    for e in scored:
        for name, value in e.summary.get("lost", {}).items():
            lost[name] += Decimal(value)
        for kind, n in e.summary.get("findings", {}).items():
            kinds[kind] += n
    assert sum(lost.values()) > 0 and sum(kinds.values()) > 0
    assert summary_totals(scored) == (lost, kinds)  # the database's sums where it adds (PostgreSQL)
    assert summary_totals(scored, in_sql=False) == (lost, kinds)
