"""Inputs a rule can take from a declared score: the most a rule can give, and which parts or
items add up to the score the unit declared."""

from __future__ import annotations

from decimal import Decimal
from itertools import combinations
from typing import Any

from jixiao.core.numbers import ZERO
from jixiao.core.rules import parse_rule


def max_award(rule: dict[str, Any], weight: Decimal) -> Decimal:
    """The most a rule can give, for sub-set searches (parts and items)."""
    return parse_rule(rule).bounds(weight)[1] or weight


def subset_for(values: list[Decimal], goal: Decimal) -> tuple[list[int], bool]:
    """Indices of ``values`` whose sum is ``goal`` (exact: True) or, failing that, the
    largest sum not above it (False). Lists longer than 16 fall back to a greedy pick."""
    n = len(values)
    if n <= 16:
        best: tuple[Decimal, list[int]] = (Decimal(-1), [])
        for size in range(n, -1, -1):
            for combo in combinations(range(n), size):
                s = sum((values[i] for i in combo), ZERO)
                if s == goal:
                    return list(combo), True
                if best[0] < s <= goal:
                    best = (s, list(combo))
        return best[1], False
    chosen, total = [], ZERO
    for i in sorted(range(n), key=lambda i: -values[i]):
        if total + values[i] <= goal:
            chosen.append(i)
            total += values[i]
    return sorted(chosen), total == goal
