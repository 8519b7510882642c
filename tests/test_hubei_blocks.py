"""The Hubei 年度项目绩效自评表 read from run-together text (tests/fixtures/published/real/12_…):
its rows print no 分值, only their 年度绩效目标 block's points, so each block is one row of the
sheet scored the sum of its rows, the rows are listed under it, and the block is checked.

Altered copies of the real text show each check finds what it should and nothing else."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import pytest

from jixiao.io.published_audit import audit_file

REAL = Path(__file__).resolve().parent / "fixtures" / "published" / "real"
BASE = (REAL / "12_huanggang_shuitubaochi_jiance_2020.txt").read_text(encoding="utf-8")


def _audit(tmp_path, text: str):
    path = tmp_path / "hubei.txt"
    path.write_text(text, encoding="utf-8")
    published, audits = audit_file(path)
    assert published.layout == "flat-hubei"
    return published, audits[0]


def _kinds(ta, confidence=None):
    return sorted(f.kind for f in ta.findings if confidence is None or f.confidence == confidence)


def test_rows_listed_under_their_blocks(tmp_path):
    published, ta = _audit(tmp_path, BASE)
    rows = [(r.parent, r.name, r.weight, r.declared) for r in ta.table.rows]
    assert rows[0][1:] == ("预算执行率", Decimal(20), Decimal(20))
    listed = [(r[1], r[3]) for r in rows if r[2] is None]
    assert listed == [("监测数据必须合格", Decimal(10)), ("取得2018-2022监测资料", Decimal(10)),
                      ("整编资料审核", Decimal("19.6")), ("监测数据资料整编", Decimal(20)), ("完成年度资料上报", Decimal(20))]
    blocks = [r for r in ta.table.rows if r.weight == 40]
    assert [b.declared for b in blocks] == [Decimal("39.6"), Decimal(40)]
    assert all(r[0] == blocks[0].code for r in rows[2:5]) and all(r[0] == blocks[1].code for r in rows[6:])
    # the whole table: 20 + 40 + 40 points, its 总分 99.6 checked against the rows and found right
    assert ta.sheet.weight_total == 100 and ta.table.declared_total == Decimal("99.6") and ta.sheet.total == Decimal("99.6")
    assert not any(f.kind in ("declared-total", "total-mismatch", "weights-total", "group-points") for f in ta.findings)


def test_every_row_met_yet_the_block_lost_points_is_said_not_certain(tmp_path):
    _, ta = _audit(tmp_path, BASE)
    assert _kinds(ta) == ["block-met-but-lost"]
    (f,) = ta.findings
    assert f.confidence == "medium"
    assert "3项指标实际完成值均达到年初目标值" in f.message and "39.6分" in f.message and "失分0.4分" in f.message


def test_a_missed_target_in_the_block_gives_no_block_finding(tmp_path):
    text = BASE.replace("整編資料審核98%98%19.6", "整編資料審核98%90%19.6")
    assert text != BASE
    _, ta = _audit(tmp_path, text)
    assert "block-met-but-lost" not in _kinds(ta)


@pytest.mark.parametrize("old, new, kind", [
    ("總分99.6", "總分98.6", "declared-total"),              # the 总分 is not the rows' sum
    ("完成年度資料上報(bào)100%100%20", "完成年度資料上報(bào)100%100%25", "above-weight"),  # block 2: 45 of 40
    ("監(jiān)測數(shù)據(jù)必須合格100%100%10", "監(jiān)測數(shù)據(jù)必須合格100%100%41", "above-weight"),  # a row above its block
])
def test_arithmetic_against_the_block_is_certain(tmp_path, old, new, kind):
    assert old in BASE
    _, ta = _audit(tmp_path, BASE.replace(old, new))
    assert kind in _kinds(ta, "high"), ta.findings


def test_a_block_not_read_whole_leaves_the_total_unchecked(tmp_path):
    # a row whose values carry no unit cannot be cut with certainty: the block is not read
    text = BASE.replace("完成年度資料上報(bào)100%100%20", "完成年度資料上報(bào)10010020")
    published, ta = _audit(tmp_path, text)
    assert ta.table.declared_total is None and ta.table.printed_total == Decimal("99.6")
    assert any("年度绩效目标2（40分）的各行未能全部分开" in e.message for e in published.errors)
    assert not any(f.confidence == "high" for f in ta.findings)
