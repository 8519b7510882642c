"""项目支出绩效自评表 on the site: create, fill, score (by the core), 偏差原因 required where
points are lost, permissions, Excel/Word download, uploads that replace the data or change
nothing, the workflow, the department roll-up and the demo forms."""

from __future__ import annotations

import io
from decimal import Decimal

import pytest
from docx import Document
from openpyxl import load_workbook

from jixiao.core import project_form as core
from jixiao.web.models import ProjectForm, Unit
from jixiao.web.projects.views import core_form, dashboard_context

pytestmark = pytest.mark.django_db
D = Decimal
THIRD_PARTY = "第三方参与医疗保障基金监管项目"


def demo_form(demo, project=THIRD_PARTY) -> ProjectForm:
    return ProjectForm.objects.get(project=project)


def page_post(record: ProjectForm, **changes) -> dict:
    """The POST the detail page sends for a record, unchanged, with ``changes`` applied."""
    form = core_form(record)
    post = {"project": form.project, "department": form.department, "implementer": form.implementer,
            "money_unit": form.money.unit, "goal_count": str(len(form.goals)), "row_count": str(len(form.indicators))}
    for key in core.MONEY_ROWS:
        for col in core.MONEY_COLUMNS:
            value = getattr(getattr(form.money, key), col)
            post[f"money:{key}:{col}"] = "" if value is None else str(value)
    for i, g in enumerate(form.goals):
        post[f"goal:{i}:expected"], post[f"goal:{i}:actual"] = g.expected, g.actual
    for i, r in enumerate(form.indicators):
        for field in ("level1", "level2", "name", "target", "actual", "reason"):
            post[f"row:{i}:{field}"] = getattr(r, field)
        post[f"row:{i}:weight"] = "" if r.weight is None else str(r.weight)
        post[f"row:{i}:score"] = "" if r.score is None else str(r.score)
    post.update(changes)
    return post


def snapshot(record: ProjectForm):
    record.refresh_from_db()
    return (record.document, record.total, record.state, record.history.count())


def test_demo_forms_are_scored_by_the_core(demo):
    forms = {f.project: f for f in ProjectForm.objects.select_related("unit")}
    assert len(forms) == 3
    third = forms[THIRD_PARTY]
    assert third.unit.name == "寻甸回族彝族自治县医疗保险中心" and third.variant == "yunnan"
    assert third.total == D("94.68") and third.grade == "优" and third.findings_count == 0
    assert third.budget == 400000 and third.spent == 392000 and third.execution_rate == D("98.00")
    assert any("演示数据" in g.expected for g in core_form(third).goals)  # marked illustrative on the form
    assert forms["示例：医保信息系统运行维护项目"].total == D("96.20")  # 9.2 + 20 + 15 + 15 + 27 + 10
    hubei = forms["示例：医保经办服务能力提升项目（湖北省格式演示）"]
    assert hubei.variant == "hubei" and hubei.total == D("93.89")  # 18 + 20 + 18.89 + 27 + 10
    assert hubei.budget == 1000000 and hubei.execution_rate == D("90.00")


def test_list_shows_the_department_rollup(demo, login):
    client = login("xundian_tianbao")
    response = client.get("/projects/")
    assert response.status_code == 200
    rollup = response.context["rollup"]
    assert rollup["count"] == 2
    assert rollup["budget"] == "700000" and rollup["spent"] == "668000"  # 元: 400000 + 30万元
    assert rollup["execution_rate"] == "95.43%"  # 668000 ÷ 700000
    assert rollup["weighted_score"] == "95.33"  # (94.68 × 400000 + 96.2 × 300000) ÷ 700000
    assert rollup["mean_score"] == "95.44" and rollup["grade_counts"] == "优2个"
    page = response.content.decode()
    assert THIRD_PARTY in page and "示例：医保经办服务能力提升项目" not in page  # another unit's form
    assert "新建项目支出绩效自评表" in page
    province = login("sheng_shenhe").get("/projects/")
    assert province.context["rollup"]["count"] == 3 and "新建项目支出绩效自评表" not in province.content.decode()
    assert login("nanjing_tianbao").get("/projects/").context["rollup"] is None


