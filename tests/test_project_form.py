"""The 项目支出绩效自评表: templates, generic scoring, the money block, findings, Excel/Word
round trips in every variant, imports of public-style forms, roll-up and the CLI."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import pytest
from docx import Document
from openpyxl import Workbook, load_workbook
from typer.testing import CliRunner

from jixiao.cli.project import project_app
from jixiao.core.project_form import (VARIANTS, FormRow, ProjectForm, ProjectFormError, blank_form, build,
                                      build_evaluation, convert, load_template, review, rollup, split_points)
from jixiao.io.project_form_excel import SHEET, export_form_xlsx, import_form_xlsx
from jixiao.io.project_form_yaml import form_from_data, form_to_yaml, load_form
from jixiao.io.yamlio import load_framework, parse_yaml
from jixiao.reports.project_form_docx import export_form_docx

ROOT = Path(__file__).resolve().parent.parent
EXAMPLE = ROOT / "docs" / "examples" / "project-form-2023-third-party-supervision.yaml"
ILLUSTRATIVE = ROOT / "tests" / "fixtures" / "project_forms" / "third-party-illustrative.yaml"


def D(x) -> Decimal:
    return Decimal(str(x))


ROWS = [
    dict(level1="产出指标", level2="数量指标", name="核查定点医药机构数", target="≥265家", actual="265", weight=20),
    dict(level1="产出指标", level2="数量指标", name="宣传活动场次", target="≥4场", actual="3", weight=10,
         reason="疫情后首年集中宣传，场次不足；下年度按季度开展"),
    dict(level1="产出指标", level2="质量指标", name="检查覆盖率", target="=100%", actual="100%", weight=10),
    dict(level1="产出指标", level2="时效指标", name="举报办结时限", target="≤30天", actual="36", weight=10,
         reason="跨部门协查延迟；建立督办台账"),
    dict(level1="效益指标", level2="社会效益指标", name="基金监管长效机制", target="有效建立", actual="达成", weight=15,
         score=14, reason="机制运行首年，制度尚待完善"),
    dict(level1="效益指标", level2="经济效益指标", name="追回违规资金", target="≥150万元", actual="128.77", weight=15,
         reason="违规行为减少；加强大数据筛查"),
    dict(level1="满意度指标", level2="服务对象满意度指标", name="定点机构满意度", target="≥90%", actual="93%", weight=10),
]
MONEY = {"unit": "元", "total": {"initial": 400000, "annual": 400000, "spent": 392000},
         "fiscal": {"initial": 400000, "annual": 350000, "spent": 342000},
         "carryover": {"annual": 50000, "spent": 50000}}


def make_form(variant: str = "national", rows=ROWS, **extra) -> ProjectForm:
    hubei = not load_template(variant).layout.row_weights
    indicators = [{**r, "weight": None} if hubei else dict(r) for r in rows]
    data = dict(variant=variant, year=2023, project="第三方参与医疗保障基金监管项目", department="某县医疗保障局",
                implementer="某县医疗保险中心", money=MONEY,
                goals=[{"expected": "现场检查全覆盖", "actual": "全覆盖"}], indicators=indicators)
    data.update(extra)
    return ProjectForm.model_validate(data)


def with_declared(form: ProjectForm) -> ProjectForm:
    """The form with every 得分, the money 执行率 and 得分, 总分 and 等级 filled in as computed."""
    r = review(form)
    rows = tuple(row.model_copy(update={"score": r.row_score(i).score}) for i, row in enumerate(form.indicators))
    grade = r.sheet.grade if r.layout.show_grade else None
    return form.model_copy(update={
        "indicators": rows, "money": form.money.model_copy(update={"declared_score": r.execution.score,
                                                                   "declared_rate": form.money.execution_rate()}),
        "declared_total": r.sheet.total, "declared_grade": grade})


# --- templates and scoring ---------------------------------------------------------------

@pytest.mark.parametrize("variant", list(VARIANTS))
def test_templates_load_as_frameworks(variant):
    framework, errors = load_framework(f"builtin:project-form-{variant}")
    assert errors == [] and framework.default_rule == "generic" and framework.kind == "项目支出"
    points = {g.name: g.points for g in framework.groups}
    execution = D(20) if variant == "hubei" else D(10)
    assert points["预算执行"] == execution and points["效益指标"] == 30 and points["满意度指标"] == 10
    assert sum(points.values()) == 100
    assert [g.name for g in framework.groups[1].groups] == ["数量指标", "质量指标", "时效指标", "成本指标"]


def test_generic_scoring_of_form_rows():
    r = review(make_form())
    rows = {row.name: row for row in r.sheet.rows}
    assert rows["核查定点医药机构数"].score == 20  # 正向, met
    assert rows["宣传活动场次"].score == D("7.50")  # 正向: 3 ÷ 4 × 10
    assert rows["检查覆盖率"].score == 10  # "=" met
    assert rows["举报办结时限"].score == 8  # 反向: linear to 0 at 60天: 10 × (60 − 36) ÷ 30
    assert rows["基金监管长效机制"].score == 14  # 定性 达成, evaluator's score within 12–15
    assert rows["追回违规资金"].score == D("12.88")  # 128.77 ÷ 150 × 15
    assert rows["定点机构满意度"].score == 10
    assert r.sheet.weight_total == 100
    assert r.sheet.total == D("9.8") + 20 + D("7.5") + 10 + 8 + 14 + D("12.88") + 10
    directions = {i.name: i.direction for i in r.sheet.framework.indicators()}
    assert directions["举报办结时限"] == "反向" and directions["基金监管长效机制"] == "定性"


def test_qualitative_score_outside_band_and_verdict_phrasing():
    rows = [dict(ROWS[4], score=10)]  # 达成 needs 12–15 of 15
    r = review(make_form(rows=rows + [dict(ROWS[0])]))
    assert any(f.kind == "input-error" and "得分须在12分" in f.message for f in r.findings)
    assert FormRow(level1="效益", level2="社会效益", name="x", actual="基本完成").verdict() == "部分达成"
    assert FormRow(level1="效益", level2="社会效益", name="x", actual="未完成年度目标").verdict() == "未达成"


def test_targets_are_normalised():
    row = FormRow(level1="产出", level2="质量", name="x", target="95%")
    assert row.target == "≥95%" and row.nature == "≧" and row.target_number == "95" and row.target_unit == "%"
    assert FormRow(level1="产出", level2="时效", name="x", target="30天", direction="反向").target == "≤30天"
    assert FormRow(level1="产出", level2="质量", name="x", target="≧ 99.50%").target == "≥99.5%"
    with pytest.raises(ValueError, match="不是数值"):
        FormRow(level1="产出", level2="质量", name="x", target="≥95%", actual="很多").actual_value()


# --- the money block -----------------------------------------------------------------------

def test_execution_row_computed_from_money_block():
    r = review(make_form())
    f1 = r.execution
    assert f1.input.actual == D("98.00") and f1.score == D("9.80") and f1.weight == 10
    assert "392000元÷全年预算数400000元" in f1.input.evidence
    hubei = review(make_form("hubei"))
    assert hubei.execution.weight == 20 and hubei.execution.score == D("19.60")  # 20 × 98%
    odd = make_form(money={"unit": "万元", "total": {"annual": 3, "spent": 2}})
    assert review(odd).execution.input.actual == D("66.67")  # 2 ÷ 3, to 2 places half-up
    assert review(odd).execution.score == D("6.67")


def test_money_findings():
    none = review(make_form(money={}))
    assert {f.kind for f in none.findings} >= {"money-missing", "input-error"}
    assert none.execution.score == 0
    bad = make_form(money={"total": {"annual": 100, "spent": 120}, "fiscal": {"annual": 90, "spent": 120}})
    kinds = [(f.kind, f.message) for f in review(bad).findings]
    assert ("money-sum", "全年预算数：当年财政拨款、上年结转资金、其他资金合计90万元，年度资金总额为100万元") in kinds
    assert any(k == "money-over" for k, _ in kinds)


# --- findings ------------------------------------------------------------------------------

def test_deviation_reason_required_where_points_are_lost():
    rows = [dict(ROWS[1], reason=""), dict(ROWS[0]), dict(ROWS[4], reason=""),
            dict(ROWS[6], score=9)]  # 满意度 met, but 9 of 10 filled in and no reason
    findings = review(make_form(rows=rows)).findings
    missing = {f.code: f.message for f in findings if f.kind == "reason-missing"}
    assert set(missing) == {"A1-1", "B2-1", "C1-1"}
    assert missing["A1-1"] == "“宣传活动场次”得7.5分（分值10分），失分但未填写偏差原因分析及改进措施"
    assert not [f for f in review(make_form()).findings if f.kind == "reason-missing"]


def test_target_met_but_points_lost_is_flagged():
    rows = [dict(ROWS[0], score=18), *ROWS[1:]]
    findings = review(make_form(rows=rows)).findings
    lost = [f for f in findings if f.kind == "met-but-lost"]
    assert len(lost) == 1 and lost[0].code == "A1-1"
    assert "实际完成值265达到年度指标值“≥265家”，却只得18分（分值20分）" in lost[0].message
    assert any(f.kind == "score-mismatch" and f.code == "A1-1" for f in findings)


def test_build_problems_name_rows():
    with pytest.raises(ProjectFormError) as exc:
        build(make_form(rows=[dict(ROWS[0], weight=None), dict(ROWS[1], actual="三场")]))
    messages = {p.path: p.message for p in exc.value.problems}
    assert messages[("indicators", 0, "weight")] == "“核查定点医药机构数”缺少分值"
    assert "不是数值" in messages[("indicators", 1, "actual")]
    with pytest.raises(ProjectFormError, match="湖北省格式的指标行不填分值"):
        build_evaluation(make_form("hubei").model_copy(update={"indicators": (FormRow(**ROWS[0]),)}))


def test_hubei_points_split_over_rows():
    assert split_points(D(40), 3) == [D("13.33"), D("13.33"), D("13.34")]
    r = review(make_form("hubei"))
    weights = {i.name: i.weight for i in r.sheet.framework.indicators()}
    assert sum(weights.values()) == 100
    assert weights["核查定点医药机构数"] == 10 and weights["定点机构满意度"] == 10  # 40 over 4 rows, 10 over 1
    seconds = make_form("hubei", group_points={"产出指标/数量指标": 30, "产出指标/质量指标": 5, "产出指标/时效指标": 5})
    weights = {i.name: i.weight for i in review(seconds).sheet.framework.indicators()}
    assert weights["核查定点医药机构数"] == 15 and weights["检查覆盖率"] == 5


def test_new_level2_heading_becomes_a_group():
    rows = [*ROWS, dict(level1="产出指标", level2="经济成本指标", name="人均监管成本", target="≤500元", actual="450",
                        weight=0)]
    framework = build_evaluation(make_form(rows=rows)).framework
    produced = next(g for g in framework.groups if g.code == "A")
    assert [g.name for g in produced.groups][-1] == "经济成本指标"
    assert framework.indicator("A5-1").name == "人均监管成本"


# --- round trips ---------------------------------------------------------------------------

def _values(path: Path):
    wb = load_workbook(path)
    ws = wb[SHEET]
    cells = {c.coordinate: c.value for row in ws.iter_rows() for c in row if c.value is not None}
    merges = sorted(str(m) for m in ws.merged_cells.ranges)
    return cells, merges


def _find_row(ws, text: str) -> int:
    for row in ws.iter_rows():
        for c in row:
            if c.value == text:
                return c.row
    raise AssertionError(text)


def _header_columns(ws) -> dict[str, int]:
    r = _find_row(ws, "三级指标")
    return {str(c.value): c.column for c in ws[r] if c.value}


@pytest.mark.parametrize("variant", list(VARIANTS))
def test_round_trip_export_fill_import_score_export(variant, tmp_path):
    full = with_declared(make_form(variant))
    expected = review(full)
    reference = export_form_xlsx(expected, tmp_path / "reference.xlsx")

    # export an unfilled form (no actual values, no scores), then fill it in as a clerk would
    empty_rows = tuple(r.model_copy(update={"actual": "", "score": None, "reason": ""}) for r in full.indicators)
    unfilled = full.model_copy(update={"indicators": empty_rows, "declared_total": None, "declared_grade": None,
                                       "money": full.money.model_copy(update={"declared_score": None})})
    path = export_form_xlsx(review(unfilled), tmp_path / "filled.xlsx")
    wb = load_workbook(path)
    ws = wb[SHEET]
    cols = _header_columns(ws)
    layout = expected.layout
    for i, row in enumerate(full.indicators):
        r = _find_row(ws, row.name)
        ws.cell(r, cols[layout.actual_label]).value = row.actual
        ws.cell(r, cols[layout.score_label]).value = float(expected.row_score(i).score)
        ws.cell(r, cols[layout.reason_label]).value = row.reason or None
    total_row = _find_row(ws, "年度资金总额")
    ws.cell(total_row, ws.max_column).value = float(expected.execution.score)
    ws.cell(_find_row(ws, "总分"), cols[layout.score_label]).value = float(expected.sheet.total)
    if layout.show_grade:
        ws.cell(_find_row(ws, "自评等级"), cols[layout.score_label]).value = expected.sheet.grade
    wb.save(path)

    imported, errors = import_form_xlsx(path)
    assert errors == []
    assert imported.variant == variant
    strip = {"loc"}
    assert imported.model_dump(exclude={"loc": True, "indicators": {"__all__": strip}}) == \
        full.model_dump(exclude={"loc": True, "indicators": {"__all__": strip}})
    again = review(imported)
    assert again.sheet.total == expected.sheet.total and again.sheet.grade == expected.sheet.grade
    assert [(r.code, r.weight, r.score, r.declared) for r in again.sheet.rows] == \
        [(r.code, r.weight, r.score, r.declared) for r in expected.sheet.rows]
    assert [f for f in again.findings if f.kind in ("score-mismatch", "total-mismatch", "met-but-lost")] == []
    second = export_form_xlsx(again, tmp_path / "second.xlsx")
    assert _values(second) == _values(reference)


@pytest.mark.parametrize("variant", list(VARIANTS))
def test_yaml_round_trip(variant):
    form = with_declared(make_form(variant))
    text = form_to_yaml(form)
    data, lines, errors = parse_yaml(text, "x.yaml")
    again, errors = form_from_data(data, lines, "x.yaml")
    assert errors == []
    assert again.model_dump(exclude={"loc": True, "indicators": {"__all__": {"loc"}}}) == \
        form.model_dump(exclude={"loc": True, "indicators": {"__all__": {"loc"}}})


def test_layouts_of_each_variant(tmp_path):
    national = load_workbook(export_form_xlsx(review(make_form()), tmp_path / "n.xlsx"))[SHEET]
    header = [c.value for c in national[_find_row(national, "三级指标")]]
    assert header == ["绩效指标", "一级指标", "二级指标", "三级指标", "年度指标值", "实际完成值", "分值", "得分",
                      "偏差原因分析及改进措施"]
    assert str(national.page_setup.paperSize) == str(national.PAPERSIZE_A4) and national.page_setup.fitToWidth == 1
    merged = [str(m) for m in national.merged_cells.ranges]
    first = _find_row(national, "核查定点医药机构数")
    assert f"B{first}:B{first + 3}" in merged  # 产出指标 over its four rows
    assert f"C{first}:C{first + 1}" in merged  # 数量指标 over its two rows
    money = _find_row(national, "年度资金总额")
    assert f"A{money - 1}:A{money + 3}" in merged and national.cell(money - 1, 1).value == "项目资金（元）"
    yunnan = load_workbook(export_form_xlsx(review(make_form("yunnan")), tmp_path / "y.xlsx"))[SHEET]
    header = [c.value for c in yunnan[_find_row(yunnan, "三级指标")]]
    assert header[4:7] == ["指标性质", "年度指标值", "度量单位"]
    r = _find_row(yunnan, "举报办结时限")
    assert [yunnan.cell(r, c).value for c in (5, 6, 7)] == ["≦", "30", "天"]
    assert yunnan.page_setup.orientation == "landscape"
    hubei = load_workbook(export_form_xlsx(review(make_form("hubei")), tmp_path / "h.xlsx"))[SHEET]
    header = [c.value for c in hubei[_find_row(hubei, "三级指标")]]
    assert "分值" not in header and "年初目标值(A)" in header and "实际完成值(B)" in header
    assert hubei.cell(_find_row(hubei, "核查定点医药机构数"), 2).value == "产出指标（40分）"
    assert hubei.cell(_find_row(hubei, "自评等级"), 7).value == "优"


def test_word_export(tmp_path):
    for variant in VARIANTS:
        path = export_form_docx(review(make_form(variant, rows=[dict(ROWS[1], reason="")] + ROWS[2:])),
                                tmp_path / f"{variant}.docx")
        doc = Document(str(path))
        table = doc.tables[0]
        texts = {c.text for row in table.rows for c in row.cells}
        assert {"项目名称", "年度资金总额", "年度总体目标", "绩效指标", "总分", "偏差原因分析及改进措施"} <= texts
        first_column = [row.cells[0].text for row in table.rows]
        assert first_column.count("绩效指标") > 1  # merged down the indicator rows
        assert any("失分但未填写偏差原因" in p.text for p in doc.paragraphs)
        section = doc.sections[0]
        assert abs(min(section.page_width, section.page_height) - 7560310) < 2000  # A4 width 210mm


# --- imports of forms drawn by agencies ----------------------------------------------------

def _public_form(path: Path, *, rows, money_unit="万元") -> Path:
    """A 公开14表-style form typed by an agency (its own labels, no merged helper columns)."""
    wb = Workbook()
    ws = wb.active
    ws.title = "公开14表"
    ws.append(["2023年度项目支出绩效自评表"])
    ws.append(["项目名称", "医保基金监管"])
    ws.append(["主管部门", "某县医疗保障局", "", "", "实施单位", "某县医疗保险中心"])
    ws.append([f"项目资金（{money_unit}）", "", "年初预算数", "全年预算数", "全年执行数", "分值", "执行率", "得分"])
    ws.append(["", "年度资金总额", 40, 40, 40, 10, 1, 10])
    ws.append(["", "其中：当年财政拨款", 40, 40, 40, "—", "—", "—"])
    ws.append(["", "上年结转资金", None, None, None, "—", "—", "—"])
    ws.append(["", "其他资金", None, None, None, "—", "—", "—"])
    ws.append(["年度总体目标", "预期目标", "", "", "", "实际完成情况"])
    ws.append(["", "全覆盖检查", "", "", "", "已全覆盖"])
    ws.append(["绩效指标", "一级指标", "二级指标", "三级指标", "指标性质", "指标值", "度量单位", "完成值", "权重",
               "得分", "未完成原因分析"])
    for row in rows:
        ws.append(["", *row])
    ws.append(["总分", "", "", "", "", "", "", "", 100, 98, ""])
    return wb.save(path) or path


def test_imported_public_form_with_target_met_but_points_lost(tmp_path):
    path = _public_form(tmp_path / "public.xlsx", rows=[
        ["产出指标", "数量指标", "核查机构数", "≧", 265, "家", 265, 50, 48, ""],
        ["效益指标", "社会效益指标", "监管机制", "定性", "有效", "", "达成", 30, 30, ""],
        ["满意度指标", "服务对象满意度指标", "满意度", "≧", 90, "%", 95, 10, 10, ""],
    ])
    form, errors = import_form_xlsx(path)
    assert errors == [] and form.variant == "yunnan"
    assert form.indicators[0].target == "≥265家" and form.money.declared_score == 10
    r = review(form)
    lost = [f for f in r.findings if f.kind == "met-but-lost"]
    assert [f.code for f in lost] == ["A1-1"]
    assert lost[0].loc.line == 12  # the worksheet row
    assert any(f.kind == "reason-missing" and f.code == "A1-1" for f in r.findings)
    assert r.sheet.total == 100  # the rules give the full 50: 265 meets ≥265


def test_import_errors_name_sheet_row_and_column(tmp_path):
    path = _public_form(tmp_path / "bad.xlsx", rows=[
        ["产出指标", "数量指标", "核查机构数", "≧", 265, "家", "很多", "五十", 48, ""],
        ["效益指标", "社会效益指标", "监管机制", "大约", "有效", "", "达成", 30, "=SUM(A1:A2)", ""],
    ])
    form, errors = import_form_xlsx(path)
    assert form is None
    where = {e.field: e.message for e in errors}
    assert where["公开14表!I12（分值）"] == "“五十”不是有效数字"
    assert where["公开14表!E13（指标性质）"].startswith("指标性质须为 ≧、≦、＝ 或 定性")
    assert "公式" in where["公开14表!J13（得分）"]
    fixed = _public_form(tmp_path / "bad2.xlsx", rows=[
        ["产出指标", "数量指标", "核查机构数", "≧", 265, "家", "很多", 50, 48, ""],
        ["效益指标", "社会效益指标", "监管机制", "定性", "有效", "", "达成", None, 30, ""],
    ])
    form, errors = import_form_xlsx(fixed)
    assert form is None
    where = {e.field: e.message for e in errors}
    assert "不是数值" in where["公开14表!H12（实际完成值）"]
    assert where["公开14表!I13（分值）"] == "“监管机制”缺少分值"
    not_a_form = tmp_path / "other.xlsx"
    Workbook().save(not_a_form)
    form, errors = import_form_xlsx(not_a_form)
    assert form is None and "找不到“项目名称”栏" in errors[0].message


# --- YAML files, example, conversion, roll-up, CLI -----------------------------------------

def test_seed_example_lists_what_is_missing():
    form, errors = load_form(EXAMPLE)
    assert form is None
    assert [e.field for e in errors] == [f"indicators.{i}.weight" for i in range(5)]
    assert all(e.line is not None and e.file == str(EXAMPLE) for e in errors)
    illustrative, errors = load_form(ILLUSTRATIVE)
    assert errors == []
    r = review(illustrative)
    assert r.sheet.total == D("94.68") and r.sheet.grade == "优" and r.findings == ()


def test_convert_between_variants():
    national = make_form()
    hubei = convert(national, "hubei")
    assert all(row.weight is None for row in hubei.indicators)
    r = review(hubei)
    assert r.sheet.weight_total == 100 and r.execution.weight == 20
    qualitative = next(i for i, row in enumerate(hubei.indicators) if row.qualitative)
    assert hubei.indicators[qualitative].score == D("14.00")  # 效益 30 over 2 rows: 分值 15 as before
    assert [row.score for row in hubei.indicators if not row.qualitative] == [None] * 6
    fewer = convert(make_form(rows=[ROWS[4], ROWS[0]]), "hubei")  # 效益 30 on its one row: 14 of 15 → 28 of 30
    assert fewer.indicators[0].score == D("28.00")
    back = convert(hubei, "national")
    assert sum(row.weight for row in back.indicators) == 90


def test_rollup_weights_by_budget():
    a = review(make_form())
    b = review(make_form(rows=[dict(ROWS[1], reason="x")], money={"unit": "万元", "total": {"annual": 10, "spent": 5}},
                         project="另一项目"))
    summary = rollup([a, b])
    assert [p.project for p in summary.projects] == ["第三方参与医疗保障基金监管项目", "另一项目"]
    assert summary.budget == 400000 + 100000 and summary.spent == 392000 + 50000
    expected = ((a.sheet.total * 400000 + b.sheet.total * 100000) / 500000).quantize(D("0.01"))
    assert summary.weighted_score == expected and summary.weighting == "budget"
    assert summary.execution_rate == D("88.40")
    context = summary.context()
    assert context["count"] == 2 and context["weighting"] == "按全年预算数加权"


def test_cli_new_score_export_import(tmp_path):
    runner = CliRunner()
    form_path = tmp_path / "form.yaml"
    form_path.write_text(form_to_yaml(with_declared(make_form("yunnan"))), encoding="utf-8")
    result = runner.invoke(project_app, ["score", str(form_path), "--json"])
    assert result.exit_code == 0 and '"total": "92.18"' in result.output
    result = runner.invoke(project_app, ["export", str(form_path), "--out", str(tmp_path / "out"), "--name", "表"])
    assert result.exit_code == 0
    assert (tmp_path / "out" / "表.xlsx").is_file() and (tmp_path / "out" / "表.docx").is_file()
    result = runner.invoke(project_app, ["import", str(tmp_path / "out" / "表.xlsx"), "--out", str(tmp_path / "back.yaml")])
    assert result.exit_code == 0
    assert load_form(tmp_path / "back.yaml")[0] is not None
    result = runner.invoke(project_app, ["new", "--variant", "hubei", "--year", "2023", "--out", str(tmp_path / "b.xlsx")])
    assert result.exit_code == 0
    blank, errors = import_form_xlsx(tmp_path / "b.xlsx")
    assert errors == [] and blank.variant == "hubei" and blank.indicators == ()
    result = runner.invoke(project_app, ["new", "--year", "2023", "--out", str(tmp_path / "b.yaml")])
    loaded = load_form(tmp_path / "b.yaml")[0]
    assert result.exit_code == 0 and loaded.model_dump(exclude={"loc": True, "indicators": {"__all__": {"loc"}}}) == \
        blank_form("national", 2023).model_dump(exclude={"loc": True, "indicators": {"__all__": {"loc"}}})
    bad = tmp_path / "bad.yaml"
    bad.write_text("variant: national\nyear: 2023\nproject: x\nindicators:\n  - {level1: 产出, level2: 数量, name: y}\n",
                   encoding="utf-8")
    result = runner.invoke(project_app, ["score", str(bad)])
    assert result.exit_code == 2 and "indicators.0.weight" in result.output


def test_not_applicable_row_round_trips_and_redistributes(tmp_path):
    rows = [dict(ROWS[0]), dict(ROWS[2], actual="", not_applicable="本年度无此项检查"), *ROWS[3:]]
    form = make_form(rows=rows)
    r = review(form)
    assert r.row_score(1).not_applicable == "本年度无此项检查"
    assert r.sheet.row("A2-1").score == 0 and r.sheet.row("A1-1").factor > 1  # 质量 wholly 不适用: to 产出
    back, errors = import_form_xlsx(export_form_xlsx(r, tmp_path / "na.xlsx"))
    assert errors == [] and back.indicators[1].not_applicable == "本年度无此项检查"
    assert review(back).sheet.total == r.sheet.total


def test_built_evaluation_works_with_the_general_tools(tmp_path):
    from jixiao.core.scoring import score
    from jixiao.io.excel import evaluation_to_yaml, export_score_table
    from jixiao.io.yamlio import load_evaluation
    from jixiao.reports import render_report

    r = review(load_form(ILLUSTRATIVE)[0])
    path = tmp_path / "evaluation.yaml"
    path.write_text(evaluation_to_yaml(r.built.evaluation), encoding="utf-8")
    evaluation, errors = load_evaluation(path)
    assert errors == [] and score(evaluation).total == r.sheet.total == D("94.68")
    assert export_score_table(r.sheet, tmp_path / "table.xlsx").is_file()
    assert render_report(r.sheet, list(r.findings), tmp_path / "report.docx").is_file()


def test_cli_rollup_of_a_departments_forms(tmp_path):
    runner = CliRunner()
    a = tmp_path / "a.yaml"
    a.write_text(form_to_yaml(make_form()), encoding="utf-8")  # 92.18, 400000元 budget, 392000 spent
    b = export_form_xlsx(review(make_form("hubei", project="另一项目")), tmp_path / "b.xlsx")  # 91.98, same money
    result = runner.invoke(project_app, ["rollup", str(a), str(b), "--json"])
    assert result.exit_code == 0, result.output
    import json
    data = json.loads(result.output)
    assert data["count"] == 2 and data["budget"] == "800000" and data["spent"] == "784000"
    assert data["execution_rate"] == "98%" and data["weighted_score"] == "92.08"  # (92.18 + 91.98) ÷ 2, equal budgets
    assert [p["total"] for p in data["projects"]] == ["92.18", "91.98"]
    bad = tmp_path / "bad.yaml"
    bad.write_text("variant: national\nyear: 2023\n", encoding="utf-8")
    result = runner.invoke(project_app, ["rollup", str(a), str(bad)])
    assert result.exit_code == 2 and "project" in result.output
