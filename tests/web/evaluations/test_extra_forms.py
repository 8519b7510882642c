"""Financial data, satisfaction questionnaires and report narrative entered as forms (issue 4,
item 3): labelled inputs, the core's rates and scores shown after saving, located Chinese
errors that save nothing, the change trail, and the same permissions as the indicator rows."""

import io
import re
from decimal import Decimal as D
from html.parser import HTMLParser

import pytest
from django.test import Client
from openpyxl import Workbook

from jixiao.core.model import NARRATIVE_SECTIONS
from jixiao.web.models import Evaluation
from ..conftest import nanjing, xundian

pytestmark = pytest.mark.django_db


class _Forms(HTMLParser):
    """Every <form> of a page with the values a browser would submit (text inputs, hidden
    inputs, checked boxes, selected options, textareas), and whether its fields are disabled."""

    def __init__(self):
        super().__init__()
        self.forms: list[dict] = []
        self._select = self._textarea = None
        self._disabled = False

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "form":
            self.forms.append({"fields": {}, "disabled": False, "files": []})
        if not self.forms:
            return
        form = self.forms[-1]
        if tag == "fieldset" and "disabled" in a:
            self._disabled = form["disabled"] = True
        if tag == "input" and a.get("name"):
            kind = a.get("type", "text")
            if kind == "file":
                form["files"].append(a["name"])
            elif kind == "checkbox":
                if "checked" in a:
                    form["fields"][a["name"]] = a.get("value", "on")
            else:
                form["fields"][a["name"]] = a.get("value", "")
        if tag == "select":
            self._select = a.get("name")
        if tag == "option" and self._select and "selected" in a:
            form["fields"][self._select] = a.get("value", "")
        if tag == "textarea":
            self._textarea = a.get("name")
            form["fields"][self._textarea] = ""

    def handle_endtag(self, tag):
        if tag == "select":
            self._select = None
        if tag == "textarea":
            self._textarea = None
        if tag == "fieldset":
            self._disabled = False

    def handle_data(self, data):
        if self._textarea and self.forms:
            self.forms[-1]["fields"][self._textarea] += data


def page_forms(client, ev) -> tuple[str, dict[str, dict]]:
    response = client.get(f"/evaluations/{ev.pk}/extra/")
    assert response.status_code == 200
    html = response.content.decode()
    parser = _Forms()
    parser.feed(html)
    forms = {}
    for form in parser.forms:
        name = form["fields"].get("form")
        if name and name not in forms:
            forms[name] = form
    return html, forms


def snapshot(ev: Evaluation):
    ev.refresh_from_db()
    return ev.extra, ev.total, ev.history.count(), list(ev.values.values_list("code", "score"))


def metric(html: str, name: str) -> str:
    row = html.split(f'data-metric="{name}"', 1)[1].split("</tr>", 1)[0]
    return row.split('<td class="num">', 1)[1].split("</td>", 1)[0]


def linked_score(html: str, code: str) -> str:
    row = html.split(f'<tr data-code="{code}">', 1)[1].split("</tr>", 1)[0]
    return row.split('class="num score"', 1)[1].split(">", 1)[1].split("</td>", 1)[0]


def trail_rows(html: str) -> list[tuple[str, str, str, str]]:
    """(reason, what, before, after) of this page's change trail, newest first."""
    trail = html.split('id="trail"', 1)[1]
    return re.findall(r'<td>([^<]*)</td><td>([^<]*)</td><td class="explain">([^<]*)</td><td class="explain">([^<]*)</td>', trail)


