"""The command line as a user runs it: real processes, JSON output, exit codes."""

import json
import subprocess
import sys
from pathlib import Path

from conftest import EXAMPLES

NANJING = EXAMPLES / "nanjing-2023-department.yaml"


def jixiao(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "jixiao.cli", *args], capture_output=True, text=True,
                          env={"COLUMNS": "200", "PATH": "/usr/bin:/bin"})


def test_score_json_has_exact_decimal_strings():
    proc = jixiao("score", str(NANJING), "--json")
    assert proc.returncode == 0, proc.stderr
    data = json.loads(proc.stdout)
    assert data["total"] == "96.65"
    assert data["declared_total"] == "99.85"
    assert data["grade"] == "优"
    b11 = next(i for i in data["indicators"] if i["code"] == "B11")
    assert b11 == {**b11, "weight": "2", "score": "1.98", "declared": "1.98",
                   "explanation": "部门预算执行率99.81%，低于目标0.19个百分点，扣0.02分"}
    assert {(f["code"], f["kind"]) for f in data["findings"]} == {
        ("B63", "score-mismatch"), ("C22", "score-mismatch"), ("C22", "target-missed-full"),
        ("总分", "total-mismatch")}
    assert all(set(f) >= {"code", "kind", "message"} for f in data["findings"])


def test_score_table_and_check():
    proc = jixiao("score", str(NANJING))
    assert proc.returncode == 0
    assert "总分 96.65分，申报99.85分；等级 优" in proc.stdout
    proc = jixiao("check", str(NANJING))
    assert proc.returncode == 0
    assert "申报3分，按规则应得0分" in proc.stdout


def test_invalid_input_exits_2_with_located_message(tmp_path: Path):
    bad = tmp_path / "bad.yaml"
    bad.write_text(NANJING.read_text(encoding="utf-8").replace("actual: 99.11", "actual: 九九"), encoding="utf-8")
    proc = jixiao("score", str(bad))
    assert proc.returncode == 2
    assert f"{bad}:" in proc.stderr and "indicators.B12.actual" in proc.stderr and "不是有效数字" in proc.stderr


def test_frameworks_lists_builtins():
    proc = jixiao("frameworks")
    assert proc.returncode == 0
    for name in ("national-capability-2023", "national-medical-aid-2023", "national-resident-insurance-2023"):
        assert name in proc.stdout
