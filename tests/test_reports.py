"""Word/PDF reports: rendered documents read back as a person (or python-docx) reads them."""

from __future__ import annotations

import datetime
import re
import shutil
import subprocess
from pathlib import Path

import pytest
import typer
from docx import Document
from docx.enum.text import WD_COLOR_INDEX
from docx.oxml.ns import qn
from typer.testing import CliRunner

from conftest import EXAMPLES
from jixiao.cli.report import report_app, template_app
from jixiao.core.audit import audit
from jixiao.core.finance import FinalAccounts
from jixiao.core.model import Questionnaire
from jixiao.core.numbers import fmt
from jixiao.core.scoring import score
from jixiao.io.yamlio import load_evaluation_or_raise
from jixiao.reports import (ChartError, PdfError, TemplateInvalid, check_template, deductions_chart,
                            lost_by_group_chart, render_report, to_pdf, trend_chart)
from jixiao.reports import pdf as pdf_module
from jixiao.reports.build_templates import build
from jixiao.reports.context import MARK
from jixiao.reports.render import TEMPLATES

NANJING = EXAMPLES / "nanjing-2023-department.yaml"
CAPABILITY = EXAMPLES / "seed004-2023-capability.yaml"
PNG = b"\x89PNG\r\n\x1a\n"


def scored(path: Path):
    sheet = score(load_evaluation_or_raise(path))
    return sheet, audit(sheet)


@pytest.fixture(scope="module")
def nanjing():
    return scored(NANJING)


@pytest.fixture(scope="module")
def nanjing_docx(nanjing, tmp_path_factory) -> Path:
    sheet, findings = nanjing
    return render_report(sheet, findings, tmp_path_factory.mktemp("nanjing") / "nanjing.docx")


def full_evaluation(evaluation):
    """The Nanjing evaluation with every optional part: a questionnaire (two questions of seed
    002 附件4), a 收入支出决算表 and some narrative."""
    questionnaire = Questionnaire.model_validate({
        "id": "satisfaction", "title": "部门整体支出绩效评价调查问卷（受益人群）", "issued": 20, "returned": 20, "valid": 20,
        "questions": [
            {"text": "您认为该部门在深入基层调查研究情况方面做的如何?",
             "options": [{"label": "A.经常到基层调研", "points": 10, "count": 20},
                         {"label": "B.偶尔到基层调研", "points": 5}, {"label": "C.从不到基层调研", "points": 0}]},
            {"text": "您认为该部门办事程序是否合理?",
             "options": [{"label": "A.程序比较合理", "points": 10, "count": 18},
                         {"label": "B.程序基本合理", "points": 5}, {"label": "C.程序复杂", "points": 0, "count": 2}]}]})
    columns = ["年初结转和结余", "本年收入", "本年支出", "年末结转和结余", "其中：基本支出", "其中：项目支出",
               "使用非财政拨款结余", "结余分配"]
    accounts = FinalAccounts.model_validate({
        "columns": columns, "unit": "元",
        "rows": [{"code": "2101501", "name": "行政运行",
                  "values": {"年初结转和结余": "5553.13", "本年收入": "5359717.88", "本年支出": "5358809.10"}},
                 {"code": "2210201", "name": "住房公积金", "values": {"本年收入": "469505", "本年支出": "469505"}}],
        "total": {"本年收入": "5829222.88", "本年支出": "5828314.10"}})
    return evaluation.model_copy(update={
        "questionnaires": (questionnaire,),
        "finance": evaluation.finance.model_copy(update={"final_accounts": accounts}),
        "narrative": {"problems": "一是预算执行不够均衡。\n\n二是绩效信息公开不完整。", "other": "无"},
        "report_date": "2024年5月"})


@pytest.fixture(scope="module")
def full_docx(nanjing, tmp_path_factory) -> Path:
    sheet = score(full_evaluation(nanjing[0].evaluation))
    return render_report(sheet, audit(sheet), tmp_path_factory.mktemp("full") / "full.docx")