def test_finance_form_has_a_labelled_input_per_figure_and_shows_the_cores_rates(demo, login):
    ev = nanjing(demo)
    html, forms = page_forms(login("nanjing_tianbao"), ev)
    fields = forms["finance"]["fields"]
    assert fields["fin:budget.initial.basic"] == "3591.46" and fields["fin:budget.initial.project"] == "210.77"
    assert fields["fin:budget.initial.total"] == ""  # only the sum of its parts: left for the core to add
    assert fields["fin:budget.additions"] == "1408.16" and fields["fin:received"] == "5210.39"
    assert fields["fin:spent.basic"] == "4108.14" and fields["fin:sangong.spent"] == "3.79"
    assert fields["fin:sf:0:name"] == "城乡居民医保基金市级财政补助" and fields["fin:sf:0:received"] == "110903.65"
    assert fields["fin:unit"] == "万元"
    for label in ("年初预算数", "年初预算数（基本支出）", "调整后预算数（项目支出）", "资金到位数", "“三公”经费预算数",
                  "上年货币资金", "专项资金第1行·预算数"):
        assert f'aria-label="{label}"' in html, label
    # the derived figures are the core's: 000 B11 5200.47 ÷ 5210.39 = 99.81%
    assert metric(html, "execution_rate") == "99.81%"
    assert metric(html, "sangong_control_rate") == "97.68%"
    assert metric(html, "special_arrival_rate") == "99.11%"
    assert metric(html, "budget_adjustment_gap") == "0"
    assert linked_score(html, "B11") == "1.98/2" and linked_score(html, "B13") == "1.00/1"


def test_xundian_finance_with_final_accounts_round_trips_unchanged(demo, login):
    ev = xundian(demo)
    client = login("xundian_tianbao")
    html, forms = page_forms(client, ev)
    assert metric(html, "basic_share") == "78.15%"
    assert metric(html, "class_share:工资福利支出") == "64.45%"
    assert metric(html, "class_share:商品和服务支出") == "17.60%"
    assert metric(html, "income_share:财政拨款收入") == "99.38%"
    assert metric(html, "yoy_rate:cash") == "-41.97%"
    assert metric(html, "yoy_change:budget") == "429199.92"
    fields = forms["finance"]["fields"]
    assert fields["fin:fa:col:0"] == "年初结转和结余" and fields["fin:fa:row:0:code"] == "2101501"
    assert fields["fin:fa:row:0:v:4"] == "5358809.10" and fields["fin:fa:total:3"] == "9787783.26"
    income = {fields[f"fin:income:{i}:name"]: fields[f"fin:income:{i}:value"] for i in range(4)}
    assert income == {"财政拨款收入": "9726874.48", "其他收入": "60908.78", "": ""}  # (PostgreSQL's jsonb orders keys)
    before = snapshot(ev)
    response = client.post(f"/evaluations/{ev.pk}/extra/", fields)
    assert response.status_code == 302
    assert snapshot(ev) == before  # every figure survived the form unchanged; nothing to record


def test_a_finance_figure_is_saved_recorded_and_rescored(demo, login):
    ev = nanjing(demo)
    client = login("nanjing_tianbao")
    _, forms = page_forms(client, ev)
    history = ev.history.count()
    fields = {**forms["finance"]["fields"], "fin:spent.basic": "4,058.14"}
    response = client.post(f"/evaluations/{ev.pk}/extra/", fields, follow=True)
    html = response.content.decode()
    ev.refresh_from_db()
    assert ev.extra["finance"]["spent"] == {"basic": "4058.14", "project": "1092.33", "total": "5150.47"}
    assert metric(html, "execution_rate") == "98.85%"  # 5150.47 ÷ 5210.39
    assert linked_score(html, "B11") == "1.89/2"
    assert str(ev.total) == "96.5600" and str(ev.values.get(code="B11").score) == "1.8900"
    assert "已保存（修改财务数据），已按新数据重新计分：总分96.56" in html
    assert ev.history.count() == history + 1
    record = ev.history.first()
    assert record.history_change_reason == "修改财务数据" and record.history_user.username == "nanjing_tianbao"
    trail = client.get(f"/evaluations/{ev.pk}/").content.decode()
    assert "修改财务数据" in trail and "4058.14" in trail
    # this page's trail names each changed figure
    assert trail_rows(html)[:2] == [("修改财务数据", "财务数据·支出决算数（基本支出）", "4108.14", "4058.14"),
                                    ("修改财务数据", "财务数据·支出决算数", "5200.47", "5150.47")]


