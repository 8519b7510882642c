"""Rule results remembered per indicator (``scoring._Leaf.memo``) give exactly the rows that
scoring every row afresh gives: same scores, raw scores (to the digit), errors and
explanations, over the benchmark data set (every rule type and branch) and for inputs that
are equal as numbers but written differently (90.0 and 90.00)."""

import sys
from decimal import Decimal

from jixiao.core import scoring
from jixiao.core.audit import audit
from jixiao.core.model import Evaluation, Framework
from jixiao.core.scoring import score
from conftest import ROOT

if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from bench.generate import dataset  # noqa: E402


def _rows(sheet):
    return [(r.code, repr(r.score), repr(r.raw), repr(r.computed), repr(r.factor), r.error, r.manual,
             r.override_reason, r.not_applicable, r.explanation) for r in sheet.rows]


def _findings(sheet):
    return [(f.code, f.kind, f.message, f.severity) for f in audit(sheet)]


def _fresh_plans(monkeypatch, size):
    monkeypatch.setattr(scoring, "MEMO_SIZE", size)
    monkeypatch.setattr(scoring._plan, "items", {})  # plans built again, with this memo size


def test_remembered_results_give_the_rows_of_scoring_afresh(monkeypatch):
    ds = dataset(40)
    evaluations = [ds.core(spec) for spec in ds.evaluations]
    _fresh_plans(monkeypatch, scoring.MEMO_SIZE)
    remembered = [score(e) for e in evaluations]
    leaves = [leaf for fw in ds.frameworks.values() for leaf in scoring._plan(fw).leaves.values()]
    assert sum(len(leaf.memo) for leaf in leaves if leaf.memo) > 100  # the memo was used
    _fresh_plans(monkeypatch, 0)  # nothing remembered: every row scored by its rule
    afresh = [score(e) for e in evaluations]
    assert not any(leaf.memo for fw in ds.frameworks.values() for leaf in scoring._plan(fw).leaves.values())
    for a, b in zip(remembered, afresh):
        assert _rows(a) == _rows(b)
        assert (a.total, a.grade) == (b.total, b.grade)
        assert _findings(a) == _findings(b)


def _evaluation(fw, actual: str, **more) -> Evaluation:
    return Evaluation.model_validate({"unit": {"name": "测试县医保局", "level": "县"}, "year": 2023, "framework": fw,
                                      "inputs": {"A11": {"actual": actual, **more}}})


def test_equal_numbers_written_differently_are_not_confused():
    fw = Framework.model_validate({
        "id": "memo", "name": "测试", "kind": "项目支出", "total": 10,
        "groups": [{"code": "A", "name": "产出", "indicators": [
            {"code": "A11", "name": "甲", "weight": 10, "rule": {"type": "manual"}}]}]})

    def manual(text, **more):
        return score(Evaluation.model_validate({"unit": {"name": "测试县医保局"}, "year": 2023, "framework": fw,
                                                "inputs": {"A11": {"manual": text, **more}}}))

    first, second = manual("9.0"), manual("9.00")
    assert repr(first.rows[0].raw) == "Decimal('9.0')" and repr(second.rows[0].raw) == "Decimal('9.00')"
    assert first.rows[0].score == second.rows[0].score == Decimal("9.00")
    assert len(scoring._plan(fw).leaves["A11"].memo) == 2
    # the same input again is the remembered result, with this row's own declared score
    again = manual("9.0", declared="8")
    assert _rows(again) == _rows(first) and again.rows[0].declared == Decimal(8)
    assert again.rows[0].explanation == first.rows[0].explanation == "人工评分9分"


def test_measured_values_written_differently_are_not_confused():
    fw = Framework.model_validate({
        "id": "memo-actual", "name": "测试", "kind": "项目支出", "total": 10,
        "groups": [{"code": "A", "name": "产出", "indicators": [
            {"code": "A11", "name": "甲", "weight": 10, "target": "100", "rule": {"type": "proportional"}}]}]})

    def measured(text):
        return score(Evaluation.model_validate({"unit": {"name": "测试县医保局"}, "year": 2023, "framework": fw,
                                                "inputs": {"A11": {"actual": text}}})).rows[0]

    assert repr(measured("90.0").raw) == "Decimal('9.0')" and repr(measured("90.00").raw) == "Decimal('9.00')"
    assert repr(measured("90.0").raw) == "Decimal('9.0')"


def test_a_memo_that_fills_up_is_dropped(monkeypatch):
    fw = Framework.model_validate({
        "id": "memo-full", "name": "测试", "kind": "项目支出", "total": 10,
        "groups": [{"code": "A", "name": "产出", "indicators": [
            {"code": "A11", "name": "甲", "weight": 10, "target": "≥95%", "rule": {"type": "proportional"}}]}]})
    monkeypatch.setattr(scoring, "MEMO_SIZE", 3)
    sheets = [score(_evaluation(fw, str(80 + i))) for i in range(5)]
    assert scoring._plan(fw).leaves["A11"].memo is None
    assert [s.rows[0].raw for s in sheets] == [Decimal(80 + i) / Decimal(95) * 10 for i in range(5)]


def test_inputs_with_parts_are_told_apart_by_their_parts():
    fw = Framework.model_validate({
        "id": "memo-parts", "name": "测试", "kind": "项目支出", "total": 10,
        "groups": [{"code": "A", "name": "产出", "indicators": [
            {"code": "A11", "name": "甲", "weight": 10, "target": "≥95%",
             "rule": {"type": "sum", "parts": [{"name": "甲", "weight": 5, "rule": {"type": "binary"}},
                                               {"name": "乙", "weight": 5, "rule": {"type": "binary"}}]}}]}]})

    def parts(a, b):
        return score(Evaluation.model_validate({"unit": {"name": "测试县医保局"}, "year": 2023, "framework": fw,
                                                "inputs": {"A11": {"parts": {"甲": {"met": a}, "乙": {"met": b}}}}})).rows[0]

    assert [parts(True, True).score, parts(True, False).score, parts(False, True).score, parts(True, True).score] == \
        [10, 5, 5, 10]
    assert "乙：评定为未达到目标" in parts(True, False).explanation
    assert len(scoring._plan(fw).leaves["A11"].memo) == 3