@pytest.fixture(scope="module")
def full_reviewer_docx(nanjing, tmp_path_factory) -> Path:
    sheet = score(full_evaluation(nanjing[0].evaluation))
    return render_report(sheet, audit(sheet), tmp_path_factory.mktemp("full") / "full-review.docx", reviewer=True)


def texts(doc) -> list[str]:
    return [p.text for p in doc.paragraphs]


def table_with_header(doc, *headers: str):
    for table in doc.tables:
        first = [c.text for c in table.rows[0].cells]
        if all(h in first for h in headers):
            return table
    raise AssertionError(f"no table with header {headers}")


def row_of(table, code: str) -> list[str]:
    for row in table.rows:
        cells = [c.text for c in row.cells]
        if any(c.strip().startswith(code) for c in cells[:3]):
            return cells
    raise AssertionError(f"no row {code}")


# --- the department report ---------------------------------------------------------------

def test_score_table_rows_total_and_grade(nanjing, nanjing_docx):
    doc = Document(str(nanjing_docx))
    table = table_with_header(doc, "一级指标", "二级指标", "三级指标", "权重", "目标值", "评分标准", "评分过程", "得分")
    b11 = row_of(table, "B11")
    assert b11[2] == "B11部门预算执行率"
    assert (b11[3], b11[4], b11[7]) == ("2", "100%", "1.98")
    assert "扣0.02分" in b11[6] and "预算执行率为99.81%" in b11[6]  # evidence and the engine's sentence
    assert b11[0] == "B部门管理（20分）" and b11[1] == "B1预算执行"
    last = [c.text for c in table.rows[-1].cells]
    assert last[0] == "合计" and last[3] == "100" and last[-1] == "96.65"
    assert "评价等级：优" in last
    assert len(table.rows) == 1 + len(nanjing[0].rows) + 1  # header, every indicator, 合计


def test_level_cells_are_merged_and_markers_removed(nanjing, nanjing_docx):
    doc = Document(str(nanjing_docx))
    table = table_with_header(doc, "评分过程")
    column0 = [row._tr.findall(qn("w:tc"))[0] for row in table.rows[1:-1]]
    merges = [tc.find(f"{qn('w:tcPr')}/{qn('w:vMerge')}") for tc in column0]
    restarts = [m for m in merges if m is not None and m.get(qn("w:val")) == "restart"]
    continued = [m for m in merges if m is not None and m.get(qn("w:val")) is None]
    assert len(restarts) == 5 and len(continued) == len(nanjing[0].rows) - 5  # one merged cell per level-1 group
    assert MARK not in "".join(t.text or "" for t in doc.element.body.iter(qn("w:t")))


def test_generated_sentences(nanjing_docx):
    body = "\n".join(texts(Document(str(nanjing_docx))))
    assert "经评价小组综合评定，得分为96.65分，等级为“优”" in body
    assert "预算执行率为99.81%" in body
    assert "“三公”经费预算3.88万元，实际支出3.79万元，控制率为97.68%" in body
    assert "（二）部门管理（分值20分，得分19.65分）" in body
    assert "2023年度南京市医疗保险管理中心整体预算绩效自评价报告" in body


def test_missing_narrative_sections_are_highlighted_placeholders(nanjing_docx):
    doc = Document(str(nanjing_docx))
    for title in ("单位（部门）概况", "绩效目标", "履职成效与绩效分析", "存在问题及原因分析", "改进措施及建议",
                  "评价工作开展情况", "结果应用与公开情况"):
        placeholder = f"【待填写：{title}】"
        runs = [r for p in doc.paragraphs for r in p.runs if r.text == placeholder]
        assert runs, placeholder
        assert runs[0].font.highlight_color == WD_COLOR_INDEX.YELLOW
    # issue 17: the cover is dated the day the report is generated when the data has no date
    today = datetime.date.today()
    assert f"{today.year}年{today.month}月{today.day}日" in texts(doc)
    assert "【待填写：报告日期】" not in "\n".join(texts(doc))
    assert "【待填写：收支及预算执行情况】" not in "\n".join(texts(doc))  # generated from finance
    assert "【待填写：其他需要说明的情况】" not in "\n".join(texts(doc))  # optional section


