"""Number filters for pages: ``num`` drops the storage scale (78.0000 → 78), ``money`` shows
amounts in 元 with thousands separators and two places (1114158.59 → 1,114,158.59)."""

from decimal import Decimal, InvalidOperation

from django import template

from jixiao.core.numbers import fmt, quantize

register = template.Library()


def _decimal(value) -> Decimal | None:
    if value is None or value == "":
        return None
    try:
        return value if isinstance(value, Decimal) else Decimal(str(value))
    except InvalidOperation:
        return None


@register.filter
def num(value):
    """A stored Decimal as people write it; anything else unchanged."""
    number = _decimal(value)
    return value if number is None else fmt(number)


@register.filter
def money(value):
    """An amount in 元: half-up to fen, thousands separators."""
    number = _decimal(value)
    return value if number is None else f"{quantize(number, 2):,}"
