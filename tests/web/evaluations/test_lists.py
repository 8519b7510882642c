"""The evaluation list (search, filters, pages, 共N条) and the dashboard within one framework
(filters by year, framework and region; the ranking exported to Excel)."""

import io
import re
from decimal import Decimal

import pytest
from openpyxl import load_workbook

from jixiao.web.models import Evaluation, Unit

pytestmark = pytest.mark.django_db


def _copies(n: int, parent_name: str = "昆明市医疗保障局") -> None:
    """``n`` more county units, each with a copy of the Nanjing evaluation (scored totals copied)."""
    template = Evaluation.objects.get(unit__name="南京市医疗保险管理中心")
    parent = Unit.objects.get(name=parent_name)
    for i in range(n):
        unit = Unit.objects.create(name=f"列表县{i:03d}医疗保障局", level="县", region="测试", parent=parent)
        Evaluation.objects.create(unit=unit, year=template.year, framework=template.framework, total=template.total - i,
                                  grade=template.grade, summary=template.summary, declared_total=template.declared_total)


def _names(html: str) -> list[str]:
    return re.findall(r'<td><a href="/evaluations/\d+/">([^<]+)</a>', html)


def test_home_search_filters_and_pages(demo, login):
    _copies(60)
    admin = login("admin")
    total = Evaluation.objects.count()
    html = admin.get("/").content.decode()
    assert f"共{total}条" in html and len(_names(html)) == 50 and f"第1/{-(-total // 50)}页" in html
    second = admin.get("/?page=2").content.decode()
    assert len(_names(second)) == total - 50 and not set(_names(second)) & set(_names(html))
    found = admin.get("/?q=列表县00").content.decode()  # 列表县000 … 列表县009
    assert "共10条" in found and all(n.startswith("列表县00") for n in _names(found))
    by_framework = admin.get("/", {"q": "医疗救助"}).content.decode()
    assert _names(by_framework) == ["中卫市医疗保障局"]
    nanjing = Evaluation.objects.get(unit__name="南京市医疗保险管理中心")
    Evaluation.objects.filter(pk=nanjing.pk).update(state="submitted")
    submitted = admin.get("/", {"state": "submitted"}).content.decode()
    assert "共1条" in submitted and _names(submitted) == ["南京市医疗保险管理中心"]
    framework = admin.get("/", {"framework": nanjing.framework_id, "year": nanjing.year, "q": "列表县"}).content.decode()
    assert "共60条" in framework and "page=2" in framework and "q=%E5%88%97" in framework  # the pager keeps the filters
    assert "共0条" in admin.get("/", {"year": 1999}).content.decode()
    # a preparer still sees only their unit, whatever the filters
    assert _names(login("nanjing_tianbao").get("/", {"q": "县"}).content.decode()) == []


def test_dashboard_ranks_within_one_framework_and_filters(demo, login):
    _copies(3)
    admin = login("admin")
    nanjing = Evaluation.objects.get(unit__name="南京市医疗保险管理中心")
    html = admin.get("/dashboard/").content.decode()
    # default: the framework with most evaluations (Nanjing's and its 3 copies)
    assert re.search(r'<option value="%d" selected>' % nanjing.framework_id, html)
    ranking = html[html.index('id="ranking"'):html.index("</table>", html.index('id="ranking"'))]
    assert ranking.count("<tr>") == 1 + 4 and "中卫市医疗保障局" not in ranking
    assert ranking.index("南京市医疗保险管理中心") < ranking.index("列表县000")  # by score
    zhongwei = Evaluation.objects.filter(unit__name="中卫市医疗保障局").first()
    other = admin.get("/dashboard/", {"framework": zhongwei.framework_id}).content.decode()
    ranking = other[other.index('id="ranking"'):]
    same = set(Evaluation.objects.filter(framework=zhongwei.framework).values_list("unit__name", flat=True))
    assert "中卫市医疗保障局" in same and set(_names(ranking.split("</table>")[0])) == same
    # region: the 昆明 sub-tree holds the copies and 寻甸, not Nanjing
    kunming = Unit.objects.get(name="昆明市医疗保障局")
    region = admin.get("/dashboard/", {"region": kunming.pk, "framework": nanjing.framework_id}).content.decode()
    ranking = region[region.index('id="ranking"'):].split("</table>")[0]
    assert "列表县000医疗保障局" in _names(ranking) and "南京市医疗保险管理中心" not in _names(ranking)
    assert "<tr>" not in admin.get("/dashboard/", {"year": 1999}).content.decode().split('id="ranking"')[1] \
        .split("</table>")[0].split("</tr>", 1)[1]
    # a city reviewer's regions are in their sub-tree only
    assert "南京市医疗保险管理中心" not in login("kunming_shenhe").get("/dashboard/").content.decode() \
        .split('name="region"')[1].split("</select>")[0]


def test_dashboard_points_lost_are_one_frameworks_and_stay_current(demo, login):
    import json

    admin = login("admin")
    nanjing = Evaluation.objects.get(unit__name="南京市医疗保险管理中心")

    def lost():
        html = admin.get("/dashboard/", {"framework": nanjing.framework_id}).content.decode()
        data = json.loads(re.search(r"const data = (\{.*?\});\n", html).group(1))
        return dict(zip(data["lost"]["names"], data["lost"]["values"]))

    first = lost()
    assert set(first) == set(nanjing.summary["lost"])  # only this framework's level-1 headings
    name = next(iter(nanjing.summary["lost"]))
    summary = {**nanjing.summary, "lost": {**nanjing.summary["lost"], name: "7.5"}}
    from django.utils import timezone

    Evaluation.objects.filter(pk=nanjing.pk).update(summary=summary, updated_at=timezone.now())
    assert lost()[name] == 7.5  # the cached aggregates follow the change


def test_ranking_exported_to_excel_with_exact_numbers(demo, login):
    _copies(2)
    nanjing = Evaluation.objects.get(unit__name="南京市医疗保险管理中心")
    response = login("sheng_shenhe").get("/dashboard/ranking.xlsx", {"framework": nanjing.framework_id})
    assert response.status_code == 200 and ".xlsx" in response["Content-Disposition"]
    rows = list(load_workbook(io.BytesIO(response.content)).active.iter_rows(values_only=True))
    assert rows[0][:3] == ("名次", "单位", "地区") and "得分" in rows[0]
    score = rows[0].index("得分")
    assert [r[1] for r in rows[1:]] == ["南京市医疗保险管理中心", "列表县000医疗保障局", "列表县001医疗保障局"]
    assert [Decimal(str(r[score])) for r in rows[1:]] == [nanjing.total, nanjing.total, nanjing.total - 1]
    assert isinstance(rows[1][score], (int, float)) and rows[1][0] == 1
    assert login("nanjing_tianbao").get("/dashboard/ranking.xlsx").status_code == 403
