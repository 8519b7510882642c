"""The entry page caches its rendered grid and change trail (views.grid_key / history_key).
Correctness first: every save changes the keys, so the page after a save shows the saved value,
its new score and the new history entry; viewers who may do different things (edit rows,
write row comments) never share a rendered grid; a change of state changes the grid."""

import json
import re

import pytest
from django.db.models import prefetch_related_objects

from jixiao.web.evaluations import views
from jixiao.web.models import Evaluation, IndicatorValue

from ..conftest import xundian


def _keys(ev: Evaluation, editable: bool, can_comment: bool) -> tuple[str, str]:
    ev = Evaluation.objects.select_related("unit", "framework").get(pk=ev.pk)
    prefetch_related_objects([ev], "values")
    return views.grid_key(ev, editable, can_comment), views.history_key(ev)


def _numeric_code(ev: Evaluation) -> str:
    return next(v.code for v in ev.values.all() if "actual" in (v.data or {}) and "actual_from" not in v.data)


def _cell(html: str, code: str, css: str) -> str:
    row = re.search(rf'<tr id="row-{code}".*?</tr>', html, re.S).group(0)
    return re.search(rf'<td class="{css}"[^>]*>(.*?)</td>', row, re.S).group(1).strip()


@pytest.mark.django_db
def test_every_save_changes_the_keys_and_the_page_shows_it(demo, login):
    ev = xundian(demo)
    client = login("xundian_tianbao")
    page = f"/evaluations/{ev.pk}/"
    code = _numeric_code(ev)
    first = client.get(page).content.decode()
    grid = lambda html: re.search(r'<table class="grid">.*?</table>', html, re.S).group(0)  # noqa: E731
    assert grid(client.get(page).content.decode()) == grid(first)  # the cached grid is the rendered one
    keys = [_keys(ev, True, False)]
    scores = [_cell(first, code, "num score")]
    for actual in ("1", "2.5", "1"):  # the third save returns to the first value: still a new version
        response = client.post(f"/evaluations/{ev.pk}/rows/{code}/", {"actual": actual,
                                                                       "version": IndicatorValue.objects.get(evaluation=ev, code=code).version})
        assert response.status_code == 200
        keys.append(_keys(ev, True, False))
        html = client.get(page).content.decode()
        assert f'name="actual" value="{actual}"' in re.search(rf'<tr id="row-{code}".*?</tr>', html, re.S).group(0)
        saved = response.content.decode()
        assert _cell(html, code, "num score") == _cell(saved, code, "num score")  # the page agrees with live scoring
        assert _cell(html, code, "explain") == _cell(saved, code, "explain")
        scores.append(_cell(html, code, "num score"))
        # the change trail has the save, as the entry form names the field, with the new value
        trail = re.search(r'<table id="history">.*?</table>', html, re.S).group(0)
        assert re.search(rf"<td>{code} 实际值</td><td[^>]*>[^<]*</td><td[^>]*>{re.escape(actual)}</td>", trail), trail[:600]
    assert len({k[0] for k in keys}) == len(keys) and len({k[1] for k in keys}) == len(keys)
    assert scores[1] == scores[3]  # same input, same score, whatever the version


@pytest.mark.django_db
def test_viewers_with_other_rights_and_other_states_get_their_own_grid(demo, login):
    ev = xundian(demo)
    preparer, admin = login("xundian_tianbao"), login("admin")
    page = f"/evaluations/{ev.pk}/"
    code = _numeric_code(ev)

    def actual_input(html):
        row = re.search(rf'<tr id="row-{code}".*?</tr>', html, re.S).group(0)
        return re.search(r'<input type="text" inputmode="decimal" name="actual"[^>]*>', row).group(0)

    assert "disabled" not in actual_input(preparer.get(page).content.decode())
    assert "disabled" in actual_input(admin.get(page).content.decode())  # admins see, but do not fill in
    assert "disabled" not in actual_input(preparer.get(page).content.decode())
    assert _keys(ev, True, False)[0] != _keys(ev, False, False)[0] != _keys(ev, False, True)[0]
    response = preparer.post(f"/evaluations/{ev.pk}/submit/")
    assert response.status_code == 302
    assert Evaluation.objects.get(pk=ev.pk).state == Evaluation.SUBMITTED
    assert "disabled" in actual_input(preparer.get(page).content.decode())  # submitted: no longer editable


@pytest.mark.django_db
def test_dashboard_sums_follow_every_save(demo, login):
    """The dashboard's aggregates are cached; a save that changes a score changes them at once
    (they always equal the sums computed afresh), and an unchanged page view writes nothing."""
    ev = xundian(demo)
    reviewer, preparer = login("kunming_shenhe"), login("xundian_tianbao")

    def shown():
        context = reviewer.get("/dashboard/").context
        return json.loads(context["chart_json"])["lost"], context["count"]

    def fresh():
        scored = views.visible_evaluations(reviewer_user).exclude(total=None)
        lost, _ = views.summary_totals(scored, in_sql=False)
        return {"names": list(lost), "values": [float(v) for v in lost.values()]}, scored.count()

    from django.contrib.auth import get_user_model
    reviewer_user = get_user_model().objects.get(username="kunming_shenhe")
    first = shown()
    assert first == fresh() and shown() == first  # the second view is served from the cache
    stamp = Evaluation.objects.get(pk=ev.pk).updated_at
    preparer.get(f"/evaluations/{ev.pk}/")  # scoring an unchanged evaluation writes nothing
    assert Evaluation.objects.get(pk=ev.pk).updated_at == stamp
    code = _numeric_code(ev)
    value = IndicatorValue.objects.get(evaluation=ev, code=code)
    response = preparer.post(f"/evaluations/{ev.pk}/rows/{code}/", {"version": value.version, "actual": "0"})
    assert response.status_code == 200
    after = shown()
    assert after == fresh() and after != first