def test_a_bad_number_is_a_located_chinese_error_and_saves_nothing(demo, login):
    ev = nanjing(demo)
    client = login("nanjing_tianbao")
    _, forms = page_forms(client, ev)
    before = snapshot(ev)
    fields = {**forms["finance"]["fields"], "fin:budget.initial.total": "38o2.23", "fin:received": "5000",
              "fin:sf:1:spent": "一万一千"}
    html = client.post(f"/evaluations/{ev.pk}/extra/", fields).content.decode()
    assert "财务数据·年初预算数：不是有效数字" in html
    assert "财务数据·专项资金第2行·支出数：不是有效数字" in html
    assert 'value="38o2.23"' in html and 'value="5000"' in html  # what was typed stays on the page
    assert snapshot(ev) == before  # not even the valid 资金到位数 was saved
    # the core's own checks are located the same way, and save nothing either
    fields = {**forms["finance"]["fields"], "fin:budget.adjusted.total": "5300"}
    html = client.post(f"/evaluations/{ev.pk}/extra/", fields).content.decode()
    assert "财务数据·调整后预算数：合计5300不等于基本支出4118.06与项目支出1092.33之和5210.39" in html
    fields = {**forms["finance"]["fields"], "fin:sangong.spent": ""}
    html = client.post(f"/evaluations/{ev.pk}/extra/", fields).content.decode()
    assert "财务数据·“三公”经费实际支出：必填" in html
    assert snapshot(ev) == before


def test_questionnaire_counts_give_the_cores_score(demo, login):
    ev = xundian(demo)
    client = login("xundian_tianbao")
    html, forms = page_forms(client, ev)
    assert 'data-q-total="satisfaction">1935<' in html and 'data-q-score="satisfaction">96.75<' in html
    assert linked_score(html, "C72") == "3.87/4"  # 4 × 96.75 ÷ 100
    fields = forms["questionnaires"]["fields"]
    assert fields["q0-valid"] == "20" and fields["q0-0-text"] == "您认为该部门在深入基层调查研究情况方面做的如何?"
    assert [fields[f"q0-0-{m}-count"] for m in range(3)] == ["20", "0", "0"]
    assert fields["q0-0-0-label"] == "A.经常到基层调研" and fields["q0-0-0-points"] == "10"
    fields.update({"q0-0-0-count": "18", "q0-0-1-count": "2"})
    response = client.post(f"/evaluations/{ev.pk}/extra/", fields, follow=True)
    html = response.content.decode()
    assert 'data-q-score="satisfaction">96.25<' in html  # 1925 ÷ 20
    assert linked_score(html, "C72") == "3.85/4"
    ev.refresh_from_db()
    assert str(ev.total) == "95.8500" and str(ev.values.get(code="C72").score) == "3.8500"
    assert ev.history.first().history_change_reason == "修改满意度问卷"
    title = ev.extra["questionnaires"][0]["title"]
    assert trail_rows(html)[:2] == [("修改满意度问卷", f"满意度问卷「{title}」第1题选项A.经常到基层调研·人数", "20", "18"),
                                    ("修改满意度问卷", f"满意度问卷「{title}」第1题选项B.偶尔到基层调研·人数", "0", "2")]


def test_bad_questionnaire_counts_save_nothing(demo, login):
    ev = xundian(demo)
    client = login("xundian_tianbao")
    _, forms = page_forms(client, ev)
    before = snapshot(ev)
    title = ev.extra["questionnaires"][0]["title"]
    fields = {**forms["questionnaires"]["fields"], "q0-0-1-count": "两", "q0-1-0-count": "19"}
    html = client.post(f"/evaluations/{ev.pk}/extra/", fields).content.decode()
    assert f"满意度问卷·「{title}」第1题选项B.偶尔到基层调研·人数：须为不小于0的整数" in html
    assert snapshot(ev) == before
    fields = {**forms["questionnaires"]["fields"], "q0-0-1-count": "1"}  # 21 answers, 20 valid questionnaires
    html = client.post(f"/evaluations/{ev.pk}/extra/", fields).content.decode()
    assert f"满意度问卷「{title}」：第1题回答人数21多于有效问卷20份" in html
    assert snapshot(ev) == before
    fields = {**forms["questionnaires"]["fields"], "q0-delete": "1"}  # C72 takes its value from it
    html = client.post(f"/evaluations/{ev.pk}/extra/", fields).content.decode()
    assert "评价：指标C72引用了不存在的问卷：satisfaction" in html
    assert snapshot(ev) == before