def test_dashboard_context_for_the_main_dashboard(demo):
    kunming = Unit.objects.get(name="昆明市医疗保障局")
    context = dashboard_context(kunming.subtree())
    assert context["project_year"] == 2023 and context["project_rollup"]["count"] == 2
    assert context["project_rollup"]["weighted_score"] == "95.33"
    from django.template.loader import render_to_string
    html = render_to_string("jixiao/project/_dashboard.html", context)
    assert "项目支出绩效自评汇总（2023年度）" in html and "95.43%" in html and THIRD_PARTY in html
    assert dashboard_context(Unit.objects.filter(name="南京市医疗保险管理中心"))["project_rollup"] is None


def test_main_dashboard_shows_the_subtree_project_forms(demo, login):
    kunming = login("kunming_shenhe").get("/dashboard/")
    assert kunming.status_code == 200
    assert kunming.context["project_rollup"]["count"] == 2 and kunming.context["project_year"] == 2023
    page = kunming.content.decode()
    assert "项目支出绩效自评汇总（2023年度）" in page and THIRD_PARTY in page and "95.43%" in page
    province = login("sheng_shenhe").get("/dashboard/")
    assert province.context["project_rollup"]["count"] == 3  # 寻甸's two and 宿州's Hubei form


def test_create_from_a_list_fill_and_score(demo, login):
    client = login("xundian_tianbao")
    response = client.post("/projects/", {
        "variant": "national", "year": "2024", "project": "医保政策宣传项目", "department": "寻甸回族彝族自治县医疗保障局",
        "money_unit": "万元", "goal": "提高政策知晓率", "rows_from": "list",
        "rows": "产出指标 | 数量指标 | 宣传活动场次 | ≥4场 | 50\n效益指标 | 社会效益指标 | 政策知晓率 | ≥80% | 30\n"
                "满意度指标 | 服务对象满意度指标 | 群众满意度 | ≥90% | 10"})
    assert response.status_code == 302, response.content.decode()[:800]
    record = ProjectForm.objects.get(project="医保政策宣传项目")
    assert record.unit.name == "寻甸回族彝族自治县医疗保险中心" and record.state == ProjectForm.DRAFT
    assert core_form(record).implementer == record.unit.name  # 实施单位 defaults to the unit
    assert [r.name for r in core_form(record).indicators] == ["宣传活动场次", "政策知晓率", "群众满意度"]

    # saved half-filled: a row without 实际完成值 is work in progress, not lost points …
    partial = page_post(record, **{"row:0:actual": "4"})
    assert client.post(f"/projects/{record.pk}/", partial).status_code == 302
    response = client.post(f"/projects/{record.pk}/submit/", follow=True)  # … but cannot be submitted
    page = response.content.decode()
    assert "指标第2行：“政策知晓率”未填写实际完成值" in page and "项目资金表缺少年度资金总额的全年预算数" in page
    record.refresh_from_db()
    assert record.state == ProjectForm.DRAFT

    post = page_post(record, **{"money:total:initial": "10", "money:total:annual": "10", "money:total:spent": "9.5",
                                "money:fiscal:annual": "10", "money:fiscal:spent": "9.5",
                                "row:0:actual": "4", "row:1:actual": "85%", "row:2:actual": "95%"})
    response = client.post(f"/projects/{record.pk}/", post)
    assert response.status_code == 302
    record.refresh_from_db()
    assert record.total == D("99.50")  # 10 × 95% + 50 + 30 + 10
    assert record.execution_rate == D("95.00") and record.budget == 100000 and record.spent == 95000
    page = client.get(f"/projects/{record.pk}/").content.decode()
    assert "99.50" in page and "95.00%" in page

    # a row that loses points without 偏差原因: refused, named, nothing saved
    before = snapshot(record)
    response = client.post(f"/projects/{record.pk}/", {**post, "row:0:actual": "3"})
    assert response.status_code == 400
    errors = response.context["errors"]
    assert errors == ["指标第1行：“宣传活动场次”得37.5分（分值50分），失分但未填写偏差原因分析及改进措施"]
    assert "失分但未填写偏差原因分析及改进措施" in response.content.decode()
    assert '<tr id="row-0" class="missing">' in response.content.decode()  # the named row is marked
    assert '<tr id="row-1" class="missing">' not in response.content.decode()
    assert snapshot(record) == before
    response = client.post(f"/projects/{record.pk}/", {**post, "row:0:actual": "3", "row:0:reason": "雨季取消1场；下年补开"})
    assert response.status_code == 302
    record.refresh_from_db()
    assert record.total == D("87.00")  # 9.5 + 37.5 + 30 + 10

    # bad numbers and a missing 分值 are named in Chinese; nothing saved
    before = snapshot(record)
    response = client.post(f"/projects/{record.pk}/", {**post, "money:total:spent": "九点五", "row:1:weight": ""})
    assert response.status_code == 400
    assert response.context["errors"] == ["项目资金 年度资金总额 全年执行数：“九点五”不是数字"]
    response = client.post(f"/projects/{record.pk}/", {**post, "row:1:weight": ""})
    assert response.context["errors"] == ["指标第2行（政策知晓率）分值：“政策知晓率”缺少分值"]
    response = client.post(f"/projects/{record.pk}/", {**post, "row:1:level1": "", "project": "",
                                                       "row:2:target": "明显提高", "row:2:score": "8"})
    assert response.context["errors"] == ["项目名称：不能为空", "指标第2行（政策知晓率）一级指标：不能为空"]
    assert 'name="row:2:score" value="8"' in response.content.decode()  # what was typed is shown again
    assert snapshot(record) == before

    # a new row, a deleted row, a 定性 row with the evaluator's score
    response = client.post(f"/projects/{record.pk}/", {
        **post, "row:0:reason": "x", "row:2:delete": "1", "row:3:level1": "效益指标", "row:3:level2": "可持续影响指标",
        "row:3:name": "宣传长效机制", "row:3:target": "基本建立", "row:3:actual": "部分达成", "row:3:weight": "10",
        "row:3:score": "7", "row:3:reason": "机制尚在试行"})
    assert response.status_code == 302
    record.refresh_from_db()
    form = core_form(record)
    assert [r.name for r in form.indicators] == ["宣传活动场次", "政策知晓率", "宣传长效机制"]
    assert form.indicators[2].score == 7 and form.indicators[0].score is None  # computed rows keep no 得分
    assert record.total == D("96.50")  # 9.5 + 50 + 30 + 7


