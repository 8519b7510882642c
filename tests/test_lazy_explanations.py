"""Explanations are built lazily, on first access, and read exactly as before.

``tests/fixtures/lazy_explanations.json`` was written by the scorer as it was before
explanations became lazy (every row's text built while scoring): every row of every example,
and a digest of every row (code, score, explanation) of the benchmark data set at 40 and 100
units, which reaches every rule type and branch. The lazy scorer must give the same texts."""

import hashlib
import json
import pickle
import sys
from dataclasses import FrozenInstanceError
from decimal import Decimal

import pytest

from jixiao.core.model import IndicatorInput
from jixiao.core.rules import Context, RuleResult, parse_rule
from jixiao.core.scoring import ScoreRow, _context, _rule_for, allows_bonus, score
from jixiao.io.yamlio import load_evaluation
from conftest import EXAMPLES, ROOT

if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from bench.generate import dataset  # noqa: E402

BEFORE = json.loads((ROOT / "tests" / "fixtures" / "lazy_explanations.json").read_text(encoding="utf-8"))


def _sheet(name: str):
    evaluation, errors = load_evaluation(EXAMPLES / f"{name}.yaml")
    assert errors == []
    return score(evaluation)


def test_every_example_is_in_the_fixture():
    assert {p.stem for p in EXAMPLES.glob("*.yaml")} == set(BEFORE["examples"])


@pytest.mark.parametrize("name", sorted(BEFORE["examples"]))
def test_example_explanations_equal_the_text_built_while_scoring(name):
    sheet = _sheet(name)
    assert [[r.code, r.explanation] for r in sheet.rows] == BEFORE["examples"][name]


@pytest.mark.parametrize("size", ["40", "100"])
def test_benchmark_data_set_explanations_equal_the_text_built_while_scoring(size):
    h, n = hashlib.sha256(), 0
    for ev in dataset(int(size)).core_evaluations():
        for r in score(ev).rows:
            h.update(f"{r.code}\t{r.score}\t{r.explanation}\n".encode())
            n += 1
    assert {"rows": n, "sha256": h.hexdigest()} == BEFORE["bench"][size]


def test_explanations_are_built_on_first_access_and_once():
    sheet = _sheet("nanjing-2023-department")
    row = sheet.row("B11")  # deduct_per_unit: a sentence with three formatted Decimals
    assert callable(row._explanation)  # not built while scoring
    text = row.explanation
    assert text == "部门预算执行率99.81%，低于目标0.19个百分点，扣0.02分"
    assert row._explanation is text and row.explanation is text  # built once, then kept


def test_compiled_rules_score_and_explain_as_the_rules_themselves():
    """The scorer runs each rule's ``compile()`` function; ``Rule.score`` must agree on every
    row of the benchmark data set (score before capping, and the explanation it starts with)."""
    checked = 0
    for ev in dataset(40).core_evaluations():
        for row in score(ev).rows:
            if row.error or row.not_applicable is not None or row.overridden or row.indicator.subrows:
                continue
            rule = _rule_for(ev, row.indicator)
            result = rule.score(_context(ev, row.indicator, row.input))
            expected = result.score if allows_bonus(rule) else min(result.score, row.indicator.weight)
            assert row.raw == expected, row.code
            assert row.explanation.startswith(result.explanation), row.code
            checked += 1
    assert checked > 5000


def test_rows_and_results_stay_immutable_and_pickle_as_text():
    sheet = _sheet("xundian-2023-department")
    row = sheet.rows[0]
    with pytest.raises(FrozenInstanceError):
        row.score = Decimal(0)
    with pytest.raises(FrozenInstanceError):
        row.explanation = "x"
    copy = pickle.loads(pickle.dumps(sheet))  # lazy text (a closure) is pickled as its text
    # (rows are compared field by field: frameworks with formulas do not compare equal once
    # unpickled, as their compiled formulas are rebuilt — not a matter of rows)
    fields = lambda r: (r.code, r.score, r.raw, r.computed, r.factor, r.declared, r.error, r.manual, r.parent,  # noqa: E731
                        r.not_applicable, r.override_reason, r.input, r.explanation)
    assert [fields(r) for r in copy.rows] == [fields(r) for r in sheet.rows] and copy.total == sheet.total
    assert copy.rows[0] == sheet.rows[0]
    built = ScoreRow(row.indicator, row.path, row.input, row.score, row.raw, "说明", parent="A")
    assert built.explanation == "说明" and built.parent == "A" and built.factor == 1 and built.error is None
    before = row.score
    changed = row._replace(score=Decimal("1.5"))
    assert changed.score == Decimal("1.5") and changed.explanation == row.explanation and row.score == before

    result = parse_rule({"type": "proportional"}).score(
        Context(weight=Decimal(10), input=IndicatorInput(actual=Decimal(45)), target=_target("≥90%")))
    assert result.score == Decimal(5) and result.explanation == "实际值45%，为目标90%的50%，按比例得5分"
    assert result == RuleResult(Decimal(5), "实际值45%，为目标90%的50%，按比例得5分")
    assert pickle.loads(pickle.dumps(result)) == result
    with pytest.raises(FrozenInstanceError):
        result.score = Decimal(0)


def _target(text: str):
    from jixiao.core.model import Target

    return Target.model_validate(text)


# ``tests/fixtures/lazy_findings.json``: the number and a digest of every finding (code, kind,
# message, severity, file name and line) of the benchmark data set at 40 and 100 units, written
# by the audit as it was before findings' messages became lazy (session 10).
FINDINGS_BEFORE = json.loads((ROOT / "tests" / "fixtures" / "lazy_findings.json").read_text(encoding="utf-8"))


@pytest.mark.parametrize("size", ["40", "100"])
def test_findings_read_exactly_as_when_their_messages_were_written_at_once(size):
    from jixiao.core.audit import audit

    digest, count = hashlib.sha256(), 0
    for evaluation in dataset(int(size)).core_evaluations():
        for f in audit(score(evaluation)):
            loc = (f.loc.file.rsplit("/", 1)[-1] if f.loc.file else None, f.loc.line) if f.loc else None
            digest.update(json.dumps([f.code, f.kind, f.message, f.severity, loc], ensure_ascii=False).encode())
            count += 1
    assert {"findings": count, "digest": digest.hexdigest()} == FINDINGS_BEFORE[size]


def test_a_finding_written_when_read_is_the_finding_of_its_text():
    from jixiao.core.audit import Finding

    calls = []

    def text():
        calls.append(1)
        return "申报5分，按规则应得4分"

    lazy, plain = Finding("A1", "score-mismatch", text), Finding("A1", "score-mismatch", "申报5分，按规则应得4分")
    assert calls == []  # not written until read
    assert lazy == plain and hash(lazy) == hash(plain) and repr(lazy) == repr(plain)
    assert lazy.message == plain.message and calls == [1]
    assert lazy.message and calls == [1]  # written once
    assert pickle.loads(pickle.dumps(Finding("A2", "override", text, "warning"))) == Finding(
        "A2", "override", "申报5分，按规则应得4分", "warning")
    assert lazy._replace(message="x") == Finding("A1", "score-mismatch", "x") and lazy.title == "申报得分与按规则计算的得分不符"
    with pytest.raises(FrozenInstanceError):
        lazy.code = "B"
