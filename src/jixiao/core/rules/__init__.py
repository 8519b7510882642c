"""The rule engine: every scoring shape of DOMAIN.md as data, with a registry.

A rule is a frozen pydantic model whose ``type`` names it in the registry ``RULES``. Given a
``Context`` (the indicator's weight and target, and what the evaluator recorded) it returns a
``RuleResult``: the exact, unrounded score and a one-line Chinese explanation of how it was
reached. Rules compose: ``sum`` adds parts that are rules themselves, ``bonus`` wraps a base
rule. Rounding is not done here but once per indicator by ``jixiao.core.scoring``.

Shapes (DOMAIN.md numbering) → rule types:
 1 binary · 2/3 proportional (``zero_at_or_below`` for floors) · 4/5 deduct_per_unit ·
 6 checklist · 7 per_incident · 8 bands · 9 formula (percent scale) · 10 lower_is_better ·
 11 graded · 12 bonus · 13 sum (parts with their own inputs) · 14 reference ·
 15 questionnaire · 16 growth · 17 sum with ``cap`` · 18 saturating_rate · judgement → manual.

Where things are: ``base`` (errors, ``Context``, ``RuleResult``, ``Rule``), one module per
family — ``thresholds`` (binary, lower_is_better, reference, growth), ``rates`` (proportional,
saturating_rate, questionnaire), ``deductions`` (deduct_per_unit, per_incident), ``checklist``,
``bands``, ``formulas`` (formula), ``judgement`` (graded, manual, qualitative), ``composite``
(bonus, sum), ``generic`` — and ``registry`` (``RULES`` in its one order, ``AnyRule``,
``parse_rule``). Every name is re-exported here: import from ``jixiao.core.rules``.
"""

from .bands import Band, Bands
from .base import Context, MissingInput, Rule, RuleError, RuleResult
from .checklist import CIRCLED, Checklist, ChecklistItem
from .composite import Bonus, Part, Sum
from .deductions import DeductPerUnit, Deduction, PerIncident
from .formulas import Case, FormulaRule
from .generic import Generic
from .judgement import PROVINCIAL_VERDICTS, Graded, Level, Manual, Qualitative, Verdict
from .rates import Proportional, QuestionnaireRule, SaturatingRate
from .registry import RULES, AnyRule, parse_rule, register, score_rule
from .thresholds import Binary, Growth, LowerIsBetter, Reference

__all__ = [
    "AnyRule", "Band", "Bands", "Binary", "Bonus", "CIRCLED", "Case", "Checklist", "ChecklistItem", "Context",
    "DeductPerUnit", "Deduction", "FormulaRule", "Generic", "Graded", "Growth", "Level", "LowerIsBetter", "Manual",
    "MissingInput", "PROVINCIAL_VERDICTS", "Part", "PerIncident", "Proportional", "Qualitative", "QuestionnaireRule",
    "Reference", "RULES", "Rule", "RuleError", "RuleResult", "SaturatingRate", "Sum", "Verdict", "parse_rule",
    "register", "score_rule",
]