def test_create_from_the_template_and_duplicates(demo, login):
    client = login("xundian_tianbao")
    response = client.post("/projects/", {"variant": "hubei", "year": "2024", "project": "模板项目", "rows_from": "template"})
    assert response.status_code == 302
    form = core_form(ProjectForm.objects.get(project="模板项目"))
    assert form.variant == "hubei" and len(form.indicators) == 9  # one row per level-2 heading
    assert {r.level2 for r in form.indicators} >= {"数量指标", "服务对象满意度指标"}
    response = client.post("/projects/", {"variant": "hubei", "year": "2024", "project": "模板项目", "rows_from": "template"})
    assert response.status_code == 400 and "已有项目“模板项目”" in response.content.decode()
    response = client.post("/projects/", {"variant": "national", "year": "2024", "project": "缺分值", "rows_from": "list",
                                          "rows": "产出指标 | 数量指标 | 场次 | ≥4场"})
    assert response.status_code == 400 and "指标清单第1行：“场次”缺少分值" in response.content.decode()
    assert not ProjectForm.objects.filter(project="缺分值").exists()


def test_permissions(demo, login, client):
    record = demo_form(demo)
    url = f"/projects/{record.pk}/"
    before = snapshot(record)
    assert client.get(url).status_code == 302  # anonymous: to the login page
    for username in ("nanjing_tianbao", "zhongwei_tianbao", "suzhou_tianbao"):  # other units' preparers
        other = login(username)
        assert other.get(url).status_code == 403
        assert other.post(url, page_post(record)).status_code == 403
        assert other.get(f"{url}export.xlsx").status_code == 403
        assert other.post(f"{url}submit/").status_code == 403
    for username in ("kunming_shenhe", "sheng_shenhe", "sheng_caizheng", "admin"):  # read-only over the sub-tree
        reader = login(username)
        response = reader.get(url)
        assert response.status_code == 200 and "只读" in response.content.decode()
        assert reader.post(url, page_post(record, project="改名")).status_code == 403
        assert reader.post(f"{url}upload/", {}).status_code == 403
        assert reader.get(f"{url}export.docx").status_code == 200
    assert login("nanjing_tianbao").post("/projects/", {"variant": "national", "year": "2024", "project": "x"}).status_code == 302
    assert login("kunming_shenhe").post("/projects/", {"variant": "national", "year": "2024", "project": "y"}).status_code == 403
    assert snapshot(record) == before


