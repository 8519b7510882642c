"""Every document jixiao generates, read back by ``jixiao audit``.

A department or project report (Word), a score table (Excel, seed 000 and 004 layouts) and a
project form (Word and Excel, each variant) must audit to the total jixiao computed, with no
finding the source does not warrant: the only findings allowed are those ``jixiao check``
reports on the source evaluation itself (heading points, criteria points…) and the text
findings about the published texts the seeds carry (a wrong year in a criterion, one figure
stated with two values, the agency's own total quoted in the report text).
"""

from __future__ import annotations

import json
import subprocess
from decimal import Decimal as D
from pathlib import Path

import pytest
from typer.testing import CliRunner

from jixiao.cli import app
from jixiao.io.published_audit import audit_file
from jixiao.core.audit import audit
from jixiao.core.scoring import score
from jixiao.io.yamlio import load_evaluation

ROOT = Path(__file__).resolve().parent.parent
EXAMPLES = sorted((ROOT / "examples").glob("*.yaml"))
FORM = ROOT / "tests" / "fixtures" / "project_forms" / "third-party-illustrative.yaml"

#: Text findings about the seeds' own published words, carried into the generated documents.
TEXT_KINDS = {"wrong-year", "figure-conflict"}
#: Findings that would mean the reader got the table wrong (no generated table may have one).
READING_KINDS = {"score-mismatch", "total-mismatch", "declared-total", "weights-total", "above-weight",
                 "subrow-weights", "group-mismatch", "target-missed-full", "met-but-lost", "money-rate"}

runner = CliRunner()


def _run(*args: str) -> None:
    result = runner.invoke(app, list(args))
    assert result.exit_code == 0, result.output


@pytest.fixture(scope="module")
def generated(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("generated")
    for example in EXAMPLES:
        _run("report", str(example), "--out", str(out / "report"))
        for layout in ("000", "004"):
            _run("excel", "export", str(example), "--out", str(out / f"{example.stem}-{layout}.xlsx"),
                 "--layout", layout)
    _run("project", "export", str(FORM), "--out", str(out / "form"))
    for variant in ("national", "yunnan", "hubei"):
        _run("project", "export", str(FORM), "--out", str(out / "form"), "--variant", variant,
             "--name", f"form-{variant}")
    return out


def _source(path: Path):
    stem = path.stem.removesuffix("-000").removesuffix("-004")
    evaluation, errors = load_evaluation(ROOT / "examples" / f"{stem}.yaml")
    assert not errors
    sheet = score(evaluation)
    return evaluation, sheet, audit(sheet)


def _documents(folder: Path) -> list[Path]:
    return sorted(p for p in folder.rglob("*") if p.suffix in (".docx", ".xlsx"))


def test_every_example_document_audits_to_its_computed_total(generated):
    checked = 0
    for path in _documents(generated):
        if path.parent.name == "form":
            continue
        evaluation, sheet, own = _source(path)
        published, audits = audit_file(path)
        assert len(audits) == 1, (path.name, [a.table.title for a in audits])
        assert not published.errors, (path.name, [str(e) for e in published.errors])  # every cell placed
        (ta,) = audits
        rows = [r for r in sheet.rows if r.parent is None]
        assert ta.table.declared_total == sheet.total, path.name
        assert ta.sheet.total == sheet.total, (path.name, ta.sheet.total, sheet.total)
        assert ta.sheet.weight_total == 100, path.name
        assert len([r for r in ta.sheet.rows if r.parent is None]) == len(rows), path.name
        own_kinds = {f.kind for f in own}
        for f in ta.findings:
            assert f.kind not in READING_KINDS, (path.name, f.code, f.kind, f.message)
            if f.kind == "narrative-total":  # the agency's published total, quoted in the report text
                assert evaluation.declared_total is not None and f"{evaluation.declared_total}分" in f.message, \
                    (path.name, f.message)
                continue
            assert f.kind in own_kinds | TEXT_KINDS, (path.name, f.code, f.kind, f.message)
        checked += 1
    assert checked == len(EXAMPLES) * 4  # report .docx and .xlsx, score table in two layouts


def test_xundian_report_reads_its_subrows(generated):
    published, (ta,) = audit_file(generated / "report" / "xundian-2023-department.docx")
    assert ta.sheet.total == D("95.87") and ta.sheet.weight_total == 100
    a21 = ta.table.framework.indicator("A21")
    assert a21.weight == 6 and [s.name for s in a21.subrows] == ["基金财务会计制度执行", "基金财务基础工作及岗位分离",
                                                                   "财务报表报送"]
    assert ta.sheet.row("C72").score == D("3.87")  # 问卷综合得分96.75, not the 20 questionnaires


def test_nanjing_score_table_is_not_flagged(generated):
    for name in ("nanjing-2023-department-000.xlsx", "nanjing-2023-department-004.xlsx"):
        published, (ta,) = audit_file(generated / name)
        assert ta.sheet.total == D("96.65") and not any(f.confidence == "high" and f.kind != "narrative-total"
                                                        for f in ta.findings), name


def test_project_forms_audit_clean(generated):
    forms = _documents(generated / "form")
    assert len(forms) == 8
    for path in forms:
        published, audits = audit_file(path)
        assert published.layout.startswith("project-form-"), path.name
        (ta,) = audits
        assert ta.table.declared_total == ta.sheet.total and not ta.findings, (path.name, ta.findings)


def test_cli_json_roundtrip(generated):
    result = runner.invoke(app, ["audit", str(generated / "xundian-2023-department-000.xlsx"), "--json"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    assert data["declared_total"] == data["computed_total"] == "95.87"


@pytest.mark.pdf
def test_pdf_reports_audit_to_their_computed_total(tmp_path):
    for example in (ROOT / "examples" / "xundian-2023-department.yaml", ROOT / "examples" / "nanjing-2023-department.yaml",
                    ROOT / "examples" / "seed004-2023-capability.yaml"):
        _run("report", str(example), "--out", str(tmp_path), "--pdf")
        pdf = tmp_path / f"{example.stem}.pdf"
        assert pdf.exists()
        evaluation, sheet, own = _source(pdf)
        published, audits = audit_file(pdf)
        assert published.layout == "pdf" and len(audits) == 1, (pdf.name, [str(e) for e in published.errors])
        assert not published.errors, [str(e) for e in published.errors]
        (ta,) = audits
        assert ta.table.declared_total == sheet.total and ta.sheet.total == sheet.total, pdf.name
        assert ta.sheet.weight_total == 100
        assert not {f.kind for f in ta.findings} & READING_KINDS, [(f.code, f.kind, f.message) for f in ta.findings]


def test_scanned_pdf_says_so(tmp_path):
    pdf = _image_pdf(tmp_path)
    published, audits = audit_file(pdf)
    assert not audits
    assert any("该PDF为扫描图像，没有可读取的文字层，无法核查" in e.message for e in published.errors)
    result = runner.invoke(app, ["audit", str(pdf)])
    assert result.exit_code == 2 and "扫描图像" in result.output


def _image_pdf(folder: Path) -> Path:
    """A one-page PDF holding only a picture of a score table (no text layer)."""
    from PIL import Image, ImageDraw

    image = Image.new("RGB", (800, 400), "white")
    draw = ImageDraw.Draw(image)
    for y in range(40, 360, 40):
        draw.line((40, y, 760, y), fill="black", width=2)
    for x in (40, 200, 400, 600, 760):
        draw.line((x, 40, x, 320), fill="black", width=2)
    path = folder / "scanned.pdf"
    image.save(path, "PDF", resolution=100)
    return path
