"""Decimal helpers: parsing, the one rounding policy, and display formatting.

Money and scores are ``decimal.Decimal`` everywhere; floats never enter. Rounding is
half-up, done once per indicator (see ``scoring``), to the framework's stated places.
"""

from __future__ import annotations

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