def answers_workbook(counts_by_question, bad_cell=None) -> io.BytesIO:
    """One row per respondent: respondent r answers question k with the r-th label of its counts."""
    columns = [[label.split(".")[0] for label, count in q for _ in range(count)] for q in counts_by_question]
    wb = Workbook()
    ws = wb.active
    ws.title = "答卷"
    ws.append(["序号", *[f"第{k + 1}题" for k in range(len(columns))]])
    for r in range(len(columns[0])):
        ws.append([r + 1, *[col[r] for col in columns]])
    if bad_cell:
        ws[bad_cell] = "D"
    out = io.BytesIO()
    wb.save(out)
    out.seek(0)
    out.name = "答卷.xlsx"
    return out


def test_questionnaire_from_an_excel_file_of_respondents(demo, login):
    ev = xundian(demo)
    client = login("xundian_tianbao")
    _, forms = page_forms(client, ev)
    published = [[(o["label"], o["count"]) for o in q["options"]] for q in ev.extra["questionnaires"][0]["questions"]]
    # first spoil the counts through the form, then let the 20 answer sheets restore them
    fields = {**forms["questionnaires"]["fields"], "q0-0-0-count": "10", "q0-0-2-count": "10"}
    assert client.post(f"/evaluations/{ev.pk}/extra/", fields).status_code == 302
    ev.refresh_from_db()
    assert str(ev.values.get(code="C72").score) == "3.6700"  # 1835 ÷ 20 = 91.75 → 3.67
    _, forms = page_forms(client, ev)
    upload = forms["responses"]
    assert upload["files"] == ["file"] and upload["fields"]["qid"] == "satisfaction"
    before = snapshot(ev)
    bad = client.post(f"/evaluations/{ev.pk}/extra/", {**upload["fields"], "file": answers_workbook(published, "C4")})
    assert "答卷文件答卷.xlsx·答卷!C4：第2题没有选项“D”（可选：A.多渠道反映、B.单一渠道反映、C.无渠道反映）" in bad.content.decode()
    assert snapshot(ev) == before
    response = client.post(f"/evaluations/{ev.pk}/extra/", {**upload["fields"], "file": answers_workbook(published)},
                           follow=True)
    html = response.content.decode()
    assert 'data-q-total="satisfaction">1935<' in html and 'data-q-score="satisfaction">96.75<' in html
    assert linked_score(html, "C72") == "3.87/4"
    ev.refresh_from_db()
    q = ev.extra["questionnaires"][0]
    assert (q["issued"], q["returned"], q["valid"], q["declared_score"]) == (20, 20, 20, "96.75")
    assert [[(o["label"], o["count"]) for o in qq["options"]] for qq in q["questions"]] == published
    assert str(ev.values.get(code="C72").score) == "3.8700"
    assert ev.history.first().history_change_reason == "导入问卷答卷：答卷.xlsx（收回20份，有效20份）"


def test_a_new_questionnaire_is_built_from_the_blank_slots(demo, login):
    ev = nanjing(demo)
    client = login("nanjing_tianbao")
    html, forms = page_forms(client, ev)
    assert "新增问卷" in html
    fields = {**forms["questionnaires"]["fields"], "q0-id": "staff", "q0-title": "职工满意度", "q0-valid": "2",
              "q0-0-text": "服务态度", "q0-0-0-label": "A.满意", "q0-0-0-points": "100", "q0-0-0-count": "1",
              "q0-0-1-label": "B.一般", "q0-0-1-points": "60", "q0-0-1-count": "1"}
    html = client.post(f"/evaluations/{ev.pk}/extra/", fields, follow=True).content.decode()
    assert 'data-q-score="staff">80<' in html  # (100 + 60) ÷ 2
    ev.refresh_from_db()
    assert ev.extra["questionnaires"][0]["questions"][0]["options"][1] == {"label": "B.一般", "points": "60", "count": 1}
    fields["q0-valid"] = ""
    html = client.post(f"/evaluations/{ev.pk}/extra/", fields).content.decode()
    assert "满意度问卷·「职工满意度」有效份数：必填（计算综合得分的分母）" in html


