"""Issue 17 point 6: the report package is ready to hand in. Read on the real documents the
command writes (python-docx for the .docx, pdftotext for the PDF): the agency's report has a
complete cover, one total, 评分过程 in an agency's words and nothing of the audit or the tool;
the reviewer's copy (复核底稿) carries the audit annex with its file:line sources."""

from __future__ import annotations

import datetime
import re
import shutil
import subprocess
import zipfile
from pathlib import Path

import pytest
from docx import Document
from typer.testing import CliRunner

from conftest import EXAMPLES
from jixiao.cli import app
from jixiao.core.scoring import score
from jixiao.core.versioning import check_code
from jixiao.io.yamlio import load_evaluation_or_raise
from jixiao.reports.context import agency_sentence

NANJING = EXAMPLES / "nanjing-2023-department.yaml"
XUNDIAN = EXAMPLES / "xundian-2023-department.yaml"
TODAY = datetime.date.today()
TODAY_TEXT = f"{TODAY.year}年{TODAY.month}月{TODAY.day}日"
FILE_LINE = re.compile(r"[\w.-]+\.yaml:\d+")
TOOL_WORDS = ("jixiao", "规则指纹", "按规则计算", "计分：", "人工评分", "理由：", "deduct_per_unit", "questionnaire",
              "checklist", "per_incident", "proportional")


def run_report(path: Path, out: Path, *args: str):
    result = CliRunner().invoke(app, ["report", str(path), "--out", str(out), *args])
    assert result.exit_code == 0, result.output
    return result


@pytest.fixture(scope="module")
def packages(tmp_path_factory):
    out = tmp_path_factory.mktemp("package")
    return {"dir": out, "nanjing": run_report(NANJING, out, "--reviewer").output,
            "xundian": run_report(XUNDIAN, out, "--reviewer").output}


def doc(packages, name: str):
    return Document(str(packages["dir"] / f"{name}.docx"))


def all_text(document) -> str:
    parts = [p.text for p in document.paragraphs]
    parts += [c.text for t in document.tables for row in t.rows for c in row.cells]
    return "\n".join(parts)


def cover(document) -> list[str]:
    """The cover page: the paragraphs before the 评价小组 page (部门整体 reports)."""
    texts = [p.text for p in document.paragraphs]
    return texts[:texts.index("评价小组成员")]


def score_table(document):
    return next(t for t in document.tables if "评分过程" in [c.text for c in t.rows[0].cells])


def process_of(document, code: str) -> str:
    for row in score_table(document).rows:
        cells = [c.text for c in row.cells]
        if cells[2].strip().startswith(code):
            return cells[6]
    raise AssertionError(code)


# --- the cover and the placeholders ---------------------------------------------------

def test_cover_is_complete_and_dated(packages):
    nanjing = cover(doc(packages, "nanjing-2023-department"))
    assert not any("待填写" in t for t in nanjing)
    assert "南京市医疗保险管理中心" in nanjing and "2023年度部门整体支出绩效自评报告" in nanjing
    assert "部门名称：南京市医疗保险管理中心" in nanjing and "评价机构：南京市医疗保险管理中心" in nanjing
    assert TODAY_TEXT in nanjing  # no date in the data: the day it was generated
    xundian = cover(doc(packages, "xundian-2023-department"))
    assert "2024年5月" in xundian and not any("待填写" in t for t in xundian)  # the date written in the data


def test_date_option_overrides(tmp_path):
    run_report(XUNDIAN, tmp_path, "--date", "2024年6月30日")
    assert "2024年6月30日" in cover(Document(str(tmp_path / "xundian-2023-department.docx")))


def test_command_says_which_placeholders_remain(packages):
    out = re.sub(r"\s+", "", packages["nanjing"])
    assert ("报告中仍有7处待填写：单位（部门）概况、绩效目标、履职成效与绩效分析、存在问题及原因分析、改进措施及建议、"
            "评价工作开展情况、结果应用与公开情况") in out
    assert f"报告日期：{TODAY_TEXT}" in out
    out = re.sub(r"\s+", "", packages["xundian"])
    assert "报告中仍有2处待填写：绩效目标、结果应用与公开情况" in out
    body = all_text(doc(packages, "xundian-2023-department"))
    assert re.findall(r"【待填写：([^】]*)】", body) == ["绩效目标", "结果应用与公开情况"]  # what it said


