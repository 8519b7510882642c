"""Bulk loading and scoring give exactly the scores of loading and scoring one at a time:
the benchmark data set in its stored form (frameworks read once from YAML, evaluations from
JSON records) scores to the same totals digest as the one-by-one path, a folder scores the
same as each of its files alone (on one process and on two), and the site's bulk scoring
writes back what ``bridge.score_and_cache`` writes for each evaluation, with a fixed number of
queries."""

import hashlib
import json
import shutil
import sys
from decimal import Decimal

import pytest
from openpyxl import load_workbook
from pydantic import ValidationError
from typer.testing import CliRunner

from jixiao.cli import app
from jixiao.core.audit import audit
from jixiao.core.model import Evaluation, Framework, framework_index
from jixiao.core.scoring import score
from jixiao.io.bulk import Loader, evaluation_files, evaluation_from_record, process_folder, write_summary
from jixiao.io.yamlio import load_evaluation, load_framework
from conftest import EXAMPLES, ROOT

if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from bench.generate import dataset  # noqa: E402
from bench.pipeline import _frameworks, write_dataset  # noqa: E402

# sha256 of every evaluation's total, in data-set order, as bench.scoring computes it; the
# 300 / 1,000 / 3,000-unit digests are those of bench/results/scoring-*.json (before this change)
TOTALS_40 = "259df010f95c7ddf442bd500a04e13042ec39dbb21c4a4d3d4c47ce5b56550db"  # computed at the commit before this change


def _digest(sheets) -> str:
    h = hashlib.sha256()
    for sheet in sheets:
        h.update(format(sheet.total, "f").encode())
    return h.hexdigest()


@pytest.fixture(scope="module")
def stored(tmp_path_factory):
    folder = tmp_path_factory.mktemp("stored")
    counts = write_dataset(40, folder)
    records = [json.loads(line) for line in (folder / "evaluations.jsonl").read_text(encoding="utf-8").splitlines()]
    return folder, counts, records


def test_bulk_loaded_data_set_scores_to_the_same_digest_as_one_by_one(stored):
    folder, counts, records = stored
    ds = dataset(40)
    one_by_one = [score(ds.core(spec)) for spec in ds.evaluations]
    frameworks = _frameworks(folder)
    bulk = [score(evaluation_from_record(r, frameworks[r["framework"]])) for r in records]
    assert _digest(one_by_one) == _digest(bulk) == counts["reference_totals_digest"] == TOTALS_40
    assert counts["evaluations"] == len(records) == 200 and sum(len(s.rows) for s in bulk) == counts["indicator_rows"]
    # not only the totals: every row's score and explanation, and every finding
    for a, b in zip(one_by_one, bulk):
        assert [(r.code, r.score, r.explanation) for r in a.rows] == [(r.code, r.score, r.explanation) for r in b.rows]
        assert [(f.code, f.kind, f.message) for f in audit(a)] == [(f.code, f.kind, f.message) for f in audit(b)]
    # one framework object per framework, shared by all the evaluations that use it
    assert len({id(s.evaluation.framework) for s in bulk}) == len(frameworks) == 6


def test_a_record_builds_the_evaluation_pydantic_builds(stored):
    folder, _, records = stored
    frameworks = _frameworks(folder)
    for record in records[:25]:
        fw = frameworks[record["framework"]]
        body = {k: v for k, v in record.items() if k != "framework"}
        assert evaluation_from_record(record, fw) == Evaluation.model_validate({**body, "framework": fw})
    bad = {**records[1], "inputs": {**records[1]["inputs"], "NOPE": {"actual": "1"}}}
    with pytest.raises(ValidationError, match="指标体系中没有这些指标编码：NOPE"):
        evaluation_from_record(bad, frameworks[bad["framework"]])
    bad = {**records[1], "inputs": {next(iter(records[1]["inputs"])): {"actual": "九十"}}}
    with pytest.raises(ValidationError, match="decimal"):
        evaluation_from_record(bad, frameworks[bad["framework"]])


def test_the_framework_index_still_refuses_repeated_codes():
    fw, errors = load_framework("builtin:national-capability-2023")
    assert errors == [] and framework_index(fw) is framework_index(fw)
    index = framework_index(fw)
    assert index.indicator_codes == tuple(i.code for i in fw.indicators())
    data = fw.model_dump()
    group = data["groups"][0]
    while not group["indicators"]:
        group = group["groups"][0]
    group["indicators"] = (*group["indicators"], dict(group["indicators"][0]))
    with pytest.raises(ValidationError, match="指标编码重复"):
        Framework.model_validate(data)


@pytest.fixture
def folder(tmp_path):
    out = tmp_path / "evaluations"
    shutil.copytree(EXAMPLES, out / "examples")
    (out / "broken.yaml").write_text("framework: builtin:national-capability-2023\nunit: {name: 某局}\nyear: 1900\n",
                                     encoding="utf-8")
    return out