def test_workflow(demo, login):
    record = demo_form(demo)
    preparer, reviewer = login("xundian_tianbao"), login("kunming_shenhe")
    assert reviewer.post(f"/projects/{record.pk}/approve/").status_code == 403  # still a draft
    assert preparer.post(f"/projects/{record.pk}/submit/").status_code == 302
    record.refresh_from_db()
    assert record.state == ProjectForm.SUBMITTED
    assert preparer.post(f"/projects/{record.pk}/", page_post(record)).status_code == 403  # locked once submitted
    assert preparer.post(f"/projects/{record.pk}/approve/").status_code == 403  # not one's own
    reviewer.post(f"/projects/{record.pk}/return/", {"comment": ""})
    record.refresh_from_db()
    assert record.state == ProjectForm.SUBMITTED  # a return needs a comment
    assert reviewer.post(f"/projects/{record.pk}/return/", {"comment": "请补充满意度调查依据"}).status_code == 302
    record.refresh_from_db()
    assert record.state == ProjectForm.RETURNED and record.review_comment == "请补充满意度调查依据"
    assert preparer.post(f"/projects/{record.pk}/", page_post(record)).status_code == 302  # editable again
    assert preparer.post(f"/projects/{record.pk}/submit/").status_code == 302
    assert reviewer.post(f"/projects/{record.pk}/approve/").status_code == 302
    record.refresh_from_db()
    assert record.state == ProjectForm.APPROVED
    reasons = list(record.history.order_by("history_id").values_list("history_change_reason", flat=True))
    assert reasons == ["演示数据", "提交", "退回", "填报", "提交", "审核通过"]


def test_submit_refused_while_a_lost_row_has_no_reason(demo, login):
    from jixiao.web.projects.views import store

    record = demo_form(demo)
    form = core_form(record)
    rows = list(form.indicators)
    rows[3] = rows[3].model_copy(update={"reason": ""})  # 举报投诉办结时限 36 of ≤30天: loses points
    store(record, form.model_copy(update={"indicators": tuple(rows)}), "上传XLSX")  # as an uploaded file may be
    response = login("xundian_tianbao").post(f"/projects/{record.pk}/submit/", follow=True)
    record.refresh_from_db()
    assert record.state == ProjectForm.DRAFT
    assert "“举报投诉办结时限”得8分（分值10分），失分但未填写偏差原因分析及改进措施" in response.content.decode()


def test_excel_and_word_downloads(demo, login):
    record = demo_form(demo)
    client = login("xundian_tianbao")
    response = client.get(f"/projects/{record.pk}/export.xlsx")
    assert response.status_code == 200
    assert "attachment" in response["Content-Disposition"]
    ws = load_workbook(io.BytesIO(b"".join(response.streaming_content))).active
    cells = {c.value: c for row in ws.iter_rows() for c in row if c.value is not None}
    header = [c.value for c in ws[cells["三级指标"].row]]
    assert header[4:7] == ["指标性质", "年度指标值", "度量单位"]  # Yunnan's layout
    total_row = cells["总分"].row
    assert D(str(ws.cell(total_row, header.index("得分") + 1).value)) == D("94.68")
    assert ws.cell(cells["年度资金总额"].row, 6).value == 400000
    response = client.get(f"/projects/{record.pk}/export.docx")
    assert response.status_code == 200
    doc = Document(io.BytesIO(b"".join(response.streaming_content)))
    texts = [c.text for row in doc.tables[0].rows for c in row.cells]
    assert "94.68" in texts and "定点医药机构现场核查数量" in texts
    assert client.get(f"/projects/{record.pk}/export.pdf").status_code == 404


