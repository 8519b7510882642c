"""Altered copies of the Ningxia running-text fixture (10, ``jixiao.io.ningxia_text``) through the
audit the corpus uses (``import_text`` then ``published_audit.audit_table``, as ``audit_file`` does).

The Ningxia form prints no 合计/总分 row (its 自评得分 is in the header), so the end of the text is
the only sign of where the table ends. A copy cut short — inside a row, after a row, before the
last group — must not be checked against the 100-point total, a heading's points or the 自评得分
as if whole (the rows after the cut are not in it); the reader says it is cut. A copy with one digit
changed (a score, a weight, a heading's points, the 自评得分) that now contradicts the form is a
real inconsistency: high confidence is right there.

Bases: the stored copy (it ends inside the 服务对象满意度指标(10分) row, the form's last: its 自评得分
98 is impossible whatever that row scored, truth.yaml's certain total) and a completed copy (the
stored one with the 满意度 row finished, 10 of 10, the 自评得分 made 94 = the rows' scores, and the
填报人 line after the table: a whole table on which nothing is high). A text that ends on its last
得分 may be cut inside it (10 → 1, 9.5 → 9): it is whole only when that 得分 is the row's full 参考分值.

``python tests/test_ningxia_altered.py`` prints the table of copies and their high findings.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from jixiao.io.published import import_text
from jixiao.io.published_audit import audit_table

REAL = Path(__file__).resolve().parent / "fixtures" / "published" / "real"
STORED = next(REAL.glob("10_*.txt")).read_text(encoding="utf-8")
#: the stored copy with its last row finished (满意度 ≥90%, 95%, 10 of 10) and 自评得分 = Σ得分 = 94
ENDS_ON_SCORE = (STORED.rstrip() + "师满意度10≥90%95%10").replace("自评得分98", "自评得分94")
WHOLE = ENDS_ON_SCORE + "\n填报人:"
#: what is no finding on a whole table and must not be claimed of a cut one
TABLE_KINDS = {"weights-total", "group-points", "heading-points", "declared-total", "total-mismatch"}


def _cut_after(text: str, piece: str) -> str:
    assert text.count(piece) == 1, piece
    return text[:text.index(piece) + len(piece)]


def _changed(text: str, old: str, new: str) -> str:
    assert text.count(old) == 1, old
    return text.replace(old, new)


#: (name, text, the high-confidence finding kinds that are right for it)
COPIES = [
    ("stored copy (cut inside the last row)", STORED, {"declared-total"}),
    ("whole copy", WHOLE, set()),
    # cut copies: nothing about the table as a whole, except the stored copy's own 98 > 84 + 10
    ("cut mid-row: name only (维修(维护)所需成)", _cut_after(STORED, "维修(维护)所需成"), set()),
    ("cut mid-row: name only (保)", _cut_after(STORED, "数量指标(10分)保"), set()),
    ("cut mid-row: name and 参考分值 (保障人数10)", _cut_after(STORED, "保障人数10"), set()),
    ("cut mid-row: before the 得分 (社会认可的办学环境.×2)", _cut_after(STORED, "社会认可的办学环境.社会认可的办学环境."), set()),
    ("cut after a row: end of 项目决策 (适当性…2)", _cut_after(STORED, "有资金测第标准2"), set()),
    ("cut after a row: mid 项目产出 (公用经费标准…5)", _cut_after(STORED, "符合相关文件要求符合相关文件要求5"), set()),
    ("cut after a row: mid 成本指标 (办公所需成本…4)", _cut_after(STORED, "415万元15万元4"), set()),
    ("cut after a row: end of 项目产出 (绿化…3)", _cut_after(STORED, "3M.8万元14.8万元3"), set()),
    ("cut after a row: before 满意度 (社会认可…8)", _cut_after(STORED, "社会认可的办学环境.8"), set()),
    ("cut before the last group (服务对象满意)", _cut_after(STORED, "服务对象满意"), set()),
    ("cut in a heading (项目效益(35)", _cut_after(STORED, "项目效益(35"), set()),
    ("whole copy cut after its last row's 参考分值 (…满意度10)", _cut_after(WHOLE, "师满意度10"), set()),
    ("whole copy cut inside its last 得分 (…95%1)", _cut_after(WHOLE, "95%1"), set()),
    ("whole copy ending on its last 得分, full marks (…95%10)", ENDS_ON_SCORE, set()),
    ("…that copy with 自评得分 94→95", _changed(ENDS_ON_SCORE, "自评得分94", "自评得分95"), {"declared-total"}),
    ("…that copy with 满意度 10→9: may be cut in 9.x", _changed(ENDS_ON_SCORE, "95%10", "95%9"), set()),
    # one digit changed in the stored copy: its 98 stays impossible; a changed weight or heading is seen
    ("stored: 自评得分 98→97", _changed(STORED, "自评得分98", "自评得分97"), {"declared-total"}),
    ("stored: 自评得分 98→88", _changed(STORED, "自评得分98", "自评得分88"), set()),
    ("stored: score 可行性 2→1", _changed(STORED, "可行性2实际工作需求2", "可行性2实际工作需求1"), {"declared-total"}),
    ("stored: score 公用经费标准 5→4", _changed(STORED, "要求符合相关文件要求5", "要求符合相关文件要求4"), {"declared-total"}),
    ("stored: score 预算执行率 9→8", _changed(STORED, "100%9财务", "100%8财务"), {"declared-total"}),
    ("stored: weight 项目目标完整性 4→5", _changed(STORED, "项目目标完整性4一", "项目目标完整性5一"),
     {"group-points", "declared-total"}),
    ("stored: heading 项目决策(10→12分)", _changed(STORED, "项目决策(10分)", "项目决策(12分)"),
     {"group-points", "declared-total"}),
    # one digit changed in the whole copy: each now contradicts the form
    ("whole: 自评得分 94→95", _changed(WHOLE, "自评得分94", "自评得分95"), {"declared-total"}),
    ("whole: 自评得分 94→84", _changed(WHOLE, "自评得分94", "自评得分84"), {"declared-total"}),
    ("whole: score 可行性 2→1", _changed(WHOLE, "可行性2实际工作需求2", "可行性2实际工作需求1"), {"declared-total"}),
    ("whole: score 满意度 10→9", _changed(WHOLE, "95%10", "95%9"), {"declared-total"}),
    ("whole: score 社会效益 13→12", _changed(WHOLE, "办学条件13", "办学条件12"), {"declared-total"}),
    ("whole: weight 项目目标完整性 4→5", _changed(WHOLE, "项目目标完整性4一", "项目目标完整性5一"),
     {"weights-total", "group-points"}),
    ("whole: weight 保障人数 10→20", _changed(WHOLE, "保障人数102370人", "保障人数202370人"),
     {"weights-total", "group-points"}),
    ("whole: heading 项目决策(10→12分)", _changed(WHOLE, "项目决策(10分)", "项目决策(12分)"), {"group-points"}),
    # a score above its 参考分值 is not read (a re-cut reading): the rows read are then not the whole table
    ("whole: score 适当性 2→3 (above its 参考分值)", _changed(WHOLE, "有资金测第标准2", "有资金测第标准3"), set()),
    ("whole: weight 管理制度有效性 6→5 (score above it)", _changed(WHOLE, "管理制度有效性6-", "管理制度有效性5-"), set()),
]


def _audit(text: str):
    published = import_text(text, "10_copy.txt", 2021)
    findings = [f for t in published.tables for f in audit_table(t).findings]
    return published, findings


def _high(findings) -> set[str]:
    return {f.kind for f in findings if f.confidence == "high"}


@pytest.mark.parametrize("name,text,expected", [pytest.param(*c, id=c[0]) for c in COPIES])
def test_altered_copy_gets_the_high_findings_that_are_right(name, text, expected):
    published, findings = _audit(text)
    assert published.layout == "flat-ningxia"
    assert _high(findings) == expected, [(f.kind, f.confidence, f.message) for f in findings]


def test_every_cut_of_the_stored_copy_claims_nothing_of_the_table_as_a_whole():
    """Cut at every character from the first heading on: no 100-point total, no heading's points
    of the group the cut is in, and the 自评得分 only where no score of the rows cut off can make
    it right (the cut inside the form's last group, 服务对象满意度指标(10分): 98 > 84 + 10)."""
    start = STORED.index("项目决策(10分)")
    last_group = STORED.index("服务对象满意度指标(10分)") + len("服务对象满意度指标(10分)")
    wrong = []
    for n in range(start, len(STORED)):
        _, findings = _audit(STORED[:n])
        allowed = {"declared-total"} if n > last_group else set()
        if bad := _high(findings) - allowed:
            wrong.append((STORED[max(start, n - 12):n], sorted(bad)))
    assert not wrong, wrong


def test_every_cut_of_the_whole_copy_claims_nothing_of_the_table_as_a_whole():
    start = WHOLE.index("项目决策(10分)")
    wrong = []
    for n in range(start, len(WHOLE)):  # up to “…95%1”: the last 得分 cut (10 → 1)
        _, findings = _audit(WHOLE[:n])
        if bad := _high(findings):
            wrong.append((WHOLE[max(start, n - 12):n], sorted(bad)))
    assert not wrong, wrong


@pytest.mark.parametrize("piece", ["有资金测第标准2", "符合相关文件要求符合相关文件要求5", "社会认可的办学环境.8", "保障人数10"])
def test_a_cut_copy_says_it_is_cut(piece):
    published, _ = _audit(_cut_after(STORED, piece))
    (table,) = published.tables
    assert table.declared_total is None and table.printed_total == 98
    assert any("之后结束" in e.message and "不核查100分合计和自评得分" in e.message for e in published.errors), \
        [e.message for e in published.errors]


def test_a_whole_copy_with_a_row_not_read_checks_only_the_rows_read():
    published, findings = _audit(_changed(WHOLE, "有资金测第标准2", "有资金测第标准3"))  # 得分 3 above 参考分值 2
    (table,) = published.tables
    assert table.declared_total is None and table.framework.total == 98 and not _high(findings)
    said = [e.message for e in published.errors]
    assert any("未能读出的行" in m and "不核查100分合计和自评得分" in m for m in said), said
    assert not any("之后结束" in m or "中断" in m for m in said), said


def test_the_whole_copy_is_checked_as_whole():
    published, findings = _audit(WHOLE)
    (table,) = published.tables
    assert table.declared_total == 94 and table.framework.total == 100
    assert not any("之后结束" in e.message for e in published.errors)
    assert not _high(findings)


def test_the_header_figure_is_read_by_header_total():
    """The 自评得分 is ``facts.header_total``'s: one distinct figure of at most 100, else none (the
    reader took the first figure of any size)."""
    from jixiao.io.ningxia_text import ningxia_rows

    assert ningxia_rows(WHOLE, "x.txt")[2]["total"] == 94
    assert ningxia_rows(WHOLE.replace("自评得分94", "自评得分 94"), "x.txt")[2]["total"] == 94
    assert ningxia_rows(WHOLE.replace("自评得分94", "自评得分194"), "x.txt")[2]["total"] is None
    twice = WHOLE.replace("自评得分94", "自评得分94自评得分90")
    assert ningxia_rows(twice, "x.txt")[2]["total"] is None
    published, findings = _audit(twice)
    assert published.tables[0].declared_total is None and not _high(findings)


def test_a_cut_in_the_last_group_leaves_the_rest_of_its_points_to_the_row_cut():
    """Two 满意度 rows of 5: a copy cut in the second has 5 points left to it, not the group's 10."""
    two = ENDS_ON_SCORE.replace("师满意度10≥90%95%10", "师满意度5≥90%95%5家长满意度5≥90%95%5")
    published, findings = _audit(_cut_after(two, "家长满"))
    (table,) = published.tables
    assert table.framework.total == 95 and table.declared_total is None and not _high(findings)
    published, findings = _audit(_cut_after(two.replace("自评得分94", "自评得分97"), "家长满"))
    assert published.tables[0].declared_total == 97 and _high(findings) == {"declared-total"}  # 97 > 89 + 5
    assert any("中断的一行满分5分" in e.message for e in published.errors)
    published, findings = _audit(two + "\n填报人:")
    assert published.tables[0].declared_total == 94 and not _high(findings)


def main() -> None:  # pragma: no cover - the table for the report
    for name, text, expected in COPIES:
        _, findings = _audit(text)
        high = sorted(_high(findings))
        print(f"{name} | {', '.join(high) or '—'} | {'ok' if set(high) == expected else 'expected ' + (', '.join(sorted(expected)) or '—')}")


if __name__ == "__main__":  # pragma: no cover
    main()
