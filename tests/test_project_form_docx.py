"""The 项目支出绩效自评表 in Word: filled forms read back in every variant (round trip export →
fill → import → score → export with every figure equal), located errors in Word terms, the
CLI import of .docx, and `jixiao audit` on filled forms (.xlsx and .docx)."""

from __future__ import annotations

import json
from decimal import Decimal
from pathlib import Path

import pytest
from docx import Document
from typer.testing import CliRunner

from jixiao.cli import app
from jixiao.io.published_audit import audit_file
from jixiao.cli.project import project_app
from jixiao.core.project_form import VARIANTS, review
from jixiao.io.project_form_docx_import import import_form_docx
from jixiao.io.project_form_yaml import load_form
from jixiao.reports.project_form_docx import export_form_docx

from test_project_form import ROWS, _public_form, make_form, with_declared

D = Decimal
STRIP = {"loc": True, "indicators": {"__all__": {"loc"}}}


def _table_texts(path: Path) -> list[list[str]]:
    """Every cell text of the form's table, row by row, on the Word grid."""
    table = Document(str(path)).tables[0]
    return [[c.text for c in row.cells] for row in table.rows]


def _set(cell, text: str) -> None:
    """Type into a Word cell as a clerk would: replace the text of its first paragraph."""
    paragraph = cell.paragraphs[0]
    for run in paragraph.runs[1:]:
        run._r.getparent().remove(run._r)
    if paragraph.runs:
        paragraph.runs[0].text = text
    else:
        paragraph.add_run(text)


def _row_of(table, text: str) -> int:
    for i, row in enumerate(table.rows):
        if any(c.text == text for c in row.cells):
            return i
    raise AssertionError(text)


def _columns(table) -> dict[str, int]:
    header = table.rows[_row_of(table, "三级指标")]
    return {c.text: j for j, c in enumerate(header.cells)}


def unfilled(full):
    rows = tuple(r.model_copy(update={"actual": "", "score": None, "reason": ""}) for r in full.indicators)
    money = full.money.model_copy(update={"declared_score": None, "declared_rate": None})
    return full.model_copy(update={"indicators": rows, "declared_total": None, "declared_grade": None, "money": money})


@pytest.mark.parametrize("variant", list(VARIANTS))
def test_word_round_trip_export_fill_import_score_export(variant, tmp_path):
    full = with_declared(make_form(variant))
    expected = review(full)
    reference = export_form_docx(expected, tmp_path / "reference.docx")

    path = export_form_docx(review(unfilled(full)), tmp_path / "filled.docx")
    doc = Document(str(path))
    table = doc.tables[0]
    cols = _columns(table)
    layout = expected.layout
    for i, row in enumerate(full.indicators):
        cells = table.rows[_row_of(table, row.name)].cells
        _set(cells[cols[layout.actual_label]], row.actual)
        _set(cells[cols[layout.score_label]], f"{expected.row_score(i).score:.2f}")
        _set(cells[cols[layout.reason_label]], row.reason)
    money = table.rows[_row_of(table, "年度资金总额")].cells
    _set(money[-1], f"{expected.execution.score:.2f}")
    total = table.rows[_row_of(table, "总分")].cells
    _set(total[cols[layout.score_label]], f"{expected.sheet.total:.2f}")
    if layout.show_grade:
        _set(table.rows[_row_of(table, "自评等级")].cells[cols[layout.score_label]], expected.sheet.grade)
    doc.save(str(path))

    imported, errors = import_form_docx(path)
    assert errors == []
    assert imported.variant == variant
    assert imported.model_dump(exclude=STRIP) == full.model_dump(exclude=STRIP)
    again = review(imported)
    assert again.sheet.total == expected.sheet.total and again.sheet.grade == expected.sheet.grade
    assert [(r.code, r.weight, r.score, r.declared) for r in again.sheet.rows] == \
        [(r.code, r.weight, r.score, r.declared) for r in expected.sheet.rows]
    assert [f for f in again.findings if f.severity == "error"] == []
    second = export_form_docx(again, tmp_path / "second.docx")
    assert _table_texts(second) == _table_texts(reference)
    # the row of a Word table is its location
    first = imported.indicators[0]
    assert first.loc.line == _row_of(Document(str(path)).tables[0], first.name) + 1


