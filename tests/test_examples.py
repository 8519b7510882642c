"""Each seed example scores end to end: totals, grades, row counts and the findings that show
where the published report departs from its own rules."""

from decimal import Decimal

import pytest

from jixiao.core.audit import audit
from jixiao.core.scoring import score
from jixiao.io.yamlio import load_evaluation
from conftest import EXAMPLES

# example → (computed total, declared total, grade, indicators, rows incl. sub-rows, findings
# other than overrides and criteria-point warnings)
EXPECTED = {
    "nanjing-2023-department": ("96.65", "99.85", "优", 45, 45, {
        ("B63", "score-mismatch"), ("C22", "score-mismatch"), ("C22", "target-missed-full"), ("总分", "total-mismatch")}),
    "xundian-2023-department": ("95.87", "95", "优", 30, 39, {
        ("C7", "group-points"), ("C8", "group-points"), ("C72", "score-mismatch"), ("总分", "total-mismatch")}),
    "seed004-2023-capability": ("89.28", "91.4", "良", 38, 38, {
        ("B11", "score-mismatch"), ("C211", "score-mismatch"), ("总分", "total-mismatch")}),
    "seed004-2023-medical-aid": ("96.00", "99", "优", 28, 28, {
        ("C22", "score-mismatch"), ("C24", "score-mismatch"), ("总分", "total-mismatch")}),
    "seed004-2023-resident-insurance": ("88.95", "91", "良", 28, 28, {
        ("B24", "score-mismatch"), ("C11", "score-mismatch"), ("C25", "score-mismatch"), ("总分", "total-mismatch")}),
    "suzhou-2023-capability": ("89.00", "100", "良", 38, 38, {
        ("B", "group-mismatch"), ("B2", "group-mismatch"), ("C", "group-mismatch"), ("C2", "group-mismatch"),
        ("D", "group-mismatch"), ("D1", "group-mismatch"), ("总分", "total-mismatch")}),
}


def test_every_example_is_tested():
    assert {p.stem for p in EXAMPLES.glob("*.yaml")} == set(EXPECTED)


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_example_scores_end_to_end(name):
    total, declared, grade, indicators, rows, findings = EXPECTED[name]
    evaluation, errors = load_evaluation(EXAMPLES / f"{name}.yaml")
    assert errors == []
    sheet = score(evaluation)
    assert sheet.total == Decimal(total)
    assert sheet.declared_total == Decimal(declared)
    assert sheet.grade == grade
    assert len(sheet.indicator_rows) == indicators and len(sheet.rows) == rows
    assert sheet.weight_total == 100
    got = {(f.code, f.kind) for f in audit(sheet) if f.kind not in ("override", "criteria-points")}
    assert got == findings
    # the one rounding policy: the table adds up
    assert sheet.total == sum(r.score for r in sheet.indicator_rows)
    for gt in sheet.groups:
        assert gt.score == sum(r.score for r in sheet.indicator_rows if gt.group in r.path)


def test_seed_002_questionnaire_and_c72():
    evaluation, _ = load_evaluation(EXAMPLES / "xundian-2023-department.yaml")
    q = evaluation.questionnaire("satisfaction")
    assert (q.total, q.score, q.valid) == (1935, Decimal("96.75"), 20)
    row = score(evaluation).row("C72")
    assert row.score == Decimal("3.87") and row.declared == 3


def test_seed_002_criteria_contradicting_weights_are_flagged():
    evaluation, _ = load_evaluation(EXAMPLES / "xundian-2023-department.yaml")
    warned = {f.code for f in audit(score(evaluation)) if f.kind == "criteria-points"}
    assert "B11-1" in warned  # 计5分 in a 2-point sub-row


def test_seed_004_budget_execution_rate():
    evaluation, _ = load_evaluation(EXAMPLES / "seed004-2023-capability.yaml")
    row = score(evaluation).row("B11")
    assert row.score == Decimal("8.08") and row.declared == Decimal("8.7")
