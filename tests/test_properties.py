"""Property tests: every rule stays within its bounds; monotone rules are monotone."""

from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from jixiao.core.model import IndicatorInput, Target
from jixiao.core.rules import Context, parse_rule
from test_rules import A11_BONUS, ACCEPTANCE, SHORT_5PCT

# Rules as the seeds use them, with the target each is used with.
SEED_RULES = {
    "000 B11 deduct short": (SHORT_5PCT, "100%"),
    "000 B13 deduct over": ({**SHORT_5PCT, "direction": "over"}, "≤100%"),
    "000 C22 binary": ({"type": "binary"}, "10%"),
    "000 D15 lower is better": ({"type": "lower_is_better"}, "≤10%"),
    "lower is better linear": ({"type": "lower_is_better", "mode": "linear"}, "≤10%"),
    "lower is better ratio": ({"type": "lower_is_better", "mode": "ratio"}, "≤10%"),
    "000 C11 proportional": ({"type": "proportional"}, "548.05万人"),
    "004 proportional floor": ({"type": "proportional", "zero_at_or_below": "0.5"}, "≥38000人次"),
    "004 acceptance formula": (ACCEPTANCE, "≥90%"),
    "004 saturating rate": ({"type": "saturating_rate"}, "≥90%"),
    "004 satisfaction bands": ({"type": "bands", "bands": [
        {"min": 85, "min_inclusive": False, "percent": 100}, {"min": 85, "max": 85, "max_inclusive": True, "points": 6}]},
        "≥85%"),
    "002 C72 questionnaire": ({"type": "questionnaire"}, ""),
    "000 E11 growth": ({"type": "growth"}, ">0"),
    "002 A11 bonus": (A11_BONUS, "100%"),
    "reference rank": ({"type": "reference", "mode": "rank", "top": 5}, ""),
}

decimals = st.decimals(min_value=Decimal("-50"), max_value=Decimal("1000"), places=2, allow_nan=False,
                       allow_infinity=False)
weights = st.sampled_from([Decimal(x) for x in ("0.5", "1", "2", "3", "4", "5", "10")])


def _score(rule, target, weight, actual):
    ctx = Context(weight=weight, target=Target.model_validate(target), input=IndicatorInput(actual=actual))
    return rule.score(ctx).score


@pytest.mark.parametrize("name", sorted(SEED_RULES))
@settings(max_examples=150, deadline=None)
@given(actual=decimals, weight=weights)
def test_rule_stays_within_bounds(name, actual, weight):
    data, target = SEED_RULES[name]
    rule = parse_rule(data)
    if name.startswith("002 C72") and actual < 0:
        actual = -actual
    lo, hi = rule.bounds(weight)
    score = _score(rule, target, weight, actual)
    assert lo is None or score >= lo
    assert hi is None or score <= hi


@pytest.mark.parametrize("name", sorted(SEED_RULES))
@settings(max_examples=150, deadline=None)
@given(a=decimals, b=decimals, weight=weights)
def test_monotone_rules_are_monotone(name, a, b, weight):
    data, target = SEED_RULES[name]
    rule = parse_rule(data)
    direction = rule.monotone()
    if direction is None:
        return
    low, high = sorted((a, b))
    s_low, s_high = _score(rule, target, weight, low), _score(rule, target, weight, high)
    if direction == "up":
        assert s_low <= s_high
    else:
        assert s_low >= s_high


def test_every_seed_rule_declares_a_direction_where_expected():
    expected_none = {"004 satisfaction bands"}  # a closed band at 85 then nothing below: not monotone by design
    for name, (data, _) in SEED_RULES.items():
        if name not in expected_none:
            assert parse_rule(data).monotone() in ("up", "down"), name


@settings(max_examples=200, deadline=None)
@given(checks=st.sets(st.integers(min_value=1, max_value=5)), points=st.lists(
    st.decimals(min_value=0, max_value=5, places=1), min_size=5, max_size=5))
def test_checklist_equals_sum_of_met_items(checks, points):
    rule = parse_rule({"type": "checklist", "items": [{"id": i + 1, "points": p} for i, p in enumerate(points)]})
    ctx = Context(weight=sum(points), input=IndicatorInput(checks=tuple(str(c) for c in checks)))
    assert rule.score(ctx).score == sum(points[c - 1] for c in checks)


@settings(max_examples=200, deadline=None)
@given(counts=st.dictionaries(st.sampled_from(["迟报", "错报", "缺报"]), st.integers(min_value=0, max_value=30)),
       floor=st.sampled_from([Decimal(0), None]))
def test_per_incident_never_rises_and_respects_floor(counts, floor):
    rule = parse_rule({"type": "per_incident", "floor": floor, "deductions": [
        {"kind": "迟报", "points": "0.2"}, {"kind": "错报", "points": "0.5"}, {"kind": "缺报", "points": 1}]})
    ctx = Context(weight=Decimal(2), input=IndicatorInput(incidents={k: Decimal(v) for k, v in counts.items()}))
    score = rule.score(ctx).score
    assert score <= 2
    if floor is not None:
        assert score >= 0
    expected = Decimal(2) - sum(Decimal(v) * {"迟报": Decimal("0.2"), "错报": Decimal("0.5"), "缺报": 1}[k]
                                for k, v in counts.items())
    assert score == (max(expected, Decimal(0)) if floor is not None else expected)