def test_word_form_figures(tmp_path):
    """Known figures read from a Word form: money in 元, the 执行率 written, Yunnan's columns."""
    form = with_declared(make_form("yunnan"))
    path = export_form_docx(review(form), tmp_path / "y.docx")
    back, errors = import_form_docx(path)
    assert errors == []
    assert back.money.unit == "元" and back.money.total.spent == 392000 and back.money.carryover.annual == 50000
    assert back.money.declared_rate == D("98.00") and back.money.declared_score == D("9.80")
    rows = {r.name: r for r in back.indicators}
    assert rows["举报办结时限"].target == "≤30天" and rows["检查覆盖率"].target == "=100%"
    assert rows["基金监管长效机制"].score == 14 and rows["基金监管长效机制"].qualitative
    assert review(back).sheet.total == D("92.18")


def test_word_errors_name_table_row_and_column(tmp_path):
    path = export_form_docx(review(make_form()), tmp_path / "bad.docx")
    doc = Document(str(path))
    table = doc.tables[0]
    cols = _columns(table)
    r = _row_of(table, "宣传活动场次")
    _set(table.rows[r].cells[cols["实际完成值"]], "三场")
    _set(table.rows[r].cells[cols["分值"]], "十")
    doc.save(str(path))
    form, errors = import_form_docx(path)
    assert form is None
    where = {e.field: e.message for e in errors}
    assert where[f"表格1 第{r + 1}行 第{cols['分值'] + 1}列（分值）"] == "“十”不是有效数字"
    doc = Document(str(path))
    _set(doc.tables[0].rows[r].cells[cols["分值"]], "10")
    doc.save(str(path))
    form, errors = import_form_docx(path)
    assert form is None
    assert [(e.field, e.message) for e in errors] == [
        (f"表格1 第{r + 1}行 第{cols['实际完成值'] + 1}列（实际完成值）", "实际完成值“三场”不是数值（年度指标值为“≥4场”）")]
    other = tmp_path / "other.docx"
    Document().save(str(other))
    form, errors = import_form_docx(other)
    assert form is None and "没有项目支出绩效自评表" in errors[0].message
    (tmp_path / "junk.docx").write_bytes(b"not a zip")
    form, errors = import_form_docx(tmp_path / "junk.docx")
    assert form is None and "不是有效的Word文档" in errors[0].message