@pytest.mark.parametrize("workers", [1, 2])
def test_a_folder_scores_the_same_as_each_file_alone(folder, workers):
    paths = evaluation_files(folder)
    assert [p.name for p in paths][0] == "broken.yaml" and len(paths) == 7
    outcomes = list(process_folder(paths, workers=workers, details=True))
    assert [o.source for o in outcomes] == [str(p) for p in paths]
    broken, *good = outcomes
    assert not broken.ok and any("year" in e for e in broken.load_errors)
    for o, path in zip(good, paths[1:]):
        ev, errors = load_evaluation(path)
        assert errors == []
        sheet = score(ev)
        findings = audit(sheet)
        assert (o.total, o.grade, o.passed, o.declared_total, o.rows, o.rules_hash) == \
            (sheet.total, sheet.grade, sheet.passed, sheet.declared_total, len(sheet.rows), sheet.rules_hash)
        assert [(f.code, f.kind, f.message) for f in o.finding_lines] == [(f.code, f.kind, f.message) for f in findings]
    nanjing = next(o for o in good if o.source.endswith("nanjing-2023-department.yaml"))
    assert nanjing.total == Decimal("96.65") and nanjing.findings == 4


def test_files_naming_one_framework_share_it(folder):
    loader = Loader()
    evs = [loader.load(p)[0] for p in evaluation_files(folder / "examples")]
    capability = [e for e in evs if e.framework.id == "national-capability-2023"]
    assert len(capability) == 2 and capability[0].framework is capability[1].framework


def test_score_and_check_a_folder_on_the_command_line(folder, tmp_path):
    runner = CliRunner()
    out = tmp_path / "summary.xlsx"
    result = runner.invoke(app, ["score", str(folder / "examples"), "--out", str(out), "--workers", "2"])
    assert result.exit_code == 0, result.output
    assert "计分6份、216行指标" in result.output and "96.65" in result.output
    ws = load_workbook(out)["汇总"]
    header = [c.value for c in ws[1]]
    rows = {r[0]: dict(zip(header, r)) for r in ws.iter_rows(min_row=2, values_only=True)}
    nanjing = rows[str(folder / "examples" / "nanjing-2023-department.yaml")]
    assert (nanjing["计算总分"], nanjing["申报总分"], nanjing["等级"], nanjing["核查发现"]) == (96.65, 99.85, "优", 4)
    result = runner.invoke(app, ["check", str(folder), "--json"])
    assert result.exit_code == 2  # broken.yaml cannot be loaded
    data = json.loads(result.stdout)
    assert data[0]["source"] == "broken.yaml" and data[0]["errors"]
    assert sum(d["findings"] for d in data) == 36 and all(len(d["finding_list"]) == d["findings"] for d in data)
    assert runner.invoke(app, ["score"]).exit_code == 2  # neither a file nor --site


def test_summary_workbook_has_one_row_per_evaluation_and_every_finding(folder, tmp_path):
    outcomes = list(process_folder(evaluation_files(folder), details=True))
    path = write_summary(outcomes, tmp_path / "s.xlsx", findings=True)
    wb = load_workbook(path)
    assert wb["汇总"].max_row == 1 + len(outcomes)
    assert wb["核查发现"].max_row == 1 + sum(o.findings for o in outcomes)


def test_a_folder_reads_excel_entry_workbooks_against_the_framework_given(tmp_path):
    from jixiao.io.excel import export_entry_workbook, import_entry_workbook

    fw, _ = load_framework("builtin:national-medical-aid-2023")
    book = export_entry_workbook(fw, tmp_path / "填报表.xlsx")
    wb = load_workbook(book)
    wb["单位信息"]["B2"], wb["单位信息"]["B5"] = "某县医疗保障局", 2023
    wb.save(book)
    (unnamed,) = process_folder([book])
    assert not unnamed.ok and "--framework" in unnamed.load_errors[0]
    (o,) = process_folder([book], excel_framework="builtin:national-medical-aid-2023")
    ev, errors = import_entry_workbook(book, fw)
    assert errors == [] and o.ok
    sheet = score(ev)
    assert (o.unit, o.year, o.total, o.findings, o.rows) == ("某县医疗保障局", 2023, sheet.total, len(audit(sheet)),
                                                             len(sheet.rows))



def test_bulk_work_keeps_what_outlives_an_item_out_of_the_collectors_scans():
    """``kept_alive``: what survives an item is frozen (collections no longer walk it), a cycle
    dropped inside an item is still collected, and at the end nothing stays frozen."""
    import gc
    import weakref

    from jixiao.io.bulk import kept_alive, parallel

    class Node:
        pass

    assert gc.get_freeze_count() == 0
    kept, dropped = [], []
    for i in kept_alive(range(3)):
        kept.append([i])  # lives on past its item
        cycle = Node()
        cycle.me = cycle  # garbage only a collection finds
        dropped.append(weakref.ref(cycle))
        del cycle
        gc.collect()
        assert dropped[-1]() is None
        assert (gc.get_freeze_count() > 0) == (i > 0)  # what the items before left alive
    assert gc.get_freeze_count() == 0 and kept == [[0], [1], [2]]
    assert list(parallel(5, lambda i: i * i)) == [0, 1, 4, 9, 16] and gc.get_freeze_count() == 0
    for i in kept_alive(range(2)):  # a loop inside another: the outer one unfreezes, at its end
        assert list(kept_alive("ab")) == ["a", "b"]
        assert gc.get_freeze_count() > 0  # (the inner loop froze what its items left, and kept it so)
    assert gc.get_freeze_count() == 0
    gc.freeze()  # frozen by someone else before: left frozen
    try:
        before = gc.get_freeze_count()
        assert list(kept_alive("ab")) == ["a", "b"] and gc.get_freeze_count() >= before
    finally:
        gc.unfreeze()
