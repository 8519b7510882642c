"""A JSON-lines file of evaluation records scored in bulk (``io.bulk.process_records``, what
``jixiao score FILE.jsonl`` runs and bench/pipeline.py times): the same totals, rows and
findings as each record read alone, on one process and two, each outcome named by file and
line, and a bad line named with its reason while the others are scored."""

import json
import sys

import pytest
from openpyxl import load_workbook
from typer.testing import CliRunner

from jixiao.cli import app
from jixiao.core.audit import audit
from jixiao.core.scoring import score
from jixiao.io.bulk import evaluation_from_record, process_records
from conftest import ROOT

if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))
from bench.pipeline import _frameworks, write_dataset  # noqa: E402


@pytest.fixture(scope="module")
def records_file(tmp_path_factory):
    folder = tmp_path_factory.mktemp("records")
    counts = write_dataset(40, folder)
    return folder / "evaluations.jsonl", counts


@pytest.mark.parametrize("workers", [1, 2])
def test_a_records_file_scores_as_each_record_alone(records_file, workers):
    import hashlib

    path, counts = records_file
    frameworks = _frameworks(path.parent)
    records = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]
    stats = {}
    outcomes = list(process_records(path, workers, details=True, stats=stats))
    assert len(outcomes) == len(records) == 200 and stats["read_whole"] == 0
    digest = hashlib.sha256()
    for number, (o, record) in enumerate(zip(outcomes, records), 1):
        assert o.ok and o.source == f"{path}:{number}"
        alone = score(evaluation_from_record(record, frameworks[record["framework"]]))
        found = audit(alone)
        assert (o.total, o.grade, o.rows, o.findings, o.unit) == (alone.total, alone.grade, len(alone.rows),
                                                                 len(found), record["unit"]["name"])
        assert [(f.code, f.message) for f in o.finding_lines] == [(f.code, f.message) for f in found]
        digest.update(format(o.total, "f").encode())
    assert digest.hexdigest() == counts["reference_totals_digest"]


def test_a_bad_line_is_named_with_its_reason_and_the_others_are_scored(records_file, tmp_path):
    path, _ = records_file
    lines = path.read_text(encoding="utf-8").splitlines()[:5]
    bad_value = json.loads(lines[1])
    code = next(c for c, v in bad_value["inputs"].items() if "actual" in v)
    bad_value["inputs"][code]["actual"] = "九十"
    no_framework = {k: v for k, v in json.loads(lines[2]).items() if k != "framework"}
    other = tmp_path / "records.jsonl"
    (tmp_path / "frameworks").symlink_to(path.parent / "frameworks")
    other.write_text("\n".join([lines[0], json.dumps(bad_value, ensure_ascii=False), json.dumps(no_framework),
                                "", lines[3][:40], lines[4].replace("frameworks/", "missing/")]) + "\n",
                     encoding="utf-8")
    outcomes = list(process_records(other))
    assert [o.source for o in outcomes] == [f"{other}:{n}" for n in (1, 2, 3, 5, 6)]  # the blank line 4 skipped
    first, value, framework, cut, missing = outcomes
    assert first.ok and first.total is not None
    assert not value.ok and any(f"'inputs', '{code}', 'actual'" in e for e in value.load_errors), value.load_errors
    assert framework.load_errors == ("缺少指标体系（framework）",)
    assert not cut.ok and cut.load_errors[0].startswith("不是一行JSON")
    assert not missing.ok and missing.load_errors[0].startswith("指标体系missing/"), missing.load_errors


def test_score_and_check_a_records_file_on_the_command_line(records_file, tmp_path):
    path, counts = records_file
    runner = CliRunner()
    out = tmp_path / "summary.xlsx"
    result = runner.invoke(app, ["score", str(path), "--out", str(out), "--workers", "2"])
    assert result.exit_code == 0, result.output
    assert f"计分200份、{counts['indicator_rows']}行指标" in result.output
    ws = load_workbook(out)["汇总"]
    assert ws.max_row == 201 and ws.cell(2, 1).value == f"{path}:1"
    result = runner.invoke(app, ["check", str(path), "--json", "--workers", "1"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert len(data) == 200 and all(len(d["finding_list"]) == d["findings"] for d in data)
    missing = runner.invoke(app, ["score", str(tmp_path / "none.jsonl")])
    assert missing.exit_code == 2 and "文件不存在" in missing.output.replace("\n", "")


def test_a_records_file_is_cut_into_ranges_of_whole_lines(tmp_path):
    from jixiao.io.bulk import record_ranges

    path = tmp_path / "r.jsonl"
    lines = [b'{"n": %d}' % i + b" " * (i % 7) for i in range(1, 301)]
    path.write_bytes(b"\n".join(lines))  # (no newline after the last line)
    data = path.read_bytes()
    ranges = record_ranges(path, size=64)
    assert ranges[0][0] == 0 and ranges[-1][1] == len(data) and len(ranges) > 10
    for (start, stop, first, count), following in zip(ranges, ranges[1:] + [(len(data), None, None, None)]):
        assert stop == following[0] and (stop == len(data) or data[stop - 1:stop] == b"\n")
        assert data[start:stop].split(b"\n")[0] == lines[first - 1]  # the range's first line, by number
        assert data[start:stop].rstrip(b"\n").split(b"\n") == lines[first - 1:first - 1 + count]
    assert sum(r[3] for r in ranges) == len(lines) == 300
    assert record_ranges(tmp_path / "r.jsonl", size=1 << 20) == [(0, len(data), 1, 300)]