def _exported(client, record, fmt_="xlsx") -> bytes:
    return b"".join(client.get(f"/projects/{record.pk}/export.{fmt_}").streaming_content)


def test_upload_with_a_bad_cell_changes_nothing(demo, login, tmp_path):
    record = demo_form(demo)
    client = login("xundian_tianbao")
    wb = load_workbook(io.BytesIO(_exported(client, record)))
    ws = wb.active
    cells = {c.value: c for row in ws.iter_rows() for c in row if c.value is not None}
    header = {c.value: c.column for c in ws[cells["三级指标"].row]}
    row = cells["处理违规定点医疗机构"].row
    ws.cell(row, header["实际完成值"]).value = "六十一"
    ws.cell(row, header["分值"]).value = "十"
    path = tmp_path / "bad.xlsx"
    wb.save(path)
    before = snapshot(record)
    with open(path, "rb") as f:
        response = client.post(f"/projects/{record.pk}/upload/", {"file": f})
    assert response.status_code == 400
    errors = response.context["errors"]
    assert errors[0] == "上传的自评表有误，未作任何修改："
    letter = ws.cell(row, header["分值"]).column_letter
    assert f"bad.xlsx：项目支出绩效自评表!{letter}{row}（分值）：“十”不是有效数字" in errors
    assert snapshot(record) == before
    junk = tmp_path / "junk.xlsx"
    junk.write_bytes(b"not a workbook")
    with open(junk, "rb") as f:
        response = client.post(f"/projects/{record.pk}/upload/", {"file": f})
    assert response.status_code == 400 and "不是有效的Excel工作簿" in response.content.decode()
    assert snapshot(record) == before

    # the same workbook, corrected and with a target met but points lost: imported, flagged
    ws.cell(row, header["实际完成值"]).value = "61"
    ws.cell(row, header["分值"]).value = 10
    ws.cell(row, header["得分"]).value = 8
    wb.save(path)
    with open(path, "rb") as f:
        response = client.post(f"/projects/{record.pk}/upload/", {"file": f})
    assert response.status_code == 302
    record.refresh_from_db()
    form = core_form(record)
    assert form.indicators[1].score == 8  # the 得分 filled in, kept as declared
    assert record.total == D("94.68")  # the rules' score is unchanged
    page = client.get(f"/projects/{record.pk}/").content.decode()
    assert "实际完成值达到年度指标值却失分" in page and "却只得8分（分值10分）" in page
    assert record.history.first().history_change_reason == "上传XLSX"


def test_upload_of_a_word_form(demo, login, tmp_path):
    record = demo_form(demo, "示例：医保信息系统运行维护项目")
    client = login("xundian_tianbao")
    doc = Document(io.BytesIO(_exported(client, record, "docx")))
    table = doc.tables[0]
    header_row = next(r for r in table.rows if any(c.text == "三级指标" for c in r.cells))
    cols = {c.text: j for j, c in enumerate(header_row.cells)}
    target_row = next(r for r in table.rows if any(c.text == "运维服务器数量" for c in r.cells))
    target_row.cells[cols["实际完成值"]].paragraphs[0].runs[0].text = "9"
    target_row.cells[cols["偏差原因分析及改进措施"]].paragraphs[0].add_run("3台服务器下半年迁移上云")
    path = tmp_path / "w.docx"
    doc.save(str(path))
    with open(path, "rb") as f:
        response = client.post(f"/projects/{record.pk}/upload/", {"file": f})
    assert response.status_code == 302, response.context and response.context["errors"]
    record.refresh_from_db()
    assert record.total == D("91.20")  # 96.2 − 20 + 9 ÷ 12 × 20
    assert core_form(record).indicators[0].reason == "3台服务器下半年迁移上云"
    with open(path, "rb") as f:
        response = login("kunming_shenhe").post(f"/projects/{record.pk}/upload/", {"file": f})
    assert response.status_code == 403
    txt = tmp_path / "w.txt"
    txt.write_text("x")
    with open(txt, "rb") as f:
        response = client.post(f"/projects/{record.pk}/upload/", {"file": f})
    assert response.status_code == 400 and "只接受.xlsx、.docx文件" in response.content.decode()