def test_team_table_and_charts(nanjing_docx):
    doc = Document(str(nanjing_docx))
    team = table_with_header(doc, "姓名", "签字")
    assert [c.text for c in team.rows[1].cells][:2] == ["组长", "中心主任"]
    assert len(doc.inline_shapes) == 2  # 图1 and 图2
    assert "图2　指标扣分情况" in texts(doc)


def test_written_narrative_replaces_placeholder(full_docx):
    body = texts(Document(str(full_docx)))
    assert "一是预算执行不够均衡。" in body and "二是绩效信息公开不完整。" in body
    assert "【待填写：存在问题及原因分析】" not in body
    assert "十、其他需要说明的情况" in body and "2024年5月" in body


def test_full_department_report_has_every_attachment(full_docx, full_reviewer_docx):
    doc = Document(str(full_docx))
    body = texts(doc)
    for n, title in enumerate(("指标体系评分表", "问卷调查报告", "成本效益分析（财务指标）", "收入支出决算表"), 1):
        assert f"{n}．{title}" in body
        assert f"附件{n}" in body
    # issue 17: the audit annex is the reviewer's, not part of the agency's report
    assert "5．核查发现" not in body and "附件5" not in body
    reviewer_body = texts(Document(str(full_reviewer_docx)))
    for n, title in enumerate(("指标体系评分表", "问卷调查报告", "成本效益分析（财务指标）", "收入支出决算表", "核查发现",
                               "评分复核说明"), 1):
        assert f"{n}．{title}" in reviewer_body
        assert f"附件{n}" in reviewer_body
    survey = table_with_header(doc, "问题内容", "选项内容", "选择人数")
    assert [c.text for c in survey.rows[1].cells] == ["1", "您认为该部门在深入基层调查研究情况方面做的如何?",
                                                      "A.经常到基层调研", "10", "20", "200", "100%"]
    assert [c.text for c in survey.rows[6].cells][-3:] == ["2", "0", "90%"]  # C.程序复杂, merged 得分率
    summary = [[c.text for c in row.cells] for row in survey.rows[-3:]]
    assert [(r[0], r[-1]) for r in summary] == [("问卷总分", "380"), ("有效问卷份数", "20"), ("问卷综合得分", "19")]
    assert "发放问卷：20份　收回问卷：20份　有效问卷：20份" in body
    accounts = table_with_header(doc, "科目编码", "科目名称")
    assert len(accounts.rows[0].cells) == 2 + 8
    assert row_of(accounts, "2101501")[:4] == ["2101501", "行政运行", "5,553.13", "5,359,717.88"]
    # 合计: the published totals, the sum of the rows where none is published
    assert [c.text for c in accounts.rows[-1].cells][:5] == ["合计", "", "5,553.13", "5,829,222.88", "5,828,314.10"]
    metrics = table_with_header(doc, "指标", "数值", "计算方法")
    assert ["预算执行率", "99.81%"] == [c.text for c in metrics.rows[1].cells][1:3]
    findings = table_with_header(Document(str(full_reviewer_docx)), "类别", "说明", "来源")
    assert row_of(findings, "B63")[3] == "错误"


def test_tables_fit_their_pages(full_docx):
    doc = Document(str(full_docx))
    body = doc.element.body
    width, tables = None, []
    for child in body.iterchildren():
        if child.tag == qn("w:tbl"):
            tables.append(child)
        sect = child if child.tag == qn("w:sectPr") else child.find(f"{qn('w:pPr')}/{qn('w:sectPr')}")
        if sect is not None:
            page = int(sect.find(qn("w:pgSz")).get(qn("w:w")))
            margins = sect.find(qn("w:pgMar"))
            width = page - int(margins.get(qn("w:left"))) - int(margins.get(qn("w:right")))
            for tbl in tables:
                grid = sum(int(c.get(qn("w:w"))) for c in tbl.iter(qn("w:gridCol")))
                assert grid <= width + 5, (grid, width)
            tables = []
    assert width is not None


