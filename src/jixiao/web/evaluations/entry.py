"""Entry-grid fields per rule type, and turning a submitted row form back into core input.

The fields a row shows follow from its rule (a checklist shows its items, a graded rule its
levels…); the posted form is validated by the core ``IndicatorInput`` model, so the site
never has its own idea of what an input means.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pydantic import ValidationError

from jixiao.core.input_bounds import input_bounds
from jixiao.core.model import Indicator, IndicatorInput
from jixiao.core.numbers import NumberError, read_number
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


def _number(raw: str, name: str, errors: dict, indicator: Indicator | None = None, label: str = "") -> str | None:
    """A typed number read by the core's one parser (``parse_typed``) and checked against the
    bounds the core gives this input (``input_bounds``); a refusal is stored in ``errors`` as
    「C22 实际值：不接受科学计数法“1e400”」."""
    where = f"{indicator.code} {label or name}：" if indicator is not None else f"{label or name}："
    try:
        value = read_number(raw, input_bounds(indicator, _path(name)) if indicator is not None else None)
    except NumberError as exc:
        errors[name] = where + str(exc)
        return None
    return None if value is None else format(value, "f")


def _path(name: str) -> tuple[str, ...]:
    """A form field name as an ``IndicatorInput`` path: ``part:职工:value:参保率`` →
    ``("parts", "职工", "values", "参保率")``."""
    if name.startswith("part:"):
        _, part, rest = name.split(":", 2)
        return ("parts", part, *_path(rest))
    if name.startswith("value:"):
        return ("values", name[6:])
    if name.startswith("incident:"):
        return ("incidents", name[9:])
    return ({"override_score": "override"}.get(name, name),)


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
            value = _number(post.get(f.name, ""), f.name, errors, indicator, f.label)
            if value is not None:
                put(data, f.name, value)
    for name in ("declared",):
        value = _number(post.get(name, ""), name, errors, indicator, "申报得分")
        if value is not None:
            data[name] = value
    evidence = post.get("evidence", "").strip()
    if evidence:
        data["evidence"] = evidence
    na = post.get("not_applicable", "").strip()
    if na:
        data["not_applicable"] = na
    override_score = _number(post.get("override_score", ""), "override_score", errors, indicator, "改分")
    reason = post.get("override_reason", "").strip()
    if override_score is not None:
        if not reason:
            errors["override_reason"] = f"{indicator.code} 改分理由：人工改分必须写明理由"
        data["override"] = {"score": override_score, "reason": reason}
    if errors:
        raise RowFormError(errors)
    try:
        IndicatorInput.model_validate(data)
    except ValidationError as exc:
        raise RowFormError({".".join(map(str, e["loc"])): e["msg"] for e in exc.errors()}) from None
    return data


#: the row form's inputs besides its rule's own fields, with their labels
EXTRA_FIELDS = (("declared", "申报得分"), ("not_applicable", "不适用理由"), ("override_score", "改分"),
                ("override_reason", "改分理由"), ("evidence", "实际完成情况 / 评分过程"))


def _shown(f: Field, value) -> str:
    """A stored or posted field value as the row shows it."""
    if value in (None, "", []):
        return ""
    if f.kind == "yesno":
        return {True: "是", False: "否", "yes": "是", "no": "否"}.get(value, str(value))
    if f.kind == "checks":
        return "、".join(str(v) for v in value)
    return str(value)


def compare(indicator: Indicator, saved: dict, post, default_rule: str = "manual") -> list[dict]:
    """The inputs of a row where what ``post`` holds differs from what is ``saved``: one
    ``{"name", "label", "saved", "mine"}`` per field, in the row's order — what a refused
    save shows beside the row so that neither value is lost."""
    fields = fields_for(indicator, saved, default_rule)
    override = saved.get("override") or {}
    stored_extra = {"declared": saved.get("declared"), "not_applicable": saved.get("not_applicable"),
                    "override_score": override.get("score"), "override_reason": override.get("reason"),
                    "evidence": saved.get("evidence")}
    fields += [Field("text", name, label, value=stored_extra[name]) for name, label in EXTRA_FIELDS]
    out = []
    for f in fields:
        if f.kind == "checks":
            if f"{f.name}__present" not in post:
                continue
            mine = post.getlist(f.name)
        else:
            if f.name not in post:
                continue
            mine = post.get(f.name, "").strip()
        saved_text, mine_text = _shown(f, f.value), _shown(f, mine)
        if saved_text != mine_text:
            out.append({"name": f.name, "label": f.label, "saved": saved_text or "（空）", "mine": mine_text or "（空）"})
    return out
