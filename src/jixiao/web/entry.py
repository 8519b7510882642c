"""Entry-grid fields per rule type, and turning a submitted row form back into core input.

The fields a row shows follow from its rule (a checklist shows its items, a graded rule its
levels…); the posted form is validated by the core ``IndicatorInput`` model, so the site
never has its own idea of what an input means.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation

from pydantic import ValidationError

from jixiao.core.model import Indicator, IndicatorInput
from jixiao.core.rules import PROVINCIAL_VERDICTS, Rule

ACTUAL_RULES = {"binary", "proportional", "deduct_per_unit", "formula", "lower_is_better", "bonus", "reference",
                "questionnaire", "growth", "saturating_rate", "generic"}


@dataclass
class Field:
    """One input of a row: ``name`` is the form field name, ``kind`` the widget."""

    kind: str  # number, yesno, checks, select, text
    name: str
    label: str
    options: list[tuple[str, str]] = field(default_factory=list)
    value: object = None


def _rule_fields(rule: Rule | None, prefix: str, default_rule: str) -> list[Field]:
    kind = rule.type if rule is not None else default_rule
    out: list[Field] = []
    if kind in ACTUAL_RULES and not (kind == "bands" and getattr(rule, "input", None)):
        out.append(Field("number", f"{prefix}actual", "实际值"))
    if kind == "bands":
        name = getattr(rule, "input", None)
        out.append(Field("number", f"{prefix}value:{name}" if name else f"{prefix}actual", name or "实际值"))
    if kind == "binary":
        out.append(Field("yesno", f"{prefix}met", "是否达到目标（无数值时）"))
    if kind == "checklist":
        out.append(Field("checks", f"{prefix}checks", "满足的评分要点",
                         [(i.id, f"{i.id}. {i.text}（{i.points}分）") for i in rule.items]))
    if kind == "per_incident":
        for d in rule.deductions:
            label = f"{d.kind}（{'该项不得分' if d.zero else ('每次扣' + str(d.points) + '分') if d.points is not None else '扣分值'}）"
            out.append(Field("number", f"{prefix}incident:{d.kind}", label))
    if kind == "graded":
        out.append(Field("select", f"{prefix}judgement", "评定等级", [(l.label, f"{l.label}") for l in rule.levels]))
    if kind in ("qualitative", "generic"):
        verdicts = rule.verdicts if kind == "qualitative" else PROVINCIAL_VERDICTS
        out.append(Field("select", f"{prefix}judgement", "评价结论（定性）", [(v.label, v.label) for v in verdicts]))
    if kind in ("manual", "qualitative", "generic"):
        out.append(Field("number", f"{prefix}manual", "评价人给分"))
    if kind == "reference":
        out.append(Field("number", f"{prefix}reference", "参照值（全市平均/上年）"))
    if kind == "growth":
        out.append(Field("number", f"{prefix}value:current", "本年值"))
        out.append(Field("number", f"{prefix}value:previous", "上年值"))
    if kind == "bonus":
        out.extend(f for f in _rule_fields(rule.base, prefix, default_rule) if f.name != f"{prefix}actual")
    if kind == "sum":
        for part in rule.parts:
            if part.input:
                out.append(Field("number", f"{prefix}value:{part.input}", f"{part.name}"))
            else:
                for f in _rule_fields(part.rule, f"{prefix}part:{part.name}:", default_rule):
                    f.label = f"{part.name}：{f.label}"
                    out.append(f)
    if kind == "formula":
        from jixiao.core.rules import FormulaRule

        names = set()
        for case in rule.cases:
            for formula in (case._when, case._score):
                if formula is not None:
                    names |= formula.names
        for name in sorted(names - {"actual", "target", "weight", "reference"}):
            out.append(Field("number", f"{prefix}value:{name}", name))
    return out


def fields_for(indicator: Indicator, data: dict, default_rule: str = "manual") -> list[Field]:
    fields = _rule_fields(indicator.rule, "", default_rule)
    for f in fields:
        f.value = _lookup(data, f.name)
    return fields


def _lookup(data: dict, name: str):
    if name.startswith("part:"):
        _, part, rest = name.split(":", 2)
        return _lookup((data.get("parts") or {}).get(part, {}), rest)
    if name.startswith("value:"):
        return (data.get("values") or {}).get(name[6:])
    if name.startswith("incident:"):
        return (data.get("incidents") or {}).get(name[9:])
    return data.get(name)


class RowFormError(ValueError):
    """The posted row is not valid; ``messages`` maps field names to Chinese reasons."""

    def __init__(self, messages: dict[str, str]):
        self.messages = messages
        super().__init__("；".join(f"{k}: {v}" for k, v in messages.items()))


def _number(raw: str, name: str, errors: dict) -> str | None:
    text = raw.strip().replace(",", "").replace("，", "").rstrip("%％")
    if not text:
        return None
    try:
        value = Decimal(text)
    except InvalidOperation:
        errors[name] = f"“{raw}”不是有效数字"
        return None
    if not value.is_finite():
        errors[name] = "须为有限数字"
        return None
    return text


def parse_row(post, indicator: Indicator, default_rule: str = "manual") -> dict:
    """Build the stored input dict from a posted row form; raise RowFormError."""
    errors: dict[str, str] = {}
    data: dict = {}

    def put(target: dict, name: str, value):
        if name.startswith("part:"):
            _, part, rest = name.split(":", 2)
            put(target.setdefault("parts", {}).setdefault(part, {}), rest, value)
        elif name.startswith("value:"):
            target.setdefault("values", {})[name[6:]] = value
        elif name.startswith("incident:"):
            target.setdefault("incidents", {})[name[9:]] = value
        else:
            target[name] = value

    for f in _rule_fields(indicator.rule, "", default_rule):
        if f.kind == "checks":
            if f"{f.name}__present" in post:
                put(data, f.name, post.getlist(f.name))
        elif f.kind == "yesno":
            raw = post.get(f.name, "")
            if raw in ("yes", "no"):
                put(data, f.name, raw == "yes")
        elif f.kind == "select":
            raw = post.get(f.name, "").strip()
            if raw:
                put(data, f.name, raw)
        else:
            value = _number(post.get(f.name, ""), f.name, errors)
            if value is not None:
                put(data, f.name, value)
    for name in ("declared",):
        value = _number(post.get(name, ""), name, errors)
        if value is not None:
            data[name] = value
    evidence = post.get("evidence", "").strip()
    if evidence:
        data["evidence"] = evidence
    na = post.get("not_applicable", "").strip()
    if na:
        data["not_applicable"] = na
    override_score = _number(post.get("override_score", ""), "override_score", errors)
    reason = post.get("override_reason", "").strip()
    if override_score is not None:
        if not reason:
            errors["override_reason"] = "人工改分必须写明理由"
        data["override"] = {"score": override_score, "reason": reason}
    if errors:
        raise RowFormError(errors)
    try:
        IndicatorInput.model_validate(data)
    except ValidationError as exc:
        raise RowFormError({".".join(map(str, e["loc"])): e["msg"] for e in exc.errors()}) from None
    return data