# --- the project report ------------------------------------------------------------------

def test_project_report_outline_and_score_table(tmp_path):
    sheet, findings = scored(CAPABILITY)
    doc = Document(str(render_report(sheet, findings, tmp_path / "p.docx")))
    body = texts(doc)
    for heading in ("一、绩效目标分解下达情况", "二、绩效目标完成情况分析", "（一）资金投入情况分析", "（二）资金管理情况分析",
                    "（三）总体绩效目标完成情况分析", "（四）绩效指标完成情况分析", "三、偏离绩效目标的原因和下一步改进措施",
                    "四、绩效自评结果拟应用和公开情况", "五、其他需要说明的问题"):
        assert heading in body
    groups = {gt.group.code: gt for gt in sheet.groups}
    assert f"1.项目决策（分值18分，得分{fmt(groups['A'].score)}分）" in body
    assert f"（1）决策依据（分值6分，得分{fmt(groups['A1'].score)}分）" in body
    assert f"自评得分为{fmt(sheet.total)}分，等级为“{sheet.grade}”" in "\n".join(body)
    table = table_with_header(doc, "标准值", "评分标准", "分值", "指标说明", "得分", "实际完成情况")
    assert len(table.rows[0].cells) == 9
    budget = next(row for row in table.rows if row.cells[2].text == "预算执行率")
    assert [c.text for c in budget.cells][3:6] == ["≥90%", budget.cells[4].text, "10"]
    assert budget.cells[7].text == "8.08"
    assert table.rows[1].cells[0].text == "项目决策（18分）"
    assert table.rows[-1].cells[0].text == "合计" and table.rows[-1].cells[7].text == fmt(sheet.total)
    assert "【待填写：资金管理情况分析】" in body


# --- user templates and their check -------------------------------------------------------

def write_template(path: Path, *paragraphs, split: tuple[str, ...] = ()) -> Path:
    doc = Document()
    if split:
        paragraph = doc.add_paragraph()
        for piece in split:
            paragraph.add_run(piece)
    for text in paragraphs:
        doc.add_paragraph(text)
    doc.save(str(path))
    return path


def test_builtin_templates_are_clean_and_rebuild_identically(tmp_path):
    for name in ("department.docx", "project.docx"):
        assert check_template(TEMPLATES / name) == []
    rebuilt = build(tmp_path)
    for path in rebuilt:
        committed = Document(str(TEMPLATES / path.name))
        fresh = Document(str(path))
        assert [p.text for p in fresh.paragraphs] == [p.text for p in committed.paragraphs]
        assert len(fresh.tables) == len(committed.tables)


def test_check_flags_split_tags_and_unknown_fields(tmp_path):
    template = write_template(tmp_path / "t.docx", "{{ unit.nmae }}", "{%p for r in score_rows %}",
                              "{{ r.wieght }} {{ r.weight }} {{ loop.index }}", "{%p endfor %}",
                              "{{ sections.problems.rich }}", split=("单位：{", "{ unit.na", "me }}"))
    problems = check_template(template)
    by_kind = {}
    for p in problems:
        by_kind.setdefault(p.kind, []).append(p)
    split = by_kind["split-tag"][0]
    assert split.severity == "warning" and split.where == "正文第1段" and split.tag == "{{ unit.name }}"
    unknown = {p.message for p in by_kind["unknown-field"]}
    assert "报告数据中没有字段“unit.nmae”，是否应为“unit.name”？" in unknown
    assert "报告数据中没有字段“r.wieght”，是否应为“r.weight”？" in unknown
    assert len(unknown) == 2  # r.weight and loop.index are known
    assert by_kind["rich-text"][0].where == "正文第6段"


