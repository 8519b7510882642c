"""How sure the audit says it is, on a real published form (稷山县医疗保障局 2020, corpus 01):
a met target with points lost and 分值×执行率 are arithmetic (high); a partial score under the
form's unstated generic rule is not (medium); a missed target is never called met."""

import json
import subprocess
import sys
from pathlib import Path

REAL = Path(__file__).parent / "fixtures" / "published" / "real"


def findings(name: str) -> dict[tuple[str, str], dict]:
    proc = subprocess.run([sys.executable, "-m", "jixiao.cli", "audit", str(REAL / name), "--json"],
                          capture_output=True, text=True, env={"COLUMNS": "200", "PATH": "/usr/bin:/bin"})
    data = json.loads(proc.stdout)
    table = data.get("tables", [data])[0]
    return {(f["code"], f["kind"]): f for f in table["findings"]}


def test_jishan_confidence_follows_what_is_certain():
    found = findings("01_jishan_jiandanglika_2020.txt")
    # 参合人数 8676 of 8755 (99.1%) × 15 = 14.86 → 15 at whole points; declared 13: the table's own
    # rule is not printed, so this is doubtful — and the target was missed, not met
    partial = found[("A1-1", "score-mismatch")]
    assert partial["confidence"] == "medium"
    assert "已达到指标值" not in partial["message"]
    assert "申报13分，按规则应得15分" in partial["message"]
    # 95% of a ≥95% target, 27 of 30: met, points lost — certain
    assert found[("B2-1", "met-but-lost")]["confidence"] == "high"
    assert found[("B2-1", "score-mismatch")]["confidence"] == "high"
    assert "实际完成值已达到指标值，却失分" in found[("B2-1", "score-mismatch")]["message"]
    # 预算执行率 65.07 ÷ 65.66 = 99.1% × 10 → 10 at whole points, declared 9
    assert found[("F1", "score-mismatch")]["confidence"] == "high"
    # the printed rows add to 93, the printed total is 94
    assert found[("总分", "declared-total")]["message"] == "申报总分94分，各指标申报得分合计93分"
    assert found[("总分", "declared-total")]["confidence"] == "high"
    # a row losing points without 偏差原因 is incomplete, not wrong arithmetic
    assert found[("B2-1", "reason-missing")]["confidence"] == "medium"
