"""The criteria text as the recognisers see it: half-width punctuation, no whitespace, and the
numbers in it (digits or one Chinese numeral) as Decimal; ``plain`` turns a Decimal back into
rule data."""

from __future__ import annotations

import re
from decimal import Decimal


_TRANSLATE = str.maketrans({
    **{chr(0xFF10 + i): str(i) for i in range(10)},
    "（": "(", "）": ")", "：": ":", "，": ",", "；": ";", "％": "%", "＜": "<", "＞": ">", "＝": "=",
    "≧": "≥", "≦": "≤", "～": "~", "〜": "~", "－": "-", "—": "-", "–": "-", "＋": "+", "×": "*",
    "＊": "*", "÷": "/", "／": "/", "．": ".", "【": "[", "】": "]", "“": "", "”": "", "＂": "",
})
NUM = r"\d+(?:\.\d+)?"
_CN_DIGITS = {"一": 1, "二": 2, "两": 2, "三": 3, "四": 4, "五": 5, "六": 6, "七": 7, "八": 8, "九": 9, "十": 10}


def normalize(text: str) -> str:
    """Half-width punctuation, no whitespace, ``≥``/``≤`` for ``>=``/``<=``, no LaTeX ``$``/``\\%``."""
    t = (text or "").translate(_TRANSLATE).replace("\\%", "%").replace("$", "")
    t = t.replace(">=", "≥").replace("<=", "≤")
    t = re.sub(r"(?<=\d),(?=\d{3}(?!\d))", "", t)
    return re.sub(r"\s+", "", t)


def number(text: str) -> Decimal:
    """A Decimal from digits or a single Chinese numeral (一个百分点 → 1)."""
    if text in _CN_DIGITS:
        return Decimal(_CN_DIGITS[text])
    return Decimal(text)


def plain(value: Decimal) -> Decimal | int | str:
    """A Decimal as YAML-friendly data: ints stay ints, others stay Decimal."""
    return int(value) if value == value.to_integral_value() else value
