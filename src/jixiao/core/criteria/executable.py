"""Whether a recognised rule can run for this indicator: it is tried with stand-in inputs, and
an error about the target on every try is the reason it cannot."""

from __future__ import annotations

from decimal import Decimal, InvalidOperation
from typing import Any, Iterable

from jixiao.core.model import IndicatorInput, Target
from jixiao.core.rules import Context, MissingInput, RuleError, parse_rule


def _names(rule: dict[str, Any]) -> Iterable[str]:
    for key in ("input",):
        if rule.get(key):
            yield rule[key]
    for part in rule.get("parts", ()):
        if part.get("input"):
            yield part["input"]
        yield from _names(part["rule"])
    if isinstance(rule.get("base"), dict):
        yield from _names(rule["base"])


def unexecutable_reason(rule: dict[str, Any], weight: Decimal, target: Target) -> str | None:
    """Why a rule cannot run against this target (a numeric target it lacks), or None.

    The rule is tried with stand-in inputs of every kind; an error about the target on every
    try means the rule can never be computed for this indicator."""
    try:
        parsed = parse_rule(rule)
    except Exception as exc:  # a malformed rule is a recogniser bug, reported as a reason
        return f"规则无效：{exc}"
    values = {name: Decimal(1) for name in _names(rule)}
    probes = (IndicatorInput(actual=Decimal(1), values=values), IndicatorInput(met=True, values=values),
              IndicatorInput(values=values, reference=Decimal(1)))
    reasons = []
    for probe in probes:
        try:
            parsed.score(Context(weight=weight, target=target, input=probe))
            return None
        except MissingInput:
            return None
        except (RuleError, ZeroDivisionError, InvalidOperation, ArithmeticError) as exc:
            reasons.append(str(exc))
    return reasons[0] if reasons else None