def test_check_reports_syntax_and_unclosed_tags(tmp_path):
    problems = check_template(write_template(tmp_path / "a.docx", "{% if grade %}优秀"))
    assert [p.kind for p in problems] == ["syntax"] and "endif" in problems[0].message
    problems = check_template(write_template(tmp_path / "b.docx", "得分{{ total"))
    assert problems[0].kind == "unclosed-tag" and problems[0].where == "正文第1段"
    (tmp_path / "c.docx").write_text("not a docx")
    assert check_template(tmp_path / "c.docx")[0].kind == "unreadable"


def test_user_template_renders_and_invalid_one_is_refused(nanjing, tmp_path):
    sheet, findings = nanjing
    good = write_template(tmp_path / "good.docx", "{{ unit.name }}总分{{ total }}分，等级{{ grade }}",
                          "{%p for f in findings %}", "{{ f.code }}：{{ f.message }}", "{%p endfor %}")
    doc = Document(str(render_report(sheet, findings, tmp_path / "out.docx", template=good, reviewer=True)))
    body = texts(doc)
    assert body[0] == "南京市医疗保险管理中心总分96.65分，等级优"
    assert any(t.startswith("B63：申报1分") for t in body)
    agency = texts(Document(str(render_report(sheet, findings, tmp_path / "agency.docx", template=good))))
    assert agency == ["南京市医疗保险管理中心总分96.65分，等级优"]  # the agency's copy carries no findings
    bad = write_template(tmp_path / "bad.docx", "{{ totl }}")
    with pytest.raises(TemplateInvalid) as info:
        render_report(sheet, findings, tmp_path / "bad-out.docx", template=bad)
    assert "totl" in str(info.value)


# --- charts -------------------------------------------------------------------------------

def test_charts_write_png(nanjing, tmp_path):
    sheet, _ = nanjing
    for path in (lost_by_group_chart(sheet, tmp_path / "a.png"), deductions_chart(sheet, tmp_path / "b.png")):
        assert path.read_bytes().startswith(PNG) and path.stat().st_size > 10_000
    earlier = score(sheet.evaluation.model_copy(update={"year": 2022}))
    trend = trend_chart([sheet, earlier], tmp_path / "c.png")
    assert trend.read_bytes().startswith(PNG) and trend.stat().st_size > 10_000
    other = score(sheet.evaluation.model_copy(update={"unit": sheet.evaluation.unit.model_copy(update={"name": "别处"})}))
    with pytest.raises(ChartError, match="同一单位"):
        trend_chart([sheet, other], tmp_path / "d.png")
    with pytest.raises(ChartError, match="年度重复"):
        trend_chart([sheet, sheet], tmp_path / "e.png")


# --- PDF ----------------------------------------------------------------------------------

def require_soffice() -> None:
    if not (shutil.which("soffice") or shutil.which("libreoffice")):
        pytest.fail("LibreOffice (soffice) is required for the PDF tests: apt-get install libreoffice-writer-nogui")
    for tool in ("pdftotext", "pdffonts"):
        if not shutil.which(tool):
            pytest.fail(f"{tool} is required for the PDF tests: apt-get install poppler-utils")


@pytest.mark.pdf
def test_pdf_has_chinese_text_in_noto_cjk(nanjing_docx, full_docx, tmp_path):
    require_soffice()
    pdfs = to_pdf([nanjing_docx, full_docx], tmp_path)  # one LibreOffice run for both
    assert [p.name for p in pdfs] == ["nanjing.pdf", "full.pdf"]
    text = subprocess.run(["pdftotext", str(pdfs[0]), "-"], capture_output=True, text=True, check=True).stdout
    assert "南京市医疗保险管理中心" in text and "96.65" in text and "预算执行率为 99.81%" in text
    fonts = subprocess.run(["pdffonts", str(pdfs[0])], capture_output=True, text=True, check=True).stdout
    rows = [line.split() for line in fonts.splitlines()[2:] if line.strip()]
    assert rows
    for row in rows:
        assert re.search(r"Noto(Serif|Sans)CJK", row[0]), row  # no fallback font
        assert "yes" in row[-5:-3], row  # embedded
    assert any("Serif" in row[0] for row in rows) and any("Sans" in row[0] for row in rows)  # 仿宋 and 黑体