def test_agency_word_form_with_title_row_and_labels(tmp_path):
    """A form typed in Word by an agency: title in the table's first row, 年初目标值(A) /
    实际完成值(B), no 分值 column (Hubei), points on the headings, its own merges."""
    doc = Document()
    doc.add_paragraph("湖北省某县医疗保障局")
    rows = [
        ["2023年度项目支出绩效自评表"] * 8,
        ["项目名称", "项目名称", "基金监管专项", "基金监管专项", "基金监管专项", "基金监管专项", "基金监管专项", "基金监管专项"],
        ["主管部门", "主管部门", "某县医疗保障局", "某县医疗保障局", "实施单位", "某县医疗保险中心", "某县医疗保险中心",
         "某县医疗保险中心"],
        ["项目资金（万元）", "", "年初预算数", "全年预算数", "全年执行数", "分值", "执行率", "得分（分值×执行率）"],
        ["项目资金（万元）", "年度资金总额", "50", "50", "45", "20", "90%", "18"],
        ["项目资金（万元）", "其中：当年财政拨款", "50", "50", "45", "—", "—", "—"],
        ["项目资金（万元）", "上年结转资金", "", "", "", "—", "—", "—"],
        ["项目资金（万元）", "其他资金", "", "", "", "—", "—", "—"],
        ["年度总体目标", "预期目标", "预期目标", "预期目标", "实际完成情况", "实际完成情况", "实际完成情况", "实际完成情况"],
        ["年度总体目标", "开展专项检查", "开展专项检查", "开展专项检查", "已开展", "已开展", "已开展", "已开展"],
        ["绩效指标", "一级指标", "二级指标", "三级指标", "年初目标值(A)", "实际完成值(B)", "得分", "偏差原因分析及改进措施"],
        ["绩效指标", "产出指标（40分）", "数量指标", "检查机构数", "≥100家", "100", "40", ""],
        ["绩效指标", "效益指标（30分）", "社会效益指标", "违规行为下降", "有效遏制", "达成", "27", "仍有个别违规"],
        ["绩效指标", "满意度指标（10分）", "服务对象满意度指标", "满意度", "≥90%", "88%", "10", ""],
        ["总分", "总分", "总分", "总分", "总分", "总分", "95", ""],
        ["自评等级", "自评等级", "自评等级", "自评等级", "自评等级", "自评等级", "优", "优"],
    ]
    table = doc.add_table(rows=len(rows), cols=8)
    for i, values in enumerate(rows):
        for j, text in enumerate(values):
            table.cell(i, j).text = text
    # merge as drawn: runs of equal text along rows, then down column A and the label columns
    def merge(r1, c1, r2, c2):
        a, b = table.cell(r1, c1), table.cell(r2, c2)
        text = a.text
        merged = a.merge(b)
        for p in merged.paragraphs[1:]:
            p._p.getparent().remove(p._p)
        merged.paragraphs[0].runs[0].text = text if merged.paragraphs[0].runs else text
        for run in merged.paragraphs[0].runs[1:]:
            run._r.getparent().remove(run._r)
    merge(0, 0, 0, 7)
    merge(1, 0, 1, 1), merge(1, 2, 1, 7)
    merge(2, 0, 2, 1), merge(2, 2, 2, 3), merge(2, 5, 2, 7)
    merge(3, 0, 7, 0)
    merge(8, 1, 8, 3), merge(8, 4, 8, 7), merge(9, 1, 9, 3), merge(9, 4, 9, 7), merge(8, 0, 9, 0)
    merge(10, 0, 13, 0)
    merge(14, 0, 14, 5), merge(15, 0, 15, 5), merge(15, 6, 15, 7)
    path = tmp_path / "agency.docx"
    doc.save(str(path))

    form, errors = import_form_docx(path)
    assert errors == []
    assert form.variant == "hubei" and form.year == 2023 and form.project == "基金监管专项"
    assert form.implementer == "某县医疗保险中心" and form.money.unit == "万元"
    assert form.money.declared_rate == 90 and form.money.declared_score == 18
    assert [r.weight for r in form.indicators] == [None, None, None]
    r = review(form)
    assert r.execution.score == 18  # 20 × 45 ÷ 50
    assert [r.row_score(i).weight for i in range(3)] == [40, 30, 10]
    assert r.row_score(2).score == D("9.78")  # 88 ÷ 90 × 10
    kinds = {(f.code, f.kind) for f in r.findings}
    assert ("C1-1", "target-missed-full") in kinds and ("C1-1", "reason-missing") in kinds


