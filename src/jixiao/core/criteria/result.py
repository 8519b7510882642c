"""What reading a criteria text gives: the rule as plain data, how sure the reading is
(``Confidence``) and a Chinese note on what was read."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal

from jixiao.core.model import Target


Confidence = Literal["high", "medium", "low"]
CONFIDENCE_RANK: dict[str, int] = {"low": 0, "medium": 1, "high": 2}


def weakest(*levels: str) -> Confidence:
    """The lowest of several confidence levels."""
    return min(levels, key=lambda c: CONFIDENCE_RANK[c])  # type: ignore[return-value]


@dataclass(frozen=True)
class ParsedCriteria:
    """What a criteria text says: the rule (plain data, ``None`` = judgement row), how sure
    the reading is, a Chinese note, the recognised ``shape`` (a rule type, or ``judgement``),
    and ``actual_target`` when the actual value must be read against another target than the
    indicator's (a completion rate in % when the published target is words)."""

    rule: dict[str, Any] | None
    confidence: Confidence
    note: str
    shape: str = "judgement"
    actual_target: Target | None = None

    @property
    def executable(self) -> bool:
        return self.rule is not None