# --- one total -----------------------------------------------------------------------

def test_one_total_in_the_agency_report(packages):
    document = doc(packages, "xundian-2023-department")
    body = all_text(document)
    totals = re.findall(r"(?:得分|总分|总得分|综合评定)(?:为)?(\d+(?:\.\d+)?)分", body)
    assert "95.87" in totals and "95" not in totals  # the declared 95 is not stated as a second total
    assert "经评价小组综合评定，得分为95.87分，等级为“优”" in body
    assert "寻甸回族彝族自治县医疗保险中心得分95.87分" in body  # the written conclusion, corrected
    level1 = next(t for t in document.tables if "得分率" in [c.text for c in t.rows[0].cells])
    assert [c.text for c in level1.rows[-1].cells][3] == "95.87"
    assert [c.text for c in score_table(document).rows[-1].cells][-1] == "95.87"
    assert "申报总分" not in body  # (the recorded evidence of some rows says 按申报得分记: the data's words)
    out = re.sub(r"\s+", "", packages["xundian"])
    assert "“评价结论”中写的“得分95分”与计算总分不同，报告中已写作“得分95.87分”" in out


def test_the_reviewer_copy_keeps_the_declared_total(packages):
    body = all_text(doc(packages, "xundian-2023-department-复核底稿"))
    assert "单位申报总分95分，与计算总分相差0.87分；报告只写计算总分95.87分。" in body
    assert "“评价结论”中写的“得分95分”，报告中按计算结果写作“得分95.87分”。" in body


# --- 评分过程 ---------------------------------------------------------------------------

def test_scoring_process_reads_as_an_agency_writes_it(packages):
    nanjing = doc(packages, "nanjing-2023-department")
    b11 = process_of(nanjing, "B11")
    assert b11.startswith("2023年度部门预算调整后预算数为5210.39万元")  # the recorded evidence first
    assert b11.endswith("\n部门预算执行率99.81%，目标100%，按评分标准扣0.02分，得1.98分。")
    assert process_of(nanjing, "B63").endswith("满足①②③⑤共4项；未满足④相关信息资料完整（0.2分），得0.8分。")
    xundian = doc(packages, "xundian-2023-department")
    assert process_of(xundian, "C72").endswith("\n问卷综合得分96.75分（满分100分），按分值4分折算，得3.87分。")
    assert process_of(xundian, "A14").endswith("\n经评价小组评定，得3分。")  # the override reason is the reviewer's
    assert process_of(xundian, "A21").endswith("各分项合计得6分。")
    assert process_of(xundian, "C21").endswith("审核资料管理：无扣分事项，得2分；合计得5分。")
    for document in (nanjing, xundian):
        for row in score_table(document).rows[1:-1]:
            text = row.cells[6].text
            assert not any(w in text for w in TOOL_WORDS), text
            assert re.search(r"(得(满分)?\d+(\.\d+)?分|不得分)。$", text), text


def test_agency_sentence_for_every_example_row():
    for path in sorted(EXAMPLES.glob("*.yaml")):
        sheet = score(load_evaluation_or_raise(path))
        for row in sheet.rows:
            sentence = agency_sentence(row, sheet.evaluation.metrics)
            assert not any(w in sentence for w in TOOL_WORDS), (path.name, row.code, sentence)
            if row.not_applicable is None and not sentence.startswith("【待填写"):
                assert sentence.endswith("。") and ("得" in sentence or "不得分" in sentence), (row.code, sentence)


# --- the audit annex: the reviewer's copy only ----------------------------------------

def docx_parts(path: Path) -> str:
    with zipfile.ZipFile(path) as z:
        return "\n".join(z.read(n).decode("utf-8", "replace") for n in z.namelist() if n.endswith(".xml"))


