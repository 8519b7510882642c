"""The checklist rule: the points of the items met (``checklist``, shape 6), its items and
their circled marks (①②…)."""

from __future__ import annotations

from decimal import Decimal
from typing import ClassVar, Literal

from pydantic import Field, model_validator

from ..model import Model
from ..numbers import ZERO, fmt
from .base import MissingInput, Rule, RuleError, RuleResult


CIRCLED = "①②③④⑤⑥⑦⑧⑨⑩⑪⑫⑬⑭⑮"


class ChecklistItem(Model):
    id: str
    text: str = ""
    points: Decimal

    @model_validator(mode="before")
    @classmethod
    def _id_as_string(cls, data):
        if isinstance(data, dict) and "id" in data:
            data = {**data, "id": str(data["id"])}
        return data


def _mark(item_id: str) -> str:
    return CIRCLED[int(item_id) - 1] if item_id.isdigit() and 0 < int(item_id) <= len(CIRCLED) else item_id


class Checklist(Rule):
    """The sum of the points of the items met (①…(1分) ②…(1分)). Shape 6.

    The evaluation lists the met items' ids in ``checks`` (or ``met: true`` for all).
    """

    type: Literal["checklist"] = "checklist"
    shapes: ClassVar = (6,)
    items: tuple[ChecklistItem, ...] = Field(min_length=1)
    cap: Decimal | None = None

    def score(self, ctx):
        return self.compile()(ctx)

    def compile(self, ctx=None):
        items, cap = self.items, self.cap
        ids = [i.id for i in items]
        known = frozenset(ids)
        points = [(i.id, i.points) for i in items]
        marks = [(i, _mark(i.id)) for i in items]

        def explain(met, total, score, ctx):
            got = "".join(m for i, m in marks if i.id in met) or "无"
            missed = [(i, m) for i, m in marks if i.id not in met]
            text = f"满足{got}共{len(met)}项"
            if missed:
                text += "；未满足" + "、".join(f"{m}{i.text[:12]}（{fmt(i.points)}分）" for i, m in missed)
            capped = f"，封顶{fmt(cap)}分" if cap is not None and total > cap else ""
            return f"{text}，得{ctx.pts(score)}{capped}"

        def score(ctx):
            inp = ctx.input
            if inp.checks is not None:
                met = set(inp.checks)
            elif inp.met is not None:
                met = set(ids) if inp.met else set()
            else:
                raise MissingInput("缺少满足的评分要点（checks）")
            if not met <= known:
                unknown = met - known
                raise RuleError(f"没有这些评分要点：{'、'.join(sorted(unknown))}（可选：{'、'.join(ids)}）")
            total = ZERO
            for item_id, item_points in points:  # = sum(..., ZERO), in item order
                if item_id in met:
                    total += item_points
            score = total if cap is None else min(total, cap)
            return RuleResult(score, lambda: explain(met, total, score, ctx))

        return score

    def bounds(self, weight):
        total = sum((i.points for i in self.items), ZERO)
        return ZERO, total if self.cap is None else min(total, self.cap)

    def max_points(self, weight):
        return self.bounds(weight)[1]

    def uses_actual(self):
        return False