def test_narrative_one_textarea_per_section_escaped(demo, login):
    ev = xundian(demo)
    client = login("xundian_tianbao")
    html, forms = page_forms(client, ev)
    fields = forms["narrative"]["fields"]
    assert {k for k in fields if k.startswith("narrative:")} == {f"narrative:{k}" for k in NARRATIVE_SECTIONS}
    for label in NARRATIVE_SECTIONS.values():
        assert f"<span>{label}</span>" in html
    assert fields["evaluator"] == "寻甸回族彝族自治县医疗保险中心" and fields["report_date"] == "2024年5月"
    fields.update({"narrative:problems": "人手不足<script>alert(1)</script>", "narrative:other": ""})
    html = client.post(f"/evaluations/{ev.pk}/extra/", fields, follow=True).content.decode()
    ev.refresh_from_db()
    assert ev.extra["narrative"]["problems"] == "人手不足<script>alert(1)</script>"
    assert "other" not in ev.extra["narrative"] and ev.extra["finance"]  # other blocks untouched
    assert "<script>alert(1)" not in html and "人手不足&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert ev.history.first().history_change_reason == "修改报告叙述"


def test_another_units_preparer_is_denied(demo, login):
    ev = xundian(demo)
    _, forms = page_forms(login("xundian_tianbao"), ev)
    before = snapshot(ev)
    other = login("nanjing_tianbao")
    assert other.get(f"/evaluations/{ev.pk}/extra/").status_code == 403
    assert other.post(f"/evaluations/{ev.pk}/extra/", {**forms["finance"]["fields"], "fin:received": "1"}).status_code == 403
    # the reviewer above sees the data read-only and cannot post
    reviewer = login("kunming_shenhe")
    html, reviewer_forms = page_forms(reviewer, ev)
    assert all(f["disabled"] for f in reviewer_forms.values() if f["fields"].get("form") != "yaml")
    assert "save-finance" not in html and "导入答卷" not in html
    assert reviewer.post(f"/evaluations/{ev.pk}/extra/", forms["finance"]["fields"]).status_code == 403
    assert snapshot(ev) == before


def test_submitted_evaluation_is_read_only_for_the_preparer(demo, login):
    ev = xundian(demo)
    client = login("xundian_tianbao")
    _, forms = page_forms(client, ev)
    assert client.post(f"/evaluations/{ev.pk}/submit/").status_code == 302
    ev.refresh_from_db()
    assert ev.state == Evaluation.SUBMITTED
    before = snapshot(ev)
    html, now = page_forms(client, ev)
    assert "下您不能修改" in html and now["finance"]["disabled"] and now["questionnaires"]["disabled"]
    assert "save-finance" not in html and "save-questionnaires" not in html and "导入答卷" not in html
    response = client.post(f"/evaluations/{ev.pk}/extra/", {**forms["finance"]["fields"], "fin:received": "1"})
    assert response.status_code == 403
    assert snapshot(ev) == before


def test_csrf_is_required(demo, login):
    ev = nanjing(demo)
    _, forms = page_forms(login("nanjing_tianbao"), ev)
    client = Client(enforce_csrf_checks=True)
    client.force_login(ev.unit.accounts.get().user)
    fields = {k: v for k, v in forms["finance"]["fields"].items() if k != "csrfmiddlewaretoken"}
    assert client.post(f"/evaluations/{ev.pk}/extra/", {**fields, "fin:received": "1"}).status_code == 403
    ev.refresh_from_db()
    assert ev.extra["finance"]["received"] == "5210.39"


