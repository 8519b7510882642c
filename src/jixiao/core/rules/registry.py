"""The registry: rule type name → class (``RULES``, in this one order), the ``AnyRule`` union
pydantic validates against, and ``parse_rule``."""

from __future__ import annotations

from typing import Annotated, Any, Union

from pydantic import Field

from .bands import Bands
from .base import Context, Rule, RuleResult
from .checklist import Checklist
from .composite import Bonus, Part, Sum
from .deductions import DeductPerUnit, PerIncident
from .formulas import FormulaRule
from .generic import Generic
from .judgement import Graded, Manual, Qualitative
from .rates import Proportional, QuestionnaireRule, SaturatingRate
from .thresholds import Binary, Growth, LowerIsBetter, Reference

RULES: dict[str, type["Rule"]] = {}


def register(cls: type["Rule"]) -> type["Rule"]:
    RULES[cls.model_fields["type"].default] = cls
    return cls


# The one place of the registration order (the order of the old module's classes): it is the
# order of ``RULES`` and of the ``AnyRule`` union.
for _cls in (Binary, Proportional, DeductPerUnit, Checklist, PerIncident, Bands, FormulaRule, LowerIsBetter,
             Graded, Bonus, Sum, Reference, QuestionnaireRule, Growth, SaturatingRate, Manual, Qualitative, Generic):
    register(_cls)

AnyRule = Annotated[Union[tuple(RULES.values())], Field(discriminator="type")]

for _cls in (Bonus, Part, Sum):
    _cls.model_rebuild()

_RULE_ADAPTER = None


def parse_rule(data: Any) -> Rule:
    """Validate a rule from plain data (a mapping with ``type``) or pass a Rule through."""
    global _RULE_ADAPTER
    if isinstance(data, Rule):
        return data
    if _RULE_ADAPTER is None:
        from pydantic import TypeAdapter

        _RULE_ADAPTER = TypeAdapter(AnyRule)
    return _RULE_ADAPTER.validate_python(data)


def score_rule(rule: Rule, ctx: Context) -> RuleResult:
    """Score one rule; shorthand used by tests and the scorer."""
    return rule.score(ctx)
