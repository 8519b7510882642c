"""Decimal helpers: parsing, the one rounding policy, and display formatting.

Money and scores are ``decimal.Decimal`` everywhere; floats never enter. Rounding is
half-up, done once per indicator (see ``scoring``), to the framework's stated places.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import ROUND_DOWN, ROUND_HALF_EVEN, ROUND_HALF_UP, Decimal, InvalidOperation

ZERO = Decimal(0)
ONE = Decimal(1)
HUNDRED = Decimal(100)


def D(value: object) -> Decimal:
    """Convert int, str or Decimal to Decimal exactly. Floats are refused: they are inexact."""
    if isinstance(value, Decimal):
        return value
    if isinstance(value, bool):
        raise TypeError("a boolean is not a number")
    if isinstance(value, int):
        return Decimal(value)
    if isinstance(value, str):
        text = value.strip().replace(",", "").replace("，", "")
        try:
            result = Decimal(text)
        except InvalidOperation:
            raise ValueError(f"不是数字：{value!r}") from None
        if not result.is_finite():
            raise ValueError(f"不是有限数字：{value!r}")
        return result
    raise TypeError(f"cannot convert {type(value).__name__} to Decimal exactly")


ROUNDING_MODES = {"half-up": ROUND_HALF_UP, "half-even": ROUND_HALF_EVEN, "down": ROUND_DOWN}


_EXPONENTS = {places: Decimal(1).scaleb(-places) for places in range(0, 7)}  # = Decimal(1).scaleb(-places)


def quantize(value: Decimal, places: int = 2, mode: str = "half-up") -> Decimal:
    """Round to ``places`` decimal places; half-up unless a framework states another mode.
    This is the project's one rounding step, applied once per indicator score."""
    exponent = _EXPONENTS.get(places)
    if exponent is None:
        exponent = Decimal(1).scaleb(-places)
    return value.quantize(exponent, rounding=ROUNDING_MODES[mode])


def fmt(value: Decimal | None, places: int | None = None) -> str:
    """Format for people: optional half-up rounding, no exponent, no trailing zeros."""
    if value is None:
        return "—"
    if places is not None:
        value = quantize(value, places)
    text = format(value, "f")
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    return "0" if text in ("-0", "") else text


def clamp(value: Decimal, lo: Decimal | None, hi: Decimal | None) -> Decimal:
    if lo is not None and value < lo:
        return lo
    if hi is not None and value > hi:
        return hi
    return value


# --- numbers typed by people --------------------------------------------------------------

#: At most this many digits before the decimal point (10^15 元 is far above any budget) and
#: after it: a 400-digit number is a typing accident, not a value.
MAX_INTEGER_DIGITS = 15
MAX_FRACTION_DIGITS = 10

_FULL_WIDTH = str.maketrans("０１２３４５６７８９．，－＋％‰　", "0123456789.,-+%‰ ")
_PLAIN_RE = re.compile(r"^[+-]?(?:\d+(?:\.\d*)?|\.\d+)$")
_GROUPED_RE = re.compile(r"^[+-]?\d{1,3}(?:,\d{3})+(?:\.\d+)?$")
_EXPONENT_RE = re.compile(r"^[+-]?(?:\d[\d,]*(?:\.\d*)?|\.\d+)[eE][+-]?\d+$")


class NumberError(ValueError):
    """A typed number that is refused; ``str()`` is the Chinese reason, e.g.
    「不接受科学计数法“1e400”」. Callers put the field's name in front."""


def parse_typed(text: str | None, percent: bool = True) -> Decimal | None:
    """The one parser for a number a person typed into a page: None when empty.

    Full-width digits, point, comma, minus and percent (９８．５％) read as their ASCII
    forms; a comma only separates thousands in groups of three (1,234.5); a trailing % or ‰
    is allowed when ``percent``. Refused with a ``NumberError`` naming the reason: exponent
    notation (1e400), a comma used as a decimal point (98,5), more than
    ``MAX_INTEGER_DIGITS`` / ``MAX_FRACTION_DIGITS`` digits, anything else that is not a
    plain decimal number."""
    raw = (text or "").strip()
    clean = raw.translate(_FULL_WIDTH).replace("−", "-").strip()
    if not clean:
        return None
    if percent and clean[-1] in "%‰":
        clean = clean[:-1].rstrip()
    if _EXPONENT_RE.match(clean):
        raise NumberError(f"不接受科学计数法“{raw}”，请直接写出数字")
    if "," in clean:
        if not _GROUPED_RE.match(clean):
            if re.match(r"^[+-]?\d+,\d+$", clean):
                raise NumberError(f"逗号不能作小数点：“{raw}”（小数点请用“.”，如{clean.replace(',', '.')}；"
                                  "逗号只用于每三位分节，如1,234.5）")
            raise NumberError(f"“{raw}”不是数字（逗号只用于每三位分节，如1,234.5）")
        clean = clean.replace(",", "")
    if not _PLAIN_RE.match(clean):
        raise NumberError(f"“{raw}”不是数字")
    integer, _, fraction = clean.lstrip("+-").partition(".")
    if len(integer.lstrip("0")) > MAX_INTEGER_DIGITS:
        raise NumberError(f"“{raw[:20]}{'…' if len(raw) > 20 else ''}”位数过多（整数部分最多{MAX_INTEGER_DIGITS}位）")
    if len(fraction) > MAX_FRACTION_DIGITS:
        raise NumberError(f"“{raw}”小数位数过多（最多{MAX_FRACTION_DIGITS}位）")
    return Decimal(clean)


@dataclass(frozen=True)
class Bounds:
    """The values a typed quantity can take: ``lo`` ≤ value ≤ ``hi`` (None: no limit);
    ``what`` names the kind of quantity in messages (百分比, 金额, 人数…)."""

    lo: Decimal | None = None
    hi: Decimal | None = None
    what: str = "数值"

    def problem(self, value: Decimal, raw: str = "") -> str | None:
        """The Chinese reason ``value`` is out of these bounds, or None."""
        shown = raw.strip() or fmt(value)
        if self.lo is not None and value < self.lo:
            if self.hi is not None:
                return f"{self.what}应在{fmt(self.lo)}到{fmt(self.hi)}之间，“{shown}”超出范围"
            return f"{self.what}不能为负数：“{shown}”" if self.lo == 0 else f"{self.what}不能小于{fmt(self.lo)}：“{shown}”"
        if self.hi is not None and value > self.hi:
            if self.lo is not None:
                return f"{self.what}应在{fmt(self.lo)}到{fmt(self.hi)}之间，“{shown}”超出范围"
            return f"{self.what}不能大于{fmt(self.hi)}：“{shown}”"
        return None


ANY = Bounds()
NON_NEGATIVE = Bounds(ZERO, None, "")


def read_number(text: str | None, bounds: Bounds | None = None, percent: bool = True) -> Decimal | None:
    """A typed number as every page and the API read it: ``parse_typed``, then ``bounds``
    (None: any value). None when empty; a refusal of either kind raises ``NumberError`` with
    the Chinese reason, which the caller prefixes with the field's name."""
    value = parse_typed(text, percent=percent)
    if value is not None and bounds is not None:
        problem = bounds.problem(value, text or "")
        if problem:
            raise NumberError(problem)
    return value