def test_fontconfig_maps_agency_fonts():
    text = pdf_module.fontconfig_text()
    assert "<include ignore_missing=\"yes\">/etc/fonts/fonts.conf</include>" in text
    for name in ("仿宋", "仿宋_GB2312", "FangSong", "宋体", "SimSun", "楷体", "KaiTi"):
        assert f"<family>{name}</family><prefer><family>Noto Serif CJK SC</family>" in text
    for name in ("黑体", "SimHei", "微软雅黑", "Microsoft YaHei"):
        assert f"<family>{name}</family><prefer><family>Noto Sans CJK SC</family>" in text


def test_pdf_without_libreoffice_says_so(nanjing_docx, tmp_path, monkeypatch):
    monkeypatch.setattr(pdf_module.shutil, "which", lambda name: None)
    with pytest.raises(PdfError, match="LibreOffice"):
        to_pdf([nanjing_docx], tmp_path)


# --- the command line ---------------------------------------------------------------------

def cli() -> typer.Typer:
    """The commands registered as the main CLI registers them."""
    app = typer.Typer()

    @app.command()
    def version() -> None:
        """A second command, so the app is a group as the real CLI is."""

    app.add_typer(report_app)
    app.add_typer(template_app, name="template")
    return app


@pytest.mark.pdf
def test_report_command_writes_docx_xlsx_and_pdf(tmp_path):
    require_soffice()
    result = CliRunner().invoke(cli(), ["report", str(NANJING), "--out", str(tmp_path), "--pdf"])
    assert result.exit_code == 0, result.output
    assert (tmp_path / "nanjing-2023-department.docx").stat().st_size > 0
    assert (tmp_path / "nanjing-2023-department.pdf").stat().st_size > 0
    try:
        import jixiao.io.excel  # noqa: F401
    except ModuleNotFoundError:
        assert "跳过Excel" in result.output
    else:
        assert (tmp_path / "nanjing-2023-department.xlsx").stat().st_size > 0


def test_report_command_rejects_invalid_input(tmp_path):
    bad = tmp_path / "bad.yaml"
    bad.write_text(NANJING.read_text(encoding="utf-8").replace("actual: 99.11", "actual: 九九"), encoding="utf-8")
    result = CliRunner().invoke(cli(), ["report", str(bad), "--out", str(tmp_path)])
    assert result.exit_code == 2
    assert f"{bad}:" in result.output and "indicators.B12.actual" in result.output
    template = write_template(tmp_path / "t.docx", "{{ totl }}")
    result = CliRunner().invoke(cli(), ["report", str(NANJING), "-o", str(tmp_path), "-t", str(template)])
    assert result.exit_code == 2 and "totl" in result.output
    assert not (tmp_path / "nanjing-2023-department.docx").exists()


def test_template_commands(tmp_path):
    runner = CliRunner()
    copied = tmp_path / "mine.docx"
    assert runner.invoke(cli(), ["template", "copy", "project", str(copied)]).exit_code == 0
    result = runner.invoke(cli(), ["template", "check", str(copied)])
    assert result.exit_code == 0 and "未发现问题" in result.output
    bad = write_template(tmp_path / "bad.docx", "{{ unit.nmae }}")
    result = runner.invoke(cli(), ["template", "check", str(bad)])
    assert result.exit_code == 1 and "unit.name" in result.output
    assert runner.invoke(cli(), ["template", "check", str(tmp_path / "none.docx")]).exit_code == 2
    fields = runner.invoke(cli(), ["template", "fields"]).output.split()
    assert {"unit.name", "score_rows[].process", "sections.problems.rich"} <= set(fields)