def test_a_stale_page_is_refused(demo, login):
    record = demo_form(demo)
    client = login("xundian_tianbao")
    version = str(record.lock_version)
    assert client.post(f"/projects/{record.pk}/", {**page_post(record), "version": version}).status_code == 302
    before = snapshot(record)
    stale = {**page_post(record, **{"row:1:actual": "70"}), "version": version}  # opened before that save
    response = client.post(f"/projects/{record.pk}/", stale)
    assert response.status_code == 409 and "已被修改" in response.content.decode()
    assert snapshot(record) == before


@pytest.mark.parametrize("fmt_", ["xlsx", "docx"])
def test_download_then_upload_keeps_every_figure(demo, login, tmp_path, fmt_):
    """Round trip on the site: the downloaded form uploaded unchanged gives the same form and
    the same scores (the 得分/执行率/总分 printed come back as declared, equal to the computed)."""
    client = login("suzhou_tianbao")
    record = demo_form(demo, "示例：医保经办服务能力提升项目（湖北省格式演示）")
    before = core_form(record)
    path = tmp_path / f"form.{fmt_}"
    path.write_bytes(_exported(client, record, fmt_))
    with open(path, "rb") as f:
        assert client.post(f"/projects/{record.pk}/upload/", {"file": f}).status_code == 302
    record.refresh_from_db()
    after = core_form(record)
    strip = {"loc": True, "money": {"declared_score", "declared_rate"}, "declared_total": True, "declared_grade": True,
             "indicators": {"__all__": {"loc", "score"}}}
    assert after.model_dump(exclude=strip) == before.model_dump(exclude=strip)
    review = core.review(after)
    assert record.total == D("93.89") and review.sheet.declared_total == D("93.89")
    assert after.money.declared_rate == 90 and after.money.declared_score == 18 and after.declared_grade == "优"
    assert [f for f in review.findings if f.severity == "error"] == []


def test_audit_page_reads_a_filled_form(demo, login, tmp_path):
    record = demo_form(demo)
    client = login("xundian_tianbao")
    wb = load_workbook(io.BytesIO(_exported(client, record)))
    ws = wb.active
    cells = {c.value: c for row in ws.iter_rows() for c in row if c.value is not None}
    header = {c.value: c.column for c in ws[cells["三级指标"].row]}
    ws.cell(cells["定点医药机构现场核查数量"].row, header["得分"]).value = 18  # 265 of ≥265, yet 18 of 20
    path = tmp_path / "filled.xlsx"
    wb.save(path)
    with open(path, "rb") as f:
        response = login("kunming_shenhe").post("/audit/", {"file": f})
    assert response.status_code == 200
    page = response.content.decode()
    assert "实际完成值达到年度指标值却失分" in page
    assert "“定点医药机构现场核查数量”实际完成值265达到年度指标值“≥265家”，却只得18分（分值20分）" in page


def test_a_new_blank_form_has_no_grade_until_a_row_is_filled(demo, login):
    client = login("xundian_tianbao")
    assert client.post("/projects/", {"variant": "national", "year": "2024", "project": "空白项目",
                                      "rows_from": "template"}).status_code == 302
    record = ProjectForm.objects.get(project="空白项目")
    assert record.total is None and record.grade == ""
    assert not core.review(core_form(record)).filled
    page = client.get(f"/projects/{record.pk}/").content.decode()
    assert '<b id="grade">尚未填报</b>' in page and '<span class="big" id="total">—</span>' in page
    listing = client.get("/projects/?year=2024").content.decode()
    row = listing.split("空白项目")[1].split("</tr>")[0]
    assert "—" in row and "尚未填报" in row and "差" not in row
    # one 实际完成值 filled: scored and graded by the core
    post = page_post(record, **{"row:0:actual": "达成", "row:0:score": str(core_form(record).indicators[0].weight or 1)})
    client.post(f"/projects/{record.pk}/", post)
    record.refresh_from_db()
    assert record.total is not None and record.grade