def test_agency_report_has_no_annex_tool_name_or_sources(packages):
    for name in ("nanjing-2023-department", "xundian-2023-department"):
        document = doc(packages, name)
        body = all_text(document)
        assert "核查发现" not in body and "复核底稿" not in body and "评分复核说明" not in body
        assert not FILE_LINE.search(body)
        assert "jixiao" not in docx_parts(packages["dir"] / f"{name}.docx").lower()  # body, properties, everything
        props = document.core_properties
        assert props.author == document.core_properties.last_modified_by != "jixiao"
        assert props.title.endswith("报告") and "复核底稿" not in props.title
        assert props.comments.startswith("规则版本 ") and re.search(r"校验码 [0-9A-F]{4}-[0-9A-F]{4}$", props.comments)
        assert props.created.year == TODAY.year


def test_reviewer_copy_has_the_annex_with_sources(packages):
    document = doc(packages, "nanjing-2023-department-复核底稿")
    body = [p.text for p in document.paragraphs]
    assert body[0] == "复核底稿（审核人留存，不对外报送）"
    assert "3．核查发现" in body and "4．评分复核说明" in body  # after 评分表 and 财务指标
    findings = next(t for t in document.tables if [c.text for c in t.rows[0].cells][-1] == "来源")
    rows = [[c.text for c in r.cells] for r in findings.rows[1:]]
    b63 = next(r for r in rows if r[1] == "B63")
    assert b63[3] == "错误" and FILE_LINE.fullmatch(b63[5]) and b63[5].startswith("nanjing-2023-department.yaml:")
    assert any("jixiao 按指标体系的评分规则逐项复核" in t for t in body)
    review = next(t for t in document.tables if "复核要点" in [c.text for c in t.rows[0].cells])
    c22 = next([c.text for c in r.cells] for r in review.rows if r.cells[1].text == "C22")
    assert c22[4:7] == ["3", "0", "达标判定"] and c22[8] == "申报3分，按规则计算0分"
    assert document.core_properties.title.endswith("（复核底稿）")
    sheet = score(load_evaluation_or_raise(NANJING))
    assert check_code(sheet.rules_hash) in document.core_properties.comments
    assert "jixiao" in document.core_properties.category


def test_without_reviewer_flag_only_the_agency_package(tmp_path):
    result = run_report(NANJING, tmp_path)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["nanjing-2023-department.docx",
                                                          "nanjing-2023-department.xlsx"]
    assert "--reviewer" in result.output


# --- the PDF --------------------------------------------------------------------------

def pdftotext(path: Path) -> str:
    text = subprocess.run(["pdftotext", str(path), "-"], capture_output=True, text=True, check=True).stdout
    return re.sub(r"\s+", "", text)  # CJK lines break anywhere; compare without whitespace


@pytest.mark.pdf
def test_pdf_of_both_copies(tmp_path):
    for tool in ("soffice", "pdftotext"):
        if not shutil.which(tool):
            pytest.fail(f"{tool} is required for the PDF tests (libreoffice-writer-nogui, poppler-utils)")
    run_report(XUNDIAN, tmp_path, "--reviewer", "--pdf")
    agency = pdftotext(tmp_path / "xundian-2023-department.pdf")
    assert "2024年5月" in agency and "得分为95.87分" in agency and "得分95.87分" in agency
    assert "得分95分" not in agency and "得分为95分" not in agency
    assert "按分值4分折算，得3.87分。" in agency
    assert "核查发现" not in agency and "jixiao" not in agency.lower() and not FILE_LINE.search(agency)
    assert "待填写：绩效目标" in agency
    copy = pdftotext(tmp_path / "xundian-2023-department-复核底稿.pdf")
    assert copy.startswith("复核底稿（审核人留存，不对外报送）")
    assert "核查发现" in copy and "评分复核说明" in copy and "jixiao" in copy
    assert re.search(r"xundian-2023-?department\.yaml:\d+", copy)  # file:line (pdftotext may drop a hyphen at a break)