def test_cli_imports_word_forms(tmp_path):
    runner = CliRunner()
    path = export_form_docx(review(with_declared(make_form("hubei"))), tmp_path / "h.docx")
    result = runner.invoke(project_app, ["import", str(path), "--out", str(tmp_path / "h.yaml")])
    assert result.exit_code == 0, result.output
    form, errors = load_form(tmp_path / "h.yaml")
    assert errors == [] and form.variant == "hubei" and review(form).sheet.total == review(make_form("hubei")).sheet.total
    result = runner.invoke(project_app, ["score", str(path), "--json"])
    assert result.exit_code == 0 and json.loads(result.output)["total"] == "91.98"  # 19.6 + 35.5 + 26.88 + 10
    bad = tmp_path / "bad.docx"
    doc = Document(str(path))
    table = doc.tables[0]
    cols = _columns(table)
    _set(table.rows[_row_of(table, "核查定点医药机构数")].cells[cols["实际完成值(B)"]], "很多")
    doc.save(str(bad))
    result = runner.invoke(project_app, ["import", str(bad), "--out", str(tmp_path / "bad.yaml")])
    row = _row_of(table, "核查定点医药机构数") + 1
    assert result.exit_code == 2
    assert f"表格1 第{row}行 第{cols['实际完成值(B)'] + 1}列（实际完成值）: 实际完成值“很多”不是数值" in result.output.replace("\n", "")
    assert not (tmp_path / "bad.yaml").exists()
    result = runner.invoke(project_app, ["import", str(tmp_path / "h.yaml")])
    assert result.exit_code == 2 and "只能导入 .xlsx 或 .docx" in result.output.replace("\n", "")


# --- jixiao audit on filled forms ----------------------------------------------------------

def test_audit_flags_public_form_with_target_met_but_points_lost(tmp_path):
    path = _public_form(tmp_path / "public.xlsx", rows=[
        ["产出指标", "数量指标", "核查机构数", "≧", 265, "家", 265, 50, 48, "已全部核查"],
        ["效益指标", "社会效益指标", "监管机制", "定性", "有效", "", "达成", 30, 30, ""],
        ["满意度指标", "服务对象满意度指标", "满意度", "≧", 90, "%", 85, 10, 10, ""],
    ])
    published, audits = audit_file(path)
    assert published.layout == "project-form-yunnan" and published.errors == ()
    [ta] = audits
    found = {(f.code, f.kind): f for f in ta.findings}
    lost = found[("A1-1", "met-but-lost")]
    assert lost.message == "“核查机构数”实际完成值265达到年度指标值“≥265家”，却只得48分（分值50分）"
    assert lost.confidence == "high" and lost.location == f"{path}:12"
    assert found[("C1-1", "target-missed-full")].message == "“满意度”实际完成值85未达到年度指标值“≥90%”，却得满分10分"
    assert found[("C1-1", "reason-missing")].message.startswith("“满意度”得9.44分（分值10分）")
    assert found[("A1-1", "score-mismatch")] and found[("总分", "total-mismatch")]
    assert ta.sheet.total == D("99.44")  # 10 + 50 + 30 + 9.44


def test_audit_flags_execution_rate_and_score(tmp_path):
    """执行率 × 分值: a rate written that is not 执行数 ÷ 预算数, and a 得分 that is not 分值 × 执行率."""
    path = _public_form(tmp_path / "money.xlsx", rows=[
        ["产出指标", "数量指标", "核查机构数", "≧", 265, "家", 265, 50, 50, ""],
        ["效益指标", "社会效益指标", "监管机制", "定性", "有效", "", "达成", 30, 30, ""],
        ["满意度指标", "服务对象满意度指标", "满意度", "≧", 90, "%", 95, 10, 10, ""],
    ])
    from openpyxl import load_workbook
    wb = load_workbook(path)
    ws = wb.active
    ws["E5"] = 36  # 全年执行数 36 of 40: 90%
    ws["E6"] = 36
    ws["G5"] = 0.95  # 执行率 written as 95%
    ws["H5"] = 9.5  # 得分 10 × 95%
    wb.save(path)
    _, [ta] = audit_file(path)
    found = {(f.code, f.kind): f.message for f in ta.findings}
    assert found[("F1", "money-rate")] == "项目资金表填写执行率95%，全年执行数36÷全年预算数40为90%"
    assert found[("F1", "score-mismatch")].startswith("申报9.5分，按规则应得9分")


