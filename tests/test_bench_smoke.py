"""The benchmark code itself works: each benchmark at a tiny size (the real runs are by hand,
see docs/benchmarks.md). Generation and scoring run for real; the LibreOffice comparison runs
on a few hundred rows when LibreOffice is installed; the web benchmark needs PostgreSQL,
gunicorn and wrk and is only imported here."""

import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from bench import documents, libreoffice, scoring  # noqa: E402
from bench.generate import dataset, units  # noqa: E402
from jixiao.core.rules import RULES  # noqa: E402
from jixiao.core.scoring import score  # noqa: E402


def test_unit_tree_is_a_national_tree():
    tree = units(300)
    assert len(tree) == 300
    assert sum(u.level == "省" for u in tree) == 31
    assert {u.level for u in tree} == {"省", "市", "县"}
    for u in tree:  # parents come first and are one level up
        if u.parent is not None:
            assert tree[u.parent].index < u.index
            assert (tree[u.parent].level, u.level) in {("省", "市"), ("市", "县"), ("省", "县")}


def test_dataset_is_deterministic_and_hits_every_rule_type():
    a, b = dataset(40), dataset(40)
    assert a.digest() == b.digest()
    assert len(a.evaluations) == 5 * 40
    assert len({e.framework for e in a.evaluations}) == 6  # two department frameworks + four funds
    seen, outcomes = set(), set()
    for ev in a.core_evaluations():
        sheet = score(ev)
        for row in sheet.rows:
            seen.add(row.rule_type)
            if row.error:
                outcomes.add("error")
            elif row.not_applicable is not None:
                outcomes.add("不适用")
            elif row.overridden:
                outcomes.add("override")
            elif row.score == 0:
                outcomes.add("zero")
            elif row.score >= row.indicator.weight * row.factor:
                outcomes.add("full")
            else:
                outcomes.add("partial")
    assert set(RULES) - {"generic"} <= seen and "default" in seen  # generic is the coverage framework's default
    assert outcomes == {"error", "不适用", "override", "zero", "full", "partial"}


def test_scoring_benchmark_runs():
    result = scoring.run(20, workers=1, lo_rows=0)
    assert result["evaluations"] == 100 and result["indicator_rows"] > 3000
    assert result["rows_per_s_1core"] > 0 and result["rss_peak_mb"] > 0
    assert scoring.run(20)["totals_digest"] == result["totals_digest"]


def test_excel_formulas_cover_the_simple_rule_types(tmp_path):
    ds = dataset(20)
    rows = [r for ev in ds.core_evaluations() for r in score(ev).rows if libreoffice.excel_row(r, 2) is not None]
    assert {r.rule_type for r in rows} >= {"binary", "proportional", "checklist", "graded", "lower_is_better",
                                           "deduct_per_unit", "saturating_rate", "manual", "questionnaire"}
    written = libreoffice.workbook(rows, tmp_path / "x.xlsx")
    assert len(written) == len(rows)


@pytest.mark.pdf
def test_libreoffice_recalculation_matches_the_engine(tmp_path):
    ds = dataset(20)
    rows = [r for ev in ds.core_evaluations() for r in score(ev).rows if libreoffice.excel_row(r, 2) is not None]
    src = tmp_path / "lo.xlsx"
    written = libreoffice.workbook(rows[:300], src)
    libreoffice.recalculate(src, tmp_path / "out")
    got = libreoffice.read_scores(tmp_path / "out" / "lo.xlsx")
    assert len(got) == len(written)
    assert [g for g, w in zip(got, written) if g != w.score] == []


def test_documents_benchmark_runs_without_pdf():
    result = documents.batch(2, 1, pdf=False)
    assert result["files"] == {".docx": 2, ".xlsx": 2}
    assert result["packages_per_min"] > 0


def test_web_benchmark_is_importable():
    from bench import web

    assert "percentile(95)" in web.LUA and web.CONCURRENCY == (1, 10, 50)


def test_pipeline_benchmark_runs_end_to_end_with_the_same_totals():
    from bench import pipeline

    result = pipeline.run(10, [1, 2])
    assert result["evaluations"] == 50 and result["indicator_rows"] > 1500
    for run in result["runs"]:
        assert run["rows"] == result["indicator_rows"] and run["evaluations"] == 50
        assert run["digest_matches_reference"] and run["totals_digest"] == result["reference_totals_digest"]
        assert run["rows_per_s"] > 0 and run["peak_rss_mb"] > 0 and run["findings"] > 0


def test_site_benchmark_scores_a_small_site_database():
    from bench import site

    r = site.run(3, [1, 2], repeat=1)
    assert r["database"] == "sqlite" and r["load"]["counts"]["evaluations"] == 15
    assert r["digests_agree"]
    for run in (r["first_run"], *r["runs"]):
        assert run["evaluations"] == 15 and run["load_errors"] == 0 and run["rows"] > 400
    for run in r["runs"]:  # the first run wrote back what differed; nothing is left to write
        assert run["written"] == {"evaluations_updated": 0, "values_updated": 0}
