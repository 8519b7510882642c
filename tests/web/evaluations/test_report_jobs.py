"""Issue 17 point 6 on the site: report jobs give preparers the agency's report and reviewers
also the reviewer's copy (复核底稿); the rules fingerprint is the same on the CLI and the
site, and users see it as 规则版本 … · 校验码 …, never as a raw hash."""

from __future__ import annotations

import io
import json
import re
import zipfile
from pathlib import Path

import pytest
from django.contrib.auth import get_user_model
from docx import Document
from openpyxl import load_workbook
from typer.testing import CliRunner

from jixiao.cli import app
from jixiao.core.versioning import check_code
from jixiao.io.yamlio import builtin_framework_names
from jixiao.web import bridge
from jixiao.web.demo import EXAMPLES
from jixiao.web.models import FrameworkVersion, ReportJob
from jixiao.web.tasks import build_reports_now, reviewer_copy_for

from ..conftest import xundian

ROOT = Path(__file__).resolve().parents[3]
HEX = re.compile(r"\b[0-9a-f]{12,64}\b")


def run_job(client, evaluation, settings, tmp_path) -> tuple[ReportJob, zipfile.ZipFile, str]:
    settings.MEDIA_ROOT = tmp_path
    response = client.post(f"/evaluations/{evaluation.pk}/report/", {"pdf": "0"})
    assert response.status_code == 302, response.status_code
    job = ReportJob.objects.latest("pk")
    if job.status != ReportJob.DONE:  # Huey runs tasks immediately under tests; else build now
        build_reports_now(job.pk)
    job.refresh_from_db()
    assert job.status == ReportJob.DONE, job.message
    page = client.get(f"/jobs/{job.pk}/").content.decode()
    return job, zipfile.ZipFile(tmp_path / job.result), page


def docx_text(package: zipfile.ZipFile, name: str) -> str:
    doc = Document(io.BytesIO(package.read(name)))
    parts = [p.text for p in doc.paragraphs]
    parts += [c.text for t in doc.tables for row in t.rows for c in row.cells]
    return "\n".join(parts)


def test_preparer_gets_the_agency_report_only(demo, login, settings, tmp_path):
    evaluation = xundian(demo)
    client = login("xundian_tianbao")
    job, package, page = run_job(client, evaluation, settings, tmp_path)
    names = package.namelist()
    assert len(names) == 2 and all("复核底稿" not in n for n in names), names
    docx = next(n for n in names if n.endswith(".docx"))
    text = docx_text(package, docx)
    assert "核查发现" not in text and "复核底稿" not in text and "jixiao" not in text.lower()
    assert "95.87" in text and "得分95分" not in text  # the computed total, once
    for part in zipfile.ZipFile(io.BytesIO(package.read(docx))).namelist():  # properties too
        if part.endswith(".xml"):
            data = zipfile.ZipFile(io.BytesIO(package.read(docx))).read(part).decode("utf-8", "replace")
            assert "jixiao" not in data.lower(), part
    xlsx = next(n for n in names if n.endswith(".xlsx"))
    workbook = load_workbook(io.BytesIO(package.read(xlsx)))
    assert workbook.sheetnames == ["指标体系得分情况"]  # no 核查发现 sheet
    cells = [str(c.value) for ws in workbook for row in ws.iter_rows() for c in row if c.value is not None]
    assert not any(w in c for c in cells for w in ("按规则计算", "申报总分", "规则指纹", "人工评分", "理由："))
    assert any("校验码" in c for c in cells)
    assert any(c.endswith("问卷综合得分96.75分（满分100分），按分值4分折算，得3.87分。") for c in cells)  # C72
    assert "完成：1份评价（报送版报告）" in page and "可直接报送" in page and "复核底稿中查看" in page