def test_audit_of_word_form_and_cli(tmp_path):
    rows = [dict(ROWS[0], score=18), *ROWS[1:]]
    form = make_form(rows=rows)
    path = export_form_docx(review(form), tmp_path / "w.docx")
    # the exported 得分 are the computed ones: write the clerk's 18 into the Word table
    doc = Document(str(path))
    table = doc.tables[0]
    cols = _columns(table)
    _set(table.rows[_row_of(table, "核查定点医药机构数")].cells[cols["得分"]], "18")
    doc.save(str(path))
    published, [ta] = audit_file(path)
    assert published.layout == "project-form-national"
    kinds = {(f.code, f.kind) for f in ta.findings}
    assert ("A1-1", "met-but-lost") in kinds and ("A1-1", "reason-missing") in kinds
    result = CliRunner().invoke(app, ["audit", str(path), "--json"])
    assert result.exit_code in (0, 1), result.output
    data = json.loads(result.output)
    assert data["layout"] == "project-form-national" and data["computed_total"] == "92.18"
    assert {f["kind"] for f in data["findings"] if f["code"] == "A1-1"} >= {"met-but-lost", "score-mismatch"}


def test_ordinary_report_tables_still_read_generically(tmp_path):
    """A .docx that is not a project form goes to the generic importer unchanged."""
    doc = Document()
    doc.add_paragraph("2023年度某局部门整体支出绩效自评报告")
    table = doc.add_table(rows=3, cols=5)
    for i, values in enumerate([["一级指标", "三级指标", "分值", "评分标准", "得分"],
                                ["产出", "完成率", "100", "完成率≥95%得满分，否则不得分", "100"],
                                ["合计", "", "100", "", "100"]]):
        for j, text in enumerate(values):
            table.cell(i, j).text = text
    doc.save(str(tmp_path / "report.docx"))
    published, audits = audit_file(tmp_path / "report.docx")
    assert published.layout == "docx" and len(audits) == 1


def test_report_with_a_form_attached_keeps_its_other_tables(tmp_path):
    """A report holding an ordinary score table and a filled project form: both are audited."""
    path = export_form_docx(review(with_declared(make_form())), tmp_path / "form.docx")
    doc = Document(str(path))
    doc.add_paragraph("附表：部门整体支出绩效自评得分表")
    table = doc.add_table(rows=3, cols=5)
    for i, values in enumerate([["一级指标", "三级指标", "分值", "评分标准", "得分"],
                                ["产出", "完成率", "100", "完成率≥95%得满分，否则不得分", "90"],
                                ["合计", "", "100", "", "90"]]):
        for j, text in enumerate(values):
            table.cell(i, j).text = text
    doc.save(str(path))
    published, audits = audit_file(path)
    assert published.layout == "project-form-national" and [a.table.index for a in audits] == [1, 2]
    assert audits[0].sheet.total == D("92.18") and audits[0].findings == []
    assert audits[1].table.rows_read == 1 and audits[1].table.declared_total == 90


def test_form_that_cannot_be_read_as_one_falls_back_with_located_notes(tmp_path):
    path = _public_form(tmp_path / "gap.xlsx", rows=[
        ["产出指标", "数量指标", "核查机构数", "≧", 265, "家", 265, None, 48, ""],  # no 分值
        ["满意度指标", "服务对象满意度指标", "满意度", "≧", 90, "%", 95, 10, 10, ""],
    ])
    published, audits = audit_file(path)
    assert published.layout == "xlsx"  # the generic reader
    notes = [str(e) for e in published.errors]
    assert any("公开14表!I12（分值）" in n and "按项目支出绩效自评表读取失败" in n and "缺少分值" in n for n in notes)


@pytest.mark.parametrize("variant", list(VARIANTS))
def test_blank_word_form_to_fill(variant, tmp_path):
    result = CliRunner().invoke(project_app, ["new", "--variant", variant, "--year", "2024", "--project", "待填项目",
                                              "--out", str(tmp_path / "blank.docx")])
    assert result.exit_code == 0, result.output
    texts = [t for row in _table_texts(tmp_path / "blank.docx") for t in row]
    assert "待填项目" in texts and "数量指标" in texts and "（三级指标）" not in texts
    form, errors = import_form_docx(tmp_path / "blank.docx")
    assert errors == [] and form.variant == variant and form.year == 2024 and form.indicators == ()
