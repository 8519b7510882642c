"""The provincial default rule (``generic``): by direction, one of the rules it delegates to."""

from __future__ import annotations

from typing import ClassVar, Literal

from .base import Context, Rule
from .judgement import Qualitative
from .rates import Proportional
from .thresholds import Binary, LowerIsBetter


class Generic(Rule):
    """The provincial systems' default when a framework states no special rule, by direction:
    正向 — full at or above the target, else actual ÷ target × weight; 反向 — full at or below
    the target, falling linearly to 0 at twice the target; a target of ``=0`` — full only at
    0; 定性 — a verdict with a score inside its band (see ``qualitative``)."""

    type: Literal["generic"] = "generic"
    shapes: ClassVar = (1, 2, 10)

    def _delegate(self, ctx: Context) -> Rule:
        if ctx.direction == "定性" or (ctx.target.value is None and ctx.input.actual is None):
            return _GENERIC_QUALITATIVE
        if ctx.target.comparator == "=":
            return _GENERIC_EQUAL
        reverse = ctx.direction == "反向" or ctx.target.comparator in ("<=", "<")
        return _GENERIC_REVERSE if reverse else _GENERIC_FORWARD

    def score(self, ctx):
        return self._delegate(ctx).score(ctx)

    def compile(self, ctx=None):
        # the delegate depends on the input only when there is neither a direction of 定性
        # nor a numeric target; otherwise it is known once per indicator
        if ctx is None or (ctx.direction != "定性" and ctx.target.value is None):
            return self.score
        return self._delegate(ctx).compile(ctx)

    def uses_actual(self):
        return True


# The rules ``generic`` delegates to, built once rather than per row.
_GENERIC_QUALITATIVE = Qualitative()
_GENERIC_EQUAL = Binary(comparator="=")
_GENERIC_REVERSE = LowerIsBetter(mode="linear")
_GENERIC_FORWARD = Proportional()
