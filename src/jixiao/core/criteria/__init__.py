"""Turn published criteria text (评分标准 / 评分细则) into executable rules.

``parse_criteria(text, weight, target)`` recognises the scoring shapes of DOMAIN.md in the
Chinese wording published tables use and returns a rule as plain data (a mapping valid for
``jixiao.core.rules.parse_rule``), or ``None`` for a judgement row, with a confidence and a
Chinese note on what was read. ``extract_actual(evidence, target)`` takes the actual value
from 实际完成情况 / 评分过程 text. Both are pure: no I/O, no state.

Where things are:

- ``result``: ``ParsedCriteria`` and ``Confidence``; ``text``: normalisation and numbers;
  ``context``: what a recogniser is given (``Ctx``) and returns (``Found``)
- ``dispatch``: ``RECOGNISERS`` — the order the wordings are tried in — and ``parse_criteria``
- one module per family of wording: ``levels`` (满分/合格/零分, with ``conditions`` for each
  level's comparator or formula), ``rates`` (问卷折算, 执行率, 同比增长, 按比例), ``shares``
  (各占1/2), ``reference`` (全市平均, 排名), ``bonus`` (每超…加分), ``bands`` (区间得分),
  ``points`` (评分要点 lists), ``deductions`` (每低…扣分, 按次扣分), ``binary`` (达标得分)
- ``executable``: whether a recognised rule can run for the target; ``actuals``: the actual
  value from evidence text; ``subsets``: parts and items that add up to a declared score

A new wording: a ``recognise_…(ctx) -> Found`` function in its family's module (or a new one)
and its place in ``dispatch.RECOGNISERS``.
"""

from .actuals import Figure, extract_actual, extract_values, figures, target_unit
from .dispatch import RECOGNISERS, parse_criteria
from .executable import unexecutable_reason
from .result import CONFIDENCE_RANK, Confidence, ParsedCriteria, weakest
from .subsets import max_award, subset_for
from .text import NUM, normalize, number

__all__ = [
    "CONFIDENCE_RANK", "NUM", "RECOGNISERS", "Confidence", "Figure", "ParsedCriteria", "extract_actual",
    "extract_values", "figures", "max_award", "normalize", "number", "parse_criteria", "subset_for", "target_unit",
    "unexecutable_reason", "weakest",
]
