"""Compare two score sheets (two years, two units, or a re-score) row by row.

Sheets computed under different rules (different ``rules_hash``) are not compared silently:
``compare`` refuses unless the caller says so, and then the result carries the warning.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from .scoring import ScoreSheet
from .versioning import check_code


class IncomparableSheets(ValueError):
    """The two sheets were computed under different rules."""


@dataclass(frozen=True)
class RowChange:
    code: str
    name: str
    before: Decimal | None
    after: Decimal | None

    @property
    def change(self) -> Decimal | None:
        if self.before is None or self.after is None:
            return None
        return self.after - self.before


@dataclass(frozen=True)
class Comparison:
    before: ScoreSheet
    after: ScoreSheet
    rows: tuple[RowChange, ...]
    same_rules: bool
    warning: str = ""

    @property
    def total_change(self) -> Decimal:
        return self.after.total - self.before.total


def compare(before: ScoreSheet, after: ScoreSheet, allow_different_rules: bool = False) -> Comparison:
    same = before.rules_hash == after.rules_hash
    warning = ""
    if not same:
        warning = (f"两份评分表所用规则不同（版本{before.framework_version}·校验码{check_code(before.rules_hash)} 与 "
                   f"版本{after.framework_version}·校验码{check_code(after.rules_hash)}），得分不可直接比较")
        if not allow_different_rules:
            raise IncomparableSheets(warning)
    a = {r.code: r for r in before.rows}
    b = {r.code: r for r in after.rows}
    codes = [r.code for r in before.rows] + [c for c in b if c not in a]
    rows = tuple(RowChange(code, (a.get(code) or b[code]).name,
                           a[code].score if code in a else None, b[code].score if code in b else None)
                 for code in codes)
    return Comparison(before, after, rows, same, warning)