@pytest.mark.parametrize("username", ["sheng_shenhe", "admin"])
def test_reviewer_and_admin_also_get_the_reviewers_copy(demo, login, settings, tmp_path, username):
    evaluation = xundian(demo)
    job, package, page = run_job(login(username), evaluation, settings, tmp_path)
    names = sorted(package.namelist())
    stem = f"{evaluation.unit.name}-{evaluation.year}-{evaluation.framework.key}"
    assert names == sorted([f"{stem}.docx", f"{stem}.xlsx", f"{stem}-复核底稿.docx", f"{stem}-复核底稿.xlsx"])
    agency = docx_text(package, f"{stem}.docx")
    copy = docx_text(package, f"{stem}-复核底稿.docx")
    assert "核查发现" not in agency
    assert "复核底稿（审核人留存，不对外报送）" in copy and "评分复核说明" in copy and "核查发现" in copy
    assert "单位申报总分95分，与计算总分相差0.87分" in copy
    assert "申报3分，按规则计算3.87分" in copy  # C72
    assert "核查发现" in load_workbook(io.BytesIO(package.read(f"{stem}-复核底稿.xlsx"))).sheetnames
    assert "报送版报告和复核底稿" in page and "审核人留存，不对外报送" in page


def test_who_gets_the_reviewers_copy(demo):
    User = get_user_model()
    roles = {u.username: reviewer_copy_for(u) for u in User.objects.select_related("account")}
    assert roles["xundian_tianbao"] is False and roles["nanjing_tianbao"] is False
    assert roles["sheng_shenhe"] is True and roles["admin"] is True
    assert any(u.account.role == "finance" and roles[u.username] for u in User.objects.filter(account__isnull=False))
    assert reviewer_copy_for(None) is False


# --- the rules fingerprint: one value, CLI and site -------------------------------------

def cli_hash(path: Path) -> str:
    result = CliRunner().invoke(app, ["score", str(path), "--json"])
    assert result.exit_code == 0, result.output
    return json.loads(result.output)["framework"]["rules_hash"]


def test_rules_fingerprint_agrees_between_cli_and_site_for_every_example(demo, login):
    reviewer = login("sheng_shenhe")
    seen = 0
    for unit_key, files in EXAMPLES.items():
        for name in files:
            path = ROOT / "examples" / name
            digest = cli_hash(path)
            assert re.fullmatch(r"[0-9a-f]{64}", digest)
            evaluations = [e for e in demo.values() if e.framework.rules_hash == digest]
            assert evaluations, f"{name}: no evaluation on the site under the CLI's rules {digest[:12]}"
            for evaluation in evaluations:
                sheet, _ = bridge.score_and_cache(evaluation)
                assert sheet.rules_hash == digest == evaluation.framework.rules_hash  # stored and computed
                page = reviewer.get(f"/evaluations/{evaluation.pk}/").content.decode()
                label = f"规则版本 {sheet.framework.id} v{sheet.framework_version} · 校验码 {check_code(digest)}"
                assert label in page, name
                assert digest[:12] not in page  # never the raw hash
                api = reviewer.get(f"/api/evaluations/{evaluation.pk}")
                assert api.status_code == 200 and api.json()["rules_hash"] == digest  # JSON keeps the full hash
                seen += 1
    assert seen >= len([n for files in EXAMPLES.values() for n in files])


def test_rules_fingerprint_agrees_for_every_builtin_framework(demo, login, tmp_path):
    page = login("admin").get("/frameworks/").content.decode()
    for key in builtin_framework_names():
        evaluation = tmp_path / f"{key}.yaml"
        evaluation.write_text(f"unit: {{name: 测试单位}}\nyear: 2023\nframework: builtin:{key}\n", encoding="utf-8")
        digest = cli_hash(evaluation)
        stored = FrameworkVersion.objects.get(key=key, builtin=True)
        assert stored.rules_hash == digest, key
        assert f'<td class="rules-check">{check_code(digest)}</td>' in page, key
        assert digest[:12] not in page
    assert not HEX.search(re.sub(r"<[^>]+>", " ", page)), "a raw hash on the frameworks page"


def test_cli_prints_the_readable_label(tmp_path):
    result = CliRunner().invoke(app, ["score", str(ROOT / "examples" / "nanjing-2023-department.yaml")])
    assert result.exit_code == 0
    digest = cli_hash(ROOT / "examples" / "nanjing-2023-department.yaml")
    assert f"规则版本 nanjing-2023-department v2023 · 校验码 {check_code(digest)}" in result.output
    assert digest[:12] not in result.output and "规则指纹" not in result.output


def test_check_code_reads_as_two_groups():
    assert check_code("3620992319aec10ef43575ba8d6b1d9d00ef995a9449dd27516b5346196ceaff") == "3620-9923"
