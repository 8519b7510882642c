from decimal import Decimal
from pathlib import Path

import pytest

from jixiao.core.model import IndicatorInput, Target
from jixiao.core.rules import Context, parse_rule

ROOT = Path(__file__).resolve().parent.parent
EXAMPLES = ROOT / "src" / "jixiao" / "examples"


def D(x) -> Decimal:
    return Decimal(str(x))


def run(rule: dict, weight, target: str = "", label: str = "实际值", **inputs):
    """Score a rule given as plain data; returns the RuleResult."""
    ctx = Context(weight=D(weight), target=Target.model_validate(target),
                  input=IndicatorInput.model_validate(inputs), label=label)
    return parse_rule(rule).score(ctx)


@pytest.fixture
def examples() -> Path:
    return EXAMPLES
