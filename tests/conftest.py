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


@pytest.fixture(scope="module")
def stored(tmp_path_factory):
    """The benchmark's data set at 40 units in its stored form (bench/pipeline.py): the
    frameworks read from their files, and one JSON line per evaluation (bytes)."""
    import sys

    if str(ROOT) not in sys.path:
        sys.path.insert(0, str(ROOT))
    from bench.pipeline import _frameworks, write_dataset

    folder = tmp_path_factory.mktemp("stored")
    write_dataset(40, folder)
    lines = (folder / "evaluations.jsonl").read_bytes().splitlines()
    return _frameworks(folder), lines