def test_a_concurrent_change_is_not_overwritten_silently(demo, login):
    ev = nanjing(demo)
    client = login("nanjing_tianbao")
    _, forms = page_forms(client, ev)
    mine = {**forms["finance"]["fields"], "fin:received": "5200"}
    theirs = {**forms["finance"]["fields"], "fin:received": "5100"}
    assert client.post(f"/evaluations/{ev.pk}/extra/", theirs).status_code == 302
    html = client.post(f"/evaluations/{ev.pk}/extra/", mine).content.decode()
    assert "已被他人修改" in html and 'value="5200"' in html
    ev.refresh_from_db()
    assert ev.extra["finance"]["received"] == "5100"
    # a narrative save is not blocked by that finance change
    assert client.post(f"/evaluations/{ev.pk}/extra/", {**forms["narrative"]["fields"], "narrative:other": "无"}).status_code == 302


def test_the_yaml_editor_remains_as_the_advanced_fallback(demo, login):
    ev = xundian(demo)
    client = login("xundian_tianbao")
    _, forms = page_forms(client, ev)
    fields = forms["yaml"]["fields"]
    assert "finance:" in fields["data"] and "questionnaires:" in fields["data"]
    narrative = ev.extra["narrative"]
    fields["data"] = fields["data"].replace("evaluator: 寻甸回族彝族自治县医疗保险中心", "evaluator: 某会计师事务所")
    assert client.post(f"/evaluations/{ev.pk}/extra/", fields).status_code == 302
    ev.refresh_from_db()
    assert ev.extra["evaluator"] == "某会计师事务所"
    assert ev.extra["narrative"] == narrative  # the YAML form does not carry the narrative; it is kept
    _, forms = page_forms(client, ev)
    fields = forms["yaml"]["fields"]
    fields["data"] = fields["data"].replace("valid: 20", "valid: 十")
    html = client.post(f"/evaluations/{ev.pk}/extra/", fields).content.decode()
    assert "满意度问卷「" in html and "（questionnaires.0.valid）" in html


def test_a_large_questionnaire_is_not_refused_by_the_field_limit():
    """80 questions × 5 options × 3 fields posted at once (1,200 fields + a few, over Django's
    default limit of 1,000 that would make the request fail with TooManyFieldsSent)."""
    from django.test import RequestFactory

    data = {f"q:{q}:opt:{o}:{f}": "1" for q in range(80) for o in range(5) for f in ("label", "points", "count")}
    request = RequestFactory().post("/evaluations/1/extra/", data)
    assert len(request.POST) == 1200


def test_declared_total_grade_and_team_are_forms_too(demo, login):
    """Seed 002 publishes 95 / 优 and a team of four; the form shows them, refuses a bad total or a
    member without 职务 (nothing saved), and a corrected claim is audited against the computed total."""
    ev = xundian(demo)
    client = login("xundian_tianbao")
    _, forms = page_forms(client, ev)
    fields = forms["narrative"]["fields"]
    assert fields["declared_total"] == "95" and fields["declared_grade"] == "优"
    assert fields["team:0:role"] == "组长" and fields["team:0:name"] == "杨丽萍" and fields["team:3:name"]
    assert fields["team:4:name"] == ""  # a blank row to add a member
    before = snapshot(ev)
    bad = client.post(f"/evaluations/{ev.pk}/extra/", {**fields, "declared_total": "九十五", "team:4:org": "县财政局"})
    assert bad.status_code == 200  # the page again, with the errors in the form (as the other forms do)
    text = bad.content.decode()
    assert "报告叙述·申报总分：不是有效数字" in text and "报告叙述·评价小组第5行·职务：不能为空" in text
    assert snapshot(ev) == before
    ev.refresh_from_db()
    assert ev.declared_total == D("95") and ev.total == D("95.87")
    client.post(f"/evaluations/{ev.pk}/extra/", {**fields, "declared_total": "95.87", "team:4:role": "成员",
                                                 "team:4:name": "张三", "team:4:org": "县财政局"})
    ev.refresh_from_db()
    assert ev.extra["declared_total"] == "95.87" and ev.declared_total == ev.total == D("95.87")
    assert ev.extra["team"][4] == {"role": "成员", "name": "张三", "org": "县财政局"} and len(ev.extra["team"]) == 5
